"""The team store on a real PostgreSQL (the `pg_url` fixture): open + migrate, refusals, the advisory
writer lock across processes, the dashboard views on both engines, `store copy` both ways, and the
database password never written anywhere."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowtui.cli.main import main
from flowtui.errors import ConfigError, StoreError
from flowtui.store import database, open_store
from flowtui.store.copy import copy_store
from flowtui.store.dashboards import VIEW_NAMES
from flowtui.store.pgurl import KEYRING_SERVICE, parse_url
from flowtui.store.postgres import acquire_pg_writer_lock
from tests.unit.test_store import at, item, pr, rev


def _fill(path: Path) -> None:
    with open_store(path) as store, store.transaction():
        store.upsert_work_items([
            item(1, state="Closed", created_at=at(0), activated_at=at(1), closed_at=at(3)),
            item(2, state="Closed", type="Story", created_at=at(0), activated_at=at(2), closed_at=at(8)),
            item(3, state="Active", title="It's \"quoted\" — ünïcode"),
        ])
        store.upsert_revisions([rev(1, 1, "New"), rev(1, 2, "Active"), rev(1, 3, "Closed"), rev(2, 1, "New"),
                                rev(2, 2, "Closed"), rev(3, 1, "New", tags=("Blocked",), blocked=True)])
        store.upsert_pull_requests([pr("web-7", (("u-a", 10), ("u-b", -5))), pr("web-8", (("u-a", 0),))])


def _rows(db: object, table: str) -> list[tuple]:
    cols = ", ".join(f'"{c.name}"' for c in sorted(db.get_columns(table), key=lambda c: c.name))  # type: ignore[attr-defined]
    rows = db.execute_sql(f'SELECT {cols} FROM "{table}"').fetchall()  # type: ignore[attr-defined]
    return sorted((tuple(int(v) if isinstance(v, bool) else v for v in r) for r in rows), key=repr)


def test_open_migrates_a_new_database_and_reopens(pg_url: str) -> None:
    with open_store(pg_url) as store:
        assert store.db.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()[0] == database.current_version()
        assert {"work_item", "revision", "item_history", "item_fact", "fact_meta"} <= set(store.db.get_tables())
        assert set(VIEW_NAMES) <= {v.name for v in store.db.get_views()}
        # micro-second instants need 64 bits on PostgreSQL too
        types = {c.name: c.data_type for c in store.db.get_columns("item_history")}
        assert types["updated_at"] == "bigint"
    with open_store(pg_url) as store:  # nothing to do the second time
        assert store.db.execute_sql("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1


def test_a_foreign_database_is_refused_and_left_untouched(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(parse_url(pg_url).url, autocommit=True) as conn:
        conn.execute("CREATE TABLE mine (x int)")
    with pytest.raises(StoreError, match="not a flowtui store"):
        open_store(pg_url)
    with psycopg.connect(parse_url(pg_url).url) as conn:
        assert [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")] == ["mine"]


@pytest.mark.parametrize("url", ["postgresql://me:hunter2@db.example/flowtui",
                                 "postgres://me:hunter2@db.example:5432/flowtui?sslmode=require",
                                 "postgresql://me@db.example/flowtui?sslmode=require&password=hunter2"])
def test_a_password_in_the_url_is_refused_everywhere(url: str, xdg, monkeypatch, capsys) -> None:  # noqa: ANN001
    with pytest.raises(StoreError, match="contains a password") as info:
        open_store(url)
    assert "hunter2" not in info.value.message
    assert main(["store", "copy", str(xdg.root / "a.sqlite"), url]) == 1
    assert main(["config", "set", "store.url", url]) == 2
    err = capsys.readouterr().err
    assert "contains a password" in err and "hunter2" not in err
    config = xdg.config / "flowtui" / "config.toml"
    assert not config.exists() or "hunter2" not in config.read_text()
    monkeypatch.setenv("FLOWTUI_DB_URL", url)
    from flowtui.config import load_settings

    with pytest.raises(ConfigError, match="FLOWTUI_DB_URL: store.url contains a password"):
        load_settings()


def test_url_parameters_are_checked_and_sslmode_reaches_the_server(pg_url: str) -> None:
    with pytest.raises(StoreError, match="unknown parameter 'colour'"):
        open_store(pg_url + "?colour=blue")
    with pytest.raises(StoreError, match="sslmode='sometimes'"):
        open_store(pg_url + "?sslmode=sometimes")
    # The test server has no TLS: sslmode=require must make the connection fail, proving it is honoured.
    with pytest.raises(StoreError, match="(?i)ssl"):
        open_store(pg_url + "?sslmode=require")
    with open_store(pg_url + "?sslmode=disable") as store:
        assert store.db.execute_sql("SELECT 1").fetchone()[0] == 1


def test_store_url_comes_from_env_or_flag_and_db_path_flag_wins(monkeypatch, xdg, tmp_path) -> None:  # noqa: ANN001
    from flowtui.config import load_settings

    url = "postgresql://team@db.example:5432/flowtui?sslmode=require"
    monkeypatch.setenv("FLOWTUI_DB_URL", url)
    assert load_settings().store_target == url
    assert load_settings(db=str(tmp_path / "x.sqlite")).store_target == tmp_path / "x.sqlite"
    monkeypatch.delenv("FLOWTUI_DB_URL")
    assert load_settings(db=url).store_target == url
    assert load_settings().store_target == load_settings().db_path


_HOLDER = """
import sys, time
from flowtui.store.pgurl import parse_url
from flowtui.store.postgres import acquire_pg_writer_lock
lock = acquire_pg_writer_lock(parse_url(sys.argv[1]), "flowtui sync --nightly")
print("locked", flush=True)
time.sleep(60)
"""


def _wait_until(check, seconds: float = 20.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_a_second_writer_is_refused_with_the_holder_and_a_killed_holder_frees_the_lock(pg_url: str) -> None:
    with open_store(pg_url):
        pass
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, pg_url], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parents[2])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError) as info:
            acquire_pg_writer_lock(parse_url(pg_url), "flowtui sync")
        assert f"pid {holder.pid} on " in info.value.message
        assert "flowtui sync --nightly" in info.value.message
        # a reader is not blocked while the writer holds the lock
        with open_store(pg_url) as reader:
            assert reader.db.execute_sql("SELECT COUNT(*) FROM work_item_facts").fetchone()[0] == 0
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)

    def free() -> bool:
        try:
            acquire_pg_writer_lock(parse_url(pg_url), "flowtui sync").release()
            return True
        except StoreError:
            return False

    assert _wait_until(free), "the server kept the lock of a killed process"


_RUNNER = """
import sys, time
from flowtui.store import open_store
store = open_store(sys.argv[1])
store.start_run("https://dev.azure.com/acme", command="flowtui sync")
print("running", flush=True)
time.sleep(60)
"""


def test_a_killed_writers_running_record_reads_as_interrupted(pg_url: str) -> None:
    with open_store(pg_url) as reader:
        assert reader.latest_run() is None
        runner = subprocess.Popen([sys.executable, "-c", _RUNNER, pg_url], stdout=subprocess.PIPE, text=True,
                                  cwd=Path(__file__).parents[2])
        try:
            assert runner.stdout is not None and runner.stdout.readline().strip() == "running"
            alive = reader.latest_run()
            assert alive is not None and alive.status == "running"  # its writer holds the lock
        finally:
            os.kill(runner.pid, signal.SIGKILL)
            runner.wait(timeout=10)

        def gone() -> bool:
            marker = reader.latest_run()
            return marker is not None and marker.status == "interrupted"

        assert _wait_until(gone), "a dead writer's record kept reading as running"
        marker = reader.latest_run()
        assert marker is not None and marker.id == alive.id and marker.finished_at is None
        # the record itself is untouched (a reader writes nothing); the next sync marks it
        status = reader.db.execute_sql("SELECT status FROM sync_run WHERE id = %s", (alive.id,)).fetchone()[0]
        assert status == "running"


def test_readers_never_block_the_writer(pg_url: str) -> None:
    with open_store(pg_url) as writer, open_store(pg_url) as reader:
        with reader.db.atomic():  # a long read transaction on the views...
            reader.db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            assert reader.db.execute_sql("SELECT COUNT(*) FROM throughput_weekly").fetchone()[0] == 0
            started = time.monotonic()
            with writer.db.atomic():  # ...does not hold up a write to the tables beneath them
                writer.db.execute_sql("SET LOCAL lock_timeout = '5s'")
                writer.db.execute_sql("INSERT INTO organization (url, name) VALUES ('https://x', 'x')")
                writer.db.execute_sql("DELETE FROM organization")
            assert time.monotonic() - started < 5
            assert reader.db.execute_sql("SELECT COUNT(*) FROM organization").fetchone()[0] == 0


def test_views_give_the_same_answers_on_both_engines(pg_url: str, tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    _fill(path)
    copy_store(path, pg_url)
    with open_store(path) as lite, open_store(pg_url) as pg:
        for db in (lite.db, pg.db):
            facts = db.execute_sql(
                "SELECT id, lead_time_days, cycle_time_days FROM work_item_facts ORDER BY id").fetchall()
            assert [(i, float(lt) if lt is not None else None, float(ct) if ct is not None else None)
                    for i, lt, ct in facts] == [(1, 3.0, 2.0), (2, 8.0, 6.0), (3, None, None)]
            weeks = db.execute_sql("SELECT week_start, type, items FROM throughput_weekly ORDER BY week_start").fetchall()
            # T0 is Monday 2024-01-01 09:00 UTC: +3 days is that week, +8 days the next one
            assert [(str(w), t, n) for w, t, n in weeks] == [("2024-01-01", "Bug", 1), ("2024-01-08", "Story", 1)]
            votes = db.execute_sql("SELECT pr_uid, user_id, vote_label FROM reviewers ORDER BY pr_uid, user_id").fetchall()
            assert votes == [("web-7", "u-a", "approved"), ("web-7", "u-b", "waiting for author"),
                             ("web-8", "u-a", "no vote")]
            hours = db.execute_sql("SELECT uid, cycle_time_hours FROM pull_requests ORDER BY uid").fetchall()
            assert [(u, float(h)) for u, h in hours] == [("web-7", 48.0), ("web-8", 48.0)]
        created = pg.db.execute_sql("SELECT created_at FROM work_item_facts WHERE id = 1").fetchone()[0]
        assert created.isoformat() == "2024-01-01T09:00:00.123456+00:00"


def test_store_copy_round_trips_sqlite_postgres_sqlite_and_resumes(pg_url: str, tmp_path: Path) -> None:
    src, back = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _fill(src)

    class Killed(BaseException):  # like a SIGINT in the middle of a page
        pass

    def die_in_revisions(table: str, done: int, total: int) -> None:
        if table == "revision" and done >= 2:
            raise Killed

    with pytest.raises(Killed):
        copy_store(src, pg_url, batch=2, progress=die_in_revisions)
    with open_store(pg_url) as pg:  # the pages before the kill are kept, the rest is not there yet
        assert pg.db.execute_sql("SELECT COUNT(*) FROM revision").fetchone()[0] == 2
        assert pg.db.execute_sql("SELECT COUNT(*) FROM reviewer").fetchone()[0] == 0
    report = copy_store(src, pg_url, batch=2)  # the same copy again finishes it
    counts = {t.table: (t.source, t.target) for t in report.tables}
    assert counts["work_item"] == (3, 3) and counts["revision"] == (6, 6) and counts["reviewer"] == (3, 3)
    assert counts["pull_request"] == (2, 2) and report.ok
    assert copy_store(pg_url, back).ok
    with open_store(src) as a, open_store(back) as b:
        for table in ("work_item", "revision", "pull_request", "reviewer", "item_fact", "fact_meta", "item_history"):
            assert _rows(a.db, table) == _rows(b.db, table), table
    with open_store(pg_url) as pg, pg.transaction():  # ids continue after the copied ones
        new_id = pg.db.execute_sql(
            "INSERT INTO reviewer (pr_uid, user_id, display_name, vote, is_required, is_container) "
            "VALUES ('web-8', 'u-c', 'C', 0, false, false) RETURNING id").fetchone()[0]
        assert new_id == 4


def test_store_copy_reports_a_count_mismatch_and_fails(pg_url: str, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    src = tmp_path / "a.sqlite"
    _fill(src)
    with open_store(pg_url) as pg, pg.transaction():
        pg.db.execute_sql("INSERT INTO organization (url, name) VALUES ('https://other', 'other')")
    assert main(["store", "copy", str(src), pg_url]) == 1
    out, err = capsys.readouterr()
    assert "organization" in out and "MISMATCH" in out
    assert "differ in row count (organization)" in err


def test_the_keyring_password_is_used_and_never_written(pg_url: str, tmp_path: Path, memory_keyring, xdg) -> None:  # noqa: ANN001
    import keyring

    secret = "s3cret-Pw-9f2"
    keyring.set_password(KEYRING_SERVICE, pg_url, secret)
    from flowtui.store.postgres import connect_kwargs

    assert connect_kwargs(parse_url(pg_url))["password"] == secret
    src = tmp_path / "a.sqlite"
    _fill(src)
    assert main(["--debug", "store", "copy", str(src), pg_url]) == 0
    assert main(["config", "set", "store.url", pg_url]) == 0
    for path in [*xdg.root.rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    with open_store(pg_url) as pg:
        for table in pg.db.get_tables():
            assert secret not in repr(pg.db.execute_sql(f'SELECT * FROM "{table}"').fetchall())
    with sqlite3.connect(src) as conn:
        assert secret not in repr(conn.execute("SELECT * FROM sync_run").fetchall())


def test_a_writer_whose_lock_connection_died_writes_no_more_pages(pg_url: str) -> None:
    import psycopg

    with open_store(pg_url) as store:
        run_id = store.start_run("https://dev.azure.com/acme", command="flowtui sync")
        with store.transaction():
            store.upsert_work_items([item(1)])
        # the server ends the session that holds the lock (an idle timeout, a failover, a DBA)
        with psycopg.connect(parse_url(pg_url).url, autocommit=True) as admin:
            ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_locks "
                                  "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()").fetchall()
        assert ended == [(True,)]
        with pytest.raises(StoreError, match="connection holding the writer lock of the store .* was lost"), \
                store.transaction():
            store.upsert_work_items([item(2)])
        assert [w.id for w in store.work_items()] == [1]  # the page after the loss was not written
        acquire_pg_writer_lock(parse_url(pg_url), "flowtui sync").release()  # the lock is free for others
        store.finish_run(run_id, status="failed", first_error="lost the writer lock")  # the record still closes
        assert store.latest_run().status == "failed"


def test_a_run_that_finishes_during_the_lock_check_is_not_read_as_interrupted(pg_url: str,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtui.store import queries, postgres

    with open_store(pg_url) as writer, open_store(pg_url) as reader:
        run_id = writer.start_run("https://dev.azure.com/acme", command="flowtui sync")

        def finishes_first(db: object) -> str | None:  # the writer closes its record and lets go right here
            writer.finish_run(run_id, status="success")
            return postgres.writer_holder(db)  # type: ignore[arg-type]

        monkeypatch.setattr(queries, "writer_holder", finishes_first)
        marker = reader.latest_run()
        assert marker is not None and marker.id == run_id and marker.status == "success"


def test_the_store_watch_read_gives_up_on_a_locked_table(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from flowtui.store import queries

    monkeypatch.setattr(queries, "LATEST_RUN_TIMEOUT_S", 1)
    with open_store(pg_url) as reader, psycopg.connect(parse_url(pg_url).url) as other:
        other.execute("LOCK TABLE sync_run IN ACCESS EXCLUSIVE MODE")  # a migration, VACUUM FULL or a DBA
        started = time.monotonic()
        with pytest.raises(StoreError, match="Reading the store postgresql://.* failed"):
            reader.latest_run()
        assert time.monotonic() - started < 8  # 1 s limit; generous margin on a loaded machine
        other.rollback()
        assert reader.latest_run() is None  # free again: no runs yet
