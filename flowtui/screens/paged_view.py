"""Actions shared by the views built on a PagedTable (work items, pull requests): moving the cursor,
paging in SQL-sized pages, flipping the sort direction, and hiding what cannot run yet."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding

from flowtui.widgets.paged_table import PagedTable


def table_view_bindings(prefix: str) -> list[Binding]:
    """The keys of a paged table view; binding ids are `{prefix}.{name}` (remappable in [ui] keymap)."""
    return [
        Binding("j", "cursor_down", "Down", id=f"{prefix}.down", show=False),
        Binding("k", "cursor_up", "Up", id=f"{prefix}.up", show=False),
        Binding("g", "first_row", "First row", id=f"{prefix}.first", show=False),
        Binding("G", "last_row", "Last row", id=f"{prefix}.last", show=False),
        Binding("n", "next_page", "Next page", id=f"{prefix}.next_page"),
        Binding("p", "prev_page", "Previous page", id=f"{prefix}.prev_page"),
        Binding("pagedown", "next_page", "Next page", id=f"{prefix}.next_page_key", show=False, priority=True),
        Binding("pageup", "prev_page", "Previous page", id=f"{prefix}.prev_page_key", show=False, priority=True),
        Binding("o", "cycle_sort", "Sort column", id=f"{prefix}.sort"),
        Binding("O", "toggle_order", "Sort direction", id=f"{prefix}.sort_order", show=False),
        Binding("slash", "search", "Search", id=f"{prefix}.search"),
        Binding("c", "clear_filters", "Clear filters", id=f"{prefix}.clear"),
        Binding("f", "next_filter", "Filters", id=f"{prefix}.filters"),
        Binding("d", "toggle_detail", "Detail", id=f"{prefix}.detail"),
        Binding("escape", "focus_table", "Back to table", id=f"{prefix}.focus_table", show=False),
    ]


class PagedTableActions:
    """Mix into a DataView that has `page` (the shown page or None), `query_state` (with `offset`,
    `descending` and `with_(...)`) and `_request(query)`.

    Set ID_PREFIX (the screen's widgets are `#{prefix}-table`, `-empty`, `-body`, `-filters`,
    `-status`, `-search`, `-detail`), FILTER_IDS (the filter fields in focus order) and PAGE_SIZE.
    """

    ID_PREFIX: ClassVar[str]
    FILTER_IDS: ClassVar[tuple[str, ...]]
    PAGE_SIZE: ClassVar[int]
    page: Any
    query_state: Any

    def _request(self, query: Any) -> None:  # provided by the screen
        raise NotImplementedError

    def _table(self) -> PagedTable:
        return self.query_one(f"#{self.ID_PREFIX}-table", PagedTable)  # type: ignore[attr-defined]

    def _show_empty(self, empty: bool) -> None:
        """The friendly empty state instead of the table, filters and status line (or back)."""
        p = self.ID_PREFIX
        self.query_one(f"#{p}-empty").display = empty  # type: ignore[attr-defined]
        for part in ("body", "filters", "status"):
            self.query_one(f"#{p}-{part}").display = not empty  # type: ignore[attr-defined]

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

    def action_focus_table(self) -> None:
        self._table().focus()

    def action_search(self) -> None:
        self.query_one(f"#{self.ID_PREFIX}-search").focus()  # type: ignore[attr-defined]

    def action_next_filter(self) -> None:
        """Focus the next filter field (from the table: the first one)."""
        order = self.FILTER_IDS
        current = self.focused.id if self.focused is not None else None  # type: ignore[attr-defined]
        following = order[(order.index(current) + 1) % len(order)] if current in order else order[0]
        self.query_one(f"#{following}").focus()  # type: ignore[attr-defined]

    def action_toggle_detail(self) -> None:
        pane = self.query_one(f"#{self.ID_PREFIX}-detail")  # type: ignore[attr-defined]
        pane.display = not pane.display
