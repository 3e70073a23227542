"""Percentiles and summaries (SPEC §7.7).

Percentiles use linear interpolation between closest ranks — numpy's default "linear" method and
`statistics.quantiles(method="inclusive")`: for sorted values x of length n and percentile p,
h = (n − 1)·p/100 and the result is x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). Every value is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0..100) of already sorted values; None when there are none."""
    n = len(sorted_values)
    if n == 0:
        return None
    if n == 1:
        return float(sorted_values[0])
    h = (n - 1) * p / 100.0
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    frac = h - lo
    low = sorted_values[lo]
    return float(low + frac * (sorted_values[hi] - low))


def summarize(values: Sequence[float], percentiles: Sequence[int]) -> dict[str, float | int | None]:
    """{"n", "mean", "p50"…, "max"} of the values (None where undefined), percentiles in the order given."""
    ordered = sorted(values)
    n = len(ordered)
    out: dict[str, float | int | None] = {"n": n, "mean": (math.fsum(ordered) / n) if n else None}
    for p in percentiles:
        out[f"p{p}"] = percentile(ordered, p)
    out["max"] = float(ordered[-1]) if n else None
    return out


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean (exact summation); None for no values."""
    return math.fsum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    """The 50th percentile."""
    return percentile(sorted(values), 50)


def round3(value: float | None) -> float | None:
    """Round to 3 decimals for JSON (None stays None; -0.0 becomes 0.0)."""
    if value is None:
        return None
    out = round(float(value), 3)
    return 0.0 if out == 0 else out
