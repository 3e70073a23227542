"""The Pull requests view: a paged table with repository/author/reviewer filters and a detail pane
with reviewers and their votes, first comment / first vote / approval times and the cycle time.

Keys: `j/k` move, `g/G` first/last row, `n/p` or PageDown/PageUp page, `o`/`O` sort column and
direction (or click a header), `/` search, `Esc` back to the table, `c` clear filters, `f` next filter field, `d` detail,
`b` open the PR in the browser, `y` copy its link.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Select, Static

from flowtui.domain import PullRequest
from flowtui.reporting.pull_requests import (
    PAGE_SIZE,
    SORT_COLUMNS,
    PrPage,
    PrQuery,
    detail,
    load_prs,
    options,
    pr_rows,
    query_prs,
)
from flowtui.reporting.links import pull_request_url
from flowtui.screens.paged_view import LinkActions, PagedTableActions, link_bindings, table_view_bindings
from flowtui.screens.view_base import EMPTY_TEXT, DataView, Loaded
from flowtui.widgets.paged_table import PagedTable
from flowtui.widgets.safe_text import plain_text
from flowtui.widgets.status_bar import StatusBar

#: (label, key, width) of the table columns (fixed widths: the PagedTable measures nothing).
COLUMNS = (("ID", "id", 5), ("Repo", "repository", 10), ("Title", "title", 30), ("Author", "author", 14),
           ("Status", "status", 9), ("Created", "created_at", 10), ("Closed", "closed_at", 10),
           ("Cycle h", "cycle", 7), ("Votes", "votes", 5))
SELECTS_PR = (("pr-repo", "repository", "Repository"), ("pr-author", "author", "Author"),
            ("pr-reviewer", "reviewer", "Reviewer"))


class PrsLoaded(Loaded):
    """Every PR in the store (payload: list[PullRequest])."""


class PrPageReady(Loaded):
    """One filtered, sorted page (payload: PrPage)."""


class PullRequestsScreen(LinkActions, PagedTableActions, DataView):
    """Pull requests: filter by repository/author/reviewer, search, sort, page, detail."""

    ERROR_TARGET = "#pr-status"
    ERROR_PREFIX = "Could not load the pull requests"

    ID_PREFIX = "pr"
    COLUMNS = COLUMNS
    SORT_COLUMNS = SORT_COLUMNS
    NEWEST_FIRST = ("closed_at", "created_at")
    NARROW_DROP = ("created_at", "votes", "status", "repository")
    SELECTS = SELECTS_PR
    ROW_NOUN = "PRs"
    FILTER_IDS = ('pr-repo', 'pr-author', 'pr-reviewer', 'pr-search')
    PAGE_SIZE = PAGE_SIZE

    AUTO_FOCUS = "#pr-table"
    BINDINGS: list[Binding] = [*table_view_bindings("pull_requests"), *link_bindings()]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = PrQuery()
        self.prs: list[PullRequest] = []
        self.page: PrPage | None = None
        self._by_uid: dict[str, PullRequest] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="pr-filters", classes="filter-bar"):
            for wid, _, prompt in SELECTS_PR:
                yield Select[str]([], prompt=prompt, id=wid)
            yield Input(placeholder="/ search title or id", id="pr-search")
        yield Static(EMPTY_TEXT, id="pr-empty", classes="view-empty")
        with Vertical(id="pr-body", classes="table-body"):
            yield PagedTable(id="pr-table")
            with VerticalScroll(id="pr-detail", classes="detail-pane"):
                yield Static("", id="pr-detail-text")
        yield Static("", id="pr-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pr-empty").display = False

    # --- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Load the PRs of the App's filter state (its project: PRs have no type, tag or assignee), then show
        the current page."""
        serial = self.next_serial()
        if self.store is None:
            self._show_empty(True)
            return
        self._load_all(serial, self.query_state)

    @work(thread=True, exclusive=True, group="pull_requests", exit_on_error=False)
    def _load_all(self, serial: int, query: PrQuery) -> None:
        store = self.store
        if store is None:
            return
        prs = load_prs(store, self.item_filter())
        self.post_message(PrsLoaded(serial, prs))
        self.post_message(PrPageReady(serial, query_prs(prs, query)))

    @work(thread=True, exclusive=True, group="pull_requests", exit_on_error=False)
    def _filter(self, serial: int, prs: list[PullRequest], query: PrQuery) -> None:
        self.post_message(PrPageReady(serial, query_prs(prs, query)))

    def _request(self, query: PrQuery) -> None:
        self.query_state = query
        self._filter(self.next_serial(), self.prs, query)

    @on(PrsLoaded)
    def _apply_all(self, message: PrsLoaded) -> None:
        if not self.is_latest(message.serial):
            return
        self.prs = message.payload
        self._by_uid = {p.uid: p for p in self.prs}
        opts = options(self.prs)
        with self.prevent(Select.Changed):
            for wid, values in (("pr-repo", opts.repositories), ("pr-author", opts.authors),
                                ("pr-reviewer", opts.reviewers)):
                select = self.query_one(f"#{wid}", Select)
                current = select.value
                select.set_options([(plain_text(v), v) for v in values])  # server text: never markup
                if current in values:
                    select.value = current

    @on(PrPageReady)
    def _apply_page(self, message: PrPageReady) -> None:
        if not self.is_latest(message.serial):
            return
        page: PrPage = message.payload
        self.page = page
        self.query_state = page.query
        self._show_empty(page.store_total == 0)
        self._setup_columns()
        rows = pr_rows(page.prs, self.policy().tz)
        self.query_one("#pr-table", PagedTable).set_rows(rows, [p.uid for p in page.prs])
        self._update_status()
        self.refresh_bindings()
        if not page.prs:
            self.query_one("#pr-detail-text", Static).update("No pull request matches the filters.")

    @on(PagedTable.RowHighlighted, "#pr-table")
    def _row_highlighted(self, event: PagedTable.RowHighlighted) -> None:
        pr = self._by_uid.get(event.key)
        if pr is not None:
            self.query_one("#pr-detail-text", Static).update(detail(pr))

    # --- filters ---------------------------------------------------------------------------
    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        self._select_field_changed(event)

    @on(Input.Changed, "#pr-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self.query_state.search != event.value:
            self._request(self.query_state.with_(search=event.value))

    @on(Input.Submitted)
    def _input_submitted(self, _event: Input.Submitted) -> None:
        self.action_focus_table()

    # --- actions (cursor, paging and order come from PagedTableActions) ----------------------
    @on(PagedTable.HeaderSelected, "#pr-table")
    def _header_selected(self, event: PagedTable.HeaderSelected) -> None:
        self._sort_by_header(event)

    def selected_url(self) -> str | None:
        """The web URL of the PR under the cursor (None without rows)."""
        table = self.query_one("#pr-table", PagedTable)
        if not table.row_count:
            return None
        pr = self._by_uid.get(table.keys[table.cursor_row])
        if pr is None:
            return None
        return pull_request_url(self.flow_app.settings.org_url, pr.project, pr.repository_name, pr.pull_request_id)

    def action_clear_filters(self) -> None:
        with self.prevent(Select.Changed, Input.Changed):
            for wid, _, _ in SELECTS_PR:
                self.query_one(f"#{wid}", Select).clear()
            self.query_one("#pr-search", Input).value = ""
        q = self.query_state
        self._request(PrQuery(order_by=q.order_by, descending=q.descending))
