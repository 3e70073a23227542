"""Work item history from the organization-level revisions stream, filtered locally.

One stream (`{org}/_apis/wit/reporting/workitemrevisions`, no project segment, no type filter) for
every synced project, read during the first project's work item stage and shared by the others.
Unlike a project-scoped stream, it keeps items that move between projects or change type (the
reference §6.3 caveat), so an item always belongs to the project and type of its latest revision:

- an item whose latest revision in a page is in a synced project (and type, when `sync.work_item_types`
  is set) is stored with every revision of the page; a stored item that moved between synced
  projects keeps its whole history under its new project;
- a stored item that moved to an unsynced project or type stays stored, with its new revisions, and is
  `excluded` from the reports (it comes back if it moves back); an item never stored and out of
  scope is skipped;
- an item stored without its rev 1 (created before the history start, or moved in from an unsynced
  project) gets a "needs backfill" marker in the page's transaction (`flowtui.sync.history`).

The cursor is one token per (field set, type filter, project set) under project "" — adding a
project starts a new stream from the history start. A server without the organization-level route
gets the per-project streams (`flowtui.sync.work_items`). README "Moved items" has the measurements
behind the choice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flowtui.ado import endpoints
from flowtui.ado.errors import RouteNotFoundError
from flowtui.domain import Revision, WorkItem
from flowtui.errors import AdoError, NotFoundError
from flowtui.sync.context import SyncContext
from flowtui.sync.progress import STAGE_WORK_ITEMS, ProjectCounts
from flowtui.ado.paging import PagingError, StreamGuard
from flowtui.sync.pages import CategoryCache
from flowtui.sync.work_items import parse_latest, project_of, snapshots, sync_work_items

ORG_STREAM_PREFIX = "wit.revisions.org"
#: cursor marking a server without the organization-level stream (per-project streams are read)
UNSUPPORTED = "wit.revisions.org:unsupported"


def org_stream_name(types: list[str], projects: list[str]) -> str:
    """One cursor per (field set, type filter, synced projects)."""
    key = ("|".join(endpoints.REVISION_FIELDS) + "#" + "|".join(sorted(t.lower() for t in types))
           + "#" + "|".join(sorted(p.lower() for p in projects)))
    return f"{ORG_STREAM_PREFIX}:{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def sync_project_work_items(ctx: SyncContext, project: str, *, start: datetime) -> None:
    """The work item stage of one project: the shared organization stream (read once per run)."""
    if ctx.org_stream is None and not ctx.full and ctx.store.get_cursor(ctx.org, "", UNSUPPORTED) is not None:
        ctx.org_stream = "per-project"  # learnt on an earlier run: no probe (--full asks again)
    if ctx.org_stream is None:
        try:
            read_org_stream(ctx, ctx.projects or [project], start=start)
            ctx.org_stream = "read"
        except RouteNotFoundError:
            ctx.org_stream = "per-project"
            with ctx.store.transaction():
                ctx.store.set_cursor(ctx.org, "", UNSUPPORTED, "route not found", force=True)
        except AdoError as exc:
            ctx.org_stream = exc
            raise
    if ctx.org_stream == "per-project":
        sync_work_items(ctx, project, start=start)
    elif isinstance(ctx.org_stream, AdoError):
        raise ctx.org_stream


def _counts(ctx: SyncContext, project: str) -> ProjectCounts:
    return ctx.summary.projects.setdefault(project, ProjectCounts())


def read_org_stream(ctx: SyncContext, projects: list[str], *, start: datetime) -> None:
    """Read the organization stream from the stored token (or from `start`) to its end."""
    types = list(ctx.settings.sync.work_item_types)
    scope = {p.lower(): p for p in projects}
    caches: dict[str, CategoryCache] = {}
    for name in projects:
        cache = CategoryCache(ctx, name)
        if ctx.full or not cache.types_known:
            try:
                cache.load_all()
            except NotFoundError:
                continue  # an unknown project fails in its own stage, by name
        caches[name] = cache
    stream = org_stream_name(types, projects)
    cursor = None if ctx.full else ctx.store.get_cursor(ctx.org, "", stream)
    token = cursor.value if cursor and cursor.value else None
    seen_items: dict[str, set[int]] = {}
    what = "The organization's revisions stream"
    guard, budget = StreamGuard(what), ctx.request_budget(what)
    while True:  # bounded: budget.spend() raises past sync.max_requests_per_stream
        ctx.check_cancel()
        budget.spend()
        batch = endpoints.reporting_revisions(ctx.client, None, continuation_token=token,
                                              start=None if token else start)
        try:
            next_token: str | None = guard.advance(batch, token)
            problem: PagingError | None = None
        except PagingError as exc:
            next_token, problem = None, exc
        _store_org_page(ctx, batch.values, scope, caches, types, (stream, batch.continuation_token), seen_items)
        done = sum(c.revisions for c in ctx.summary.projects.values())
        ctx.emit(STAGE_WORK_ITEMS, "work_items", done=done, message=f"{done} revisions (organization stream)")
        if problem is not None:
            raise problem
        if next_token is None:
            return
        token = next_token


def _store_org_page(
    ctx: SyncContext,
    values: list[object],
    scope: dict[str, str],
    caches: dict[str, CategoryCache],
    types: list[str],
    cursor: tuple[str, str | None],
    seen_items: dict[str, set[int]],
) -> None:
    revisions, rows = parse_latest(ctx, values)
    revisions, latest = snapshots(ctx, revisions, rows, lambda fields: project_of(fields, scope, ""))
    wanted_types = {t.lower() for t in types}
    in_scope = {i for i, w in latest.items()
                if w.project.lower() in scope and (not wanted_types or w.type.lower() in wanted_types)}
    known = ctx.store.known_work_items(sorted(set(latest) - in_scope))
    keep = in_scope | known
    items = [latest[i] for i in sorted(keep)]
    page_revs = [r for r in revisions if r.work_item_id in keep]
    by_project: dict[str, list[WorkItem]] = {}
    for w in items:
        by_project.setdefault(w.project, []).append(w)
    revs_of: dict[int, list[Revision]] = {}
    for r in page_revs:
        revs_of.setdefault(r.work_item_id, []).append(r)
    for name, cache in caches.items():
        mine = by_project.get(name)
        if mine:
            cache.ensure(mine, [r for w in mine for r in revs_of.get(w.id, ())])
    excluded: list[tuple[int, str | None]] = [(i, None) for i in sorted(in_scope)] + [(i, _why(latest[i], scope, wanted_types)) for i in sorted(known)]
    commit_org_page(ctx, items, page_revs, excluded, [latest[i] for i in sorted(in_scope)], cursor)
    per_item_revs: dict[int, int] = {}
    for r in page_revs:
        per_item_revs[r.work_item_id] = per_item_revs.get(r.work_item_id, 0) + 1
    for item in items:
        if item.id not in in_scope:
            continue
        counts = _counts(ctx, item.project)
        ids = seen_items.setdefault(item.project, set())
        ids.add(item.id)
        counts.work_items = len(ids)
        counts.revisions += per_item_revs.get(item.id, 0)


def commit_org_page(
    ctx: SyncContext,
    items: list[WorkItem],
    revisions: list[Revision],
    excluded: list[tuple[int, str | None]],
    first_seen: list[WorkItem],
    cursor: tuple[str, str | None],
) -> None:
    """The store writes of one organization-stream page — snapshots, revisions (their facts derived
    as they are written), scope and completeness notes, the cursor — in one transaction."""
    store = ctx.store
    with store.transaction():
        store.note_scope_changes(items)
        store.upsert_work_items(items)
        store.upsert_revisions(revisions)
        store.set_excluded(excluded)
        store.mark_first_seen(first_seen)
        if cursor[1]:
            store.set_cursor(ctx.org, "", cursor[0], cursor[1])


def _why(item: WorkItem, scope: dict[str, str], wanted_types: set[str]) -> str:
    if item.project.lower() not in scope:
        return f"moved to project {item.project!r}, which is not synced"
    return f"changed to type {item.type!r}, which is not synced"
