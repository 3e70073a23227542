"""The dialect module (one test per engine-specific piece, SQLite here), the per-row `Batch`
statements, and the rule that SQL text lives only in `flowtui/store/dialect.py`."""

from __future__ import annotations

import ast
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from peewee import Database, PostgresqlDatabase, SqliteDatabase, Value

import flowtui.store as store_pkg
from flowtui.store import database, dialect, open_store
from flowtui.store import models as m
from flowtui.store.batch import Batch, padded, shaped
from flowtui.store.dashboards import VIEW_NAMES


@pytest.fixture
def db(tmp_path: Path) -> SqliteDatabase:
    conn = dialect.sqlite_database(tmp_path / "d.sqlite")
    conn.connect()
    yield conn
    conn.close()


def test_sqlite_database_is_wal_with_foreign_keys_and_a_busy_timeout(db: SqliteDatabase) -> None:
    assert isinstance(db, SqliteDatabase)
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


@pytest.mark.parametrize(("lhs", "rhs", "differs"), [
    (None, None, 0), (None, "a", 1), ("a", None, 1), ("a", "a", 0), ("a", "b", 1), (0, 1, 1), (1, 1, 0),
])
def test_distinct_is_null_safe(db: SqliteDatabase, lhs: object, rhs: object, differs: int) -> None:
    expr = dialect.SQLITE.distinct(Value(lhs, converter=False), Value(rhs, converter=False))
    sql, params = db.get_sql_context().sql(expr).query()
    assert db.execute_sql(f"SELECT {sql}", params).fetchone()[0] == differs


def test_integrity_checks_and_table_listing_read_a_store(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute(dialect.integrity_check(full=True)).fetchone() == ("ok",)
        assert conn.execute(dialect.integrity_check(full=False)).fetchone() == ("ok",)
        tables = {r[0] for r in conn.execute(dialect.LIST_TABLES)}
    assert {"schema_version", "work_item", "revision", "item_history", "item_fact", "fact_meta"} <= tables


def test_dialect_for_knows_sqlite_and_postgresql_and_refuses_other_engines() -> None:
    assert dialect.dialect_for(SqliteDatabase(":memory:")) is dialect.SQLITE
    assert dialect.dialect_for(PostgresqlDatabase("x")) is dialect.POSTGRESQL

    class Other(Database):
        pass

    with pytest.raises(ValueError, match="no SQL dialect for Other"):
        dialect.dialect_for(Other(None))


def test_a_batch_maps_slots_used_twice_and_constants_to_each_row(db: SqliteDatabase) -> None:
    with db.bind_ctx([m.Organization]):
        db.create_tables([m.Organization])
    batch = Batch(lambda url, name: m.Organization.insert(url=url, name=name).on_conflict(
        conflict_target=[m.Organization.url], update={m.Organization.name: m.Organization.name.concat("+")}), 2)
    sql, plan = batch.compile(db)
    assert sql.startswith('INSERT INTO "organization"') and "ON CONFLICT" in sql
    assert plan == [(True, 0), (True, 1), (False, "+")]  # the constant of the update stays a parameter
    batch.run(db, [("u1", "a"), ("u2", "b")])
    batch.run(db, [("u1", "ignored")])
    assert db.execute_sql("SELECT url, name FROM organization ORDER BY url").fetchall() == [("u1", "a+"), ("u2", "b")]
    batch.run(db, [])  # nothing to do is not an error


def _columns(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute(dialect.LIST_TABLES)]
        return {t: [tuple(c[1:]) for c in conn.execute(f'PRAGMA table_info("{t}")')] for t in sorted(tables)}


def test_an_upgraded_store_has_the_schema_of_a_new_one(tmp_path: Path) -> None:
    """Migrations and the models are one declaration: a schema-1 store upgraded to the current
    version has the same tables and columns (name, type, NOT NULL, default, key) as a new store."""
    new, old = tmp_path / "new.sqlite", tmp_path / "old.sqlite"
    open_store(new).close()
    open_store(old).close()
    with sqlite3.connect(old) as conn:  # back to schema 1
        for view in VIEW_NAMES:  # schema 4's views read the columns dropped below
            conn.execute(f"DROP VIEW {view}")
        conn.execute("DROP TABLE item_fact")
        conn.execute("DROP TABLE fact_meta")
        conn.execute("DROP TABLE item_history")
        conn.execute("ALTER TABLE work_item DROP COLUMN excluded")
        conn.execute("UPDATE schema_version SET version = 1")
    assert "item_history" not in _columns(old)
    open_store(old).close()
    assert _columns(old) == _columns(new)
    assert database.schema_version_of(old) == database.current_version()


_SQL_TEXT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|WITH)\b")


#: Store modules that may hold SQL text besides dialect.py: postgres.py (advisory locks, the writer
#: table, schema checks: PostgreSQL-only machinery, not expressions), dashboards.py (the CREATE VIEW
#: statements, engine-neutral around the dialect's timestamp and week expressions), and copy.py,
#: whose statements are built per table by name (both engines understand them: row-value keyset
#: paging and ON CONFLICT), not per model.
SQL_ALLOWED = {"dialect.py", "postgres.py", "dashboards.py", "copy.py"}


def test_sql_text_lives_only_in_the_dialect_modules() -> None:
    """Every other store module builds its SQL with Peewee's query builder."""
    found = []
    for path in sorted(Path(store_pkg.__file__).parent.glob("*.py")):
        if path.name in SQL_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL_TEXT.match(node.value):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []


@pytest.mark.parametrize(("n", "size"), [(1, 1), (2, 2), (3, 4), (5, 8), (500, 512)])
def test_padded_repeats_the_last_value_up_to_a_power_of_two(n: int, size: int) -> None:
    values = list(range(10, 10 + n))
    out = padded(values)
    assert len(out) == size and out[:n] == values and set(out[n:]) <= {values[-1]}


def test_shaped_compiles_one_statement_per_arity_and_returns_the_rows(db: SqliteDatabase) -> None:
    with db.bind_ctx([m.Organization]):
        db.create_tables([m.Organization])
    db.execute_sql("INSERT INTO organization (url, name) VALUES ('u1', 'a'), ('u2', 'b'), ('u3', 'c')")
    O = m.Organization  # noqa: E741

    def build(*urls: object) -> object:
        return O.select(O.name).where(O.url.in_(list(urls))).order_by(O.name)

    assert shaped("test orgs", build, 2) is shaped("test orgs", build, 2)
    assert shaped("test orgs", build, 2) is not shaped("test orgs", build, 4)
    keys = padded(["u3", "u1", "zz"])
    assert [r[0] for r in shaped("test orgs", build, len(keys)).execute(db, keys).fetchall()] == ["a", "c"]


def test_executemany_runs_the_statement_once_per_row_in_the_transaction(db: SqliteDatabase) -> None:
    with db.bind_ctx([m.Organization]):
        db.create_tables([m.Organization])
    sql = 'INSERT INTO "organization" ("url", "name") VALUES (?, ?)'
    with pytest.raises(RuntimeError), db.atomic():
        dialect.SQLITE.executemany(db, sql, [("u1", "a"), ("u2", "b")])
        assert db.execute_sql("SELECT COUNT(*) FROM organization").fetchone()[0] == 2
        raise RuntimeError("roll back")
    assert db.execute_sql("SELECT COUNT(*) FROM organization").fetchone()[0] == 0


def test_revisions_of_kept_items_are_sought_through_the_unique_index(tmp_path: Path) -> None:
    """The report read (settled items left out) and the facts derive read revisions per kept item
    through the (work_item_id, rev) index, never by scanning the revision table."""
    from datetime import UTC, datetime, timedelta

    from flowtui.domain import Revision, WorkItem

    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    with open_store(tmp_path / "s.sqlite") as s:
        seen: list[str] = []
        conn = s.db.connection()
        conn.set_trace_callback(seen.append)
        with s.transaction():
            s.upsert_work_items([WorkItem(id=i, project="P", type="Bug", title=f"t{i}", state="Done",
                                          created_at=t0, changed_at=t0 + timedelta(days=i), rev=2) for i in (1, 2)])
            s.upsert_revisions([Revision(i, n, t0 + timedelta(days=n), st) for i in (1, 2)
                                for n, st in ((1, "New"), (2, "Done"))])
        histories = s.work_item_histories(changes_only=True, settled_before=t0 + timedelta(days=2),
                                          settled_states=[("P", "Bug", "Done", "done")])
        conn.set_trace_callback(None)
        assert [h.item.id for h in histories] == [2]  # item 1 settled before day 2
        reads = [sql for sql in seen if sql.lstrip().startswith("SELECT") and 'JOIN "revision"' in sql]
        assert len(reads) == 2  # the facts derive during the write, and the report read
        for sql in reads:
            plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
            assert "SEARCH" in plan and "revision_work_item_id_rev" in plan, plan
            assert "SCAN t1" not in plan.replace("SCAN t2", ""), plan


# The PostgreSQL half, on a real server (the `pg_url` fixture).


@pytest.fixture
def pg_db(pg_url: str) -> Database:
    with open_store(pg_url) as store:
        yield store.db


@pytest.mark.parametrize(("lhs", "rhs", "differs"), [
    (None, None, False), (None, "a", True), ("a", None, True), ("a", "a", False), ("a", "b", True),
])
def test_distinct_is_null_safe_on_postgresql(pg_db: Database, lhs: object, rhs: object, differs: bool) -> None:
    expr = dialect.POSTGRESQL.distinct(Value(lhs, converter=False), Value(rhs, converter=False))
    sql, params = pg_db.get_sql_context().sql(expr).query()
    assert pg_db.execute_sql(f"SELECT {sql}", params).fetchone()[0] is differs


def test_executemany_on_postgresql_runs_per_row_inside_the_transaction(pg_db: Database) -> None:
    sql = 'INSERT INTO "organization" ("url", "name") VALUES (%s, %s)'
    with pytest.raises(RuntimeError), pg_db.atomic():
        dialect.POSTGRESQL.executemany(pg_db, sql, [(f"u{i}", f"n{i}") for i in range(300)])
        assert pg_db.execute_sql("SELECT COUNT(*) FROM organization").fetchone()[0] == 300
        raise RuntimeError("roll back")
    assert pg_db.execute_sql("SELECT COUNT(*) FROM organization").fetchone()[0] == 0


# 2026-11-19 is a Thursday: 13:30:15.5 UTC; its ISO week starts on Monday 2026-11-16.
_THURSDAY_US = 1_795_095_015_500_000


def test_timestamp_and_week_expressions_agree_on_both_engines(pg_db: Database, db: SqliteDatabase) -> None:
    lite = db.execute_sql(f"SELECT {dialect.SQLITE.timestamp_sql('?')}, {dialect.SQLITE.week_sql('?')}",
                          (_THURSDAY_US, _THURSDAY_US)).fetchone()
    assert lite == ("2026-11-19 13:30:15", "2026-11-16")
    pg = pg_db.execute_sql(f"SELECT {dialect.POSTGRESQL.timestamp_sql('%s')}, {dialect.POSTGRESQL.week_sql('%s')}",
                           (_THURSDAY_US, _THURSDAY_US)).fetchone()
    assert pg[0].isoformat() == "2026-11-19T13:30:15.500000+00:00" and pg[1].isoformat() == "2026-11-16"


_AT = datetime(2026, 11, 19, tzinfo=UTC)


def test_after_copy_moves_the_postgresql_sequence_past_copied_ids(pg_db: Database) -> None:
    with pg_db.atomic():
        m.SyncRun.insert(id=41, organization="o", started_at=_AT, status="success").bind(pg_db).execute()
        dialect.POSTGRESQL.after_copy(pg_db, "sync_run", "id")
    assert m.SyncRun.insert(organization="o", started_at=_AT, status="running").bind(pg_db).execute() == 42
