"""What every work-item path writes through: the known (type, state) pairs and one stored page.

`CategoryCache` and `store_page` are shared by the reporting-revisions stream (`work_items`), the
WIQL fallback (`fallback`), the organization stream and the history backfill; they sit below all of
them so none of those modules needs another.
"""

from __future__ import annotations

from datetime import datetime

from flowtui.ado import endpoints, parse
from flowtui.domain import Revision, WorkItem
from flowtui.errors import NotFoundError
from flowtui.sync.context import SyncContext
from flowtui.sync.progress import STAGE_TYPES


class CategoryCache:
    """Known (type, state) pairs of one project, refreshed from the API when a new one shows up."""

    def __init__(self, ctx: SyncContext, project: str) -> None:
        self.ctx = ctx
        self.project = project
        self.known = {(c.work_item_type, c.state) for c in ctx.store.state_categories([project])}
        self.types_known = {t for t, _ in self.known}
        self.refreshed: set[str] = set()

    def load_all(self) -> None:
        """Read every type's states (first sync or --full)."""
        ctx = self.ctx
        ctx.emit(STAGE_TYPES, message=f"reading work item types of {self.project}")
        types = endpoints.work_item_types(ctx.client, self.project)
        for raw in types:
            name = raw.get("name") if isinstance(raw, dict) else None
            if isinstance(name, str) and name:
                self.refresh(name)

    def refresh(self, type_name: str) -> None:
        """Read one type's states and store them with their categories."""
        if type_name in self.refreshed:
            return
        self.refreshed.add(type_name)
        try:
            states = endpoints.work_item_type_states(self.ctx.client, self.project, type_name)
        except NotFoundError:
            self.ctx.warn(f"the states of work item type {type_name!r} could not be read (not found)")
            return
        rows = parse.state_categories(self.project, type_name, states)
        with self.ctx.store.transaction():
            self.ctx.store.upsert_state_categories(rows)
        self.known.update((r.work_item_type, r.state) for r in rows)
        self.types_known.add(type_name)

    def ensure(self, items: list[WorkItem], revisions: list[Revision] | None = None) -> None:
        """Refresh the types whose states (current or in `revisions`) are not known yet, once per run."""
        type_of = {item.id: item.type for item in items}
        pairs = {(item.type, item.state) for item in items}
        pairs.update((type_of[r.work_item_id], r.state) for r in revisions or () if r.work_item_id in type_of)
        for type_name, state in sorted(pairs):
            if (type_name, state) not in self.known and type_name not in self.refreshed:
                self.refresh(type_name)


def store_page(
    ctx: SyncContext,
    items: list[WorkItem],
    revisions: list[Revision],
    *,
    cursor: tuple[str, str, str | None] | None = None,
    watermark: datetime | None = None,
) -> None:
    """Snapshots, revisions and the cursor advance of one page, in one transaction."""
    store = ctx.store
    with store.transaction():
        store.note_scope_changes(items, backfill_moves=True)
        store.upsert_work_items(items)
        written = store.upsert_revisions(revisions)
        store.mark_first_seen(items)  # first seen mid-history: backfilled by flowtui.sync.history
        if cursor is not None and cursor[2]:
            project, stream, value = cursor
            store.set_cursor(ctx.org, project, stream, value or "", watermark=watermark)
    ctx.item_ids.update(item.id for item in items)
    ctx.counts.work_items = len(ctx.item_ids)
    ctx.counts.revisions += written


__all__ = ["CategoryCache", "store_page"]
