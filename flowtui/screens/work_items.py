"""The Work items view: a paged table filtered, searched and sorted in SQL, and a detail pane.

The detail pane shows the item's transition timeline and how its lead time, cycle time and age were
derived — the metrics engine's `explain_lines`, the same text `flowtui metrics --explain ID` prints.
Keys: `j/k` move, `g/G` first/last row, `n/p` or PageDown/PageUp page, `o`/`O` sort column and
direction (or click a header), `/` search, `Esc` back to the table, `c` clear filters, `f` next filter field, `d` detail,
`a` the aging WIP list (items in doing, oldest first, coloured by percentile band), `b` open the item in
the browser, `y` copy its link.

The flow columns (age, cycle, lead, blocked, days in state, SLE) come from `reporting.item_columns`;
they take seconds to compute on a large store, so the first page shows without them and is redrawn
with them when they arrive.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Select, Static

from flowtui.reporting.item_columns import PAST, FlowColumns, ItemNumbers, detail_line, flow_columns, fmt_days
from flowtui.reporting.links import work_item_url
from flowtui.screens.paged_view import LinkActions, PagedTableActions, link_bindings, table_view_bindings
from flowtui.screens.view_base import EMPTY_TEXT, DataView, Loaded
from flowtui.widgets.paged_table import PagedTable
from flowtui.widgets.safe_text import plain_text
from flowtui.widgets.status_bar import StatusBar
from flowtui.widgets.timeline import legend, timeline_bar
from flowtui.reporting.work_items import (
    BUCKETS,
    NEWEST_FIRST,
    PAGE_SIZE,
    SORT_COLUMNS,
    FilterOptions,
    QueryContext,
    WorkItemPage,
    WorkItemQuery,
    aging_query,
    explain,
    filter_options,
    query_context,
    needs_flow,
    query_page,
)

#: (label, key, width) of the table columns (fixed widths: the PagedTable measures nothing).
#: Flow columns are in days; "SLE" says within / past the SLE (doing: by age, done: by cycle time).
COLUMNS = (("ID", "id", 6), ("Type", "type", 10), ("State", "state", 11), ("Bucket", "bucket", 6),
           ("Title", "title", 26), ("Age", "age", 5), ("Cycle", "cycle", 5), ("Lead", "lead", 5),
           ("Blkd", "blocked", 5), ("InSt", "in_state", 5), ("SLE", "sle", 6),
           ("Assigned to", "assigned_to", 14), ("Changed", "changed_at", 10))
SELECTS_WI = (("wi-type", "type", "Type"), ("wi-state", "state", "State"), ("wi-bucket", "bucket", "Bucket"),
            ("wi-assignee", "assignee", "Assignee"))


#: Filter fields that are the App's filter state (the others — state, bucket, search — are this table's own).
SHARED_FIELDS = ("project", "type", "assignee", "area", "tag")


class PageLoaded(Loaded):
    """A page of work items (payload: `WorkItemPage`)."""


class OptionsLoaded(Loaded):
    """Filter picker values and the query context of this data version (payload: (FilterOptions, QueryContext))."""


class DetailLoaded(Loaded):
    """The derivation of one item (payload: (item id, Explanation))."""


class FlowLoaded(Loaded):
    """The per-item flow numbers of this data version (payload: the QueryContext carrying them)."""


class WorkItemsScreen(LinkActions, PagedTableActions, DataView):
    """Work items: filter by type/state/bucket/assignee/area/tag, search, sort, page, detail."""

    ID_PREFIX = "wi"
    ERROR_TARGET = "#wi-status"
    ERROR_PREFIX = "Could not load the work items"
    FILTER_IDS = ('wi-type', 'wi-state', 'wi-bucket', 'wi-assignee', 'wi-area', 'wi-tag', 'wi-search')
    PAGE_SIZE = PAGE_SIZE
    COLUMNS = COLUMNS
    SORT_COLUMNS = SORT_COLUMNS
    NEWEST_FIRST = NEWEST_FIRST
    #: hidden first to last as the terminal narrows (80 columns keep ID, type, state, title, age, cycle, SLE)
    NARROW_DROP = ("bucket", "changed_at", "lead", "blocked", "in_state", "assigned_to")
    SELECTS = SELECTS_WI
    ROW_NOUN = "Items"

    AUTO_FOCUS = "#wi-table"
    BINDINGS = [
        *table_view_bindings("work_items"),
        Binding("a", "aging", "Aging WIP", id="work_items.aging",
                tooltip="Items in doing, oldest first, coloured by percentile band (the Flow view's aging lines)."),
        *link_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = WorkItemQuery()
        self.page: WorkItemPage | None = None
        self._detail_serial = 0
        self._options_applied = False
        self._query_ctx: QueryContext | None = None
        self._sorted_by: tuple[str, bool] | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="wi-filters", classes="filter-bar"):
            for wid, _, prompt in SELECTS_WI:
                yield Select[str]([], prompt=prompt, id=wid)
            yield Input(placeholder="Area path", id="wi-area")
            yield Input(placeholder="Tag", id="wi-tag")
            yield Input(placeholder="/ search", id="wi-search")
        yield Static(EMPTY_TEXT, id="wi-empty", classes="view-empty")
        with Vertical(id="wi-body", classes="table-body"):
            yield PagedTable(id="wi-table")
            with VerticalScroll(id="wi-detail", classes="detail-pane"):
                yield Static("", id="wi-detail-text")
        yield Static("", id="wi-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#wi-bucket", Select).set_options([(b, b) for b in BUCKETS])
        self._setup_columns()
        self.query_one("#wi-empty").display = False

    # --- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-query the picker values, the query context and the current page from the store."""
        self._options_applied = False
        self._query_ctx = None
        vf = self.view_filter()
        shared = {name: getattr(vf, name) for name in SHARED_FIELDS}
        if any(getattr(self.query_state, k) != v for k, v in shared.items()):
            self.query_state = self.query_state.with_(**shared)
        with self.prevent(Input.Changed):
            self.query_one("#wi-area", Input).value = vf.area or ""
            self.query_one("#wi-tag", Input).value = vf.tag or ""
        self._request(self.query_state)

    def _request(self, query: WorkItemQuery) -> None:
        page = self.page
        same_rows = (self._query_ctx is not None and page is not None
                     and query.with_(offset=page.query.offset) == page.query.with_(offset=page.query.offset))
        self.query_state = query
        serial = self.next_serial()
        if self.store is None:
            self._show_empty(True)
            return
        app = self.flow_app
        self._load(serial, query, self._query_ctx, page.total if same_rows and page is not None else None,
                   app.now(), app.data_version)

    @work(thread=True, exclusive=True, group="work_items", exit_on_error=False)
    def _load(self, serial: int, query: WorkItemQuery, context: QueryContext | None, known_total: int | None,
              as_of: datetime, version: int) -> None:
        store = self.store
        if store is None:
            return
        policy = self.policy()
        if context is None:
            context = query_context(store, policy)
            self.post_message(OptionsLoaded(serial, (filter_options(store), context)))
        if context.flow is None:
            if not needs_flow(query):  # show the rows now, their flow numbers when computed
                self.post_message(PageLoaded(serial, query_page(store, context, query, known_total=known_total)))
            context = replace(context, flow=flow_columns(store, policy, as_of, version))
            self.post_message(FlowLoaded(serial, context))
        self.post_message(PageLoaded(serial, query_page(store, context, query, known_total=known_total)))

    @on(FlowLoaded)
    def _apply_flow(self, message: FlowLoaded) -> None:
        if self._query_ctx is None or self._query_ctx.store_total == message.payload.store_total:
            self._query_ctx = message.payload

    @on(OptionsLoaded)
    def _apply_options(self, message: OptionsLoaded) -> None:
        options: FilterOptions
        options, self._query_ctx = message.payload
        with self.prevent(Select.Changed):
            for wid, values in (("wi-type", options.types), ("wi-state", options.states),
                                ("wi-assignee", options.assignees)):
                select = self.query_one(f"#{wid}", Select)
                current = getattr(self.query_state, {"wi-type": "type", "wi-state": "state"}.get(wid, "assignee"))
                select.set_options([(plain_text(v), v) for v in values])  # server text: never markup
                if current in values:
                    select.value = current
        self._options_applied = True

    @on(PageLoaded)
    def _apply_page(self, message: PageLoaded) -> None:
        if not self.is_latest(message.serial):
            return
        page: WorkItemPage = message.payload
        self.page = page
        self.query_state = page.query
        self._show_empty(page.store_total == 0)
        table = self.query_one("#wi-table", PagedTable)
        if self._sorted_by != (page.query.order_by, page.query.descending):
            self._sorted_by = (page.query.order_by, page.query.descending)
            self._setup_columns()
        tz = self.policy().tz
        numbers = page.numbers or [None] * len(page.items)
        table.set_rows(
            [(str(w.id), w.type, w.state, bucket, w.title, *_flow_cells(n), w.assigned_to or "",
              _date(w.changed_at, tz))
             for w, bucket, n in zip(page.items, page.buckets, numbers, strict=True)],
            [str(w.id) for w in page.items],
            [_tone(n, self._query_ctx.flow if self._query_ctx else None) for n in numbers],
        )
        self._update_status()
        self.refresh_bindings()
        if not page.items:
            self.query_one("#wi-detail-text", Static).update("No work item matches the filters.")

    # --- detail ----------------------------------------------------------------------------
    @on(PagedTable.RowHighlighted, "#wi-table")
    def _row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        if self.store is None:
            return
        self._detail_serial += 1
        self._load_detail(self._detail_serial, int(event.key), self.flow_app.now())

    @work(thread=True, exclusive=True, group="work_items_detail", exit_on_error=False)
    def _load_detail(self, serial: int, item_id: int, as_of: datetime) -> None:
        store = self.store
        if store is not None:
            self.post_message(DetailLoaded(serial, (item_id, explain(store, item_id, self.policy(), as_of))))

    @on(DetailLoaded)
    def _apply_detail(self, message: DetailLoaded) -> None:
        if message.serial != self._detail_serial:
            return
        item_id, found = message.payload
        out = Text()
        flow = self._query_ctx.flow if self._query_ctx is not None else None
        numbers = flow.get(item_id) if flow is not None else None
        if flow is not None and numbers is not None:
            out.append(detail_line(numbers, flow) + "\n", style="bold")
        if found.steps:
            width = max(10, self.query_one("#wi-detail").size.width - 4)
            out.append_text(timeline_bar(found.steps, found.end, width))
            out.append("\n")
            out.append_text(legend())
            out.append("\n\n")
        out.append("\n".join(found.lines))
        self.query_one("#wi-detail-text", Static).update(out)

    # --- filters ---------------------------------------------------------------------------
    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        field = next((f for wid, f, _ in SELECTS_WI if wid == event.select.id), None)
        if field in SHARED_FIELDS:  # the App's filter state: every view follows
            self._share(field, None if event.value == Select.NULL else str(event.value))
        else:
            self._select_field_changed(event)

    def _share(self, field: str, value: str | None) -> None:
        app: Any = self.app
        if getattr(app.view_filter, field) != value:
            app.set_view_filter(app.view_filter.with_(**{field: value}))

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        field = {"wi-area": "area", "wi-tag": "tag", "wi-search": "search"}.get(event.input.id or "")
        if field is None:
            return
        value: str | None = event.value if field == "search" else (event.value.strip() or None)
        if field in SHARED_FIELDS:
            self._share(field, value)
        elif getattr(self.query_state, field) != value:
            self._request(self.query_state.with_(**{field: value}))

    @on(Input.Submitted)
    def _input_submitted(self, _event: Input.Submitted) -> None:
        self.action_focus_table()

    # --- actions (cursor, paging and order come from PagedTableActions) ----------------------
    @on(PagedTable.HeaderSelected, "#wi-table")
    def _header_selected(self, event: PagedTable.HeaderSelected) -> None:
        self._sort_by_header(event)

    def action_aging(self) -> None:
        """The aging WIP list: the doing bucket, oldest first (the other filters stay)."""
        with self.prevent(Select.Changed):
            self.query_one("#wi-bucket", Select).value = "doing"
            self.query_one("#wi-state", Select).clear()
        self._request(aging_query(self.query_state))
        self._table().focus()

    def selected_url(self) -> str | None:
        """The web URL of the item under the cursor (None without rows)."""
        table = self._table()
        page = self.page
        if page is None or not page.items or not table.row_count:
            return None
        item = next((w for w in page.items if str(w.id) == table.keys[table.cursor_row]), None)
        if item is None:
            return None
        return work_item_url(self.flow_app.settings.org_url, item.project, item.id)

    def action_clear_filters(self) -> None:
        with self.prevent(Select.Changed, Input.Changed):
            for wid, _, _ in SELECTS_WI:
                self.query_one(f"#{wid}", Select).clear()
            for wid in ("wi-area", "wi-tag", "wi-search"):
                self.query_one(f"#{wid}", Input).value = ""
        q = self.query_state
        app: Any = self.app
        app.set_view_filter(app.view_filter.with_(type=None, area=None, tag=None, assignee=None))
        self._request(WorkItemQuery(project=app.view_filter.project, order_by=q.order_by, descending=q.descending))


def _flow_cells(n: ItemNumbers | None) -> tuple[str, ...]:
    """Age, cycle, lead, blocked, days in state and SLE cells ("…" while computing)."""
    if n is None:
        return ("…",) * 6
    blocked = fmt_days(n.blocked) if n.blocked else ""
    return (fmt_days(n.age), fmt_days(n.cycle), fmt_days(n.lead), blocked, fmt_days(n.in_state),
            "PAST" if n.sle == PAST else n.sle)


def _tone(n: ItemNumbers | None, flow: FlowColumns | None) -> int | None:
    """A doing item's row colour: below the first aging line, past it, or at/over the SLE line."""
    if n is None or flow is None or not n.band:
        return None
    if n.band.startswith("<"):
        return 0
    return 2 if n.sle == PAST else 1


def _date(at: datetime, tz: object) -> str:
    """The local date of an instant, YYYY-MM-DD."""
    return at.astimezone(tz).date().isoformat()  # type: ignore[arg-type]
