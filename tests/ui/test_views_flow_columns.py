"""Flow columns, the aging WIP list and the link keys of the Work items and Pull requests views,
on the hand-built views store (conftest_views). Expected values by hand from `item_path(i)`
(created = AS_OF − 120 d + 2 h·i; Active after i%5+1 d; Review after i%4+1 more; Closed after i%3+1 more;
items with i%5 == 1 stay Active, i%5 == 2 stay in Review, i%5 in {3, 4} close; i%7 == 0 carries the Blocked tag):

* #1 Active: age = cycle start to AS_OF = 120 d − 2 h − 2 d = 117.9 d; in state the same; no cycle/lead.
* #2 Review: age = 120 d − 4 h − 3 d = 116.8 d; in Review since 3 d later: 113.8 d.
* #3 Closed: cycle = 4 + 1 = 5.0 d, lead = 4 + 4 + 1 = 9.0 d, within the SLE (every cycle is 2–7 d).
* #7 Review, blocked throughout: blocked = its age = 120 d − 14 h − 3 d = 116.4 d.
* #14 Closed, blocked throughout: blocked = its cycle = 3 + 3 = 6.0 d.
* Aging order (doing, oldest first): ages 117.92 (#1), 117.5 (#6), 117.08 (#11), 116.83 (#2), 116.67 (#16).
"""

from __future__ import annotations

from typing import Any

from conftest_views import ViewsApp, wait_for_views

from flowtui.screens.pull_requests import PullRequestsScreen
from flowtui.screens.work_items import COLUMNS, WorkItemsScreen
from flowtui.widgets.paged_table import PagedTable

ORG = "https://dev.azure.com/contoso"


def _cells(app: ViewsApp, table_id: str = "#wi-table") -> dict[int, dict[str, str]]:
    table = app.screen.query_one(table_id, PagedTable)
    keys = [key for _, key, _ in COLUMNS]
    return {int(row[0]): dict(zip(keys, row, strict=True)) for row in (table.get_row_at(r) for r in range(table.row_count))}


def _ids(app: ViewsApp, n: int) -> list[int]:
    table = app.screen.query_one("#wi-table", PagedTable)
    return [int(table.get_row_at(r)[0]) for r in range(min(n, table.row_count))]


def _linked_app(screen: Any, store: Any, settings: Any) -> tuple[ViewsApp, list[tuple[str, str]]]:
    app = ViewsApp(screen, store, settings.with_values(ado__org_url=ORG))
    calls: list[tuple[str, str]] = []
    app.open_url = lambda url, **_kw: calls.append(("open", url))  # type: ignore[method-assign]
    app.copy_to_clipboard = lambda text: calls.append(("copy", text))  # type: ignore[method-assign]
    return app, calls


async def test_flow_columns_hold_the_hand_computed_values(views_store: Any, views_settings: Any) -> None:
    app = ViewsApp(WorkItemsScreen, views_store, views_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        rows = _cells(app)
        assert (rows[1]["age"], rows[1]["in_state"], rows[1]["cycle"], rows[1]["lead"]) == ("117.9", "117.9", "", "")
        assert (rows[2]["age"], rows[2]["in_state"]) == ("116.8", "113.8")
        assert (rows[3]["age"], rows[3]["cycle"], rows[3]["lead"], rows[3]["sle"]) == ("", "5.0", "9.0", "within")
        assert rows[1]["sle"] == "PAST"  # 117.9 d in progress, the SLE is at most 7 d
        assert (rows[7]["blocked"], rows[14]["blocked"], rows[3]["blocked"]) == ("116.4", "6.0", "")
        flow = app.screen._query_ctx.flow  # type: ignore[attr-defined]
        assert flow is not None and flow.sle_days is not None and 2 <= flow.sle_days <= 7


async def test_aging_key_lists_doing_items_oldest_first_and_sorts_both_ways(views_store: Any, views_settings: Any) -> None:
    app = ViewsApp(WorkItemsScreen, views_store, views_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("a")
        await wait_for_views(pilot)
        screen = app.screen
        assert isinstance(screen, WorkItemsScreen) and screen.page is not None
        assert (screen.page.query.bucket, screen.page.query.order_by, screen.page.query.descending) == ("doing", "age", True)
        assert _ids(app, 5) == [1, 6, 11, 2, 16]
        # 1200 items, i%5 in {1, 2} → 480, minus the removed ones (i%50 == 0 never has i%5 in {1, 2}) → 480 doing.
        assert screen.page.total == 480
        assert {row["bucket"] for row in _cells(app).values()} == {"doing"}
        table = screen.query_one("#wi-table", PagedTable)
        assert table.tones[0] == 2  # past the SLE: the highest tone
        await pilot.press("O")
        await wait_for_views(pilot)
        assert _ids(app, 1) != [1] and screen.page.query.descending is False


async def test_item_open_and_copy_link_use_the_items_url(views_store: Any, views_settings: Any) -> None:
    app, calls = _linked_app(WorkItemsScreen, views_store, views_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("j")  # item #2, project Beta
        await pilot.press("b", "y")
        await pilot.pause()
        url = f"{ORG}/Beta/_workitems/edit/2"
        assert calls == [("open", url), ("copy", url)]
        ids = {b.binding.id for b in app.screen.active_bindings.values() if b.binding.id}  # type: ignore[attr-defined]
        assert {"item.open", "item.copy_link", "work_items.aging"} <= ids


async def test_pr_open_and_copy_link_use_the_prs_url(views_store: Any, views_settings: Any) -> None:
    app, calls = _linked_app(PullRequestsScreen, views_store, views_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        table = app.screen.query_one("#pr-table", PagedTable)
        pr_id, repo = table.get_row_at(0)[0], table.get_row_at(0)[1]
        await pilot.press("y", "b")
        await pilot.pause()
        url = f"{ORG}/Alpha/_git/{repo}/pullrequest/{pr_id}"
        assert calls == [("copy", url), ("open", url)]


async def test_links_without_an_org_url_say_why_and_open_nothing(views_store: Any, views_settings: Any) -> None:
    app = ViewsApp(WorkItemsScreen, views_store, views_settings)
    calls: list[str] = []
    app.open_url = lambda url, **_kw: calls.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert calls == []
        assert any("ado.org_url" in str(n.message) for n in app._notifications)


class TestFlowColumnSnapshots:
    def test_aging_list(self, snap_compare: Any, views_store: Any, views_settings: Any) -> None:
        """The aging WIP list after `a`: doing items only, oldest first (#1 117.9 d), Age ▼ in the header,
        rows past the SLE in the error colour, the Bucket filter showing doing."""
        app = ViewsApp(WorkItemsScreen, views_store, views_settings)

        async def run_before(pilot: Any) -> None:
            await wait_for_views(pilot)
            await pilot.press("a")
            await wait_for_views(pilot)

        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
        assert app._exception is None and app.worker_errors == []


async def test_detail_pane_shows_the_flow_numbers(views_store: Any, views_settings: Any) -> None:
    app = ViewsApp(WorkItemsScreen, views_store, views_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("j", "j")  # item #3: closed, cycle 5.0 d, lead 9.0 d
        await wait_for_views(pilot)
        text = str(app.screen.query_one("#wi-detail-text").render())
        assert "cycle 5.0 d · lead 9.0 d" in text and ": WITHIN" in text
