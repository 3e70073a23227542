"""The fallback history path for servers without the reporting revisions stream.

WIQL (with `timePrecision=true`, sliced by id keyset under the 20,000-result cap) finds the items
changed since the watermark; `workitemsbatch` (≤200 ids; `GET workitems?ids=` on servers without
it) gives their snapshots; per-item `updates` rebuild every revision, with `System.ChangedDate` as
the time of each change. Each chunk of ≤200 items commits with a cursor that remembers the last id
done, so a killed pass resumes where it stopped; the watermark moves only when a pass completes.

The watermark a completed pass stores is the *start* of that pass, in the server's time: the `asOf`
of its first WIQL answer (the run's `now` when the server sends none), kept in the cursor while the
pass is under way so that a pass resumed by a later run still ends with its original start. The
next pass then asks again for everything changed since then (less an hour of overlap), so an item
changed while a pass was running — even one the pass had already read — is never missed.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from flowtui.ado import endpoints, parse
from flowtui.ado.errors import RouteNotFoundError
from flowtui.domain import Revision, WorkItem
from flowtui.sync.context import SyncContext
from flowtui.sync.pages import CategoryCache, store_page
from flowtui.sync.progress import STAGE_WORK_ITEMS
from flowtui.timeutil import format_utc_z, parse_ado_datetime

STREAM = "wit.wiql"
OVERLAP = timedelta(hours=1)


def sync_by_wiql(ctx: SyncContext, project: str, categories: CategoryCache, *, types: list[str], start: datetime) -> None:
    """One WIQL pass over the items changed since the watermark (or `start` on a first sync)."""
    cursor = None if ctx.full else ctx.store.get_cursor(ctx.org, project, STREAM)
    state: dict[str, Any] = {}
    if cursor and cursor.value:
        try:
            state = json.loads(cursor.value)
        except ValueError:
            state = {}
    if state.get("since"):
        since = parse_ado_datetime(state["since"]) or start
    elif cursor and cursor.watermark:
        since = cursor.watermark - OVERLAP
    else:
        since = start
    after_id = int(state.get("after_id", 0) or 0)
    # The start of this pass: kept from the cursor when resuming, else the first WIQL answer's asOf.
    pass_start: list[datetime] = []
    if state.get("since"):
        pass_start.append(parse_ado_datetime(state.get("pass_start")) or since)

    def seen_as_of(as_of: datetime) -> None:
        if not pass_start:
            pass_start.append(as_of)
    where = f"[System.ChangedDate] >= '{format_utc_z(since)}'"
    if types:
        quoted = ", ".join("'" + t.replace("'", "''") + "'" for t in types)
        where += f" AND [System.WorkItemType] IN ({quoted})"
    use_get = False
    wiql_budget = ctx.request_budget(f"The WIQL query of {project!r}")
    for ids in endpoints.wiql_ids(ctx.client, project, where, budget=wiql_budget, on_as_of=seen_as_of):
        if not pass_start:
            pass_start.append(ctx.server_now())
        pending = [i for i in ids if i > after_id]
        for chunk_start in range(0, len(pending), endpoints.BATCH_LIMIT):
            ctx.check_cancel()
            chunk = pending[chunk_start : chunk_start + endpoints.BATCH_LIMIT]
            try:
                raw_items = endpoints.work_items_batch(ctx.client, project, chunk, use_get=use_get)
            except RouteNotFoundError:
                if use_get:
                    raise
                use_get = True
                raw_items = endpoints.work_items_batch(ctx.client, project, chunk, use_get=True)
            items, revisions = _items_with_history(ctx, project, raw_items)
            categories.ensure(items, revisions)
            value = json.dumps({"since": format_utc_z(since), "after_id": chunk[-1],
                                "pass_start": format_utc_z(pass_start[0])})
            store_page(ctx, items, revisions, cursor=(project, STREAM, value))
            ctx.emit(STAGE_WORK_ITEMS, "work_items", done=ctx.counts.work_items,
                     message=f"{ctx.counts.work_items} work items (WIQL path)")
    with ctx.store.transaction():
        ctx.store.set_cursor(ctx.org, project, STREAM, "", watermark=pass_start[0] if pass_start else ctx.server_now(),
                             force=ctx.full)


def _items_with_history(ctx: SyncContext, project: str, raw_items: list[dict[str, Any]]) -> tuple[list[WorkItem], list[Revision]]:
    items: list[WorkItem] = []
    revisions: list[Revision] = []
    for raw in raw_items:
        try:
            snapshot = parse.revision(raw, project).item
        except parse.BadPayload as exc:
            ctx.warn(str(exc))
            continue
        budget = ctx.request_budget(f"The updates of work item {snapshot.id} in {project!r}")
        updates = endpoints.work_item_updates(ctx.client, project, snapshot.id, last_rev=snapshot.rev, budget=budget)
        history = revisions_from_updates(ctx, project, snapshot.id, updates)
        items.append(snapshot)
        revisions.extend(history)
    return items, revisions


def revisions_from_updates(ctx: SyncContext, project: str, item_id: int, updates: list[dict[str, Any]]) -> list[Revision]:
    """Every revision of one item, rebuilt by replaying its updates' field deltas in order.

    Link-only updates (no `fields`) are skipped; several updates sharing one rev merge into it.
    """
    fields: dict[str, Any] = {}
    by_rev: dict[int, Revision] = {}
    ordered = sorted((u for u in updates if isinstance(u, dict)), key=lambda u: (_num(u.get("rev")), _num(u.get("id"))))
    for update in ordered:
        changes = update.get("fields")
        if not isinstance(changes, dict) or not changes:
            continue
        for name, change in changes.items():
            if not isinstance(change, dict):
                continue
            if "newValue" in change:
                fields[name] = change["newValue"]
            elif "oldValue" in change:
                fields.pop(name, None)  # cleared
        rev = _num(update.get("rev")) or _num(fields.get("System.Rev"))
        if not rev:
            ctx.warn(f"an update of work item {item_id} without rev was skipped")
            continue
        try:
            parsed = parse.revision({"id": item_id, "rev": rev, "fields": dict(fields)}, project)
        except parse.BadPayload as exc:
            ctx.warn(str(exc))
            continue
        by_rev[rev] = parsed.revision
    return [by_rev[r] for r in sorted(by_rev)]


def _num(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0
