"""What the Flow view draws, computed by the metrics engine in one pass (no widgets).

`compute_flow` runs in a thread worker: it analyses every item once (`metrics.analyse`), builds the
SPEC §7.8 report from that analysis (percentiles, SLE, weekly throughput) and picks the per-item
values the charts plot. No number is derived here that the metrics engine does not compute itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flowtui.domain import ItemFilter, StateCategory, ViewFilter
from flowtui.metrics import DOING, Analysis, FlowPolicy, build_report
from flowtui.metrics import flow as fm
from flowtui.metrics.calendar import resolve_window
from flowtui.metrics.stats import percentile
from flowtui.reporting.loader import load_inputs
from flowtui.reporting.report import MetricsReport
from flowtui.store import Store

#: The cycle-time percentiles drawn as lines (those the report has).
LINE_PERCENTILES = (50, 85, 95)


@dataclass(frozen=True)
class FlowData:
    """Everything the four charts need, for the default window ending at as_of."""

    report: MetricsReport
    first: date
    last: date
    start_ts: float
    end_ts: float
    #: (completed_at POSIX seconds, cycle days) of items completed in the window with a cycle time.
    completions: list[tuple[float, float]]
    #: (doing state, ages in days of the items in it now), in workflow order.
    aging: list[tuple[str, list[float]]]
    #: (day, {"todo": n, "doing": n, "done": n}) for every window day up to as_of.
    cfd: list[tuple[date, dict[str, int]]]
    #: (ISO week, completions) of the window.
    weekly: list[tuple[str, int]]
    #: (label, days) of the cycle-time percentile lines, e.g. ("p85", 12.3).
    lines: list[tuple[str, float]]
    items: int
    #: the median of the window's weekly completions (the throughput chart's mark), None without weeks.
    weekly_median: float | None = None


_lock = threading.Lock()
_shared: dict[str, Any] = {}


def shared_analysis(store: Store, policy: FlowPolicy, as_of: datetime, version: int,
                    item_filter: ItemFilter | None = None) -> Analysis:
    """Every item derived once per (store, data version, policy), shared by the Flow and Forecast views.

    Deriving 100k items takes seconds, so the second view reuses the first one's analysis; a caller
    that arrives while it is being computed waits for it. The analysis keeps the as_of of the first
    request of a data version (`r` or a sync moves the version and so refreshes it).
    """
    key = (id(store), str(store.path), version, policy, item_filter)
    with _lock:
        if _shared.get("key") == key:
            return _shared["analysis"]
        # every_item: the CFD and the aging chart count items the report alone could leave out.
        analysis = load_inputs(store, policy, item_filter, as_of=as_of, with_prs=False, every_item=True).analysis
        _shared.update(key=key, analysis=analysis)
        return analysis


def state_order(states: Iterable[StateCategory]) -> dict[str, int]:
    """The smallest workflow position of each state name over every type."""
    order: dict[str, int] = {}
    for sc in states:
        order[sc.state] = min(order.get(sc.state, sc.order), sc.order)
    return order


def percentile_lines(report: MetricsReport) -> list[tuple[str, float]]:
    """(label, days) of the cycle-time lines the duration charts draw: p50, p85, p95 and the SLE
    when its percentile is not one of those. The aging list's percentile bands are cut at these."""
    cycle = report.cycle_time_days
    lines = [(f"p{p}", float(v)) for p in LINE_PERCENTILES if (v := cycle.get(f"p{p}")) is not None]
    sle = report.sle
    if sle.days is not None and sle.percentile not in LINE_PERCENTILES:
        lines.append((f"SLE p{sle.percentile}", float(sle.days)))
    return lines


def flow_report(store: Store, policy: FlowPolicy, analysis: Analysis,
                view_filter: ViewFilter | None = None) -> MetricsReport:
    """The SPEC §7.8 report of an analysis (what the Flow view's lines come from), over the view
    filter's date range when it has one."""
    vf = view_filter or ViewFilter()
    return MetricsReport.from_document(
        build_report(None, store.state_categories(), [], [], policy, as_of=analysis.as_of, analysis=analysis,
                     window_from=vf.date_from, window_to=vf.date_to))


def compute_flow(store: Store, policy: FlowPolicy, as_of: datetime, analysis: Analysis | None = None,
                 view_filter: ViewFilter | None = None) -> FlowData:
    """Gather the chart data from an analysis of the store at as_of (computed here when not given).

    Seconds on 100k items: run it in a worker.
    """
    if analysis is None:
        analysis = load_inputs(store, policy, as_of=as_of, with_prs=False, every_item=True).analysis
    vf = view_filter or ViewFilter()
    report = flow_report(store, policy, analysis, vf)
    window = resolve_window(analysis.as_of, policy.tz, vf.date_from, vf.date_to)
    live = analysis.live
    done = fm.completed_in(live, window)
    completions = [(f.completed_ts, c) for f in done
                   if f.completed_ts is not None and (c := f.cycle_days) is not None]
    by_state: dict[str, list[float]] = {}
    for f in live:
        if f.bucket == DOING and f.age_days is not None:
            by_state.setdefault(f.state, []).append(f.age_days)
    order = state_order(store.state_categories())
    aging = [(s, sorted(by_state[s])) for s in sorted(by_state, key=lambda s: (order.get(s, 10**6), s))]
    lines = percentile_lines(report)
    weekly = [(w.week, w.count) for w in report.throughput.weekly]
    return FlowData(
        report=report, first=window.first, last=window.last, start_ts=window.start_ts, end_ts=window.end_ts,
        completions=completions, aging=aging, cfd=fm.cfd(live, window.days, policy.tz),
        weekly=weekly, lines=lines, items=len(analysis.flows),
        weekly_median=percentile(sorted(c for _, c in weekly), 50),
    )


__all__ = ["LINE_PERCENTILES", "FlowData", "compute_flow", "flow_report", "percentile_lines", "shared_analysis", "state_order"]
