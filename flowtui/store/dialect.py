"""Every piece of SQL that only one database engine understands, behind one small interface.

The store builds its reads and writes with Peewee's query builder over the models (one schema
declaration), which renders them for SQLite and PostgreSQL alike. What Peewee cannot paper over
lives here, one function or constant per difference, so a second engine is one more `Dialect`:

* `database(...)`: how a connection is made and tuned (SQLite: WAL, synchronous=NORMAL, foreign
  keys, a busy timeout; the file itself is inspected by `flowtui.store.database` before opening).
* `executemany(db, sql, rows)`: one statement for many rows (SQLite: the sqlite3 cursor's own;
  a network engine wants its driver's batched or pipelined form instead of a round trip per row).
* `distinct(a, b)`: the NULL-safe "differs" test (`IS NOT` in SQLite; `IS DISTINCT FROM` elsewhere).
* `PostgresDialect`: the same for PostgreSQL (psycopg 3's pipelined `executemany`, `IS DISTINCT FROM`);
  the rest of what only PostgreSQL understands (advisory locks, its DDL) is in `flowtui.store.postgres`.
* `timestamp_sql(col)`, `week_sql(col)`: the two expressions the dashboard views need per engine.
* `after_copy(db, table, key)`: what `store copy` must do after inserting rows with their own ids.
* `integrity_check(full)`, `LIST_TABLES`: the open-time file checks of an SQLite store.

Shared, engine-neutral choices (documented here so a new dialect keeps them): timestamps are BIGINT
microseconds since the epoch (`models.UtcMicrosField`), booleans are compared with parameters (never
`= 1`), timelines are JSON kept as TEXT, temporary key tables are unqualified (both engines look in
the session's temporary schema first), and upserts are `Insert.on_conflict(...)`.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from peewee import (
    SQL,
    Database,
    Expression,
    Field,
    ForeignKeyField,
    Node,
    NodeList,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
)

#: Connection settings of every SQLite store (see `SqliteDialect.database`).
SQLITE_PRAGMAS: dict[str, Any] = {
    "journal_mode": "wal", "synchronous": "normal", "foreign_keys": 1, "busy_timeout": 5000,
}
#: The names of the tables in an SQLite file (read through a plain sqlite3 connection).
LIST_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


class Dialect(Protocol):
    """What differs between engines; `dialect_for(db)` gives the one for an open database."""

    name: str

    def database(self, target: str) -> Database:
        """A Peewee database for `target` (SQLite: a file path), not yet connected."""
        ...

    def executemany(self, db: Database, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run `sql` (rendered by Peewee for this engine) once per row, inside the current transaction."""
        ...

    def distinct(self, lhs: Any, rhs: Any) -> Expression:
        """`lhs` differs from `rhs`, where NULL equals NULL and differs from every value."""
        ...

    def read_snapshot(self, db: Database) -> AbstractContextManager[Any]:
        """A transaction whose reads all see one snapshot, so a page another process commits
        between two statements of one read is seen by neither or by both."""
        ...

    def bounded_read(self, db: Database, seconds: int) -> AbstractContextManager[Any]:
        """A transaction in which no statement may run longer than `seconds` (waiting on a lock
        included); each statement still sees what was committed before it started."""
        ...

    def by_code_point(self, text: Node) -> Node:
        """`text` as a sort key ordered by code point (SQLite's BINARY), whatever the database's collation."""
        ...

    def timestamp_sql(self, col: str) -> str:
        """SQL turning the microsecond column `col` into a UTC timestamp (the dashboard views)."""
        ...

    def week_sql(self, col: str) -> str:
        """SQL for the Monday (a date, UTC) of the ISO week of the microsecond column `col`."""
        ...

    def after_copy(self, db: Database, table: str, key: str) -> None:
        """After rows were copied into `table` with their own `key` values, make new keys follow them."""
        ...


class SqliteDialect:
    """SQLite (3.33 or newer: `UPDATE ... FROM` and window functions are used)."""

    name = "sqlite"

    def database(self, target: str) -> Database:
        return SqliteDatabase(target, pragmas=dict(SQLITE_PRAGMAS), check_same_thread=False)

    def executemany(self, db: Database, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        db.cursor().executemany(sql, rows)

    def distinct(self, lhs: Any, rhs: Any) -> Expression:
        return Expression(lhs, "IS NOT", rhs)

    def read_snapshot(self, db: Database) -> AbstractContextManager[Any]:
        return db.atomic()  # WAL: a read transaction keeps the snapshot of its first read

    @contextmanager
    def bounded_read(self, db: Database, seconds: int) -> Iterator[None]:
        yield  # WAL readers never wait for a writer; the busy timeout bounds the rest

    def by_code_point(self, text: Node) -> Node:
        return text  # TEXT columns compare with BINARY unless declared otherwise

    def timestamp_sql(self, col: str) -> str:
        return f"datetime({col} / 1000000, 'unixepoch')"

    def week_sql(self, col: str) -> str:
        return f"date({col} / 1000000, 'unixepoch', 'weekday 0', '-6 days')"

    def after_copy(self, db: Database, table: str, key: str) -> None:
        pass  # an INTEGER PRIMARY KEY continues after the largest one by itself


SQLITE = SqliteDialect()


class PostgresDialect:
    """PostgreSQL (12 or newer) through psycopg 3; `database(...)` takes the database name, and the
    connection arguments come from `flowtui.store.postgres.open_postgres` (URL, keyring)."""

    name = "postgresql"

    def database(self, target: str) -> Database:
        return PostgresqlDatabase(target)

    def executemany(self, db: Database, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        # psycopg 3's executemany pipelines the statements: one round trip for the batch, not one per row.
        db.cursor().executemany(sql, rows)

    def distinct(self, lhs: Any, rhs: Any) -> Expression:
        return Expression(lhs, "IS DISTINCT FROM", rhs)

    @contextmanager
    def read_snapshot(self, db: Database) -> Iterator[None]:
        # READ COMMITTED (the default) takes a new snapshot per statement; REPEATABLE READ keeps the
        # first one. Not READ ONLY: reports fill temporary key tables.
        outermost = not db.in_transaction()
        with db.atomic():
            if outermost:
                db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield

    @contextmanager
    def bounded_read(self, db: Database, seconds: int) -> Iterator[None]:
        with db.atomic():
            db.execute_sql(f"SET LOCAL statement_timeout = {int(seconds) * 1000}")
            yield

    def by_code_point(self, text: Node) -> Node:
        # The database's default collation is often a language's (en_US: 'apple' < 'Banana'); "C" compares
        # the UTF-8 bytes, which is code-point order, as SQLite does.
        return NodeList((text, SQL('COLLATE "C"')))

    def timestamp_sql(self, col: str) -> str:
        return f"to_timestamp({col} / 1000000.0)"

    def week_sql(self, col: str) -> str:
        return f"(date_trunc('week', to_timestamp({col} / 1000000.0) AT TIME ZONE 'UTC'))::date"

    def after_copy(self, db: Database, table: str, key: str) -> None:
        """Move the key's sequence (a SERIAL column) past the largest copied value."""
        row = db.execute_sql("SELECT pg_get_serial_sequence(%s, %s)", (table, key)).fetchone()
        if row and row[0]:
            db.execute_sql(f'SELECT setval(%s, COALESCE((SELECT MAX("{key}") FROM "{table}"), 0) + 1, false)',
                           (row[0],))


POSTGRESQL = PostgresDialect()


def _driver_errors() -> tuple[type[BaseException], ...]:
    try:  # psycopg 3, the only PostgreSQL driver flowtui uses (not installed: SQLite only)
        return (sqlite3.Error, importlib.import_module("psycopg").Error)
    except ImportError:
        return (sqlite3.Error,)


#: The errors the drivers raise unwrapped (Peewee wraps only what goes through `execute_sql`; raw
#: cursors, e.g. `executemany`, raise the driver's own), for the store's error mapping.
DRIVER_ERRORS: tuple[type[BaseException], ...] = _driver_errors()


def integrity_check(full: bool) -> str:
    """The SQLite statement that checks a file: every page (`full`) or only the schema_version table."""
    return "PRAGMA quick_check" if full else "PRAGMA quick_check(schema_version)"


def dialect_for(db: Database) -> Dialect:
    """The dialect of an open Peewee database (ValueError for an engine flowtui does not support)."""
    if isinstance(db, SqliteDatabase):
        return SQLITE
    if isinstance(db, PostgresqlDatabase):
        return POSTGRESQL
    raise ValueError(f"flowtui has no SQL dialect for {type(db).__name__}")


def ordered(db: Database, *fields: Field) -> list[Node]:
    """ORDER BY terms for `fields` that sort text by code point on every engine (SQLite's order), so the
    TUI, the exports and the reports list rows alike on SQLite and on a PostgreSQL with a language collation."""
    by_code_point = dialect_for(db).by_code_point

    def is_text(field: Field) -> bool:
        return isinstance(field.rel_field if isinstance(field, ForeignKeyField) else field, TextField)

    return [by_code_point(f) if is_text(f) else f for f in fields]


def sqlite_database(path: Path) -> Database:
    """The (unconnected) Peewee database of the SQLite store at `path`."""
    return SQLITE.database(str(path))
