"""One statement built by Peewee's query builder, run for many rows with the driver's `executemany`.

A sync page writes thousands of rows; building a Peewee query per row (or one huge multi-row
INSERT) costs more Python time than SQLite spends storing them, and the store must write at least
20,000 revisions a second. So a `Batch` builds its query once per engine with *slots* in place of
values, lets Peewee render it (placeholders, quoting, `ON CONFLICT` for that engine), remembers
which parameter each slot became, and hands the driver one tuple per row (through the dialect's
`executemany`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from peewee import Database, Query, Value

from flowtui.store.dialect import dialect_for


class _Slot:
    """A stand-in for the value of column `index` of each row."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class Batch:
    """`build(*slots)` returns the Peewee query; `run(db, rows)` executes it once per row."""

    def __init__(self, build: Callable[..., Query], arity: int) -> None:
        self._build = build
        self._arity = arity
        self._compiled: dict[type, tuple[str, list[tuple[bool, Any]]]] = {}
        self._identity = [(True, i) for i in range(arity)]

    def compile(self, db: Database) -> tuple[str, list[tuple[bool, Any]]]:
        """(SQL, parameter plan) for `db`'s engine: each parameter is (True, row index) or (False, constant)."""
        found = self._compiled.get(type(db))
        if found is None:
            slots = [_Slot(i) for i in range(self._arity)]
            query = self._build(*[Value(s, converter=False) for s in slots]).bind(db)
            sql, params = query.sql()
            plan = [(True, p.index) if isinstance(p, _Slot) else (False, p) for p in params]
            found = self._compiled[type(db)] = (sql, plan)
        return found

    def run(self, db: Database, rows: Iterable[Sequence[Any]]) -> None:
        """Execute the statement for every row (nothing when there are none)."""
        sql, plan = self.compile(db)
        args: list[Sequence[Any]]
        if plan == self._identity:
            args = rows if isinstance(rows, list) else list(rows)
        elif all(slot for slot, _ in plan) and len(plan) > 1:
            pick = itemgetter(*(v for _, v in plan))  # a slot used twice, or slots in another order
            args = [pick(row) for row in rows]
        else:
            args = [tuple(row[v] if slot else v for slot, v in plan) for row in rows]
        if args:
            dialect_for(db).executemany(db, sql, args)

    def execute(self, db: Database, values: Sequence[Any] = ()) -> Any:
        """Execute the statement once with `values` and return the driver's cursor (rows for a SELECT)."""
        sql, plan = self.compile(db)
        return db.execute_sql(sql, tuple(values[v] if slot else v for slot, v in plan))


_SHAPES: dict[tuple[str, int], Batch] = {}
#: Bound on the shapes kept (an IN list of each length up to a chunk is one shape).
MAX_SHAPES = 4096


def padded(values: Sequence[Any]) -> list[Any]:
    """`values` (not empty) padded to a power-of-two length by repeating the last one, so that an
    IN list takes one of a dozen shapes instead of one per length (a repeated value changes nothing)."""
    size = 1 << max(0, len(values) - 1).bit_length()
    return [*values, *([values[-1]] * (size - len(values)))]


def shaped(name: str, build: Callable[..., Query], arity: int) -> Batch:
    """The Batch `name` with `arity` slots (a query whose shape depends on a count, e.g. an IN list),
    compiled once per shape and engine."""
    key = (name, arity)
    found = _SHAPES.get(key)
    if found is None:
        found = Batch(build, arity)
        if len(_SHAPES) < MAX_SHAPES:
            _SHAPES[key] = found
    return found
