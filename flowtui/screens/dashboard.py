"""Dashboard: the KPI table with 12-week sparklines and change vs the previous period, plus data age;
at 40 rows or more, a weekly throughput run chart and the WIP-by-state bars under it (below that,
the KPI table alone; the charts follow resizes).

Every number comes from `flowtui.reporting.dashboard.build_dashboard` (run in a thread worker), the
same report path as `flowtui metrics`; this screen only draws what it returns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual import on, work
from textual.worker import Worker, get_current_worker
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from flowtui.config import Settings
from flowtui.messages import DataChanged, ReportReady
from flowtui.domain import ViewFilter
from flowtui.reporting import MetricsReport
from flowtui.reporting.dashboard import DashboardData, build_dashboard
from flowtui.screens.worker_errors import ReportsWorkerErrors, error_text
from flowtui.widgets.charts import Chart, Mark, hbars, run_chart
from flowtui.widgets.kpi_table import KpiTable
from flowtui.widgets.safe_text import markup_with, plain
from flowtui.widgets.status_bar import StatusBar

EMPTY_TEXT = "No data yet — press s to sync"
#: Narrower terminals drop the KPI table's "Note" column instead of scrolling sideways.
NOTES_MIN_WIDTH = 100
#: Terminals at least this tall show the throughput run chart and the WIP-by-state bars.
CHARTS_MIN_HEIGHT = 40


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
        #: The meta line as last computed (markup of our own; server text never goes in it).
        self._meta = ""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="dashboard-body"):
            yield Static("", id="dashboard-meta")
            yield Static(EMPTY_TEXT, id="dashboard-empty", classes="empty-state")
            yield KpiTable(id="kpi-table")
            yield Static("", id="dashboard-notes")
            with Horizontal(id="dashboard-charts"):
                with Vertical(id="dashboard-throughput"):
                    yield Static("Throughput per week (line: median)", classes="chart-title")
                    yield Chart(id="dashboard-throughput-chart")
                with Vertical(id="dashboard-wip"):
                    yield Static("WIP by state", classes="chart-title")
                    yield Chart(id="dashboard-wip-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.shown_version = self.app.data_version  # type: ignore[attr-defined]  # (resume must not reload too)
        self.query_one("#kpi-table").display = False
        self.query_one("#dashboard-charts").display = False
        self.query_one("#dashboard-empty").display = False
        self.query_one("#dashboard-meta", Static).update("[dim]Computing the report…[/]")
        app: Any = self.app
        if hasattr(app, "store_watch_signal"):
            app.store_watch_signal.subscribe(self, lambda _run: self._draw_meta())
        # Paint the first frame before the report worker starts competing for the GIL.
        self.call_after_refresh(self.reload)

    def on_screen_resume(self) -> None:
        if self.app.data_version != self.shown_version:  # type: ignore[attr-defined]
            self.reload()

    def _show_charts(self) -> None:
        """The charts only on a tall terminal and only with data."""
        data = self.data
        self.query_one("#dashboard-charts").display = (
            data is not None and not data.empty and self.size.height >= CHARTS_MIN_HEIGHT)

    def on_resize(self) -> None:
        self._show_charts()
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
        self._meta = ""
        self.query_one("#dashboard-meta", Static).update("[dim]Computing the report…[/]")
        self._compute(app.store, app.settings, app.now(), app.data_version, app.view_filter)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard", name="dashboard")
    def _compute(self, store: Any, settings: Settings, as_of: datetime, version: int, view_filter: ViewFilter) -> None:
        data = build_dashboard(store, settings, as_of, view_filter)
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
        self._draw_charts(data)
        if data.empty:
            self._draw_meta(f"[dim]{age}[/]")
            self.query_one("#dashboard-notes", Static).update("")
            return
        r = data.report
        assert r is not None  # a non-empty dashboard always carries its report
        meta = (f"[b]{r.window.from_} → {r.window.to}[/] ({r.window.timezone})   "
                f"{r.counts.items:,} items · {r.counts.completed_in_window:,} done in window · "
                f"{r.pull_requests.completed_in_window:,} PRs   [dim]{age}[/]")
        self._draw_meta(meta)
        self.notes_shown = self.size.width >= NOTES_MIN_WIDTH
        table.show_kpis(data.kpis, notes=self.notes_shown)
        self.query_one("#dashboard-notes", Static).update(notes_text(r))


    def _draw_meta(self, meta: str | None = None) -> None:
        """The window, counts and data age, then (when the store watch has one) "a sync is running
        elsewhere, started HH:MM" or the store warning, on the same line."""
        if meta is not None:
            self._meta = meta
        if not self._meta:
            return  # still computing: that line stays until the report is ready
        app: Any = self.app
        watch = app.store_watch_text() if hasattr(app, "store_watch_text") else ""
        self.query_one("#dashboard-meta", Static).update(
            f"{self._meta}   [b yellow]{watch}[/]" if watch else self._meta)

    def _draw_charts(self, data: DashboardData) -> None:
        self._show_charts()
        weekly = data.throughput
        median = data.throughput_median

        def throughput(width: int, height: int) -> list[Any]:
            bar = max(1, min(4, (width - 12) // max(1, len(weekly)) - 1))
            labels = [w.split("-")[-1] if bar >= 2 else "" for w, _ in weekly]
            marks = [Mark("median", median, "green")] if median is not None else []
            return run_chart(labels, [c for _, c in weekly], height=max(2, height - 2), bar_width=bar, gap=1,
                             marks=marks)

        wip = data.wip_by_state
        self.query_one("#dashboard-throughput-chart", Chart).set_draw(throughput)
        self.query_one("#dashboard-wip-chart", Chart).set_draw(
            lambda width, _height: hbars(wip, width=width) if wip else [])


def notes_text(r: MetricsReport) -> Content:
    """Bottleneck, Little's law and data-health lines under the table (state names and health
    messages carry server text: filled in as plain text, never parsed as markup)."""
    lines: list[Content] = []
    bn = r.bottleneck
    if bn.state and bn.share is not None and bn.p85_days is not None:
        lines.append(markup_with(f"Bottleneck: [b]$state[/] ({bn.share * 100:.0f}% of time in doing states, "
                                 f"p85 dwell {bn.p85_days:.1f} d)", state=bn.state))
    ll = r.littles_law
    if ll.ratio is not None:
        lines.append(Content(f"Little's law: avg WIP {ll.avg_wip:.1f} ÷ {ll.throughput_per_day:.2f}/day → "
                             f"{ll.implied_cycle_time_days:.1f} d implied vs {ll.avg_cycle_time_days:.1f} d measured"))
    health = [h for h in r.data_health if h.count]
    if health:
        lines.append(plain("Data health: " + "; ".join(h.message for h in health[:4])))
    return Content("\n").join(lines)


__all__ = ["EMPTY_TEXT", "DashboardData", "DashboardScreen", "build_dashboard", "data_age"]
