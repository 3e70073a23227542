"""Dashboard: the KPI table with 12-week sparklines and change vs the previous period, plus data age.

The report is computed in a thread worker (`build_dashboard`, no Textual inside) from the same
metrics engine as `flowtui metrics`. "Previous period" means the window of the same length that
ends the day before the current window starts (the current window is the default 90 days ending on
today). WIP and age are instants, not windows: they compare now with the end of the first week of
the 12-week trend (about a quarter ago). Sparklines are the weekly values over the last 12 complete
weeks; the metrics engine's trend series are used where they exist, and lead time p50/p85, cycle
time p50, the SLE percentile and flow efficiency are computed per week here from the same items.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from textual import on, work
from textual.worker import Worker, get_current_worker
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from flowtui.config import Settings
from flowtui.messages import DataChanged, ReportReady
from flowtui.screens.worker_errors import ReportsWorkerErrors, error_text
from flowtui.widgets.kpi_table import Kpi, KpiTable
from flowtui.widgets.safe_text import markup_with, plain
from flowtui.widgets.status_bar import StatusBar

EMPTY_TEXT = "No data yet — press s to sync"
#: Narrower terminals drop the KPI table's "Note" column instead of scrolling sideways.
NOTES_MIN_WIDTH = 100


@dataclass
class DashboardData:
    """What the dashboard shows; `empty` when the store holds no work items and no PRs."""

    empty: bool
    kpis: list[Kpi] = field(default_factory=list)
    last_sync: datetime | None = None
    report: dict[str, Any] = field(default_factory=dict)
    weeks: list[str] = field(default_factory=list)


def _weekly(flows: list[Any], policy: Any, as_of: datetime) -> dict[str, list[float | None]]:
    """Per-week lead p50/p85, cycle p50, cycle p{SLE} and mean flow efficiency (12 complete weeks)."""
    from flowtui.metrics import flow as fm
    from flowtui.metrics.calendar import complete_weeks, day_start_ts
    from flowtui.metrics.stats import percentile
    from flowtui.metrics.trends import TREND_WEEKS

    tz = policy.tz
    mondays = complete_weeks(as_of, tz, TREND_WEEKS)
    bounds = [day_start_ts(m, tz) for m in mondays] + [day_start_ts(mondays[-1] + timedelta(days=7), tz)]
    done: list[list[Any]] = [[] for _ in mondays]
    for f in flows:
        c = f.completed_ts
        if c is not None:
            j = bisect_right(bounds, c) - 1
            if 0 <= j < len(mondays):
                done[j].append(f)

    def pct(week: list[Any], attr: str, p: float) -> float | None:
        return percentile(sorted(v for f in week if (v := getattr(f, attr)) is not None), p)

    return {
        "lead_p50": [pct(w, "lead_days", 50) for w in done],
        "lead_p85": [pct(w, "lead_days", 85) for w in done],
        "cycle_p50": [pct(w, "cycle_days", 50) for w in done],
        "sle": [pct(w, "cycle_days", policy.sle_percentile) for w in done],
        "efficiency": [(e * 100 if (e := fm.flow_efficiency(w)[0]) is not None else None) for w in done],
    }


def build_dashboard(store: Any, settings: Settings, as_of: datetime) -> DashboardData:
    """Read the store and compute the dashboard (call from a worker thread)."""
    from flowtui.domain import ItemFilter
    from flowtui.metrics import FlowPolicy, build_report
    from flowtui.metrics.calendar import resolve_window
    from flowtui.reporting import load_inputs
    from flowtui.timeutil import to_utc

    if store is None:
        return DashboardData(empty=True)
    stats = store.stats()
    last_sync = store.last_successful_sync()
    if not stats.get("work_item") and not stats.get("pull_request"):
        return DashboardData(empty=True, last_sync=last_sync)
    policy = FlowPolicy.from_settings(settings)
    item_filter = ItemFilter(projects=tuple(settings.projects))
    window = resolve_window(to_utc(as_of), policy.tz, None, None)
    prev_to = window.first - timedelta(days=1)
    prev_from = prev_to - timedelta(days=len(window.days) - 1)
    # Read through the shared report path, reaching back to the previous window's start so the
    # items and PRs it compares against are loaded too (older settled items are only counted).
    inputs = load_inputs(store, policy, item_filter, as_of=as_of, window_from=prev_from)
    analysis = inputs.analysis
    report = build_report(None, inputs.states, inputs.prs, inputs.runs, policy, as_of=analysis.as_of,
                          filters=item_filter, last_success=inputs.last_success, analysis=analysis)
    previous = previous_window(analysis, inputs.prs, policy,
                               resolve_window(analysis.as_of, policy.tz, prev_from, prev_to))
    weekly = _weekly(analysis.live, policy, analysis.as_of)
    return DashboardData(empty=False, kpis=kpis_from(report, previous, weekly), last_sync=inputs.last_success,
                         report=report, weeks=list(report["trends"]["weeks"]))


def previous_window(analysis: Any, prs: list[Any], policy: Any, window: Any) -> dict[str, Any]:
    """The window KPIs of the previous period, shaped like the report's keys the dashboard reads.

    Built from the same metrics building blocks as `build_report` (completions in a window,
    inclusive-linear percentiles, flow efficiency, PR cycle time), without a second full report:
    trends, health and the rest are not needed for a comparison and cost seconds on a large store.
    """
    from flowtui.metrics import flow as fm
    from flowtui.metrics import prs as prm
    from flowtui.metrics.stats import percentile, round3

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


def data_age(last_sync: datetime | None, now: datetime) -> str:
    """'last synced 3 h ago' (minutes under an hour, days over two days)."""
    if last_sync is None:
        return "never synced"
    seconds = max(0.0, (now - last_sync).total_seconds())
    if seconds < 60:
        return "last synced just now"
    if seconds < 3600:
        return f"last synced {int(seconds // 60)} min ago"
    if seconds < 2 * 86400:
        return f"last synced {int(seconds // 3600)} h ago"
    return f"last synced {int(seconds // 86400)} days ago"


class DashboardScreen(ReportsWorkerErrors, Screen):
    """KPIs at a glance."""

    def __init__(self) -> None:
        super().__init__()
        self.shown_version = -1
        self.data: DashboardData | None = None
        self.notes_shown = True

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="dashboard-body"):
            yield Static("", id="dashboard-meta")
            yield Static(EMPTY_TEXT, id="dashboard-empty", classes="empty-state")
            yield KpiTable(id="kpi-table")
            yield Static("", id="dashboard-notes")
        yield Footer()

    def on_mount(self) -> None:
        self.shown_version = self.app.data_version  # type: ignore[attr-defined]  # (resume must not reload too)
        self.query_one("#kpi-table").display = False
        self.query_one("#dashboard-empty").display = False
        self.query_one("#dashboard-meta", Static).update("[dim]Computing the report…[/]")
        # Paint the first frame before the report worker starts competing for the GIL.
        self.call_after_refresh(self.reload)

    def on_screen_resume(self) -> None:
        if self.app.data_version != self.shown_version:  # type: ignore[attr-defined]
            self.reload()

    def on_resize(self) -> None:
        notes = self.size.width >= NOTES_MIN_WIDTH
        if self.data is not None and not self.data.empty and notes != self.notes_shown:
            self.notes_shown = notes
            self.query_one(KpiTable).show_kpis(self.data.kpis, notes=notes)

    @on(DataChanged)
    def _data_changed(self, _message: DataChanged) -> None:
        self.reload()

    def reload(self) -> None:
        """Recompute the dashboard from the store in a worker."""
        app: Any = self.app
        self.shown_version = app.data_version
        self.query_one("#dashboard-meta", Static).update("[dim]Computing the report…[/]")
        self._compute(app.store, app.settings, app.now(), app.data_version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard", name="dashboard")
    def _compute(self, store: Any, settings: Settings, as_of: datetime, version: int) -> None:
        data = build_dashboard(store, settings, as_of)
        if not get_current_worker().is_cancelled:  # a newer reload replaced this one
            self.post_message(ReportReady(data, version))

    def show_worker_error(self, worker: Worker[object], error: BaseException) -> None:
        """The report failed: say so where "Computing the report…" was (the App notifies and logs too)."""
        if worker.group == "dashboard":
            self.query_one("#dashboard-meta", Static).update(error_text("Could not compute the report", error))

    @on(ReportReady)
    def _show(self, message: ReportReady) -> None:
        if message.version < self.shown_version:
            return  # an older computation finished after a newer one started
        data: DashboardData = message.data
        self.data = data
        app: Any = self.app
        if app.demo:  # the demo org lives at a fixed instant; the real sync time says nothing about it
            age = f"demo organization as of {app.now():%Y-%m-%d %H:%M} UTC"
        else:
            age = data_age(data.last_sync, app.now())
        empty = self.query_one("#dashboard-empty", Static)
        table = self.query_one(KpiTable)
        empty.display, table.display = data.empty, not data.empty
        if data.empty:
            self.query_one("#dashboard-meta", Static).update(f"[dim]{age}[/]")
            self.query_one("#dashboard-notes", Static).update("")
            return
        r = data.report
        meta = (f"[b]{r['window']['from']} → {r['window']['to']}[/] ({r['window']['timezone']})   "
                f"{r['counts']['items']:,} items · {r['counts']['completed_in_window']:,} done in window · "
                f"{r['pull_requests']['completed_in_window']:,} PRs   [dim]{age}[/]")
        self.query_one("#dashboard-meta", Static).update(meta)
        self.notes_shown = self.size.width >= NOTES_MIN_WIDTH
        table.show_kpis(data.kpis, notes=self.notes_shown)
        self.query_one("#dashboard-notes", Static).update(notes_text(r))


def notes_text(r: dict[str, Any]) -> Content:
    """Bottleneck, Little's law and data-health lines under the table (state names and health
    messages carry server text: filled in as plain text, never parsed as markup)."""
    lines: list[Content] = []
    bn = r["bottleneck"]
    if bn["state"]:
        lines.append(markup_with(f"Bottleneck: [b]$state[/] ({bn['share'] * 100:.0f}% of time in doing states, "
                                 f"p85 dwell {bn['p85_days']:.1f} d)", state=bn["state"]))
    ll = r["littles_law"]
    if ll.get("ratio") is not None:
        lines.append(Content(f"Little's law: avg WIP {ll['avg_wip']:.1f} ÷ {ll['throughput_per_day']:.2f}/day → "
                             f"{ll['implied_cycle_time_days']:.1f} d implied vs {ll['avg_cycle_time_days']:.1f} d measured"))
    health = [h for h in r["data_health"] if h.get("count")]
    if health:
        lines.append(plain("Data health: " + "; ".join(f"{h['message']}" for h in health[:4])))
    return Content("\n").join(lines)


__all__ = ["EMPTY_TEXT", "DashboardData", "DashboardScreen", "build_dashboard", "data_age", "kpis_from"]
