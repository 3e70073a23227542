"""What the store knows about each item's history: backfills, stale WIP, the recycle bin, moves.

Rows live in `item_history` (schema 2). Every method here is called inside the caller's
`store.transaction()`, next to the rows it describes, so a marker and the data it stands for commit
together: a "needs backfill" marker is written with the page that revealed the gap and cleared with
the backfilled revisions; a killed sync resumes with exactly the markers still set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from typing import Any

from peewee import SQL, Expression, Query, fn

from flowtui.domain import HistoryHealth, WorkItem
from flowtui.store.batch import Batch, padded, shaped
from flowtui.store.models import ItemHistory, Revision, to_micros
from flowtui.store.models import WorkItem as WorkItemRow
from flowtui.timeutil import utc_now

#: ids per SQL statement (well under SQLite's variable limit)
_CHUNK = 500

H, W = ItemHistory, WorkItemRow
_NOTES: dict[tuple[str, ...], Batch] = {}


def _note_batch(cols: tuple[str, ...]) -> Batch:
    """The upsert of (work_item_id, project, *cols, updated_at) rows into item_history."""
    found = _NOTES.get(cols)
    if found is None:
        fields = [H.work_item_id, H.project, *(getattr(H, c) for c in cols), H.updated_at]

        def build(*values: object) -> Query:
            return H.insert(dict(zip(fields, values, strict=True))).on_conflict(
                conflict_target=[H.work_item_id], preserve=fields[1:])

        found = _NOTES[cols] = Batch(build, len(fields))
    return found


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


class CompletenessMixin:
    """Markers of history completeness; `self.db` is the store's Peewee database."""

    db: Any

    def _note(self, rows: list[tuple[int, str]], **values: object) -> None:
        """Upsert `item_history` rows for (id, project) with the same column values."""
        if not rows:
            return
        now = to_micros(utc_now())
        _note_batch(tuple(values)).run(self.db, [(i, p, *values.values(), now) for i, p in rows])

    def note_scope_changes(self, items: list[WorkItem], *, backfill_moves: bool = False) -> None:
        """Before `items` are upserted: record moves between projects and type changes of stored items.

        `backfill_moves`: a moved item also gets a backfill (per-project streams drop an item from its
        old project's stream, so revisions written between the last read and the move are re-read).
        """
        by_id = {w.id: w for w in items}
        ids = sorted(by_id)
        for chunk in _chunks(ids):
            keys = padded(chunk)
            for item_id, project, type_ in _scope(len(keys)).execute(self.db, keys).fetchall():
                new = by_id[item_id]
                if new.project != project:
                    self._note([(item_id, new.project)], moved_from=project)
                    if backfill_moves:
                        self._note([(item_id, new.project)], needs_backfill=1)
                if new.type != type_:
                    self._note([(item_id, new.project)], type_from=type_)

    def mark_first_seen(self, items: list[WorkItem]) -> None:
        """Items stored without their rev 1 (first seen mid-history) need a backfill."""
        project_of = {w.id: w.project for w in items}
        ids = sorted(project_of)
        missing: list[tuple[int, str]] = []
        for chunk in _chunks(ids):
            keys = padded(chunk)
            have = {r[0] for r in _have_first(len(keys)).execute(self.db, keys).fetchall()}
            missing.extend((i, project_of[i]) for i in chunk if i not in have)
        self._note(missing, needs_backfill=1)

    def known_work_items(self, ids: Sequence[int]) -> set[int]:
        """The ids among `ids` that have a stored work item row."""
        known: set[int] = set()
        for chunk in _chunks(list(ids)):
            keys = padded(chunk)
            known.update(r[0] for r in _known(len(keys)).execute(self.db, keys).fetchall())
        return known

    def mark_stale(self, project: str, ids: Sequence[int]) -> list[int]:
        """Open items unchanged since before the history start: those not stored yet get a backfill."""
        known = self.known_work_items(ids)
        new = [i for i in ids if i not in known]
        self._note([(i, project) for i in new], stale=1, needs_backfill=1)
        return new

    def pending_backfill(self, project: str) -> list[int]:
        """Ids of `project` whose history is still to be backfilled, in id order."""
        return [r[0] for r in _PENDING.execute(self.db, (project,)).fetchall()]

    def finish_backfill(self, item_id: int, project: str, *, problem: str | None = None, hide: bool = False,
                        keep: bool = True) -> None:
        """Clear the marker: backfilled (`problem` says why the history is still not complete), or,
        with `hide`, not readable at all (the item leaves the reports), or, without `keep`, read and
        not kept (nothing of it is in the reported history)."""
        if not keep:
            self._note([(item_id, project)], needs_backfill=0)
            return
        if not hide:
            self._note([(item_id, project)], needs_backfill=0, backfilled=1, incomplete=problem)
            return
        self._note([(item_id, project)], needs_backfill=0, incomplete=problem)
        self._set_deleted([item_id], True)

    def _set_deleted(self, ids: Sequence[int], deleted: bool) -> None:
        for chunk in _chunks(ids):
            keys = padded(chunk)
            _deleting(len(keys)).execute(self.db, (deleted, *keys))

    def set_excluded(self, ids_reasons: list[tuple[int, str | None]]) -> None:
        """Set (or clear, with None) why an item is out of the reports."""
        _SET_EXCLUDED.run(self.db, ids_reasons)  # (id, reason) rows

    def apply_recycle_bin(self, project: str, deleted_ids: Iterable[int], when: datetime) -> tuple[int, int]:
        """Reconcile the project's recycle bin with the store: returns (newly deleted, restored).

        Items in the bin are flagged deleted (kept, never erased); items the store saw in this
        project's bin that are no longer there are restored and get a backfill (revisions written
        while deleted, or the whole history of an item never stored, are re-read).
        """
        now = to_micros(when)
        bin_ids = sorted(set(deleted_ids))
        before = {r[0] for r in _IN_BIN.execute(self.db, (project,)).fetchall()}
        new = [i for i in bin_ids if i not in before]
        gone = sorted(before.difference(bin_ids))
        self._note([(i, project) for i in new], in_recycle_bin=1, deleted_at=now, restored_at=None)
        self._set_deleted(new, True)
        self._note([(i, project) for i in gone], in_recycle_bin=0, restored_at=now, needs_backfill=1)
        self._set_deleted(gone, False)
        return len(new), len(gone)

    def history_health(self, projects: Sequence[str] = ()) -> HistoryHealth:
        """What the store knows about history completeness (of `projects`, or all)."""

        def count(cond: Expression) -> int:
            if projects:
                cond &= H.project.in_(list(projects))
            return int(H.select(fn.COUNT(SQL("*"))).where(cond).bind(self.db).scalar() or 0)

        moved_out = W.excluded.is_null(False)
        if projects:
            moved_out &= W.project.in_(list(projects))
        incomplete = H.incomplete.is_null(False)
        if projects:
            incomplete &= H.project.in_(list(projects))
        rows = (H.select(H.work_item_id, H.incomplete).where(incomplete).order_by(H.work_item_id).limit(50)
                .bind(self.db).tuples())
        return HistoryHealth(
            backfilled=count(H.backfilled == 1),
            pending_backfill=count(H.needs_backfill == 1),
            stale_open=count(H.stale == 1),
            deleted=count(H.in_recycle_bin == 1),
            restored=count(H.restored_at.is_null(False) & (H.in_recycle_bin == 0)),
            moved=count(H.moved_from.is_null(False)),
            type_changed=count(H.type_from.is_null(False)),
            moved_out=int(W.select(fn.COUNT(SQL("*"))).where(moved_out).bind(self.db).scalar() or 0),
            incomplete=tuple((int(i), str(why)) for i, why in rows),
        )


def _scope(n: int) -> Batch:
    return shaped("scope", lambda *ids: W.select(W.id, W.project, W.type).where(W.id.in_(list(ids))), n)


def _known(n: int) -> Batch:
    return shaped("known", lambda *ids: W.select(W.id).where(W.id.in_(list(ids))), n)


def _have_first(n: int) -> Batch:
    R = Revision
    return shaped("first", lambda *ids: R.select(R.work_item).where((R.rev == 1) & R.work_item.in_(list(ids))), n)


def _deleting(n: int) -> Batch:
    return shaped("deleted", lambda flag, *ids: W.update({W.is_deleted: flag}).where(W.id.in_(list(ids))), n + 1)


_PENDING = Batch(lambda project: H.select(H.work_item_id).where((H.project == project) & (H.needs_backfill == 1))
                 .order_by(H.work_item_id), 1)
_IN_BIN = Batch(lambda project: H.select(H.work_item_id).where((H.project == project) & (H.in_recycle_bin == 1)), 1)
_SET_EXCLUDED = Batch(lambda wid, why: W.update({W.excluded: why}).where(W.id == wid), 2)
