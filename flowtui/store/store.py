"""The Store: one SQLite file or one PostgreSQL database, opened safely, with typed reads and real upserts."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from peewee import PeeweeException

from flowtui.errors import StoreError
from flowtui.store.completeness import CompletenessMixin
from flowtui.store.database import open_database, open_postgres_database
from flowtui.store.dialect import DRIVER_ERRORS
from flowtui.store.facts import FactsMixin
from flowtui.store.pgurl import PgAddress, is_url, parse_url
from flowtui.store.postgres import PgWriterLock, reason
from flowtui.store.queries import ReadMixin
from flowtui.store.runs import RunsMixin
from flowtui.store.writes import WriteMixin

_SQLITE_FULL = 13
_SQLITE_READONLY = 8


class Store(ReadMixin, RunsMixin, WriteMixin, CompletenessMixin, FactsMixin):
    """A flowtui store. Safe to share between threads: each thread gets its own connection.

    `target` is a path (SQLite) or a `postgresql://` URL (PostgreSQL; `address` is then set and
    `path` is only the URL as a name for messages).
    """

    def __init__(self, target: Path | str) -> None:
        self.address: PgAddress | None = None
        if isinstance(target, str) and is_url(target):
            self.address = parse_url(target)
            self.path = Path(self.address.url)
            self.db = open_postgres_database(self.address)
        else:
            self.path = Path(target)
            self.db = open_database(self.path)

    @property
    def location(self) -> str:
        """The store's name for messages: its path or its URL (which never holds a password)."""
        return self.address.url if self.address is not None else str(self.path)

    @contextmanager
    def transaction(self, *, check_writer: bool = True) -> Iterator[None]:
        """Everything inside commits together or not at all (nested blocks become savepoints).

        SQLite errors (disk full, read-only file, locked) surface as StoreError naming the real
        cause: when SQLite has already rolled back (SQLITE_FULL does), the failed ROLLBACK that
        follows ("cannot rollback - no transaction is active") is not what the user is told.

        On PostgreSQL, while this Store holds the writer lock, the lock's connection is checked first
        (`check_writer`): a page is never written after the lock was lost with its connection.
        """
        writer = getattr(self, "_writer", None)
        if check_writer and isinstance(writer, PgWriterLock) and not self.db.in_transaction():
            writer.ensure_alive()  # a page is written only while this process still holds the lock
        try:
            with self.db.atomic():
                yield
        except (PeeweeException, *DRIVER_ERRORS, OSError) as exc:  # raw cursors raise driver errors unwrapped
            if self.address is not None:
                raise StoreError(f"Writing to the store {self.address} failed ({reason(exc)}); "
                                 "nothing from this step was kept.") from None
            raise write_error(self.path, exc) from None

    def close(self) -> None:
        self.release_writer()
        self.db.close()

    def close_thread_connection(self) -> None:
        """Close the calling thread's connection (each thread has its own); a dead one is already closed."""
        try:
            self.db.close()
        except Exception:  # noqa: BLE001 - closing a connection the server already dropped
            pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what it wraps or interrupted (peewee puts the sqlite3 error in args[0]), oldest last."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop(0)
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        wrapped = item.args[0] if item.args and isinstance(item.args[0], BaseException) else None
        todo.extend([wrapped, item.__cause__, item.__context__])
    return seen


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def write_error(path: Path, exc: BaseException) -> StoreError:
    """The StoreError for a failed write, naming its real cause (a full disk, a read-only store)."""
    chain = _chain(exc)
    for item in chain:
        text = str(item).lower()
        if (isinstance(item, OSError) and item.errno == errno.ENOSPC) or _code(item) == _SQLITE_FULL \
                or "database or disk is full" in text:
            return StoreError(
                f"The disk is full at {path.parent}: writing to the store {path} failed and nothing from this "
                "step was kept; free some space and sync again (it resumes where it stopped)."
            )
    for item in chain:
        if _code(item) == _SQLITE_READONLY or "readonly database" in str(item).lower() \
                or (isinstance(item, OSError) and item.errno in (errno.EROFS, errno.EACCES, errno.EPERM)):
            return StoreError(
                f"The store {path} is read-only (the file or its directory cannot be written); "
                "nothing from this step was kept. Make it writable or point --db elsewhere."
            )
    root = next((i for i in chain if "cannot rollback" not in str(i).lower()), exc)
    why = root.strerror if isinstance(root, OSError) and root.strerror else str(root) or type(root).__name__
    return StoreError(f"Writing to the store {path} failed ({why}); nothing from this step was kept.")


def open_store(target: Path | str) -> Store:
    """Open (create or migrate) the store at `target`, a path (SQLite) or a `postgresql://` URL;
    raises StoreError for corrupt/foreign/newer stores and unreachable servers."""
    return Store(target)
