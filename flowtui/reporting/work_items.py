"""The queries behind the Work items view, free of widgets so workers and benchmarks can call them.

Everything is filtered, sorted and paged in SQL (`Store.work_items` / `count_work_items`); the view
never holds more than `PAGE_SIZE` rows. A *bucket* filter becomes the set of state names that map
to that bucket (SPEC §6) under the current policy: a state name counts in a bucket when it maps
there for at least one (project, type) of the store, and states without a category follow the
unmapped rule (doing) unless `flow.state_overrides` names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from flowtui.domain import ItemFilter, WorkItem, WorkItemHistory
from flowtui.metrics import BUCKETS, DOING, FlowPolicy, StateMap, derive_item, explain_lines
from flowtui.reporting.item_columns import FLOW_SORT_COLUMNS, FlowColumns, ItemNumbers
from flowtui.store import Store

PAGE_SIZE = 500
#: Table columns the table can sort by, in the order `o` cycles through them: the store's columns
#: (sorted in SQL) then the flow columns (sorted by their precomputed values, see `item_columns`).
SORT_COLUMNS = ("id", "type", "state", "title", "assigned_to", "changed_at", *FLOW_SORT_COLUMNS)
#: Sort keys that start descending (the largest age or time first).
NEWEST_FIRST = ("changed_at", *FLOW_SORT_COLUMNS)


@dataclass(frozen=True)
class WorkItemQuery:
    """What the table shows: filters, search, sort and the page offset."""

    project: str | None = None
    type: str | None = None
    state: str | None = None
    bucket: str | None = None
    assignee: str | None = None
    area: str | None = None
    tag: str | None = None
    search: str = ""
    order_by: str = "id"
    descending: bool = False
    offset: int = 0

    def with_(self, **changes: object) -> WorkItemQuery:
        """A copy with some fields changed; any change but `offset` goes back to the first page."""
        if "offset" not in changes:
            changes["offset"] = 0
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_filtered(self) -> bool:
        return any((self.project, self.type, self.state, self.bucket, self.assignee, self.area, self.tag, self.search.strip()))


@dataclass(frozen=True)
class WorkItemPage:
    """One page of rows with their buckets, the total matching count and the query that made it."""

    query: WorkItemQuery
    items: list[WorkItem]
    buckets: list[str]
    total: int
    store_total: int
    #: each row's flow numbers (None per row until the flow columns are computed)
    numbers: list[ItemNumbers | None] = field(default_factory=list)

    @property
    def shown(self) -> int:
        """Rows on this page."""
        return len(self.items)

    @property
    def is_subset(self) -> bool:
        """True when filters narrow the store (the status line then adds the store's count)."""
        return self.query.is_filtered


@dataclass(frozen=True)
class QueryContext:
    """What every query of one data version shares: the bucket mapping, the store's item count and
    the state names of each bucket (computed once per reload, not per keystroke)."""

    states: StateMap
    store_total: int
    bucket_states: dict[str, tuple[str, ...]]
    #: the per-item flow numbers (None until computed: seconds on a large store)
    flow: FlowColumns | None = None


def aging_query(q: WorkItemQuery | None = None) -> WorkItemQuery:
    """The aging WIP list: items in doing, oldest first (other filters kept)."""
    return (q or WorkItemQuery()).with_(bucket=DOING, state=None, order_by="age", descending=True)


def needs_flow(q: WorkItemQuery) -> bool:
    """True when the query sorts by a flow column (its page cannot be read before they are computed)."""
    return q.order_by in FLOW_SORT_COLUMNS


@dataclass(frozen=True)
class FilterOptions:
    """The values the filter pickers offer."""

    types: list[str]
    states: list[str]
    assignees: list[str]


def state_map(store: Store, policy: FlowPolicy) -> StateMap:
    """The bucket mapping of every state in the store under `policy`."""
    return StateMap(store.state_categories(), policy)


def bucket_states(store: Store, states: StateMap, bucket: str) -> tuple[str, ...]:
    """State names that map to `bucket` for at least one (project, type), sorted."""
    names: set[str] = set()
    known: set[str] = set()
    for sc in store.state_categories():
        known.add(sc.state)
        if states.bucket(sc.project, sc.work_item_type, sc.state) == bucket:
            names.add(sc.state)
    for name in store.distinct_values("state"):
        if name not in known and states.bucket("", "", name) == bucket:
            names.add(name)
    return tuple(sorted(names))


def query_context(store: Store, policy: FlowPolicy) -> QueryContext:
    """The shared part of every query for the current data version and policy."""
    states = state_map(store, policy)
    return QueryContext(states, store.count_work_items(), {b: bucket_states(store, states, b) for b in BUCKETS})


def _store_args(ctx: QueryContext, q: WorkItemQuery) -> dict[str, object] | None:
    """Keyword arguments for Store.work_items/count_work_items, or None when nothing can match."""
    args: dict[str, object] = {
        "f": ItemFilter(projects=(q.project,) if q.project else (), types=(q.type,) if q.type else (), area=q.area.strip() if q.area and q.area.strip() else None),
        "search": q.search.strip() or None, "state": q.state, "assigned_to": q.assignee,
        "tag": q.tag.strip() if q.tag and q.tag.strip() else None,
    }
    if q.bucket:
        in_bucket = ctx.bucket_states.get(q.bucket, ())
        if not in_bucket:
            return None
        args["states"] = in_bucket
    return args


def query_page(store: Store, ctx: QueryContext, q: WorkItemQuery, page_size: int = PAGE_SIZE,
               known_total: int | None = None) -> WorkItemPage:
    """Run one page of the query; an offset past the end snaps back to the last page.

    `known_total`: the matching count when only the offset changed since the last page (saves a COUNT).
    """
    args = _store_args(ctx, q)
    store_total = ctx.store_total
    if args is None:
        return WorkItemPage(replace(q, offset=0), [], [], 0, store_total)
    f = args.pop("f")
    if known_total is not None:
        total = known_total
    else:
        total = store.count_work_items(f, **args) if q.is_filtered else store_total  # type: ignore[arg-type]
    offset = max(0, min(q.offset, ((total - 1) // page_size) * page_size if total else 0))
    flow = ctx.flow
    if q.order_by in FLOW_SORT_COLUMNS:
        if flow is None:
            raise ValueError("sorting by a flow column needs the flow columns (QueryContext.flow)")
        ids = flow.sort_ids(store.work_item_ids(f, **args), q.order_by, q.descending)  # type: ignore[arg-type]
        items = store.work_items_by_ids(ids[offset:offset + page_size])
    else:
        items = store.work_items(f, **args, order_by=q.order_by, descending=q.descending,  # type: ignore[arg-type]
                                 limit=page_size, offset=offset)
    buckets = [ctx.states.bucket(w.project, w.type, w.state) for w in items]
    numbers = [flow.get(w.id) if flow is not None else None for w in items]
    return WorkItemPage(replace(q, offset=offset), items, buckets, total, store_total, numbers)


def filter_options(store: Store) -> FilterOptions:
    """Distinct types, states and assignees for the pickers."""
    return FilterOptions(store.distinct_values("type"), store.distinct_values("state"),
                         store.distinct_values("assigned_to"))


@dataclass(frozen=True)
class Explanation:
    """The detail pane of one item: the engine's derivation lines and the steps for the timeline bar."""

    lines: list[str]
    #: (instant, bucket, wait, blocked) of every step, creation first.
    steps: list[tuple[float, str, bool, bool]]
    #: Where the timeline ends: completed_at when done, else as_of.
    end: float


def explain(store: Store, item_id: int, policy: FlowPolicy, as_of: datetime) -> Explanation:
    """How the item's numbers were derived — the metrics engine's own `explain_lines`."""
    item = store.work_item(item_id)
    if item is None:
        return Explanation([f"Work item #{item_id} is no longer in the store."], [], 0.0)
    history = WorkItemHistory(item, tuple(store.revisions_for(item_id)))
    states = StateMap(store.state_categories([item.project]), policy)
    flow = derive_item(history, states, policy, as_of.timestamp())
    if flow is None:
        return Explanation([f"#{item.id} {item.title}", "", "Created after the as-of instant: no numbers yet."], [], 0.0)
    end = flow.completed_ts if flow.completed_ts is not None else flow.as_of_ts
    return Explanation(explain_lines(flow, policy), [(s.ts, s.bucket, s.wait, s.blocked) for s in flow.steps], end)


__all__ = [
    "BUCKETS", "NEWEST_FIRST", "PAGE_SIZE", "SORT_COLUMNS", "Explanation", "aging_query", "needs_flow", "FilterOptions", "QueryContext", "WorkItemPage", "WorkItemQuery",
    "bucket_states", "explain", "filter_options", "query_context", "query_page", "state_map",
]
