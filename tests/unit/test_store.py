"""The store: safe opening, forward migrations, real upserts, cursors, runs and typed reads.

Every test about the store's behaviour takes the `store`/`store_target`/`store_targets` fixtures
(tests/conftest.py) and runs on SQLite and on a real PostgreSQL; the tests that take `db_path` are about
the SQLite file itself and say why in one line."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from peewee import Database

from flowtui.domain import (
    Identity,
    ItemFilter,
    Organization,
    Project,
    PullRequest,
    Repository,
    Reviewer,
    Revision,
    StateCategory,
    WorkItem,
)
from flowtui.errors import StoreError
from flowtui.store import Store, open_store
from flowtui.store import database
from flowtui.store.dialect import SQLITE
from flowtui.store.pgurl import parse_url
from flowtui.store.postgres import open_postgres

T0 = datetime(2024, 1, 1, 9, 0, 0, 123_456, tzinfo=UTC)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def item(wid: int, **kw: object) -> WorkItem:
    fields: dict[str, object] = dict(
        project="Project", type="Bug", title=f"Item {wid}", state="New", created_at=at(0), changed_at=at(1), rev=1,
    )
    fields.update(kw)
    return WorkItem(id=wid, **fields)  # type: ignore[arg-type]


def rev(wid: int, n: int, state: str, **kw: object) -> Revision:
    return Revision(work_item_id=wid, rev=n, changed_at=at(n), state=state, **kw)  # type: ignore[arg-type]


def pr(uid: str, reviewers: tuple[tuple[str, int], ...] = (), **kw: object) -> PullRequest:
    fields: dict[str, object] = dict(
        pull_request_id=int(uid.split("-")[1]), organization="https://dev.azure.com/acme", project="Project",
        repository_id=uid.split("-")[0], repository_name="web", author_id="u-author", author_name="Author",
        title=f"PR {uid}", status="completed", created_at=at(0), closed_at=at(2),
    )
    fields.update(kw)
    revs = tuple(Reviewer(uid, user, f"User {user}", vote) for user, vote in reviewers)
    return PullRequest(uid=uid, reviewers=revs, **fields)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "flowtui.sqlite"


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


@contextmanager
def _peek(target: Path | str) -> Iterator[Database]:
    """The store's database as plain Peewee, without opening (checking, migrating) it as a store."""
    if isinstance(target, Path):
        db = SQLITE.database(str(target))
    else:
        db = open_postgres(parse_url(target))
    try:
        yield db
    finally:
        db.close()


def _snapshot(path: Path) -> tuple[bytes, int, list[str]]:
    """Everything 'left untouched' means: the bytes, the mtime and no new files beside it."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(path.parent))


# --- opening ------------------------------------------------------------------------------------


def test_new_file_is_0600_wal_and_current_schema(db_path: Path) -> None:
    # SQLite only: the file mode, WAL and pragmas are about the file
    with open_store(db_path) as s:
        with s.transaction():
            s.upsert_organization(Organization("https://dev.azure.com/acme", "acme"))
        assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
        wal = db_path.with_name(db_path.name + "-wal")
        assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600  # SQLite copies the mode
        assert s.db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    with _raw(db_path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(len(database.MIGRATIONS),)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"organization", "project", "repository", "identity", "state_category", "work_item", "revision",
            "pull_request", "reviewer", "sync_cursor", "sync_run", "schema_version"} <= tables


def test_an_existing_file_is_tightened_to_0600(db_path: Path) -> None:
    # SQLite only: the file mode
    open_store(db_path).close()
    os.chmod(db_path, 0o644)
    open_store(db_path).close()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_an_empty_file_becomes_a_store(db_path: Path) -> None:
    # SQLite only: an empty file (an empty PostgreSQL database is test_store_postgres.py's)
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")
    with open_store(db_path) as s:
        assert s.stats()["work_item"] == 0
    with _raw(db_path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (database.current_version(),)


def test_reopening_keeps_data(store_target: Path | str) -> None:
    with open_store(store_target) as s, s.transaction():
        s.upsert_work_items([item(1)])
    with open_store(store_target) as s:
        assert [w.id for w in s.work_items()] == [1]


def test_reopening_a_file_too_large_for_the_full_check_keeps_data(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite only: the size limit of the open-time quick_check is about the file
    monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)
    with open_store(db_path) as s, s.transaction():
        s.upsert_work_items([item(1)])
    with open_store(db_path) as s:
        assert [w.id for w in s.work_items()] == [1]


def _add_note_column(db: object) -> None:
    db.execute_sql("ALTER TABLE work_item ADD COLUMN note TEXT NOT NULL DEFAULT 'migrated'")  # type: ignore[attr-defined]


def _columns(store: Store, table: str) -> list[str]:
    return [c.name for c in store.db.get_columns(table)]


def test_migrations_run_forward_in_order_and_keep_data(store_target: Path | str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(store_target) as s, s.transaction():
        s.upsert_work_items([item(1, title="kept")])
    n = database.current_version()
    calls: list[str] = []

    def step_a(db: object) -> None:
        calls.append("a")
        _add_note_column(db)

    def step_b(db: object) -> None:  # needs step_a's column: proves the order
        calls.append("b")
        db.execute_sql("UPDATE work_item SET note = note || '+b'")  # type: ignore[attr-defined]

    monkeypatch.setattr(database, "MIGRATIONS", [*database.MIGRATIONS, step_a, step_b])
    with open_store(store_target) as s:
        assert s.work_item(1).title == "kept"  # type: ignore[union-attr]
        assert calls == ["a", "b"]
        assert s.db.execute_sql("SELECT version FROM schema_version").fetchall() == [(n + 2,)]
        assert s.db.execute_sql("SELECT id, title, note FROM work_item").fetchall() == [(1, "kept", "migrated+b")]
    open_store(store_target).close()  # already current: nothing runs again
    assert calls == ["a", "b"]


def test_a_failing_migration_rolls_back_every_step(store_target: Path | str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(store_target) as s, s.transaction():
        s.upsert_work_items([item(1)])
    n = database.current_version()

    def boom(db: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(database, "MIGRATIONS", [*database.MIGRATIONS, _add_note_column, boom])
    with pytest.raises(StoreError, match="could not be upgraded"):
        open_store(store_target)
    monkeypatch.undo()  # today's migrations again: the store must still be at version n
    with open_store(store_target) as s:
        assert s.db.execute_sql("SELECT version FROM schema_version").fetchall() == [(n,)]
        assert "note" not in _columns(s, "work_item")  # step N+1 was undone with step N+2
        assert s.db.execute_sql("SELECT id FROM work_item").fetchall() == [(1,)]


def test_a_newer_schema_is_refused_and_left_untouched(store_target: Path | str) -> None:
    newer = database.current_version() + 1
    with open_store(store_target) as s:
        with s.transaction():
            s.upsert_work_items([item(1)])
        s.db.execute_sql(f"UPDATE schema_version SET version = {s.db.param}", (newer,))
    with pytest.raises(StoreError) as info:
        open_store(store_target)
    assert "newer" in info.value.message and str(store_target) in info.value.message
    assert info.value.exit_code == 1
    with _peek(store_target) as db:
        assert db.execute_sql("SELECT version FROM schema_version").fetchall() == [(newer,)]
        assert db.execute_sql("SELECT id FROM work_item").fetchall() == [(1,)]


@pytest.mark.parametrize("full_check", [True, False])
def test_a_newer_schema_leaves_the_file_byte_for_byte(db_path: Path, monkeypatch: pytest.MonkeyPatch, full_check: bool) -> None:
    # SQLite only: the bytes, mtime and neighbours of the file (and its open-time check by size)
    if not full_check:
        monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)
    with open_store(db_path) as s:
        with s.transaction():
            s.upsert_work_items([item(1)])
        s.db.execute_sql("UPDATE schema_version SET version = ?", (database.current_version() + 1,))
    before = _snapshot(db_path)
    with pytest.raises(StoreError, match="newer"):
        open_store(db_path)
    assert _snapshot(db_path) == before


def test_garbage_is_refused_and_left_untouched(db_path: Path) -> None:
    # SQLite only: a file that is not a database
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is a text file, not a database\n" * 100)
    before = _snapshot(db_path)
    with pytest.raises(StoreError, match="not a flowtui store"):
        open_store(db_path)
    assert _snapshot(db_path) == before


def _filled_store_bytes(db_path: Path) -> bytes:
    with open_store(db_path) as s, s.transaction():
        s.upsert_work_items([item(i, title="x" * 200) for i in range(1, 400)])
    return db_path.read_bytes()  # closed: the WAL was checkpointed into the file


@pytest.mark.parametrize(
    ("damage", "full_check"),
    [
        ("truncated", True), ("page_overwritten", True), ("schema_overwritten", True), ("header_only", True),
        # a large file skips the full quick_check at open: the cheap checks still catch these
        ("truncated", False), ("schema_overwritten", False), ("header_only", False),
    ],
)
def test_a_damaged_sqlite_file_is_refused_and_left_untouched(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str, full_check: bool,
) -> None:
    # SQLite only: damage to the file's bytes
    if not full_check:
        monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)
    data = bytearray(_filled_store_bytes(db_path))
    assert len(data) > 16 * 4096
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "header_only":
        data = data[:60]
    elif damage == "page_overwritten":
        data[3 * 4096: 3 * 4096 + 300] = b"\xab" * 300
    else:  # right after the 100-byte header: sqlite_master's root page
        data[100:400] = b"\x11" * 300
    db_path.write_bytes(bytes(data))
    before = _snapshot(db_path)
    with pytest.raises(StoreError, match="corrupt"):
        open_store(db_path)
    assert _snapshot(db_path) == before


def test_damage_the_open_time_checks_skip_surfaces_as_a_store_error(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a large file (no full quick_check at open) a damaged data page is reported when read.
    SQLite only: damage to the file's pages."""
    monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)
    with open_store(db_path) as s, s.transaction():
        s.upsert_work_items([item(i, title="x" * 200) for i in range(1, 400)])
        s.upsert_revisions([rev(i, 1, "New") for i in range(1, 400)])
    with _raw(db_path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        roots = dict(conn.execute("SELECT name, rootpage FROM sqlite_master WHERE name IN ('work_item', 'revision')"))
    conn.close()
    data = bytearray(db_path.read_bytes())
    for root in roots.values():  # overwrite the b-tree root pages of both tables
        data[(root - 1) * page_size: root * page_size] = b"\xab" * page_size
    db_path.write_bytes(bytes(data))
    with open_store(db_path) as s:
        with pytest.raises(StoreError, match="Reading the store .* failed"):
            s.work_items()
        with pytest.raises(StoreError, match="malformed"):
            s.work_item_histories()
        with pytest.raises(StoreError):
            s.count_work_items()


@pytest.mark.parametrize("full_check", [True, False])
def test_a_foreign_sqlite_file_is_refused_and_left_untouched(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, full_check: bool,
) -> None:
    # SQLite only: a foreign file (a foreign PostgreSQL database is test_store_postgres.py's)
    if not full_check:
        monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)
    db_path.parent.mkdir(parents=True)
    with _raw(db_path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('mine')")
    conn.close()
    before = _snapshot(db_path)
    with pytest.raises(StoreError, match="not a flowtui store"):
        open_store(db_path)
    assert _snapshot(db_path) == before


def test_a_path_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    # SQLite only: a file path
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError):
        open_store(blocker / "sub" / "flowtui.sqlite")


# --- schema invariants --------------------------------------------------------------------------


def test_every_foreign_key_child_column_is_indexed(store: Store) -> None:
    db = store.db
    checked = 0
    for table in db.get_tables():
        leading = {index.columns[0] for index in db.get_indexes(table) if index.columns}
        for fk in db.get_foreign_keys(table):
            assert fk.column in leading, f"{table}.{fk.column} (FK to {fk.dest_table}) leads no index"
            checked += 1
    assert checked >= 2  # revision -> work_item and reviewer -> pull_request at least


# --- upserts ------------------------------------------------------------------------------------


def test_work_item_upsert_updates_and_keeps_a_higher_stored_rev(store: Store) -> None:
    with store.transaction():
        store.upsert_work_items([item(1, title="first", rev=3, state="Active")])
        store.upsert_work_items([item(1, title="newer", rev=5, state="Closed", closed_at=at(4), tags=("a", "b"))])
    got = store.work_item(1)
    assert got is not None and (got.title, got.rev, got.state, got.closed_at, got.tags) == ("newer", 5, "Closed", at(4), ("a", "b"))
    with store.transaction():
        store.upsert_work_items([item(1, title="stale", rev=4, state="Active")])  # an older page arriving late
    got = store.work_item(1)
    assert got is not None and (got.title, got.rev, got.state) == ("newer", 5, "Closed")
    with store.transaction():
        store.upsert_work_items([item(1, title="same rev, corrected", rev=5, state="Closed")])
    assert store.work_item(1).title == "same rev, corrected"  # type: ignore[union-attr]
    assert store.stats()["work_item"] == 1


def test_work_item_round_trips_every_field(store: Store) -> None:
    w = item(7, assigned_to="alice", area_path="Project\\Web", iteration_path="Project\\S1", tags=("Blocked", "UI"),
             closed_at=at(3), activated_at=at(2), priority=2, story_points=3.5, rev=9)
    with store.transaction():
        store.upsert_work_items([w])
    assert store.work_item(7) == w
    assert store.work_item(8) is None


def _ids(store: Store, table: str) -> dict[tuple, int]:
    if table == "revision":
        return {(r[1], r[2]): r[0] for r in store.db.execute_sql("SELECT id, work_item_id, rev FROM revision")}
    return {(r[1], r[2]): r[0] for r in store.db.execute_sql("SELECT id, pr_uid, user_id FROM reviewer")}


def test_revision_upsert_is_an_update_not_delete_insert(store: Store) -> None:
    with store.transaction():
        store.upsert_work_items([item(1, rev=3)])
        assert store.upsert_revisions([rev(1, 1, "New"), rev(1, 2, "Active"), rev(1, 3, "Closed")]) == 3
    ids = _ids(store, "revision")
    with store.transaction():
        store.upsert_revisions([rev(1, 2, "Resolved", changed_by="bob", tags=("x",), blocked=True)])
    assert _ids(store, "revision") == ids
    got = store.revisions_for(1)
    assert [(r.rev, r.state, r.from_state) for r in got] == [(1, "New", None), (2, "Resolved", "New"), (3, "Closed", "Resolved")]
    assert (got[1].changed_by, got[1].tags, got[1].blocked, got[1].changed_at) == ("bob", ("x",), True, at(2))


def test_from_state_is_derived_even_when_revisions_arrive_out_of_order(store: Store) -> None:
    with store.transaction():
        store.upsert_work_items([item(1, rev=4), item(2, rev=2)])
        # first page: revs 4 and 1 of item 1 (2 and 3 come later); the caller's from_state is ignored
        store.upsert_revisions([rev(1, 4, "Closed", from_state="bogus"), rev(1, 1, "New"), rev(2, 2, "Active")])
    assert [(r.rev, r.from_state) for r in store.revisions_for(1)] == [(1, None), (4, "New")]
    assert [(r.rev, r.from_state) for r in store.revisions_for(2)] == [(2, None)]
    with store.transaction():
        store.upsert_revisions([rev(1, 3, "Resolved"), rev(1, 2, "Active"), rev(2, 1, "New")])
    assert [(r.rev, r.state, r.from_state) for r in store.revisions_for(1)] == [
        (1, "New", None), (2, "Active", "New"), (3, "Resolved", "Active"), (4, "Closed", "Resolved"),
    ]
    assert [(r.rev, r.from_state) for r in store.revisions_for(2)] == [(1, None), (2, "New")]


def test_revisions_need_their_work_item(store: Store) -> None:
    with pytest.raises(StoreError, match="nothing from this step was kept"):
        with store.transaction():
            store.upsert_work_items([item(1)])
            store.upsert_revisions([rev(99, 1, "New")])  # FOREIGN KEY constraint failed
    assert store.stats()["work_item"] == 0  # item 1 was rolled back with it


def test_pull_request_upsert_updates_and_removes_stale_reviewers(store: Store) -> None:
    with store.transaction():
        store.upsert_pull_requests([pr("r1-1", (("alice", 0), ("bob", 5))), pr("r1-2", (("carol", 10),))])
    ids = _ids(store, "reviewer")
    with store.transaction():
        store.upsert_pull_requests([pr("r1-1", (("alice", 10), ("dave", -5)), title="renamed")])
    after = _ids(store, "reviewer")
    assert after[("r1-1", "alice")] == ids[("r1-1", "alice")]  # updated in place
    assert ("r1-1", "bob") not in after  # no longer a reviewer
    assert after[("r1-2", "carol")] == ids[("r1-2", "carol")]  # another PR is untouched
    by_uid = {p.uid: p for p in store.pull_requests()}
    assert by_uid["r1-1"].title == "renamed"
    assert [(r.user_id, r.vote) for r in by_uid["r1-1"].reviewers] == [("alice", 10), ("dave", -5)]
    assert [(r.user_id, r.vote) for r in by_uid["r1-2"].reviewers] == [("carol", 10)]
    with store.transaction():
        store.upsert_pull_requests([pr("r1-1", ())])  # every reviewer removed
    assert {p.uid: len(p.reviewers) for p in store.pull_requests()} == {"r1-1": 0, "r1-2": 1}
    assert store.stats()["pull_request"] == 2


def test_review_times_survive_a_pr_re_upsert(store: Store) -> None:
    with store.transaction():
        store.upsert_pull_requests([pr("r1-1"), pr("r1-2"), pr("r1-3", status="active", closed_at=None)])
    assert [p.uid for p in store.prs_needing_threads(at(1))] == ["r1-1", "r1-2"]  # closed at day 2 > day 1
    assert store.prs_needing_threads(at(2)) == []  # "after" is strict
    with store.transaction():
        store.set_pr_review_times("r1-1", at(0.5), at(0.75), None)
        store.upsert_pull_requests([pr("r1-1", title="again")])
    p = {p.uid: p for p in store.pull_requests()}["r1-1"]
    assert (p.title, p.first_comment_at, p.first_vote_at, p.first_approval_at) == ("again", at(0.5), at(0.75), None)
    assert [p.uid for p in store.prs_needing_threads(at(1))] == ["r1-2"]


def test_reference_data_upserts(store: Store) -> None:
    org = "https://dev.azure.com/acme"
    with store.transaction():
        store.upsert_organization(Organization(org, "acme"))
        store.upsert_organization(Organization(org, "Acme Corp"))
        store.upsert_projects([Project("p1", "Web", org), Project("p2", "Api", org)])
        store.upsert_projects([Project("p1-new", "Web", org)])
        store.upsert_repositories([Repository("r1", "web", "Web", org)])
        store.upsert_repositories([Repository("r1", "web-renamed", "Web", org)])
        store.upsert_identities([Identity("u1", "Alice", "alice@acme.test"), Identity("g1", "Team", None, True)])
        store.upsert_identities([Identity("u1", "Alice A.", "alice@acme.test")])
        store.upsert_state_categories([StateCategory("Web", "Bug", "Active", "InProgress", 1),
                                       StateCategory("Web", "Bug", "New", "Proposed", 0),
                                       StateCategory("Api", "Bug", "Odd", None, 0)])
        store.upsert_state_categories([StateCategory("Web", "Bug", "Active", "Resolved", 1)])
    assert store.organizations() == [Organization(org, "Acme Corp")]
    assert store.projects() == [Project("p2", "Api", org), Project("p1-new", "Web", org)]
    assert store.repositories() == [Repository("r1", "web-renamed", "Web", org)]
    assert store.identities() == [Identity("g1", "Team", None, True), Identity("u1", "Alice A.", "alice@acme.test")]
    assert store.state_categories(["Web"]) == [StateCategory("Web", "Bug", "New", "Proposed", 0),
                                               StateCategory("Web", "Bug", "Active", "Resolved", 1)]
    assert len(store.state_categories()) == 3
    counts = store.stats()
    assert (counts["organization"], counts["project"], counts["repository"], counts["identity"],
            counts["state_category"]) == (1, 2, 1, 2, 3)


# --- cursors, transactions, runs ----------------------------------------------------------------


def test_cursors_only_move_forward_unless_forced(store: Store) -> None:
    org = "https://dev.azure.com/acme"
    assert store.get_cursor(org, "Web", "prs") is None
    assert store.set_cursor(org, "Web", "prs", "v2", watermark=at(2)) is True
    assert store.set_cursor(org, "Web", "prs", "v1", watermark=at(1)) is False  # backwards: refused
    c = store.get_cursor(org, "Web", "prs")
    assert c is not None and (c.value, c.watermark) == ("v2", at(2))
    assert store.set_cursor(org, "Web", "prs", "v2b", watermark=at(2)) is True  # equal is not backwards
    assert store.set_cursor(org, "Web", "prs", "v3", watermark=at(3)) is True
    assert store.set_cursor(org, "Web", "prs", "v1", watermark=at(1), force=True) is True  # --full
    c = store.get_cursor(org, "Web", "prs")
    assert c is not None and (c.value, c.watermark) == ("v1", at(1))
    assert store.set_cursor(org, "Web", "revisions", "token-abc") is True  # a continuation token, no watermark
    assert store.set_cursor(org, "Api", "prs", "api", watermark=at(0)) is True
    assert store.get_cursor(org, "Web", "revisions").value == "token-abc"  # type: ignore[union-attr]
    store.delete_cursors(org, "Web")
    assert store.get_cursor(org, "Web", "prs") is None and store.get_cursor(org, "Api", "prs") is not None
    store.delete_cursors(org)
    assert store.stats()["sync_cursor"] == 0


def test_transaction_rolls_back_everything_on_an_exception(store: Store) -> None:
    org = "https://dev.azure.com/acme"
    with pytest.raises(RuntimeError, match="killed"):
        with store.transaction():
            store.upsert_work_items([item(1)])
            store.upsert_revisions([rev(1, 1, "New")])
            store.upsert_pull_requests([pr("r1-1", (("alice", 10),))])
            store.set_cursor(org, "Web", "revisions", "next-page")
            raise RuntimeError("killed mid-page")
    assert store.stats() == {t: 0 for t in store.stats()}
    assert store.get_cursor(org, "Web", "revisions") is None


def test_a_nested_failure_rolls_back_only_the_inner_block(store: Store) -> None:
    with store.transaction():
        store.upsert_work_items([item(1)])
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.upsert_work_items([item(2)])
                raise RuntimeError("inner")
        store.upsert_work_items([item(3)])
    assert [w.id for w in store.work_items()] == [1, 3]


def test_runs_never_claim_success_for_a_failed_run(store: Store) -> None:
    org = "https://dev.azure.com/acme"
    first = store.start_run(org)
    (run,) = store.sync_runs()
    assert (run.id, run.status, run.finished_at, run.organization) == (first, "running", None, org)
    assert store.last_successful_sync() is None
    store.finish_run(first, status="success", work_items=3, revisions=9, requests=4, throttled_seconds=1.5)
    second = store.start_run(org)
    assert store.sync_runs()[0].status == "running"
    store.finish_run(second, status="failed", first_error="HTTP 500 from Web", error_project="Web", warnings=2)
    newest, oldest = store.sync_runs()
    assert (newest.id, newest.status, newest.first_error, newest.error_project, newest.warnings) == (
        second, "failed", "HTTP 500 from Web", "Web", 2)
    assert (oldest.id, oldest.status, oldest.work_items, oldest.revisions, oldest.requests, oldest.throttled_seconds) == (
        first, "success", 3, 9, 4, 1.5)
    assert newest.finished_at is not None and oldest.finished_at is not None
    assert store.last_successful_sync() == oldest.finished_at  # the failed run does not count
    third = store.start_run(org)
    store.finish_run(third, status="cancelled")
    assert [r.status for r in store.sync_runs()] == ["cancelled", "failed", "success"]
    assert [r.status for r in store.sync_runs(limit=1)] == ["cancelled"]
    with pytest.raises(ValueError):
        store.finish_run(third, status="partial")


# --- reads --------------------------------------------------------------------------------------


def _fill_catalogue(store: Store) -> Store:
    """Six items; 5 is deleted; 6 sits in 'Project\\Webby', a sibling that merely shares a prefix."""
    with store.transaction():
        store.upsert_work_items([
            item(1, title="Fix login crash", state="Active", area_path="Project\\Web", assigned_to="alice",
                 tags=("Blocked", "UI"), changed_at=at(5)),
            item(2, type="User Story", title="Add export", area_path="Project\\Web\\Front", changed_at=at(3)),
            item(3, title="Crash on 100% zoom", state="Closed", area_path="Project", changed_at=at(9)),
            item(4, project="ProjectX", title="Login page typo", state="Active", area_path="ProjectX\\Web", changed_at=at(1)),
            item(5, type="Task", title="Deleted thing", state="Active", area_path="Project\\Web", is_deleted=True),
            item(6, title="under_score title", area_path="Project\\Webby", changed_at=at(7)),
        ])
    return store


@pytest.fixture
def catalogue(store: Store) -> Store:
    return _fill_catalogue(store)


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def read_only_catalogue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """One filled store per engine shared by the tests that only read (building it per test costs ~0.1 s)."""
    if request.param == "sqlite":
        target: Path | str = tmp_path_factory.mktemp("catalogue") / "c.sqlite"
    else:
        server = request.getfixturevalue("pg_server")
        target = server.create_database(template=server.store_template())
    try:
        with open_store(target) as s:
            yield _fill_catalogue(s)
    finally:
        if request.param != "sqlite":
            server.drop_database(target)


def _ids_of(items: list[WorkItem]) -> list[int]:
    return [w.id for w in items]


@pytest.mark.parametrize(
    ("f", "kwargs", "expected"),
    [
        (None, {}, [1, 2, 3, 4, 6]),  # deleted item 5 never shows
        (ItemFilter(area="Project"), {}, [1, 2, 3, 6]),  # the path and below, not "ProjectX\\Web"
        (ItemFilter(area="Project\\Web"), {}, [1, 2]),  # not the sibling "Project\\Webby"
        (ItemFilter(area="Project\\Web\\"), {}, [1, 2]),  # a trailing backslash changes nothing
        (ItemFilter(area="Project\\Web\\Front"), {}, [2]),
        (ItemFilter(projects=("ProjectX",)), {}, [4]),
        (ItemFilter(projects=("Project", "ProjectX"), types=("User Story",)), {}, [2]),
        (ItemFilter(types=("Bug",)), {}, [1, 3, 4, 6]),
        (None, {"search": "crash"}, [1, 3]),  # case-insensitive title match
        (None, {"search": "100%"}, [3]),  # % is literal
        (None, {"search": "_"}, [6]),  # _ is literal
        (None, {"search": "4"}, [4]),  # a number matches the id
        (None, {"search": "1"}, [1, 3]),  # id 1, and "100%" in item 3's title
        (None, {"state": "Active"}, [1, 4]),
        (None, {"states": ("New", "Closed")}, [2, 3, 6]),
        (None, {"assigned_to": "alice"}, [1]),
        (None, {"tag": "UI"}, [1]),
        (None, {"tag": "Block"}, []),  # whole tags only
        (ItemFilter(area="Project"), {"search": "crash", "state": "Closed"}, [3]),
    ],
)
def test_work_items_filters_and_search(read_only_catalogue: Store, f: ItemFilter | None, kwargs: dict, expected: list[int]) -> None:
    assert _ids_of(read_only_catalogue.work_items(f, **kwargs)) == expected
    assert read_only_catalogue.count_work_items(f, **kwargs) == len(expected)


def test_work_items_sort_and_page(read_only_catalogue: Store) -> None:
    # BINARY collation: "Add" < "Crash" < "Fix" < "Login" < "under" (lower-case sorts after upper-case)
    assert _ids_of(read_only_catalogue.work_items(order_by="title")) == [2, 3, 1, 4, 6]
    assert _ids_of(read_only_catalogue.work_items(order_by="title", descending=True)) == [6, 4, 1, 3, 2]
    # changed_at days: 1 -> 5, 2 -> 3, 3 -> 9, 4 -> 1, 6 -> 7
    assert _ids_of(read_only_catalogue.work_items(order_by="changed_at", descending=True)) == [3, 6, 1, 2, 4]
    assert _ids_of(read_only_catalogue.work_items(limit=2)) == [1, 2]
    assert _ids_of(read_only_catalogue.work_items(limit=2, offset=2)) == [3, 4]
    assert _ids_of(read_only_catalogue.work_items(limit=2, offset=4)) == [6]
    assert _ids_of(read_only_catalogue.work_items(order_by="state", limit=2)) == [1, 4]  # ties broken by id
    with pytest.raises(ValueError, match="cannot sort"):
        read_only_catalogue.work_items(order_by="title; DROP TABLE work_item")
    assert read_only_catalogue.count_work_items() == 5


def test_work_items_return_domain_records(read_only_catalogue: Store) -> None:
    first = read_only_catalogue.work_items()[0]
    assert type(first) is WorkItem
    assert first.tags == ("Blocked", "UI") and first.changed_at == at(5) and first.changed_at.tzinfo is not None
    assert read_only_catalogue.distinct_values("area_path", ItemFilter(area="Project\\Web")) == ["Project\\Web", "Project\\Web\\Front"]
    assert read_only_catalogue.distinct_values("project") == ["Project", "ProjectX"]


def test_work_item_histories(catalogue: Store) -> None:
    with catalogue.transaction():
        catalogue.upsert_revisions([rev(1, 2, "Active"), rev(1, 1, "New"), rev(5, 1, "New"), rev(2, 1, "New")])
    histories = catalogue.work_item_histories(ItemFilter(area="Project\\Web"))
    assert [(h.item.id, [(r.rev, r.state, r.from_state) for r in h.revisions]) for h in histories] == [
        (1, [(1, "New", None), (2, "Active", "New")]),
        (2, [(1, "New", None)]),
    ]
    assert histories[0].revisions[1].changed_at == at(2)
    assert 5 not in [h.item.id for h in catalogue.work_item_histories()]  # deleted


def test_pull_requests_with_reviewers_and_filters(store: Store) -> None:
    with store.transaction():
        store.upsert_pull_requests([
            pr("r1-1", (("bob", 10), ("alice", -10)), closed_at=at(1)),
            pr("r1-2", (), project="Other", closed_at=at(3)),
            pr("r2-7", (("carol", 5),), status="abandoned", closed_at=at(2)),
            pr("r2-8", (), status="active", closed_at=None, is_draft=True),
        ])
    done = store.pull_requests()
    assert [p.uid for p in done] == ["r1-1", "r1-2"]  # completed only, by uid
    assert type(done[0]) is PullRequest and type(done[0].reviewers[0]) is Reviewer
    assert [(r.user_id, r.display_name, r.vote) for r in done[0].reviewers] == [("alice", "User alice", -10), ("bob", "User bob", 10)]
    assert [p.uid for p in store.pull_requests(ItemFilter(projects=("Project",)))] == ["r1-1"]
    assert [p.uid for p in store.pull_requests(closed_after=at(2))] == ["r1-2"]
    assert [p.uid for p in store.pull_requests(status=None)] == ["r1-1", "r1-2", "r2-7", "r2-8"]
    abandoned = store.pull_requests(status="abandoned")
    assert [(p.uid, [r.user_id for r in p.reviewers]) for p in abandoned] == [("r2-7", ["carol"])]
    active = store.pull_requests(status="active")[0]
    assert (active.is_draft, active.closed_at, active.created_at) == (True, None, at(0))


def test_text_sorts_by_code_point_on_every_engine(store: Store) -> None:
    """SQLite's BINARY order, also on a PostgreSQL whose own collation is a language's (the test server's
    template database is en-US, as a team server often is: there 'apple' would sort before 'Banana')."""
    org = "https://dev.azure.com/acme"
    with store.transaction():
        store.upsert_work_items([item(1, title="apple"), item(2, title="Banana"), item(3, title="_x"),
                                 item(4, title="\u00c9mile"), item(5, title="zeta")])
        store.upsert_projects([Project("p1", "web", org), Project("p2", "Web2", org), Project("p3", "api", org)])
        store.upsert_identities([Identity("bob", "b", None), Identity("Carol", "C", None), Identity("alice", "a", None)])
        store.upsert_state_categories([StateCategory("Web", "Bug", s, "InProgress", 1) for s in ("active", "Blocked")])
        store.upsert_pull_requests([pr("web-2"), pr("Web-1"), pr("api-3", (("bob", 0), ("Carol", 5)))])
    # code points: "B" 0x42 < "_" 0x5F < "a" 0x61 < "z" 0x7A < "\u00c9" 0xC9
    assert [w.title for w in store.work_items(order_by="title")] == ["Banana", "_x", "apple", "zeta", "\u00c9mile"]
    assert [w.title for w in store.work_items(order_by="title", descending=True)] == [
        "\u00c9mile", "zeta", "apple", "_x", "Banana"]
    assert [p.name for p in store.projects()] == ["Web2", "api", "web"]
    assert [i.id for i in store.identities()] == ["Carol", "alice", "bob"]
    assert [c.state for c in store.state_categories()] == ["Blocked", "active"]
    assert [p.uid for p in store.pull_requests()] == ["Web-1", "api-3", "web-2"]
    assert [r.user_id for r in store.pull_requests()[1].reviewers] == ["Carol", "bob"]


# --- several stores, several threads ------------------------------------------------------------


def test_two_stores_in_one_process_stay_independent(store_targets) -> None:  # noqa: ANN001
    first, second = store_targets("a"), store_targets("b")
    a = open_store(first)
    b = open_store(second)
    with a.transaction():
        a.upsert_work_items([item(1, title="in a")])
    with b.transaction():
        b.upsert_work_items([item(1, title="in b"), item(2)])
    assert [w.title for w in a.work_items()] == ["in a"]
    assert [w.title for w in b.work_items()] == ["in b", "Item 2"]
    a.close()
    with b.transaction():
        b.upsert_work_items([item(3)])
    assert b.count_work_items() == 3
    b.close()
    with open_store(first) as again:
        assert again.count_work_items() == 1


def test_a_store_can_be_used_from_another_thread(store: Store) -> None:
    errors: list[BaseException] = []
    seen: list[int] = []

    def worker() -> None:
        try:
            with store.transaction():
                store.upsert_work_items([item(1), item(2)])
            seen.append(store.count_work_items())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            store.db.close()  # this thread's connection

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=30)
    assert errors == [] and seen == [2]
    assert _ids_of(store.work_items()) == [1, 2]  # committed, visible on the main thread's connection


def test_histories_changes_only_keeps_state_tag_and_blocked_changes(store: Store) -> None:
    with store.transaction():
        store.upsert_work_items([item(1, rev=6)])
        # arrives out of order over two pages; the derived "previous revision" columns must still be right
        store.upsert_revisions([rev(1, 6, "Active", tags=("Blocked",)), rev(1, 1, "New"), rev(1, 3, "New", tags=("Blocked",))])
    with store.transaction():
        store.upsert_revisions([
            rev(1, 2, "New", changed_by="someone"),  # an assignee/title edit: nothing a metric sees
            rev(1, 4, "New", tags=("Blocked",), blocked=True),  # blocked flag set
            rev(1, 5, "Active", tags=("Blocked",), blocked=True, changed_by="x"),  # state change
        ])
    (full,) = store.work_item_histories()
    assert [r.rev for r in full.revisions] == [1, 2, 3, 4, 5, 6]
    (changes,) = store.work_item_histories(changes_only=True)
    # 1 first; 2 same as 1 (left out); 3 tags; 4 blocked; 5 state; 6 blocked cleared
    assert [r.rev for r in changes.revisions] == [1, 3, 4, 5, 6]
    assert [(r.rev, r.from_state) for r in changes.revisions] == [(1, None), (3, "New"), (4, "New"), (5, "New"), (6, "Active")]


@pytest.mark.parametrize("full_check", [True, False])
def test_a_store_open_elsewhere_with_a_live_wal_opens(db_path: Path, monkeypatch: pytest.MonkeyPatch, full_check: bool) -> None:
    """The TUI holds the store open while `flowtui sync` opens it too: committed pages still in the
    -wal file (not yet checkpointed) are part of the database, not a sign of damage. SQLite only: the WAL file."""
    if not full_check:
        monkeypatch.setattr(database, "FULL_CHECK_MAX_BYTES", 0)
    first = open_store(db_path)
    try:
        with first.transaction():
            first.upsert_work_items([item(i, title="y" * 300) for i in range(1, 200)])
        assert db_path.with_name(db_path.name + "-wal").stat().st_size > 0
        with open_store(db_path) as second:
            assert second.count_work_items() == 199
            with second.transaction():
                second.upsert_work_items([item(500)])
        assert first.count_work_items() == 200
    finally:
        first.close()
