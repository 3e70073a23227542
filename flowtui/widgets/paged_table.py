"""A light, virtual table for one page of rows (a few hundred), drawn with the Line API.

The stock DataTable measures every cell when rows arrive (~1–2 ms per row here), which makes a
500-row page cost ~1 s; this table has fixed column widths, measures nothing and renders only the
visible lines, so swapping a page costs a few milliseconds. Paging, filtering and sorting happen in
the store; this widget only shows a page, moves a cursor and reports clicks.

Messages: `PagedTable.RowHighlighted(row, key)` when the cursor moves to a row (or a new page
arrives), `PagedTable.HeaderSelected(column_key, label)` when a header is clicked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from flowtui.text import fit, pad


class Column(NamedTuple):
    """A column: header label, key (for sorting) and width in cells (plus one cell of padding each side)."""

    label: str
    key: str
    width: int


def fit_columns(columns: Sequence[Column], width: int, *, flexible: str = "", min_flexible: int = 16,
                drop_order: Sequence[str] = ()) -> list[tuple[int, Column]]:
    """The columns that fit `width` cells, as (index in `columns`, column) pairs.

    When all fit, all stay. Otherwise the `flexible` column (e.g. the title) shrinks to `min_flexible`,
    then the columns named in `drop_order` go, first named first, until the rest fits; the flexible
    column then takes back whatever room is left (never more than its own width). What still does not
    fit scrolls sideways. `width <= 0` (not laid out yet) keeps every column.
    """
    kept = list(enumerate(columns))

    def need() -> int:
        return sum(c.width + 2 for _, c in kept)

    if width <= 0 or need() <= width:
        return kept
    flex = next((i for i, c in kept if c.key == flexible), None)
    if flex is not None:
        kept[flex] = (flex, columns[flex]._replace(width=min(columns[flex].width, min_flexible)))
    for key in drop_order:
        if need() <= width:
            break
        kept = [(i, c) for i, c in kept if c.key != key]
    if flex is not None:
        pos = next((p for p, (i, _) in enumerate(kept) if i == flex), None)
        if pos is not None:
            spare = width - need()
            current = kept[pos][1]
            kept[pos] = (flex, current._replace(width=min(columns[flex].width, current.width + max(0, spare))))
    return kept


def format_row(cells: Sequence[str], columns: Sequence[Column]) -> str:
    """One table line: each cell fitted to its column (in terminal cells) with one space either side."""
    return "".join(f" {fit(str(c), col.width)} " for c, col in zip(cells, columns, strict=False))


class PagedTable(ScrollView, can_focus=True):
    """A fixed-width table of one page of rows with a row cursor (scrolls sideways when narrow)."""

    DEFAULT_CSS = """
    PagedTable { height: 1fr; width: 1fr; overflow-x: auto; }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; }
    PagedTable > .paged-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    PagedTable:blur > .paged-table--cursor { background: $block-cursor-blurred-background; text-style: none; }
    PagedTable > .paged-table--even { background: $surface-lighten-1 10%; }
    PagedTable > .paged-table--band-0 { color: $text-success; }
    PagedTable > .paged-table--band-1 { color: $text-warning; }
    PagedTable > .paged-table--band-2 { color: $text-error; }
    """
    #: Row tones a screen may give rows (`set_rows(..., tones=)`): low, raised, high.
    TONES = ("paged-table--band-0", "paged-table--band-1", "paged-table--band-2")
    COMPONENT_CLASSES = {"paged-table--header", "paged-table--cursor", "paged-table--even", *TONES}
    BINDINGS = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)

    class RowHighlighted(Message):
        """The cursor is on `row` (index in the page) whose key is `key`."""

        def __init__(self, table: PagedTable, row: int, key: str) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.key = key

        @property
        def control(self) -> PagedTable:
            return self.table

    class HeaderSelected(Message):
        """The header of column `column_key` was clicked."""

        def __init__(self, table: PagedTable, column_key: str, label: str) -> None:
            super().__init__()
            self.table = table
            self.column_key = column_key
            self.label = label

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, columns: Sequence[Column] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: Every column the rows carry; `columns` are the ones shown at the current width.
        self.all_columns: list[Column] = list(columns)
        self.columns: list[Column] = list(columns)
        self._shown: list[int] = list(range(len(self.columns)))
        self._flexible = ""
        self._drop_order: tuple[str, ...] = ()
        self.rows: list[tuple[str, ...]] = []
        self.keys: list[str] = []
        self.tones: list[int | None] = []
        self._lines: list[str] = []

    # --- data ------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_columns(self, columns: Sequence[Column], *, flexible: str = "", drop_order: Sequence[str] = ()) -> None:
        """Replace the columns (labels may carry a sort arrow) and redraw.

        Narrower than the columns need, the table shrinks `flexible` and hides `drop_order` columns
        first named first (see `fit_columns`); rows always carry every column.
        """
        self.all_columns = list(columns)
        self._flexible, self._drop_order = flexible, tuple(drop_order)
        self._fit()

    def _fit(self) -> None:
        fitted = fit_columns(self.all_columns, self.scrollable_content_region.width, flexible=self._flexible,
                             drop_order=self._drop_order)
        self._shown = [i for i, _ in fitted]
        self.columns = [c for _, c in fitted]
        self._lines = [self._format(r) for r in self.rows]
        self._resize()

    def _format(self, row: tuple[str, ...]) -> str:
        return format_row([row[i] if i < len(row) else "" for i in self._shown], self.columns)

    def on_resize(self) -> None:
        shown = self._shown
        self._fit()
        if self._shown != shown:
            self.refresh()

    def set_rows(self, rows: Sequence[Sequence[str]], keys: Sequence[str],
                 tones: Sequence[int | None] | None = None) -> None:
        """Show a new page: the cursor goes to the first row and a RowHighlighted is posted.

        `tones`: per row an index into TONES (the row's text colour) or None for the default."""
        self.rows = [tuple(str(c) for c in r) for r in rows]
        self.keys = list(keys)
        self.tones = list(tones) if tones is not None else [None] * len(self.rows)
        self._lines = [self._format(r) for r in self.rows]
        self._resize()
        self.scroll_to(y=0, animate=False)
        self.cursor_row = 0

    def get_row_at(self, row: int) -> tuple[str, ...]:
        return self.rows[row]

    def _resize(self) -> None:
        width = sum(c.width + 2 for c in self.columns)
        self.virtual_size = Size(width, len(self.rows) + 1)
        self.refresh()

    # --- cursor ----------------------------------------------------------------------------
    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor_row(self, row: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        if self.rows:
            self.post_message(self.RowHighlighted(self, row, self.keys[row]))

    def _scroll_cursor_into_view(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False)

    def move_cursor(self, row: int) -> None:
        self.cursor_row = row

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_first_row(self) -> None:
        self.cursor_row = 0

    def action_last_row(self) -> None:
        self.cursor_row = len(self.rows) - 1

    # --- rendering -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        x0 = round(self.scroll_x)
        full = max(width + x0, self.virtual_size.width)
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("paged-table--header")
            text = "".join(f" {fit(c.label, c.width)} " for c in self.columns)
            return Strip([Segment(pad(text, full), style)]).crop(x0, x0 + width)
        row = round(self.scroll_y) + y - 1
        if row >= len(self.rows):
            return Strip([Segment(" " * width, base)])
        style = base
        if row == self.cursor_row:
            style = base + self.get_component_rich_style("paged-table--cursor")
        else:
            if row % 2:
                style = base + self.get_component_rich_style("paged-table--even")
            tone = self.tones[row] if row < len(self.tones) else None
            if tone is not None:
                style = style + self.get_component_rich_style(self.TONES[tone], partial=True)
        return Strip([Segment(pad(self._lines[row], full), style)]).crop(x0, x0 + width)

    # --- mouse -----------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x + round(self.scroll_x)
            for column in self.columns:
                x -= column.width + 2
                if x < 0:
                    self.post_message(self.HeaderSelected(self, column.key, column.label))
                    return
            return
        row = round(self.scroll_y) + event.y - 1
        if 0 <= row < len(self.rows):
            self.cursor_row = row


__all__ = ["Column", "PagedTable", "fit", "fit_columns", "format_row"]
