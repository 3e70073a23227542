"""Opening the SQLite file safely, and forward migrations.

Before anything is written, the file is inspected read-only: a file that is not SQLite, is corrupt,
holds tables but no flowtui `schema_version`, or carries a newer schema than this flowtui knows is
refused with a StoreError and left exactly as it was. A new file is created with mode 0600 (SQLite
gives its -wal and -shm files the same mode), in WAL mode with synchronous=NORMAL.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from peewee import SqliteDatabase

from flowtui.errors import StoreError
from flowtui.store import models

SQLITE_HEADER = b"SQLite format 3\x00"


def _migration_1(db: SqliteDatabase) -> None:
    """The initial schema."""
    db.create_tables([m for m in models.ALL_MODELS if m is not models.SchemaVersion])


#: MIGRATIONS[n] turns a schema of version n into version n + 1. Append; never edit a released one.
MIGRATIONS: list[Callable[[SqliteDatabase], None]] = [_migration_1]


def current_version() -> int:
    return len(MIGRATIONS)


def _inspect(path: Path) -> int:
    """Return the schema version of an existing file (0 for an empty database), or raise StoreError."""
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise StoreError(f"The store {path} cannot be read ({exc.strerror}).") from None
    if header == b"":
        return 0
    if header != SQLITE_HEADER:
        raise StoreError(
            f"The file {path} is not a flowtui store (not an SQLite database); it was left untouched. "
            "Point --db at another path or move the file away."
        )
    # With no -wal file beside it the main file is the whole database, and `immutable=1` reads it
    # without creating -wal/-shm files (a plain read-only open of a WAL-mode file would leave them).
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"The store {path} cannot be opened ({exc}); it was left untouched.") from None
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise StoreError(
                f"The store {path} is corrupt ({check[0] if check else 'no answer'}); it was left untouched. "
                "Move it away and run `flowtui sync` to rebuild it."
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return 0
        if "schema_version" not in tables:
            raise StoreError(
                f"The file {path} is an SQLite database but not a flowtui store; it was left untouched."
            )
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"The store {path} is corrupt ({exc}); it was left untouched. "
            "Move it away and run `flowtui sync` to rebuild it."
        ) from None
    finally:
        conn.close()


def open_database(path: Path) -> SqliteDatabase:
    """Open (creating or migrating as needed) the store at `path` and bind the models to it."""
    path = Path(path)
    if path.exists():
        version = _inspect(path)
        if version > current_version():
            raise StoreError(
                f"The store {path} was written by a newer flowtui (schema {version}, this one knows "
                f"{current_version()}); upgrade flowtui. The file was left untouched."
            )
    else:
        version = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            version = _inspect(path)
        except OSError as exc:
            raise StoreError(f"The store {path} cannot be created ({exc.strerror}).") from None
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass  # read-only file system or not the owner: opening will tell if it matters
    db = SqliteDatabase(
        str(path),
        pragmas={"journal_mode": "wal", "synchronous": "normal", "foreign_keys": 1, "busy_timeout": 5000},
        check_same_thread=False,
    )
    try:
        db.connect()
    except Exception as exc:  # peewee wraps sqlite3 errors in its own types
        raise StoreError(f"The store {path} cannot be opened ({exc}).") from None
    try:
        _migrate(db, version)
    except Exception as exc:
        db.close()
        raise StoreError(f"The store {path} could not be upgraded ({exc}).") from None
    return db


def _migrate(db: SqliteDatabase, version: int) -> None:
    """Run every migration after `version`, all in one transaction."""
    if version == current_version():
        return
    with db.bind_ctx(models.ALL_MODELS), db.atomic():
        db.create_tables([models.SchemaVersion])
        for target in range(version, current_version()):
            MIGRATIONS[target](db)
            db.execute_sql("DELETE FROM schema_version")
            db.execute_sql("INSERT INTO schema_version (version) VALUES (?)", (target + 1,))
