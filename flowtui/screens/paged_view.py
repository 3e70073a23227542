"""Actions shared by the views built on a PagedTable (work items, pull requests): moving the cursor,
paging in SQL-sized pages, flipping the sort direction, and hiding what cannot run yet."""

from __future__ import annotations

from typing import Any, ClassVar

from flowtui.widgets.paged_table import PagedTable


class PagedTableActions:
    """Mix into a DataView that has `page` (the shown page or None), `query_state` (with `offset`,
    `descending` and `with_(...)`) and `_request(query)`; set TABLE_ID and PAGE_SIZE."""

    TABLE_ID: ClassVar[str]
    PAGE_SIZE: ClassVar[int]
    page: Any
    query_state: Any

    def _request(self, query: Any) -> None:  # provided by the screen
        raise NotImplementedError

    def _table(self) -> PagedTable:
        return self.query_one(f"#{self.TABLE_ID}", PagedTable)  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        page = self.page
        if page is None or page.store_total == 0:
            return False  # nothing to move, sort or filter yet (the empty state is showing)
        if action == "next_page":
            return page.query.offset + self.PAGE_SIZE < page.total
        if action == "prev_page":
            return page.query.offset > 0
        return True

    def action_cursor_down(self) -> None:
        self._table().action_cursor_down()

    def action_cursor_up(self) -> None:
        self._table().action_cursor_up()

    def action_first_row(self) -> None:
        self._table().action_first_row()

    def action_last_row(self) -> None:
        self._table().action_last_row()

    def action_next_page(self) -> None:
        if self.check_action("next_page", ()):
            self._request(self.query_state.with_(offset=self.query_state.offset + self.PAGE_SIZE))

    def action_prev_page(self) -> None:
        if self.check_action("prev_page", ()):
            self._request(self.query_state.with_(offset=max(0, self.query_state.offset - self.PAGE_SIZE)))

    def action_toggle_order(self) -> None:
        self._request(self.query_state.with_(descending=not self.query_state.descending))
