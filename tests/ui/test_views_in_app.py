"""The four data views inside the real FlowApp, over the tiny demo org synced through the real sync
path (TUI-shell's `demo_store` / `make_shell_app` fixtures): reachable by digit keys, populated, and
reloaded when the app's data version moves (`r`)."""

from __future__ import annotations

from conftest_views import wait_for_views
from textual.widgets import Static

from flowtui.screens.flow import FlowScreen
from flowtui.screens.forecast import ForecastScreen
from flowtui.screens.pull_requests import PullRequestsScreen
from flowtui.screens.work_items import WorkItemsScreen
from flowtui.widgets.paged_table import PagedTable


async def test_views_in_the_real_app(demo_store, make_shell_app) -> None:
    app = make_shell_app(demo_store)
    errors: list[BaseException] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("2")
        await wait_for_views(pilot)
        screen = app.screen
        assert isinstance(screen, WorkItemsScreen)
        page = screen.page
        assert page is not None and page.total == demo_store.count_work_items() > 0
        assert screen.query_one("#wi-table", PagedTable).row_count == min(500, page.total)
        first_id = int(screen.query_one("#wi-table", PagedTable).get_row_at(0)[0])
        assert f"#{first_id} " in str(screen.query_one("#wi-detail-text", Static).render())
        await pilot.press("3")
        await wait_for_views(pilot)
        assert isinstance(app.screen, PullRequestsScreen)
        assert app.screen.page is not None and app.screen.page.total == len(demo_store.pull_requests(status=None))
        await pilot.press("4")
        await wait_for_views(pilot)
        assert isinstance(app.screen, FlowScreen) and app.screen.data is not None
        assert app.screen.data.items > 0
        await pilot.press("5")
        await wait_for_views(pilot)
        assert isinstance(app.screen, ForecastScreen) and app.screen.result is not None
        # `r` moves the data version: the current view reloads, the others when shown again
        version = app.data_version
        await pilot.press("r")
        await wait_for_views(pilot)
        assert app.data_version == version + 1 and app.screen.loaded_version == app.data_version
        await pilot.press("2")
        await wait_for_views(pilot)
        assert app.screen.loaded_version == app.data_version
        errors = [w.error for w in app.workers if w.error is not None]
    assert app._exception is None and errors == []
