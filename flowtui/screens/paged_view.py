"""Actions shared by the views built on a PagedTable (work items, pull requests): moving the cursor,
paging in SQL-sized pages, flipping the sort direction, and hiding what cannot run yet."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding
from textual.widgets import Select, Static

from flowtui.errors import FlowtuiError
from flowtui.widgets.paged_table import Column, PagedTable


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


def link_bindings() -> list[Binding]:
    """Open the selected row in Azure DevOps (`b`) and copy its URL (`y`); one pair of ids for both
    tables, so one keymap entry moves the key in both (`o` is the sort key here, unlike gh-dash)."""
    return [
        Binding("b", "open_link", "Open in browser", id="item.open",
                tooltip="Open the selected item in Azure DevOps in your web browser."),
        Binding("y", "copy_link", "Copy link", id="item.copy_link",
                tooltip="Copy the selected item's Azure DevOps URL to the clipboard."),
    ]


class LinkActions:
    """Mix into a table screen that implements `selected_url()` (the row's web URL, or None)."""

    def selected_url(self) -> str | None:  # provided by the screen
        raise NotImplementedError

    def _url_or_say_why(self) -> str | None:
        try:
            url = self.selected_url()
        except FlowtuiError as exc:
            self.notify(str(exc), severity="warning")  # type: ignore[attr-defined]
            return None
        if url is None:
            self.notify("No row is selected.", severity="warning")  # type: ignore[attr-defined]
        return url

    def action_open_link(self) -> None:
        url = self._url_or_say_why()
        if url is not None:
            self.app.open_url(url)  # type: ignore[attr-defined]
            self.notify(f"Opening {url}", markup=False)  # type: ignore[attr-defined]

    def action_copy_link(self) -> None:
        url = self._url_or_say_why()
        if url is not None:
            self.app.copy_to_clipboard(url)  # type: ignore[attr-defined]
            self.notify(f"Copied {url}", markup=False)  # type: ignore[attr-defined]


class PagedTableActions:
    """Mix into a DataView that has `page` (the shown page or None), `query_state` (with `offset`,
    `descending` and `with_(...)`) and `_request(query)`.

    The two table screens are this one implementation with two configurations: ID_PREFIX (the
    screen's widgets are `#{prefix}-table`, `-empty`, `-body`, `-filters`, `-status`, `-search`,
    `-detail`), FILTER_IDS (the filter fields in focus order), PAGE_SIZE, COLUMNS ((label, key,
    width)), SORT_COLUMNS (the keys the store can sort by; the first is the fallback), NEWEST_FIRST
    (sort keys that start descending), NARROW_DROP (columns hidden first when the terminal is narrow), SELECTS ((widget id, query field, prompt)) and ROW_NOUN (the
    status line's "Items" / "PRs"). Pages have `query`, `total`, `store_total`, `shown` and `is_subset`.
    """

    ID_PREFIX: ClassVar[str]
    FILTER_IDS: ClassVar[tuple[str, ...]]
    PAGE_SIZE: ClassVar[int]
    COLUMNS: ClassVar[tuple[tuple[str, str, int], ...]]
    SORT_COLUMNS: ClassVar[tuple[str, ...]]
    NEWEST_FIRST: ClassVar[tuple[str, ...]] = ()
    #: On a narrow terminal the title column shrinks, then these columns are hidden, first named first.
    NARROW_DROP: ClassVar[tuple[str, ...]] = ()
    SELECTS: ClassVar[tuple[tuple[str, str, str], ...]]
    ROW_NOUN: ClassVar[str]
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

    def _setup_columns(self) -> None:
        """Headers with ▲/▼ on the sorted column."""
        q = self.query_state
        self._table().set_columns([
            Column(label + ((" ▼" if q.descending else " ▲") if key == q.order_by else ""), key, width)
            for label, key, width in self.COLUMNS
        ], flexible="title", drop_order=self.NARROW_DROP)

    def _update_status(self) -> None:
        """`Items 1–500 of 1,200 (page 1/3) · sorted by id ↑` (plus the store's count when filtered)."""
        page = self.page
        if page is None:
            return
        q, size = page.query, self.PAGE_SIZE
        first = q.offset + 1 if page.total else 0
        pages = max(1, -(-page.total // size))
        text = (f"{self.ROW_NOUN} {first:,}–{q.offset + page.shown:,} of {page.total:,} (page {q.offset // size + 1}/{pages})"
                f" · sorted by {q.order_by} {'↓' if q.descending else '↑'}")
        if page.is_subset:
            text += f" · {page.store_total:,} in the store"
        self.query_one(f"#{self.ID_PREFIX}-status", Static).update(text)  # type: ignore[attr-defined]

    def _sort_by_header(self, event: PagedTable.HeaderSelected) -> None:
        """A header click sorts by that column (again: flips the direction); others say why not."""
        key = event.column_key
        if key not in self.SORT_COLUMNS:
            self.notify(f"The table cannot be sorted by {event.label.strip(' ▲▼')}.",  # type: ignore[attr-defined]
                        severity="warning")
            return
        q = self.query_state
        self._request(q.with_(order_by=key, descending=not q.descending if key == q.order_by else False))

    def _select_field_changed(self, event: Select.Changed) -> None:
        """A filter picker changed: re-query with its field (no choice = no filter)."""
        field = next((f for wid, f, _ in self.SELECTS if wid == event.select.id), None)
        if field is None:
            return
        value = None if event.value == Select.NULL else str(event.value)
        if getattr(self.query_state, field) != value:
            self._request(self.query_state.with_(**{field: value}))

    def action_cycle_sort(self) -> None:
        columns = self.SORT_COLUMNS
        current = self.query_state.order_by
        following = columns[(columns.index(current) + 1) % len(columns)] if current in columns else columns[0]
        self._request(self.query_state.with_(order_by=following, descending=following in self.NEWEST_FIRST))

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
