"""The Work items view on the hand-built views store (see conftest_views for the data and its rules).

Expected counts, from the data rules (items 1..1200):
* type Bug: i % 4 == 0 → 1200 / 4 = 300
* bucket done (state Closed): i % 5 in {3, 4} → 2 · 240 = 480
* bucket doing and type Bug: i % 4 == 0 and i % 5 in {1, 2} → 2 per 20 consecutive i → 120
* assignee "Ann Lee": i % 3 == 0 → 400
* area "Alpha\\Web": i odd and i % 3 == 0 ⇔ i % 6 == 3 → 200
* tag Blocked: i % 7 == 0 → ⌊1200 / 7⌋ = 171
* search "bil": only WORDS[3] = "billing" contains it ⇔ i % 5 == 3 → 240
"""

from __future__ import annotations

from conftest_views import ViewsApp, fill_store, wait_for_views
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from flowtui.domain import ItemFilter
from flowtui.screens.work_items import WorkItemsScreen
from flowtui.reporting.work_items import PAGE_SIZE
from flowtui.widgets.paged_table import PagedTable


def _app(store, settings) -> ViewsApp:  # noqa: ANN001 - fixtures
    return ViewsApp(WorkItemsScreen, store, settings)


def _screen(app: ViewsApp) -> WorkItemsScreen:
    screen = app.screen
    assert isinstance(screen, WorkItemsScreen)
    return screen


def _total(app: ViewsApp) -> int:
    page = _screen(app).page
    assert page is not None
    return page.total


def _first_ids(app: ViewsApp, n: int = 3) -> list[int]:
    table = app.screen.query_one("#wi-table", PagedTable)
    return [int(table.get_row_at(r)[0]) for r in range(min(n, table.row_count))]


class TestWorkItemsSnapshots:
    def test_first_page(self, snap_compare, views_store, views_settings) -> None:
        """The first page sorted by id ↑, item #1's derivation in the detail pane, status 1–500 of 1,200."""
        app = _app(views_store, views_settings)
        assert snap_compare(app, terminal_size=(120, 40), run_before=wait_for_views)
        assert app._exception is None and app.worker_errors == []

    def test_empty_store(self, snap_compare, empty_store, views_settings) -> None:
        """The friendly empty state: "No data yet — press s to sync"."""
        app = _app(empty_store, views_settings)
        assert snap_compare(app, terminal_size=(120, 40), run_before=wait_for_views)
        assert app._exception is None and app.worker_errors == []


async def test_filters_change_the_row_count_as_the_store_says(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        table = app.screen.query_one("#wi-table", PagedTable)
        assert _total(app) == 1200 and table.row_count == PAGE_SIZE
        app.screen.query_one("#wi-type", Select).value = "Bug"
        await wait_for_views(pilot)
        assert _total(app) == 300 == views_store.count_work_items(ItemFilter(types=("Bug",)))
        assert table.row_count == 300
        app.screen.query_one("#wi-bucket", Select).value = "doing"
        await wait_for_views(pilot)
        assert _total(app) == 120 and table.row_count == 120
        assert {table.get_row_at(r)[3] for r in range(table.row_count)} == {"doing"}
        await pilot.press("c")  # clear every filter
        await wait_for_views(pilot)
        assert _total(app) == 1200
        app.screen.query_one("#wi-bucket", Select).value = "done"
        await wait_for_views(pilot)
        assert _total(app) == 480
        await pilot.press("c")
        app.screen.query_one("#wi-assignee", Select).value = "Ann Lee"
        await wait_for_views(pilot)
        assert _total(app) == 400
        await pilot.press("c")
        await wait_for_views(pilot)
        app.screen.query_one("#wi-area", Input).value = "Alpha\\Web"
        await wait_for_views(pilot)
        assert _total(app) == 200
        await pilot.press("c")
        await wait_for_views(pilot)
        app.screen.query_one("#wi-tag", Input).value = "Blocked"
        await wait_for_views(pilot)
        assert _total(app) == 171
        assert "of 171" in str(app.screen.query_one("#wi-status", Static).render())
    assert app.worker_errors == []


async def test_search_and_escape_back_to_the_table(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#wi-search", Input)
        await pilot.press(*"bil")  # only "billing" (i % 5 == 3) contains "bil"
        await wait_for_views(pilot)
        assert _total(app) == 240
        assert _first_ids(app) == [3, 8, 13]  # i % 5 == 3, ascending
        await pilot.press("escape")
        assert app.focused is app.screen.query_one("#wi-table", PagedTable)
        await pilot.press("slash", "ctrl+u", *"0003")  # digits: the id or a title containing them
        await wait_for_views(pilot)
        assert _total(app) == 1 and _first_ids(app) == [3]
    assert app.worker_errors == []


async def test_paging_with_n_p_and_page_keys(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        table = app.screen.query_one("#wi-table", PagedTable)
        assert not app.screen.check_action("prev_page", ())
        await pilot.press("n")
        await wait_for_views(pilot)
        assert _screen(app).page.query.offset == 500 and _first_ids(app, 1) == [501] and table.row_count == 500
        await pilot.press("pagedown")
        await wait_for_views(pilot)
        # 1200 − 1000 = 200 rows on the last page
        assert _first_ids(app, 1) == [1001] and table.row_count == 200
        assert not app.screen.check_action("next_page", ())
        await pilot.press("n")  # nothing past the last page
        await wait_for_views(pilot)
        assert _first_ids(app, 1) == [1001]
        await pilot.press("p")
        await wait_for_views(pilot)
        assert _first_ids(app, 1) == [501]
        await pilot.press("pageup")
        await wait_for_views(pilot)
        assert _first_ids(app, 1) == [1]
        await pilot.press("G")
        assert table.cursor_row == 499
        await pilot.press("g")
        assert table.cursor_row == 0
    assert app.worker_errors == []


async def test_sort_with_keys_and_header_click(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("o")  # id → type, ascending: "Bug" first, by id: 4, 8, 12
        await wait_for_views(pilot)
        assert _screen(app).page.query.order_by == "type" and _first_ids(app) == [4, 8, 12]
        await pilot.press("O")  # type descending: "User Story" first, ties by id ascending: 1, 2, 3
        await wait_for_views(pilot)
        assert _first_ids(app) == [1, 2, 3]
        # Header click on "Title" (x = ID 6+2, Type 12+2, State 12+2, Bucket 7+2 = 45 cells in)
        await pilot.click("#wi-table", offset=(48, 0))
        await wait_for_views(pilot)
        q = _screen(app).page.query
        assert (q.order_by, q.descending) == ("title", False)
        assert _first_ids(app, 1) == [1]  # "Item 0001 search" is the smallest title
        await pilot.click("#wi-table", offset=(48, 0))  # again: descending
        await wait_for_views(pilot)
        assert _first_ids(app, 1) == [1200]
    assert app.worker_errors == []


async def test_detail_pane_shows_the_engine_derivation(views_store, views_settings) -> None:
    # Item 3: created AS_OF − 120 d + 6 h; Active after 3 % 5 + 1 = 4 d; Review after 3 % 4 + 1 = 4 d;
    # Closed after 3 % 3 + 1 = 1 d → cycle = 4 + 1 = 5.0 d, lead = 4 + 4 + 1 = 9.0 d.
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("j", "j")
        await wait_for_views(pilot)
        text = str(app.screen.query_one("#wi-detail-text", Static).render())
        assert "#3 User Story · Item 0003 billing" in text
        assert "cycle time   = completed_at − started_at = 5.0 d" in text
        assert "lead time    = completed_at − created_at = 9.0 d" in text
        assert "Active → Review" in text and "Review → Closed" in text
        await pilot.press("d")
        assert not app.screen.query_one("#wi-detail").display
    assert app.worker_errors == []


async def test_reloads_when_the_data_version_moves(empty_store, views_settings) -> None:
    app = _app(empty_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        assert app.screen.query_one("#wi-empty").display
        fill_store(empty_store, n_items=10, n_prs=0)
        await app.push_screen(Screen())
        await pilot.pause()
        app.data_version += 1
        app.pop_screen()
        await wait_for_views(pilot)
        assert not app.screen.query_one("#wi-empty").display
        assert _total(app) == 10
    assert app.worker_errors == []
