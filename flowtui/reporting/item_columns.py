"""The per-item flow numbers the Work items table and the aging list show (no widgets).

For every item of the store, at one as_of: age (doing items), cycle time, lead time, blocked days,
days in the current state, whether it is past the SLE, and its percentile band. They come from the
same shared analysis as the Flow view (`reporting.flow.shared_analysis`), so the SLE is the number
the Flow view and the dashboard show (the report's `sle.days`), and the bands are cut at the lines
the Flow view's aging chart draws (`percentile_lines`: p50, p85, p95 and the SLE when different).

Sorting by a flow column on a 100k-item store: the numbers are computed once per data version into
a precomputed column (`FlowColumns.numbers`, a dict keyed by id); the SQL filters return only the
matching ids, which are sorted in memory by that column (None last in either direction) and paged,
and only the page's rows are read from the store (`Store.work_items_by_ids`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flowtui.metrics import DOING, DONE, FlowPolicy
from flowtui.metrics.item_flow import DAY, ItemFlow
from flowtui.reporting.flow import flow_report, percentile_lines, shared_analysis
from flowtui.store import Store

#: The flow sort keys, their labels and the attribute of `ItemNumbers` they sort by.
FLOW_SORT_COLUMNS = ("age", "cycle", "lead", "blocked", "in_state", "sle")
#: SLE marker texts.
WITHIN, PAST = "within", "past"


@dataclass(frozen=True, slots=True)
class ItemNumbers:
    """One item's flow numbers in days (None where undefined)."""

    age: float | None
    cycle: float | None
    lead: float | None
    blocked: float
    in_state: float | None
    #: WITHIN / PAST the SLE (doing: by age; done: by cycle time), "" without a number or an SLE.
    sle: str
    #: The percentile band of a doing item's age ("<p50", "≥p50", "≥p85", "≥p95"…), "" otherwise.
    band: str


@dataclass(frozen=True)
class FlowColumns:
    """The numbers of every item at as_of, the SLE and the band edges (one data version)."""

    numbers: dict[int, ItemNumbers]
    sle_percentile: int
    sle_days: float | None
    #: (label, days) of the aging chart's lines, ascending by days.
    lines: tuple[tuple[str, float], ...]

    def get(self, item_id: int) -> ItemNumbers | None:
        return self.numbers.get(item_id)

    def sort_ids(self, ids: Sequence[int], key: str, descending: bool) -> list[int]:
        """`ids` ordered by a flow column (ties by id ascending; items without a number last)."""
        if key not in FLOW_SORT_COLUMNS:
            raise ValueError(f"not a flow column: {key!r}")
        have: list[tuple[float, int]] = []
        missing: list[int] = []
        for i in ids:
            n = self.numbers.get(i)
            value = _sort_value(n, key) if n is not None else None
            if value is None:
                missing.append(i)
            else:
                have.append((-value if descending else value, i))
        have.sort()
        return [i for _, i in have] + sorted(missing)


def _sort_value(n: ItemNumbers, key: str) -> float | None:
    if key == "sle":  # past first when descending
        return {PAST: 1.0, WITHIN: 0.0}.get(n.sle)
    value: float | None = getattr(n, key)
    return value


def band_of(days: float, lines: Sequence[tuple[str, float]]) -> str:
    """The band of `days` among ascending (label, days) lines: `<first`, or `≥label` of the highest line reached."""
    if not lines:
        return ""
    reached = [label for label, edge in lines if days >= edge]
    return f"≥{reached[-1]}" if reached else f"<{lines[0][0]}"


def _in_state(flow: ItemFlow) -> float | None:
    for step in reversed(flow.steps):
        if step.is_transition:
            return max(0.0, (flow.as_of_ts - step.ts) / DAY)
    return None


def item_numbers(flow: ItemFlow, sle_days: float | None, lines: Sequence[tuple[str, float]]) -> ItemNumbers:
    """The numbers of one derived item."""
    age = flow.age_days
    cycle = flow.cycle_days
    blocked = flow.blocked_days if any(s.blocked for s in flow.steps) else 0.0
    measured = age if flow.bucket == DOING else cycle if flow.bucket == DONE else None
    sle = "" if measured is None or sle_days is None else PAST if measured > sle_days else WITHIN
    band = band_of(age, lines) if age is not None else ""
    return ItemNumbers(age, cycle, flow.lead_days, blocked, _in_state(flow), sle, band)


_lock = threading.Lock()
_cache: dict[str, object] = {}


def flow_columns(store: Store, policy: FlowPolicy, as_of: datetime, version: int) -> FlowColumns:
    """Every item's numbers, computed once per (store, data version, policy); seconds on 100k items
    the first time (the analysis is shared with the Flow and Forecast views): call from a worker."""
    key = (id(store), str(store.path), version, policy)
    with _lock:
        if _cache.get("key") == key:
            return _cache["columns"]  # type: ignore[return-value]
    analysis = shared_analysis(store, policy, as_of, version)
    report = flow_report(store, policy, analysis)
    lines = tuple(sorted(percentile_lines(report), key=lambda line: line[1]))
    sle = report.sle.days
    numbers = {f.id: item_numbers(f, sle, lines) for f in analysis.flows}
    columns = FlowColumns(numbers, report.sle.percentile, sle, lines)
    with _lock:
        _cache.update(key=key, columns=columns)
    return columns


def detail_line(n: ItemNumbers, columns: FlowColumns) -> str:
    """The detail pane's summary of the flow columns, e.g.
    `Age 12.0 d · in state 3.5 d · blocked 1.0 d · SLE p85 = 9.0 d: PAST · band ≥p85`."""
    parts = []
    for label, value in (("Age", n.age), ("cycle", n.cycle), ("lead", n.lead), ("in state", n.in_state)):
        if value is not None:
            parts.append(f"{label} {value:.1f} d")
    parts.append(f"blocked {n.blocked:.1f} d")
    if columns.sle_days is not None:
        parts.append(f"SLE p{columns.sle_percentile} = {columns.sle_days:.1f} d" + (f": {n.sle.upper()}" if n.sle else ""))
    if n.band:
        parts.append(f"band {n.band}")
    return " · ".join(parts)


def fmt_days(days: float | None) -> str:
    """`12.3` (one decimal), "" for no number."""
    return "" if days is None else f"{days:.1f}"


__all__ = ["FLOW_SORT_COLUMNS", "PAST", "WITHIN", "FlowColumns", "ItemNumbers", "band_of", "detail_line", "flow_columns",
           "fmt_days", "item_numbers"]
