"""`flowtui store copy SRC DST`: move a store between engines (SQLite ⇄ PostgreSQL), resumably.

Both ends are opened as stores (so DST is created or migrated to this flowtui's schema first, and a
newer or foreign one is refused). DST's writer lock is held for the whole copy, so no sync writes it
meanwhile. Tables go parents first (the models' order, then the tables added by later migrations),
each read from SRC in primary-key order by keyset pages of `batch` rows and upserted into DST
(`INSERT ... ON CONFLICT (pk) DO UPDATE`, which both engines understand), one transaction per page:
a killed copy loses at most the page in flight, and running the same copy again redoes it and
everything after (rows already there are overwritten with the same values, ids kept). At the end
every table's row count in DST is checked against SRC; a difference (DST held other rows before) is
reported table by table and fails the command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowtui.errors import StoreError
from flowtui.store import models, postgres
from flowtui.store.dialect import dialect_for
from flowtui.store.lock import acquire_writer_lock, current_command
from flowtui.store.store import Store, open_store

#: Rows per page (one transaction each in DST).
DEFAULT_BATCH = 1000
#: Tables that are not data: the schema version (set by migrations) and the live writer-lock holder.
SKIPPED_TABLES = frozenset({"schema_version", "flowtui_writer"})

#: `progress(table, rows_copied_so_far_in_table, rows_in_table)` after each page.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class TableCount:
    """One table's rows in SRC and DST after the copy."""

    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What `copy_store` did: the per-table counts, in copy order."""

    tables: tuple[TableCount, ...]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.source for t in self.tables)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_order(tables: Sequence[str]) -> list[str]:
    """Data tables parents first: the models' order, then the others by name."""
    model_tables = [m._meta.table_name for m in models.ALL_MODELS]
    present = [t for t in tables if t not in SKIPPED_TABLES and not t.startswith("sqlite_")]
    return [t for t in model_tables if t in present] + sorted(t for t in present if t not in model_tables)


def _count(store: Store, table: str) -> int:
    return int(store.db.execute_sql(f"SELECT COUNT(*) FROM {_q(table)}").fetchone()[0])


def _copy_table(src: Store, dst: Store, table: str, batch: int, progress: Progress | None) -> None:
    dst_columns = {c.name: c.data_type.lower() for c in dst.db.get_columns(table)}
    columns = [c.name for c in src.db.get_columns(table) if c.name in dst_columns]
    keys = src.db.get_primary_keys(table)
    if not keys:
        raise StoreError(f"The table {table} has no primary key, so it cannot be copied resumably.")
    booleans = [i for i, c in enumerate(columns) if dst_columns[c] == "boolean"]
    key_at = [columns.index(k) for k in keys]
    cols = ", ".join(_q(c) for c in columns)
    order = ", ".join(_q(k) for k in keys)
    sp, dp = src.db.param, dst.db.param
    first = f"SELECT {cols} FROM {_q(table)} ORDER BY {order} LIMIT {int(batch)}"
    after = (f"SELECT {cols} FROM {_q(table)} WHERE ({order}) > ({', '.join([sp] * len(keys))}) "
             f"ORDER BY {order} LIMIT {int(batch)}")
    updates = [c for c in columns if c not in keys]
    conflict = (f"DO UPDATE SET {', '.join(f'{_q(c)} = EXCLUDED.{_q(c)}' for c in updates)}" if updates
                else "DO NOTHING")
    insert = (f"INSERT INTO {_q(table)} ({cols}) VALUES ({', '.join([dp] * len(columns))}) "
              f"ON CONFLICT ({order}) {conflict}")
    total = _count(src, table)
    done = 0
    last: tuple[Any, ...] | None = None
    for _page in range(total // batch + 2):  # bounded: rows added to SRC meanwhile wait for the next copy
        rows = src.db.execute_sql(first if last is None else after, last or ()).fetchall()
        if not rows:
            break
        if booleans:
            rows = [tuple(bool(v) if i in booleans and v is not None else v for i, v in enumerate(r)) for r in rows]
        with dst.transaction():
            dst.db.cursor().executemany(insert, rows)
        last = tuple(rows[-1][i] for i in key_at)
        done += len(rows)
        if progress is not None:
            progress(table, done, total)
    if keys == ["id"]:
        with dst.transaction():
            dialect_for(dst.db).after_copy(dst.db, table, "id")


def copy_store(source: Path | str, target: Path | str, *, batch: int = DEFAULT_BATCH,
               progress: Progress | None = None) -> CopyReport:
    """Copy every row of the store `source` into `target` (created or migrated); see the module docstring."""
    if batch < 1:
        raise StoreError("The batch size must be at least 1.")
    if str(source) == str(target):
        raise StoreError("The source and the destination are the same store; name two different ones.")
    with open_store(source) as src, open_store(target) as dst:
        command = current_command()
        lock: Any = (postgres.acquire_pg_writer_lock(dst.address, command) if dst.address is not None
                     else acquire_writer_lock(dst.path, command))
        try:
            order = table_order(src.db.get_tables())
            missing = [t for t in order if t not in set(dst.db.get_tables())]
            if missing:
                raise StoreError(f"The destination {dst.location} has no table {missing[0]}; it is not this flowtui's schema.")
            for table in order:
                try:
                    _copy_table(src, dst, table, batch, progress)
                except StoreError:
                    raise
                except Exception as exc:  # a driver error from the raw cursors, as one sentence
                    raise StoreError(f"Copying the table {table} into {dst.location} failed "
                                     f"({postgres.reason(exc)}); run the same copy again to resume.") from None
            counts = tuple(TableCount(t, _count(src, t), _count(dst, t)) for t in order)
        finally:
            lock.release()
    return CopyReport(counts)
