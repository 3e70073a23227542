"""The dashboard's numbers: the KPI rows with their 12-week series and the change vs the previous
period, computed from the same report path as `flowtui metrics` (no widgets; call from a worker).

"Previous period" means the window of the same length that ends the day before the current window
starts (the current window is the default 90 days ending on as_of). WIP and age are instants, not
windows: they compare now with the end of the first week of the 12-week trend (about a quarter ago).
Sparklines are the weekly values over the last 12 complete weeks: the engine's trend series where
they exist; lead time p50/p85, cycle time p50, the SLE percentile and flow efficiency per week are
computed here from the engine's own week bucketing (`metrics.trends.completed_by_week`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flowtui.config import Settings
from flowtui.domain import ViewFilter
from flowtui.metrics import FlowPolicy, build_report
from flowtui.metrics import flow as fm
from flowtui.metrics import prs as prm
from flowtui.metrics.calendar import resolve_window
from flowtui.metrics.item_flow import ItemFlow
from flowtui.metrics.stats import percentile, round3
from flowtui.metrics.trends import completed_by_week
from flowtui.reporting.flow import state_order
from flowtui.reporting.loader import load_inputs
from flowtui.reporting.report import MetricsReport
from flowtui.timeutil import to_utc


@dataclass(frozen=True)
class Kpi:
    """One dashboard row. `better` says which direction is good ("up", "down" or "" for neutral)."""

    key: str
    label: str
    value: float | None
    unit: str
    previous: float | None
    series: tuple[float | None, ...]
    better: str = "down"
    note: str = ""
    decimals: int = 1


@dataclass
class DashboardData:
    """What the dashboard shows; `empty` when the store holds no work items and no PRs."""

    empty: bool
    kpis: list[Kpi] = field(default_factory=list)
    last_sync: datetime | None = None
    report: MetricsReport | None = None
    weeks: list[str] = field(default_factory=list)
    #: (ISO week, completions) of the window, for the throughput run chart (tall terminals).
    throughput: list[tuple[str, int]] = field(default_factory=list)
    #: the median of those weekly completions (the run chart's line), None without weeks.
    throughput_median: float | None = None
    #: (doing state, items in it now) in workflow order, for the WIP-by-state bars.
    wip_by_state: list[tuple[str, int]] = field(default_factory=list)


def _weekly(flows: list[ItemFlow], policy: FlowPolicy, as_of: datetime) -> dict[str, list[float | None]]:
    """Per-week lead p50/p85, cycle p50, cycle p{SLE} and mean flow efficiency (12 complete weeks)."""
    done = completed_by_week(flows, policy, as_of)

    def pct(week: list[ItemFlow], attr: str, p: float) -> float | None:
        return percentile(sorted(v for f in week if (v := getattr(f, attr)) is not None), p)

    return {
        "lead_p50": [pct(w, "lead_days", 50) for w in done],
        "lead_p85": [pct(w, "lead_days", 85) for w in done],
        "cycle_p50": [pct(w, "cycle_days", 50) for w in done],
        "sle": [pct(w, "cycle_days", policy.sle_percentile) for w in done],
        "efficiency": [(e * 100 if (e := fm.flow_efficiency(w)[0]) is not None else None) for w in done],
    }


def build_dashboard(store: Any, settings: Settings, as_of: datetime,
                    view_filter: ViewFilter | None = None) -> DashboardData:
    """Read the store and compute the dashboard under the TUI's filter (call from a worker thread).

    The numbers equal `flowtui metrics` given the same filters as flags (`--type`, `--tag`,
    `--assignee`, `--from`/`--to`…); the date range sets the window like `--from/--to`."""
    if store is None:
        return DashboardData(empty=True)
    stats = store.stats()
    last_sync = store.last_successful_sync()
    if not stats.get("work_item") and not stats.get("pull_request"):
        return DashboardData(empty=True, last_sync=last_sync)
    policy = FlowPolicy.from_settings(settings)
    vf = view_filter or ViewFilter()
    item_filter = vf.item_filter(settings.projects)
    window = resolve_window(to_utc(as_of), policy.tz, vf.date_from, vf.date_to)
    prev_to = window.first - timedelta(days=1)
    prev_from = prev_to - timedelta(days=len(window.days) - 1)
    # Read through the shared report path, reaching back to the previous window's start so the
    # items and PRs it compares against are loaded too (older settled items are only counted).
    inputs = load_inputs(store, policy, item_filter, as_of=as_of, window_from=prev_from, window_to=vf.date_to)
    analysis = inputs.analysis
    report = build_report(None, inputs.states, inputs.prs, inputs.runs, policy, as_of=analysis.as_of,
                          window_from=vf.date_from, window_to=vf.date_to,
                          filters=item_filter, last_success=inputs.last_success, analysis=analysis)
    previous = previous_window(analysis, inputs.prs, policy,
                               resolve_window(analysis.as_of, policy.tz, prev_from, prev_to))
    weekly = _weekly(analysis.live, policy, analysis.as_of)
    typed = MetricsReport.from_document(report)
    throughput = [(w.week, w.count) for w in typed.throughput.weekly]
    order = state_order(inputs.states)
    wip = sorted(typed.wip.by_state.items(), key=lambda kv: (order.get(kv[0], 10**6), kv[0]))
    return DashboardData(empty=False, kpis=kpis_from(report, previous, weekly), last_sync=inputs.last_success,
                         report=typed, weeks=list(report["trends"]["weeks"]), throughput=throughput,
                         throughput_median=percentile(sorted(c for _, c in throughput), 50),
                         wip_by_state=[(state, int(n)) for state, n in wip])


def previous_window(analysis: Any, prs: list[Any], policy: Any, window: Any) -> dict[str, Any]:
    """The window KPIs of the previous period, shaped like the report's keys the dashboard reads.

    Built from the same metrics building blocks as `build_report` (completions in a window,
    inclusive-linear percentiles, flow efficiency, PR cycle time), without a second full report:
    trends, health and the rest are not needed for a comparison and cost seconds on a large store.
    """
    done = fm.completed_in(analysis.live, window)
    leads = sorted(v for f in done if (v := f.lead_days) is not None)
    cycles = sorted(v for f in done if (v := f.cycle_days) is not None)
    eff_mean = fm.flow_efficiency(done)[0]
    window_prs = prm.closed_between(prm.completed(prs), window.start_ts, window.end_ts)
    pr_hours = [h for p in window_prs if (h := prm.cycle_hours(p)) is not None]
    days = len(window.days)
    return {
        "throughput": {"per_day": round3(len(done) / days) if days else None, "total": len(done)},
        "lead_time_days": {"p50": round3(percentile(leads, 50)), "p85": round3(percentile(leads, 85))},
        "cycle_time_days": {"p50": round3(percentile(cycles, 50)), "p85": round3(percentile(cycles, 85))},
        "flow_efficiency": {"mean": round3(eff_mean)},
        "sle": {"days": round3(percentile(cycles, policy.sle_percentile))},
        "pull_requests": {"cycle_time_hours": {"p50": round3(prm.p50_p90(pr_hours)["p50"])}},
    }


def kpis_from(report: dict[str, Any], previous: dict[str, Any], weekly: dict[str, list[float | None]]) -> list[Kpi]:
    """The KPI rows from the current and previous-window reports and the weekly series."""
    tr = report["trends"]
    sle_p = report["sle"]["percentile"]

    def per_week(r: dict[str, Any]) -> float | None:
        per_day = r["throughput"]["per_day"]
        return per_day * 7 if per_day is not None else None

    def eff(r: dict[str, Any]) -> float | None:
        m = r["flow_efficiency"]["mean"]
        return m * 100 if m is not None else None

    def first(series: list[Any]) -> Any:
        return series[0] if series else None

    eff_note = report["flow_efficiency"]["reason"] or ""
    return [
        Kpi("throughput", "Throughput / week", per_week(report), "", per_week(previous), tuple(tr["throughput"]), "up",
            f"{report['throughput']['total']} done in window"),
        Kpi("lead_p50", "Lead time p50", report["lead_time_days"]["p50"], "d", previous["lead_time_days"]["p50"],
            tuple(weekly["lead_p50"])),
        Kpi("lead_p85", "Lead time p85", report["lead_time_days"]["p85"], "d", previous["lead_time_days"]["p85"],
            tuple(weekly["lead_p85"])),
        Kpi("cycle_p50", "Cycle time p50", report["cycle_time_days"]["p50"], "d", previous["cycle_time_days"]["p50"],
            tuple(weekly["cycle_p50"])),
        Kpi("cycle_p85", "Cycle time p85", report["cycle_time_days"]["p85"], "d", previous["cycle_time_days"]["p85"],
            tuple(tr["cycle_time_p85"])),
        Kpi("wip", "WIP", report["wip"]["current"], "", first(tr["wip"]), tuple(tr["wip"]), "down",
            "in doing states now", decimals=0),
        Kpi("age_p85", "Age of WIP p85", report["age_days"]["p85"], "d", first(tr["age_p85"]), tuple(tr["age_p85"])),
        Kpi("efficiency", "Flow efficiency", eff(report), "%", eff(previous), tuple(weekly["efficiency"]), "up",
            eff_note, decimals=0),
        Kpi("sle", f"SLE (p{sle_p} cycle)", report["sle"]["days"], "d", previous["sle"]["days"], tuple(weekly["sle"]), "down",
            f"{sle_p}% of items finish within this"),
        Kpi("pr_cycle", "PR cycle time p50", report["pull_requests"]["cycle_time_hours"]["p50"], "h",
            previous["pull_requests"]["cycle_time_hours"]["p50"], tuple(tr["pr_cycle_time_p50_hours"]), "down",
            f"{report['pull_requests']['completed_in_window']} PRs in window"),
    ]


__all__ = ["DashboardData", "Kpi", "build_dashboard", "kpis_from", "previous_window"]
