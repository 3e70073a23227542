"""Monte Carlo forecasts (SPEC §7.12).

Samples are the completions on each of the last `history_days` complete local days before as_of's
date (days with no completion included as zeros). Each trial draws days uniformly with replacement
from `random.Random(seed)` (index = ⌊random() · n⌋, stable across Python versions).

* "How many in N days": a trial sums N draws. At confidence c the answer is the (1 − c) percentile
  of the trial totals (linear, SPEC §7.7), rounded down: "at least K items".
* "When will K items be done": a trial counts draws until the running sum reaches K. At confidence c
  the answer is the c percentile of those day counts, rounded up, and the date is as_of's local date
  plus that many days (day 1 is the day after as_of's date). A trial that has not reached K after
  `MAX_DAYS` stops there; a percentile beyond `MAX_DAYS` is reported with null days and date.

Fewer than `MIN_COMPLETIONS` completions in the history → "not enough data" and no numbers. The
confidences are 50/70/85/95: a probability is never shown as 100%.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from flowtui.errors import UsageError
from flowtui.metrics.calendar import day_start_ts, local_date
from flowtui.metrics.item_flow import ItemFlow
from flowtui.metrics.policy import FlowPolicy
from flowtui.metrics.stats import percentile

CONFIDENCES = (50, 70, 85, 95)
MIN_COMPLETIONS = 5
MAX_DAYS = 3653  # ten years
#: The largest "how many in N days" horizon and "when will K be done" target accepted (CLI and TUI).
MAX_TARGET_DAYS = 3650
MAX_TARGET_ITEMS = 100_000


def history_days(as_of: datetime, policy: FlowPolicy) -> list[date]:
    """The last `history_days` complete local days before as_of's date, oldest first."""
    today = local_date(as_of, policy.tz)
    return [today - timedelta(days=policy.history_days - i) for i in range(policy.history_days)]


def daily_samples(flows: Sequence[ItemFlow], as_of: datetime, policy: FlowPolicy) -> list[int]:
    """Completions on each history day (zeros included), oldest first."""
    days = history_days(as_of, policy)
    lo = day_start_ts(days[0], policy.tz)
    hi = day_start_ts(days[-1] + timedelta(days=1), policy.tz)
    index = {d: i for i, d in enumerate(days)}
    counts = [0] * len(days)
    for f in flows:
        c = f.completed_ts
        if c is None or f.excluded or not lo <= c < hi:
            continue
        counts[index[local_date(f.completed_at, policy.tz)]] += 1  # type: ignore[arg-type]
    return counts


def not_enough_data(samples: Sequence[int]) -> str | None:
    """The reason a forecast cannot be made from these samples, or None."""
    total = sum(samples)
    if total < MIN_COMPLETIONS:
        return (f"not enough data: {total} completion{'s' if total != 1 else ''} in the last "
                f"{len(samples)} days (at least {MIN_COMPLETIONS} needed)")
    return None


def how_many_totals(samples: Sequence[int], days: int, trials: int, seed: int) -> list[int]:
    """Sorted trial totals: each the sum of `days` draws (the histogram behind `how_many`)."""
    if not 1 <= days <= MAX_TARGET_DAYS:
        raise UsageError(f"--days must be a whole number from 1 to {MAX_TARGET_DAYS}.")
    choices = random.Random(seed).choices  # population[⌊random()·n⌋], the same draws as `when_days`
    return sorted(sum(choices(samples, k=days)) for _ in range(trials))


def when_days(samples: Sequence[int], items: int, trials: int, seed: int) -> list[int]:
    """Sorted trial day counts until `items` are done, capped at MAX_DAYS + 1 (the histogram behind `when`)."""
    if not 1 <= items <= MAX_TARGET_ITEMS:
        raise UsageError(f"--items must be a whole number from 1 to {MAX_TARGET_ITEMS}.")
    rnd = random.Random(seed).random
    n = len(samples)
    results = []
    for _ in range(trials):
        total = day = 0
        while total < items and day <= MAX_DAYS:
            total += samples[int(rnd() * n)]
            day += 1
        results.append(day)
    results.sort()
    return results


def how_many(samples: Sequence[int], days: int, trials: int, seed: int) -> list[dict[str, int]]:
    """[{"confidence": c, "items": K}] — at least K items in `days` days with confidence c."""
    totals = how_many_totals(samples, days, trials, seed)
    return [{"confidence": c, "items": math.floor(percentile(totals, 100 - c) or 0)} for c in CONFIDENCES]


def when(samples: Sequence[int], items: int, trials: int, seed: int, today: date) -> list[dict[str, object]]:
    """[{"confidence": c, "days": D, "date": "YYYY-MM-DD"}] — K items done within D days with confidence c."""
    results = when_days(samples, items, trials, seed)
    out: list[dict[str, object]] = []
    for c in CONFIDENCES:
        d = math.ceil(percentile(results, c) or 0)
        if d > MAX_DAYS:
            out.append({"confidence": c, "days": None, "date": None})
        else:
            out.append({"confidence": c, "days": d, "date": (today + timedelta(days=d)).isoformat()})
    return out
