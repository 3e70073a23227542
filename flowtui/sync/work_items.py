"""Work items with full history: state categories, then the reporting revisions stream.

The stream is read page by page; each page's snapshots, revisions and the new continuation token
commit in one transaction. The token is kept after `isLastBatch`, so the next sync of an unchanged
project costs one request. A server without the stream (route missing) is served by the WIQL
fallback in `flowtui.sync.fallback`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from flowtui.ado import endpoints, parse
from flowtui.ado.errors import RouteNotFoundError
from flowtui.ado.paging import PagingError, StreamGuard
from flowtui.domain import Revision, WorkItem
from flowtui.sync.context import SyncContext
from flowtui.sync.fallback import sync_by_wiql
from flowtui.sync.pages import CategoryCache, store_page
from flowtui.sync.progress import STAGE_WORK_ITEMS

STREAM_PREFIX = "wit.revisions"


def stream_name(types: list[str]) -> str:
    """One cursor per (field set, type filter): changing either starts a new stream."""
    key = "|".join(endpoints.REVISION_FIELDS) + "#" + "|".join(sorted(types))
    return f"{STREAM_PREFIX}:{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def sync_work_items(ctx: SyncContext, project: str, *, start: datetime) -> None:
    """Categories then history for one project; falls back to WIQL when the stream is missing."""
    categories = CategoryCache(ctx, project)
    if ctx.full or not categories.types_known:
        categories.load_all()
    types = list(ctx.settings.sync.work_item_types)
    try:
        read_stream(ctx, project, categories, types=types, start=start)
    except RouteNotFoundError:
        ctx.warn("the reporting revisions API is not available; used the slower WIQL + updates path")
        sync_by_wiql(ctx, project, categories, types=types, start=start)


def read_stream(ctx: SyncContext, project: str, categories: CategoryCache, *, types: list[str], start: datetime) -> None:
    """Read the reporting revisions stream from the stored token (or from `start`) to its end.

    Pages are read one after the other (no prefetch: parsing and storing a page of 1,000 revisions
    takes ~50 ms, small next to the server's time per page, and the cursor order stays simple).
    A `StreamGuard` stops a stream that stalls (see `flowtui.ado.paging`) and the request budget
    (`sync.max_requests_per_stream`) one that never ends; each batch is stored before either error.
    """
    stream = stream_name(types)
    cursor = None if ctx.full else ctx.store.get_cursor(ctx.org, project, stream)  # --full ignores the token
    token = cursor.value if cursor and cursor.value else None
    what = f"The revisions stream of {project!r}"
    guard, budget = StreamGuard(what), ctx.request_budget(what)
    while True:  # bounded: budget.spend() raises past sync.max_requests_per_stream
        ctx.check_cancel()
        budget.spend()
        batch = endpoints.reporting_revisions(
            ctx.client, project, continuation_token=token, types=types or None, start=None if token else start
        )
        revisions, items = parse_entries(ctx, project, batch.values)
        try:
            next_token: str | None = guard.advance(batch, token)
            problem: PagingError | None = None
        except PagingError as exc:
            next_token, problem = None, exc
        categories.ensure(items, revisions)
        store_page(ctx, items, revisions, cursor=(project, stream, batch.continuation_token))
        ctx.emit(STAGE_WORK_ITEMS, "work_items", done=ctx.counts.revisions,
                 message=f"{ctx.counts.revisions} revisions of {ctx.counts.work_items} work items")
        if problem is not None:
            raise problem
        if next_token is None:
            return
        token = next_token


def parse_latest(
    ctx: SyncContext, values: list[object]
) -> tuple[list[Revision], dict[int, tuple[Revision, dict[str, object]]]]:
    """Revisions of a page and, per item, its latest (revision, fields); bad entries become warnings."""
    revisions: list[Revision] = []
    latest: dict[int, tuple[Revision, dict[str, object]]] = {}
    for entry in values:
        try:
            row, fields = parse.revision_row(entry)
        except parse.BadPayload as exc:
            ctx.warn(str(exc))
            continue
        revisions.append(row)
        current = latest.get(row.work_item_id)
        if current is None or row.rev >= current[0].rev:
            latest[row.work_item_id] = (row, fields)
    return revisions, latest


def project_of(fields: dict[str, object], scope: dict[str, str], default: str) -> str:
    """The revision's `System.TeamProject`, spelled as configured when it is a synced project."""
    raw = fields.get("System.TeamProject")
    name = raw if isinstance(raw, str) and raw else default
    return scope.get(name.lower(), name)


def snapshots(
    ctx: SyncContext,
    revisions: list[Revision],
    latest: dict[int, tuple[Revision, dict[str, object]]],
    project: Callable[[dict[str, object]], str],
) -> tuple[list[Revision], dict[int, WorkItem]]:
    """The latest snapshot per item; an item whose snapshot is malformed is dropped with its revisions
    of this page (one warning), so nothing but the store can abort a page."""
    items: dict[int, WorkItem] = {}
    dropped: set[int] = set()
    for item_id, (row, fields) in latest.items():
        try:
            items[item_id] = parse.snapshot(row, fields, project(fields))
        except parse.BadPayload as exc:
            ctx.warn(str(exc))
            dropped.add(item_id)
    if dropped:
        revisions = [r for r in revisions if r.work_item_id not in dropped]
    return revisions, items


def parse_entries(ctx: SyncContext, project: str, values: list[object]) -> tuple[list[Revision], list[WorkItem]]:
    """Revisions of a page and the latest snapshot per item; bad entries become warnings."""
    revisions, latest = parse_latest(ctx, values)
    revisions, items = snapshots(ctx, revisions, latest, lambda _fields: project)
    return revisions, list(items.values())
