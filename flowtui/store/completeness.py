"""What the store knows about each item's history: backfills, stale WIP, the recycle bin, moves.

Rows live in `item_history` (schema 2). Every method here is called inside the caller's
`store.transaction()`, next to the rows it describes, so a marker and the data it stands for commit
together: a "needs backfill" marker is written with the page that revealed the gap and cleared with
the backfilled revisions; a killed sync resumes with exactly the markers still set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from flowtui.domain import HistoryHealth, WorkItem
from flowtui.store.models import to_micros
from flowtui.timeutil import utc_now

#: ids per SQL statement (well under SQLite's variable limit)
_CHUNK = 500

_UPSERT = (
    "INSERT INTO item_history (work_item_id, project, {cols}, updated_at) VALUES (?, ?, {marks}, ?) "
    "ON CONFLICT (work_item_id) DO UPDATE SET project = excluded.project, {sets}, updated_at = excluded.updated_at"
)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


class CompletenessMixin:
    """Markers of history completeness; `self.db` is the peewee SqliteDatabase."""

    def _note(self, rows: list[tuple[int, str]], **values: object) -> None:
        """Upsert `item_history` rows for (id, project) with the same column values."""
        if not rows:
            return
        cols = list(values)
        sql = _UPSERT.format(cols=", ".join(cols), marks=_marks(len(cols)),
                             sets=", ".join(f"{c} = excluded.{c}" for c in cols))
        now = to_micros(utc_now())
        self.db.cursor().executemany(sql, [(i, p, *values.values(), now) for i, p in rows])

    def note_scope_changes(self, items: list[WorkItem], *, backfill_moves: bool = False) -> None:
        """Before `items` are upserted: record moves between projects and type changes of stored items.

        `backfill_moves`: a moved item also gets a backfill (per-project streams drop an item from its
        old project's stream, so revisions written between the last read and the move are re-read).
        """
        by_id = {w.id: w for w in items}
        ids = sorted(by_id)
        for chunk in _chunks(ids):
            rows = self.db.execute_sql(
                f"SELECT id, project, type FROM work_item WHERE id IN ({_marks(len(chunk))})", tuple(chunk)
            ).fetchall()
            for item_id, project, type_ in rows:
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
            have = {r[0] for r in self.db.execute_sql(
                f"SELECT work_item_id FROM revision WHERE rev = 1 AND work_item_id IN ({_marks(len(chunk))})",
                tuple(chunk)).fetchall()}
            missing.extend((i, project_of[i]) for i in chunk if i not in have)
        self._note(missing, needs_backfill=1)

    def known_work_items(self, ids: Sequence[int]) -> set[int]:
        """The ids among `ids` that have a stored work item row."""
        known: set[int] = set()
        for chunk in _chunks(list(ids)):
            known.update(r[0] for r in self.db.execute_sql(
                f"SELECT id FROM work_item WHERE id IN ({_marks(len(chunk))})", tuple(chunk)).fetchall())
        return known

    def mark_stale(self, project: str, ids: Sequence[int]) -> list[int]:
        """Open items unchanged since before the history start: those not stored yet get a backfill."""
        known = self.known_work_items(ids)
        new = [i for i in ids if i not in known]
        self._note([(i, project) for i in new], stale=1, needs_backfill=1)
        return new

    def pending_backfill(self, project: str) -> list[int]:
        """Ids of `project` whose history is still to be backfilled, in id order."""
        rows = self.db.execute_sql(
            "SELECT work_item_id FROM item_history WHERE project = ? AND needs_backfill = 1 ORDER BY work_item_id",
            (project,)).fetchall()
        return [r[0] for r in rows]

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
        self.db.execute_sql("UPDATE work_item SET is_deleted = 1 WHERE id = ?", (item_id,))

    def set_excluded(self, ids_reasons: list[tuple[int, str | None]]) -> None:
        """Set (or clear, with None) why an item is out of the reports."""
        if ids_reasons:
            self.db.cursor().executemany("UPDATE work_item SET excluded = ? WHERE id = ?",
                                         [(why, i) for i, why in ids_reasons])

    def apply_recycle_bin(self, project: str, deleted_ids: Iterable[int], when: datetime) -> tuple[int, int]:
        """Reconcile the project's recycle bin with the store: returns (newly deleted, restored).

        Items in the bin are flagged deleted (kept, never erased); items the store saw in this
        project's bin that are no longer there are restored and get a backfill (revisions written
        while deleted, or the whole history of an item never stored, are re-read).
        """
        now = to_micros(when)
        bin_ids = sorted(set(deleted_ids))
        before = {r[0] for r in self.db.execute_sql(
            "SELECT work_item_id FROM item_history WHERE project = ? AND in_recycle_bin = 1", (project,)).fetchall()}
        new = [i for i in bin_ids if i not in before]
        gone = sorted(before.difference(bin_ids))
        self._note([(i, project) for i in new], in_recycle_bin=1, deleted_at=now, restored_at=None)
        for chunk in _chunks(new):
            self.db.execute_sql(f"UPDATE work_item SET is_deleted = 1 WHERE id IN ({_marks(len(chunk))})", tuple(chunk))
        self._note([(i, project) for i in gone], in_recycle_bin=0, restored_at=now, needs_backfill=1)
        for chunk in _chunks(gone):
            self.db.execute_sql(f"UPDATE work_item SET is_deleted = 0 WHERE id IN ({_marks(len(chunk))})", tuple(chunk))
        return len(new), len(gone)

    def history_health(self, projects: Sequence[str] = ()) -> HistoryHealth:
        """What the store knows about history completeness (of `projects`, or all)."""
        where, params = "", tuple(projects)
        if projects:
            where = f" AND h.project IN ({_marks(len(projects))})"

        def count(cond: str) -> int:
            sql = f"SELECT COUNT(*) FROM item_history h WHERE {cond}{where}"
            return int(self.db.execute_sql(sql, params).fetchone()[0])

        moved_out = self.db.execute_sql(
            "SELECT COUNT(*) FROM work_item w WHERE w.excluded IS NOT NULL"
            + (f" AND w.project IN ({_marks(len(projects))})" if projects else ""), params).fetchone()[0]
        incomplete = self.db.execute_sql(
            f"SELECT h.work_item_id, h.incomplete FROM item_history h WHERE h.incomplete IS NOT NULL{where} "
            "ORDER BY h.work_item_id LIMIT 50", params).fetchall()
        return HistoryHealth(
            backfilled=count("h.backfilled = 1"),
            pending_backfill=count("h.needs_backfill = 1"),
            stale_open=count("h.stale = 1"),
            deleted=count("h.in_recycle_bin = 1"),
            restored=count("h.restored_at IS NOT NULL AND h.in_recycle_bin = 0"),
            moved=count("h.moved_from IS NOT NULL"),
            type_changed=count("h.type_from IS NOT NULL"),
            moved_out=int(moved_out),
            incomplete=tuple((int(i), str(why)) for i, why in incomplete),
        )
