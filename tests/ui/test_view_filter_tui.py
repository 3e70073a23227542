"""The one filter state in the real FlowApp, over the tiny demo store (see tests/ui/conftest.py).

Hand-counted facts of the tiny store (seed 7, 68 work items) these tests rely on: of the 21 Bugs,
exactly one is in a doing state ("Active"); the whole store has four items in doing states
(Committed, In Progress, In Review, Active). So the dashboard's WIP is 4 unfiltered and 1 for
type = Bug.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest_views import wait_for_views
from shell_support import AS_OF, TINY_PROJECTS, tiny_settings
from textual.widgets import Input, Select

from flowtui.cli.main import main
from flowtui.domain import ViewFilter
from flowtui.reporting.filters import read_last_view
from flowtui.screens.dashboard import DashboardScreen
from flowtui.screens.flow import FlowScreen
from flowtui.screens.work_items import WorkItemsScreen
from flowtui.widgets.status_bar import StatusBar

VIEWS_TOML = '# my views\n[[ui.views]]\nname = "Bugs only"\ntype = "Bug"\n\n[[ui.views]]\nname = "Perf"\ntag = "performance"\n'


def header(app: Any) -> str:
    return str(app.screen.query_one(StatusBar).render_bar())


def kpi(app: Any, key: str) -> Any:
    screen = app.screen
    assert isinstance(screen, DashboardScreen) and screen.data is not None
    return {k.key: k for k in screen.data.kpis}[key].value


async def test_filter_set_on_work_items_shows_everywhere_and_changes_the_dashboard(demo_store, make_shell_app) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        assert kpi(app, "wip") == 4  # unfiltered (see the module docstring)
        await pilot.press("2")
        await wait_for_views(pilot)
        assert isinstance(app.screen, WorkItemsScreen)
        app.screen.query_one("#wi-type", Select).value = "Bug"  # the user picks Type = Bug on this table
        await wait_for_views(pilot)
        assert app.view_filter == ViewFilter(type="Bug")
        assert app.screen.page is not None and app.screen.page.total == 21
        await pilot.press("4")
        await wait_for_views(pilot)
        assert isinstance(app.screen, FlowScreen)
        assert "type Bug" in header(app)  # another view's header shows the filter
        await pilot.press("1")
        await wait_for_views(pilot)
        assert "type Bug" in header(app)
        assert kpi(app, "wip") == 1  # the dashboard recomputed under the filter
        await pilot.press("2")
        await wait_for_views(pilot)
        await pilot.press("c")  # clear: every view shows everything again
        await wait_for_views(pilot)
        assert app.view_filter == ViewFilter() and "type Bug" not in header(app)
        await pilot.press("1")
        await wait_for_views(pilot)
        assert kpi(app, "wip") == 4


async def test_dashboard_kpis_equal_the_cli_with_the_same_filter(demo_store, make_shell_app, capsys) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=(160, 40)) as pilot:
        app.set_view_filter(ViewFilter(type="Bug"))
        await wait_for_views(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.data is not None and screen.data.report is not None
        tui = screen.data.report
        kpis = {k.key: k.value for k in screen.data.kpis}
    argv = ["metrics", "--db", str(demo_store.path), "--org-url", app.settings.org_url, "--type", "Bug",
            "--as-of", AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ"), "--format", "json"]
    for project in TINY_PROJECTS:
        argv += ["--project", project]
    assert main(argv) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["wip"]["current"] == 1 == kpis["wip"]
    assert cli["counts"]["completed_in_window"] == tui.counts.completed_in_window
    assert cli["cycle_time_days"]["p85"] == kpis["cycle_p85"]
    assert cli["lead_time_days"]["p50"] == kpis["lead_p50"]


async def test_saved_view_cycles_and_is_restored_after_a_restart(demo_store, make_shell_app, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(VIEWS_TOML, "utf-8")
    settings = tiny_settings(tmp_path)
    app = make_shell_app(demo_store, settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("v")
        await wait_for_views(pilot)
        assert app.current_view == "Bugs only" and app.view_filter == ViewFilter(type="Bug")
        await pilot.press("v")
        await wait_for_views(pilot)
        assert app.current_view == "Perf" and app.view_filter == ViewFilter(tag="performance")
        assert "Perf: tag performance" in header(app)
    assert read_last_view() == "Perf"

    again = make_shell_app(demo_store, tiny_settings(tmp_path))
    async with again.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        assert again.current_view == "Perf" and again.view_filter == ViewFilter(tag="performance")
        assert "Perf: tag performance" in header(again)
        assert isinstance(again.screen, DashboardScreen) and again.screen.data is not None
    assert (tmp_path / "config.toml").read_text("utf-8") == VIEWS_TOML  # switching views never rewrites config


async def test_palette_view_command_and_save_current_filters(demo_store, make_shell_app, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(VIEWS_TOML, "utf-8")
    app = make_shell_app(demo_store, tiny_settings(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"view: Bugs only")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for_views(pilot)
        assert app.current_view == "Bugs only" and app.view_filter == ViewFilter(type="Bug")
        assert kpi(app, "wip") == 1

        app.set_view_filter(app.view_filter.with_(assignee="Lena Schmidt"))
        await wait_for_views(pilot)
        assert app.current_view is None  # changed by hand: no longer the saved view
        await pilot.press("V")
        await pilot.pause()
        app.screen.query_one(Input).value = "Lena's bugs"
        await pilot.press("enter")
        await wait_for_views(pilot)
        assert app.current_view == "Lena's bugs"
    text = (tmp_path / "config.toml").read_text("utf-8")
    assert text.startswith("# my views\n")  # tomlkit kept the comment and the other entries
    restarted = tiny_settings(tmp_path)
    from flowtui.config import saved_views

    views = {v.name: v.filter for v in saved_views(restarted)}
    assert views == {"Bugs only": ViewFilter(type="Bug"), "Perf": ViewFilter(tag="performance"),
                     "Lena's bugs": ViewFilter(type="Bug", assignee="Lena Schmidt")}
    assert read_last_view() == "Lena's bugs"


async def test_pull_requests_table_follows_the_filters_project(views_store, views_settings) -> None:
    """The views store's 30 PRs are all in project "Alpha" (conftest_views): PRs have no type, tag or
    assignee, so the project is the part of the filter state the PR table applies."""
    from conftest_views import ViewsApp

    from flowtui.screens.pull_requests import PullRequestsScreen

    app = ViewsApp(PullRequestsScreen, views_store, views_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        screen = app.screen
        assert isinstance(screen, PullRequestsScreen) and screen.page is not None and screen.page.total == 30
        app.set_view_filter(ViewFilter(project="Beta"))
        await wait_for_views(pilot)
        assert screen.page.total == 0
        app.set_view_filter(ViewFilter(project="Alpha", type="Bug"))
        await wait_for_views(pilot)
        assert screen.page.total == 30


class TestHeaderSnapshots:
    def test_flow_header_with_filters(self, snap_compare: Any, make_shell_app: Any, demo_store: Any, tmp_path: Path) -> None:
        """Flow view at 120×40 with filters type Bug, a tag holding markup, and a date range: the header's right
        side reads `⏷ type Bug · tag [red]x[/] · 2026-09-01…today` (the tag printed literally, not as markup;
        the org name is pushed off the right edge at this width); no item carries that tag, so the body says
        "No items match the filters in the header…", not "No data yet — press s to sync"."""
        from shell_support import assert_no_worker_errors

        app = make_shell_app(demo_store, tiny_settings(tmp_path))

        async def run_before(pilot: Any) -> None:
            from datetime import date

            await pilot.press("4")
            pilot.app.set_view_filter(ViewFilter(type="Bug", tag="[red]x[/]", date_from=date(2026, 9, 1)))
            await wait_for_views(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()
            assert_no_worker_errors(pilot.app)

        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
        assert app._exception is None
        assert_no_worker_errors(app)
