"""Plain tests of the shell's pure parts: sparklines, change arrows, the sync board, dashboard numbers,
data age, demo-mode settings and the `flowtui --demo` entry point (with the app's run() stubbed)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest_views import AS_OF as VIEWS_AS_OF

from flowtui.reporting.dashboard import build_dashboard, kpis_from
from flowtui.screens.dashboard import data_age
from flowtui.sync.progress import SyncProgress
from flowtui.widgets.kpi_table import change_text, format_value, sparkline
from flowtui.widgets.sync_progress import SyncBoard


def test_sparkline_scales_from_zero_to_max() -> None:
    # top = 8 → level = round(v / 8 * 7): 0→0 "▁", 4→round(3.5)=4 "▅", 8→7 "█"; None → a gap
    assert sparkline([0, 4, 8, None]) == "▁▅█ "
    assert sparkline([]) == ""
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([None, None]) == "  "


def test_change_text_direction_and_colour() -> None:
    up_good = change_text(12.0, 10.0, "up")  # (12 − 10) / 10 = +20 %
    assert up_good.plain == "▲ +20%" and up_good.style == "green"
    down_bad = change_text(12.0, 10.0, "down")
    assert down_bad.plain == "▲ +20%" and down_bad.style == "red"
    assert change_text(9.0, 12.0, "down").plain == "▼ −25%"  # (9 − 12) / 12 = −25 %
    assert change_text(None, 3.0, "up").plain == "—"
    assert change_text(5.0, 0.0, "up").plain == "new"
    assert change_text(10.04, 10.0, "up").plain == "±0%"
    assert format_value(None, "d") == "—" and format_value(3.14159, "d") == "3.1 d" and format_value(7, "", 0) == "7"


def test_sync_board_folds_events() -> None:
    board = SyncBoard()
    board.start(["A", "B"], now=100.0)
    board.apply(SyncProgress("work_items", "A", "work_items", 500, None, 3), now=101.0)
    board.apply(SyncProgress("pull_requests", "A", "pull_requests", 40, None, 5), now=102.0)
    a = board.projects["A"]
    assert a.status == "running" and a.streams["work_items"].complete  # a later stream began
    assert not a.streams["pull_requests"].complete and a.streams["pull_requests"].done == 40
    board.apply(SyncProgress("throttled", "A", "", 0, None, 6, 0.0, 4.2), now=103.0)
    assert board.countdown(103.0) == 5  # ceil(4.2)
    assert board.countdown(106.0) == 2  # 107.2 − 106 = 1.2 → 2
    board.apply(SyncProgress("project_done", "A", "", 0, None, 7), now=104.0)
    assert a.status == "done" and all(s.complete for s in a.streams.values())
    assert board.projects["B"].status == "pending" and board.requests == 7
    assert board.elapsed(110.0) == 10.0
    board.finish(12.5)
    assert board.elapsed(500.0) == 12.5


def test_data_age_wording() -> None:
    now = VIEWS_AS_OF
    assert data_age(None, now) == "never synced"
    assert data_age(now - timedelta(seconds=30), now) == "last synced just now"
    assert data_age(now - timedelta(minutes=42), now) == "last synced 42 min ago"
    assert data_age(now - timedelta(hours=3, minutes=5), now) == "last synced 3 h ago"
    assert data_age(now - timedelta(days=5), now) == "last synced 5 days ago"


def test_kpis_from_a_hand_built_report() -> None:
    def report(per_day: float, p85: float, wip: int) -> dict[str, Any]:
        return {
            "throughput": {"per_day": per_day, "total": 30},
            "lead_time_days": {"p50": 4.0, "p85": 9.0}, "cycle_time_days": {"p50": 2.0, "p85": p85},
            "wip": {"current": wip}, "age_days": {"p85": 6.0},
            "flow_efficiency": {"mean": 0.5, "reason": None}, "sle": {"percentile": 85, "days": p85},
            "pull_requests": {"cycle_time_hours": {"p50": 20.0}, "completed_in_window": 12},
            "trends": {"throughput": [1, 2], "cycle_time_p85": [3.0, None], "wip": [7, 9], "age_p85": [5.0, 6.0],
                       "pr_cycle_time_p50_hours": [10.0, 20.0]},
        }

    weekly = {k: [1.0, 2.0] for k in ("lead_p50", "lead_p85", "cycle_p50", "sle", "efficiency")}
    kpis = {k.key: k for k in kpis_from(report(2.0, 8.0, 9), report(1.0, 10.0, 5), weekly)}
    assert kpis["throughput"].value == 14.0 and kpis["throughput"].previous == 7.0  # 2/day · 7, 1/day · 7
    assert kpis["cycle_p85"].value == 8.0 and kpis["cycle_p85"].previous == 10.0
    assert kpis["wip"].value == 9 and kpis["wip"].previous == 7  # WIP compares with the trend's first week
    assert kpis["efficiency"].value == 50.0  # 0.5 as a percentage
    assert kpis["cycle_p85"].series == (3.0, None)
    assert len(kpis) == 10


def test_dashboard_wip_matches_the_views_store(views_store: Any, views_settings: Any) -> None:
    # Views store rules (conftest_views): final state by i % 5: 1 → Active, 2 → Review (both doing);
    # i % 50 == 0 (Removed) implies i % 5 == 0, so no overlap: WIP = 1200 · 2/5 = 480.
    data = build_dashboard(views_store, views_settings, VIEWS_AS_OF)
    kpis = {k.key: k for k in data.kpis}
    assert not data.empty and kpis["wip"].value == 480
    assert data.report is not None and data.report.counts.doing == 480


def test_previous_window_agrees_with_a_full_report(demo_store: Any, shell_settings: Any) -> None:
    """The dashboard's light previous-period summary must equal build_report over that window."""
    from shell_support import AS_OF

    from flowtui.metrics import FlowPolicy, analyse, build_report
    from flowtui.metrics.calendar import resolve_window
    from flowtui.reporting.dashboard import previous_window

    policy = FlowPolicy.from_settings(shell_settings)
    analysis = analyse(demo_store.work_item_histories(changes_only=True), demo_store.state_categories(), policy, AS_OF)
    prs = demo_store.pull_requests()
    # default window: the 90 days ending 2026-11-23 → 2026-08-26..2026-11-23; previous: 2026-05-28..2026-08-25
    window = resolve_window(AS_OF, policy.tz, date(2026, 5, 28), date(2026, 8, 25))
    light = previous_window(analysis, prs, policy, window)
    full = build_report(None, (), prs, [], policy, as_of=AS_OF, window_from=date(2026, 5, 28),
                        window_to=date(2026, 8, 25), analysis=analysis)
    assert full["counts"]["completed_in_window"] > 0  # the comparison is not vacuous
    assert light["throughput"]["per_day"] == full["throughput"]["per_day"]
    for key in ("lead_time_days", "cycle_time_days"):
        assert light[key]["p50"] == full[key]["p50"] and light[key]["p85"] == full[key]["p85"]
    assert light["flow_efficiency"]["mean"] == full["flow_efficiency"]["mean"]
    assert light["sle"]["days"] == full["sle"]["days"]
    assert light["pull_requests"]["cycle_time_hours"]["p50"] == full["pull_requests"]["cycle_time_hours"]["p50"]


def test_dashboard_numbers_equal_flowtui_metrics(demo_store: Any, shell_settings: Any) -> None:
    """The dashboard reads further back (for the previous period) but must report what the CLI reports."""
    from shell_support import AS_OF

    from flowtui.domain import ItemFilter
    from flowtui.metrics import FlowPolicy
    from flowtui.reporting import load_inputs, report_from

    policy = FlowPolicy.from_settings(shell_settings)
    cli = report_from(load_inputs(demo_store, policy, ItemFilter(projects=tuple(shell_settings.projects)), as_of=AS_OF))
    dash = build_dashboard(demo_store, shell_settings, AS_OF).report
    for key in ("window", "throughput", "lead_time_days", "cycle_time_days", "age_days", "wip", "flow_efficiency",
                "sle", "trends", "littles_law", "bottleneck"):
        assert getattr(dash, key) == getattr(cli, key), key
    assert dash is not None and dash.pull_requests.cycle_time_hours == cli.pull_requests.cycle_time_hours
    assert dash.counts == cli.counts


def test_dashboard_of_an_empty_or_missing_store(empty_store: Any, views_settings: Any) -> None:
    assert build_dashboard(empty_store, views_settings, VIEWS_AS_OF).empty
    assert build_dashboard(None, views_settings, VIEWS_AS_OF).empty


def test_demo_flag_points_settings_at_the_demo_org(xdg: Any) -> None:
    from flowtui.cli.common import settings_from_args
    from flowtui.cli.main import build_parser
    from flowtui.demo_mode import demo_org_url, demo_project_names

    settings = settings_from_args(build_parser().parse_args(["--demo"]))
    assert settings.org_url == demo_org_url() == "https://dev.azure.com/contoso-demo"
    assert settings.projects == demo_project_names() == ["Fabrikam Web", "Contoso Platform", "Mobile App", "Data Pipeline"]
    assert settings.db_path == xdg.cache / "flowtui" / "demo-v2.sqlite"


def test_flowtui_demo_entry_point(monkeypatch: pytest.MonkeyPatch, xdg: Any) -> None:
    from flowtui.app import FlowApp
    from flowtui.cli.main import main
    from flowtui.demo_mode import demo_now

    launched: list[FlowApp] = []

    def fake_run(self: FlowApp, *args: Any, **kwargs: Any) -> int:
        launched.append(self)
        return 0

    monkeypatch.setattr(FlowApp, "run", fake_run)
    assert main(["--demo"]) == 0
    app = launched[0]
    assert app.demo and app.store is not None and app.transport is None and app.keyring_backend is None
    assert app.now() == demo_now()
    assert Path(app.store.path) == xdg.cache / "flowtui" / "demo-v2.sqlite"
    assert not any(p.is_file() for p in xdg.config.rglob("*"))  # a demo writes no config


def test_flowtui_without_config_opens_without_a_store(monkeypatch: pytest.MonkeyPatch, xdg: Any) -> None:
    from flowtui.app import FlowApp
    from flowtui.cli.main import main

    launched: list[FlowApp] = []
    monkeypatch.setattr(FlowApp, "run", lambda self, *a, **k: launched.append(self) or 0)
    assert main([]) == 0
    assert launched[0].store is None and not launched[0].demo and launched[0].settings.org_url == ""
    assert not any(p.is_file() for p in xdg.data.rglob("*"))  # no store file is created by merely opening
