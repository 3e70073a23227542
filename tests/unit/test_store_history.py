"""Schema 2: history-completeness markers, the recycle bin, moves, and the upgrade of a schema-1 store.
Every test runs on SQLite and on a real PostgreSQL (the `store_target` fixture of tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flowtui.domain import Revision, WorkItem
from flowtui.store import Store, open_store
from flowtui.store import database

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def item(wid: int, project: str = "Web", type_: str = "Bug", rev: int = 3) -> WorkItem:
    return WorkItem(id=wid, project=project, type=type_, title=f"Item {wid}", state="Active",
                    created_at=T0, changed_at=T0 + timedelta(days=rev), rev=rev)


def revs(wid: int, *numbers: int) -> list[Revision]:
    return [Revision(work_item_id=wid, rev=n, changed_at=T0 + timedelta(days=n), state="Active") for n in numbers]


def write(store: Store, items: list[WorkItem], revisions: list[Revision]) -> None:
    with store.transaction():
        store.note_scope_changes(items)
        store.upsert_work_items(items)
        store.upsert_revisions(revisions)
        store.mark_first_seen(items)


def test_items_first_seen_mid_history_are_marked_until_backfilled(store_target: Path | str) -> None:
    with open_store(store_target) as store:
        write(store, [item(1), item(2)], revs(1, 1, 2, 3) + revs(2, 2, 3))
        assert store.pending_backfill("Web") == [2]  # item 1 has its rev 1
        with store.transaction():
            store.upsert_revisions(revs(2, 1))
            store.finish_backfill(2, "Web")
        assert store.pending_backfill("Web") == []
        health = store.history_health()
        assert (health.backfilled, health.pending_backfill, health.incomplete) == (1, 0, ())


def test_recycle_bin_flags_then_restores_and_items_never_stored_are_remembered(store_target: Path | str) -> None:
    with open_store(store_target) as store:
        write(store, [item(1), item(2)], revs(1, 1) + revs(2, 1))
        with store.transaction():
            assert store.apply_recycle_bin("Web", [2, 9], T0) == (2, 0)
        assert [w.id for w in store.work_items()] == [1]  # deleted: out of the views
        assert store.work_item(2) is not None and store.work_item(2).is_deleted  # kept, flagged
        with store.transaction():
            assert store.apply_recycle_bin("Web", [2, 9], T0) == (0, 0)  # unchanged bin: nothing to do
            assert store.apply_recycle_bin("Web", [], T0 + timedelta(days=1)) == (0, 2)
        assert [w.id for w in store.work_items()] == [1, 2]
        assert store.pending_backfill("Web") == [2, 9]  # re-read: revisions written while deleted, unknown 9
        health = store.history_health()
        assert (health.deleted, health.restored) == (0, 2)


def test_moves_and_type_changes_are_recorded_and_an_excluded_item_leaves_the_views(store_target: Path | str) -> None:
    with open_store(store_target) as store:
        write(store, [item(1), item(2)], revs(1, 1) + revs(2, 1))
        write(store, [item(1, project="Api", rev=4), item(2, type_="Task", rev=4)], revs(1, 4) + revs(2, 4))
        with store.transaction():
            store.set_excluded([(2, "changed to type 'Task', which is not synced")])
        assert [(w.id, w.project) for w in store.work_items()] == [(1, "Api")]
        health = store.history_health()
        assert (health.moved, health.type_changed, health.moved_out) == (1, 1, 1)
        with store.transaction():
            store.set_excluded([(2, None)])
        assert [w.id for w in store.work_items()] == [1, 2]


def test_an_unreadable_item_leaves_the_reports_with_its_reason(store_target: Path | str) -> None:
    with open_store(store_target) as store:
        write(store, [item(3)], revs(3, 3))
        with store.transaction():
            store.finish_backfill(3, "Web", problem="its revisions could not be read", hide=True)
        assert store.work_items() == [] and store.pending_backfill("Web") == []
        assert store.history_health().incomplete == ((3, "its revisions could not be read"),)


def test_a_schema_1_store_is_upgraded_in_place_keeping_its_rows(store_target: Path | str) -> None:
    with open_store(store_target) as store:
        write(store, [item(1)], revs(1, 1))
        with store.transaction():  # make it a schema-1 store again
            for view in ("work_item_facts", "pull_requests", "reviewers", "throughput_weekly"):  # schema 4
                store.db.execute_sql(f"DROP VIEW {view}")
            store.db.execute_sql("DROP TABLE item_fact")  # schema 3
            store.db.execute_sql("DROP TABLE fact_meta")
            store.db.execute_sql("DROP TABLE item_history")
            store.db.execute_sql("ALTER TABLE work_item DROP COLUMN excluded")
            store.db.execute_sql("UPDATE schema_version SET version = 1")
    with open_store(store_target) as store:
        assert [w.id for w in store.work_items()] == [1]
        assert store.history_health().backfilled == 0
        assert store.db.execute_sql("SELECT version FROM schema_version").fetchall() == [(database.current_version(),)]
        assert store.db.execute_sql("SELECT excluded FROM work_item").fetchall() == [(None,)]
