"""Complete histories, per project, after the revisions stream: stale WIP, the recycle bin, backfill.

1. **Stale WIP** — open items whose last change predates the history start never appear in a stream
   read from that start. One WIQL per project (open states = every state not in the Completed or
   Removed category, `[System.ChangedDate] <` the start) finds them, once per history start (the
   start checked is kept as the `wit.stale` cursor; an earlier `--since` asks again). Those not
   stored yet get a "needs backfill" marker.
2. **Recycle bin** — one request per project per sync (`_apis/wit/recyclebin`): items in it are
   flagged deleted (kept, out of every report); items that left it are restored and re-read.
3. **Backfill** — every marked item's whole history through the per-item revisions API (paged by
   200: one request for almost every item). Its revisions, its snapshot and the cleared marker
   commit in one transaction, so a killed sync repeats nothing and loses nothing. An item the API
   no longer serves (deleted meanwhile, destroyed, no permission) leaves the reports and is listed
   in data health with the reason.
"""

from __future__ import annotations

from datetime import datetime

from flowtui.ado import endpoints
from flowtui.ado.errors import RouteNotFoundError
from flowtui.domain import Revision, WorkItem
from flowtui.errors import NotFoundError
from flowtui.sync.context import SyncContext
from flowtui.sync.progress import STAGE_BACKFILL
from flowtui.sync.pages import CategoryCache
from flowtui.sync.work_items import parse_latest, project_of, snapshots

STALE_CURSOR = "wit.stale"
_DONE_CATEGORIES = ("Completed", "Removed")
NOT_READABLE = "its revisions could not be read (deleted, destroyed or not readable with this PAT)"


def complete_history(ctx: SyncContext, project: str, *, start: datetime) -> None:
    """Stale WIP, then the recycle bin, then the backfill of every marked item of `project`."""
    find_stale(ctx, project, start=start)
    check_recycle_bin(ctx, project)
    backfill(ctx, project, start=start)


def _wiql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def find_stale(ctx: SyncContext, project: str, *, start: datetime) -> None:
    """One WIQL for open items unchanged since before `start` (skipped when already asked for it)."""
    cursor = None if ctx.full else ctx.store.get_cursor(ctx.org, project, STALE_CURSOR)
    if cursor is not None and cursor.watermark is not None and cursor.watermark <= start:
        return
    closed = sorted({c.state for c in ctx.store.state_categories([project]) if c.category in _DONE_CATEGORIES})
    where = f"[System.ChangedDate] < {_wiql_text(endpoints.iso_instant(start))}"
    if closed:
        where += f" AND [System.State] NOT IN ({', '.join(_wiql_text(s) for s in closed)})"
    types = list(ctx.settings.sync.work_item_types)
    if types:
        where += f" AND [System.WorkItemType] IN ({', '.join(_wiql_text(t) for t in types)})"
    ids: list[int] = []
    for chunk in endpoints.wiql_ids(ctx.client, project, where):
        ctx.check_cancel()
        ids.extend(chunk)
    with ctx.store.transaction():
        new = ctx.store.mark_stale(project, ids)
        ctx.store.set_cursor(ctx.org, project, STALE_CURSOR, "", watermark=start, force=True)
    ctx.counts.stale_items += len(new)


def check_recycle_bin(ctx: SyncContext, project: str) -> None:
    """Flag the project's deleted items and restore those that left the bin (one request)."""
    try:
        ids = endpoints.recycle_bin_ids(ctx.client, project)
    except RouteNotFoundError:
        ctx.warn("the recycle bin cannot be read on this server; deleted work items are not detected")
        return
    with ctx.store.transaction():
        deleted, restored = ctx.store.apply_recycle_bin(project, ids, ctx.server_now())
    ctx.counts.deleted += deleted
    ctx.counts.restored += restored


def backfill(ctx: SyncContext, project: str, *, start: datetime | None = None) -> None:
    """Read the whole history of every item of `project` marked "needs backfill".

    An item not stored yet (one restored from the recycle bin) that finished before the history
    `start` is not kept: a sync from that start would not have it either.
    """
    ids = ctx.store.pending_backfill(project)
    if not ids:
        return
    scope = {p.lower(): p for p in (ctx.projects or [project])}
    wanted_types = {t.lower() for t in ctx.settings.sync.work_item_types}
    cache = CategoryCache(ctx, project)
    before = ctx.client.requests
    total = len(ids)
    ctx.emit(STAGE_BACKFILL, "backfill", done=0, total=total, message=f"completing the history of {total} work items")
    try:
        current = _current_revs(ctx, project, ids)
        for done, item_id in enumerate(ids, start=1):
            ctx.check_cancel()
            _backfill_one(ctx, project, item_id, scope, wanted_types, cache, start, current.get(item_id))
            ctx.emit(STAGE_BACKFILL, "backfill", done=done, total=total,
                     message=f"completed the history of {done} of {total} work items")
    finally:
        ctx.counts.backfill_requests += ctx.client.requests - before


def _current_revs(ctx: SyncContext, project: str, ids: list[int]) -> dict[int, int]:
    """Each item's current rev: the stored snapshot's, else (stale items found by WIQL) one batch
    request per 200 ids, so that reading an item's revisions ends at its last rev without the extra
    empty page a `$top`/`$skip` list needs to prove its end."""
    current: dict[int, int] = {}
    unknown: list[int] = []
    for item_id in ids:
        item = ctx.store.work_item(item_id)
        if item is not None:
            current[item_id] = item.rev
        else:
            unknown.append(item_id)
    if unknown:
        try:
            raws = endpoints.work_items_batch(ctx.client, project, unknown, fields=("System.Rev",))
        except RouteNotFoundError:  # servers without POST workitemsbatch (tfs-4.1) answer the GET form
            raws = endpoints.work_items_batch(ctx.client, project, unknown, fields=("System.Rev",), use_get=True)
        for raw in raws:
            raw_id, raw_rev = raw.get("id"), raw.get("rev")
            if isinstance(raw_id, int) and isinstance(raw_rev, int) and not isinstance(raw_rev, bool) and raw_rev > 0:
                current[raw_id] = raw_rev
    return current


def _backfill_one(ctx: SyncContext, project: str, item_id: int, scope: dict[str, str], wanted_types: set[str],
                  cache: CategoryCache, start: datetime | None = None, last_rev: int | None = None) -> None:
    try:
        entries = endpoints.work_item_revisions(
            ctx.client, project, item_id, last_rev=last_rev,
            budget=ctx.request_budget(f"The revisions of work item {item_id}"),
        )
    except NotFoundError:
        with ctx.store.transaction():
            ctx.store.finish_backfill(item_id, project, problem=NOT_READABLE, hide=True)
        return
    revisions, item = _parse(ctx, entries, scope)
    if item is None:
        with ctx.store.transaction():
            ctx.store.finish_backfill(item_id, project, problem="the revisions API returned no usable revision",
                                      hide=True)
        return
    revs = sorted(r.rev for r in revisions)
    problem = None
    if revs != list(range(1, revs[-1] + 1)):
        problem = f"the revisions API returned revs {revs[0]}..{revs[-1]} with gaps ({len(revs)} of {revs[-1]})"
    cache.ensure([item], revisions)
    if start is not None and item.changed_at < start and not ctx.store.known_work_items([item.id]) \
            and _finished(ctx, item):
        with ctx.store.transaction():
            ctx.store.finish_backfill(item_id, project, keep=False)
        return
    why = None
    if item.project.lower() not in scope:
        why = f"moved to project {item.project!r}, which is not synced"
    elif wanted_types and item.type.lower() not in wanted_types:
        why = f"changed to type {item.type!r}, which is not synced"
    with ctx.store.transaction():
        ctx.store.note_scope_changes([item])
        ctx.store.upsert_work_items([item])
        ctx.store.upsert_revisions(revisions)
        ctx.store.set_excluded([(item.id, why)])
        ctx.store.finish_backfill(item_id, project, problem=problem)
    ctx.counts.backfilled += 1


def _finished(ctx: SyncContext, item: WorkItem) -> bool:
    """The item's current state is in the Completed or Removed category."""
    return any(c.category in _DONE_CATEGORIES for c in ctx.store.state_categories([item.project])
               if c.work_item_type == item.type and c.state == item.state)


def _parse(ctx: SyncContext, entries: list[dict[str, object]], scope: dict[str, str]) -> tuple[list[Revision], WorkItem | None]:
    """The item's revisions and its snapshot as of the latest one (project from its TeamProject)."""
    revisions, latest = parse_latest(ctx, list(entries))
    revisions, items = snapshots(ctx, revisions, latest, lambda fields: project_of(fields, scope, ctx.project))
    return revisions, next(iter(items.values()), None)
