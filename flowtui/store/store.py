"""The Store: one SQLite file, opened safely, with typed reads and real upserts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from peewee import PeeweeException

from flowtui.errors import StoreError
from flowtui.store.completeness import CompletenessMixin
from flowtui.store.database import open_database
from flowtui.store.queries import ReadMixin
from flowtui.store.writes import WriteMixin


class Store(ReadMixin, WriteMixin, CompletenessMixin):
    """A flowtui store. Safe to share between threads: each thread gets its own SQLite connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = open_database(self.path)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all (nested blocks become savepoints).

        SQLite errors (disk full, read-only file, locked) surface as StoreError.
        """
        try:
            with self.db.atomic():
                yield
        except (PeeweeException, sqlite3.Error) as exc:  # raw cursors raise sqlite3 errors unwrapped
            raise StoreError(f"Writing to the store {self.path} failed ({exc}); nothing from this step was kept.") from None
        except OSError as exc:
            raise StoreError(f"Writing to the store {self.path} failed ({exc.strerror}).") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: Path | str) -> Store:
    """Open (create or migrate) the store at `path`; raises StoreError for corrupt/foreign/newer files."""
    return Store(Path(path))
