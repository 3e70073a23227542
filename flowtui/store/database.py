"""Opening the SQLite file safely, and forward migrations.

Before anything is written, the file is inspected read-only: a file that is not SQLite, is corrupt,
holds tables but no flowtui `schema_version`, or carries a newer schema than this flowtui knows is
refused with a StoreError and left exactly as it was. A new file is created with mode 0600 (SQLite
gives its -wal and -shm files the same mode), in WAL mode with synchronous=NORMAL.

The full `PRAGMA quick_check` costs about 5 ms of CPU per MB (0.5 s on a 100k-item / 1M-revision
store), so it runs at open only on files up to FULL_CHECK_MAX_BYTES; every file gets the cheap
checks (the header, a size no smaller than the header says, a readable schema, an intact
`schema_version`). Damage deeper in a large file surfaces as a StoreError when a page is touched.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from peewee import Database, TextField, fn
from playhouse.migrate import SchemaMigrator, migrate

from flowtui.errors import StoreError
from flowtui.store import models, postgres
from flowtui.store.dashboards import view_statements
from flowtui.store.dialect import LIST_TABLES, dialect_for, integrity_check, sqlite_database
from flowtui.store.facts import DEFAULT_BLOCKED_TAG, facts_fingerprint
from flowtui.store.pgurl import PgAddress

SQLITE_HEADER = b"SQLite format 3\x00"
#: Read through a plain sqlite3 connection before Peewee opens the file (see `_inspect`).
_MAX_VERSION = models.SchemaVersion.select(fn.MAX(models.SchemaVersion.version)).sql()[0]


#: The schema version the models declare: a new store is created from them at this version, and
#: only a store older than it runs the upgrades after its own version.
MODELS_VERSION = 3


def _create(db: Database) -> None:
    """A new store: every table from the models, facts derived under the default blocked tag from
    the first sync on."""
    db.create_tables([m for m in models.ALL_MODELS if m is not models.SchemaVersion])
    _seed_fact_meta(db)


def _seed_fact_meta(db: Database) -> None:
    models.FactMeta.insert_many(
        [("blocked_tag", DEFAULT_BLOCKED_TAG.casefold()), ("fingerprint", facts_fingerprint(DEFAULT_BLOCKED_TAG))],
        fields=[models.FactMeta.key, models.FactMeta.value],
    ).execute()


def _migration_2(db: Database) -> None:
    """History completeness: why an item left the reports (`work_item.excluded`, NULL = in scope),
    and what the sync knows of each history (`item_history`; see `flowtui.store.completeness`)."""
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("work_item", "excluded", TextField(null=True)))
    db.create_tables([models.ItemHistory])


def _migration_3(db: Database) -> None:
    """Per-item facts derived at write time (see `flowtui.store.facts`).

    A store that already holds revisions gets no fingerprint here: its first report derives every
    item once. An empty store starts with the default blocked tag, so its first sync writes facts.
    """
    db.create_tables([models.ItemFact, models.FactMeta])
    if models.Revision.select(models.Revision.id).limit(1).first() is None:
        _seed_fact_meta(db)


def _migration_4(db: Database) -> None:
    """Read-only views for dashboards (see `flowtui.store.dashboards`)."""
    for statement in view_statements(dialect_for(db)):
        db.execute_sql(statement)


#: MIGRATIONS[n] turns a schema of version n into version n + 1 (MIGRATIONS[0], for an empty
#: database, creates the schema of MODELS_VERSION at once). Append; never edit a released one.
#: They use Peewee's schema tools only (the dashboard views excepted: `flowtui.store.dashboards` has
#: one statement per engine), so they run on every engine `flowtui.store.dialect` knows.
MIGRATIONS: list[Callable[[Database], None]] = [_create, _migration_2, _migration_3, _migration_4]


def current_version() -> int:
    return len(MIGRATIONS)


#: Files up to this size get the full `PRAGMA quick_check` when opened (see the module docstring).
FULL_CHECK_MAX_BYTES = 64 * 1024 * 1024


def _corrupt(path: Path, why: object) -> StoreError:
    return StoreError(
        f"The store {path} is corrupt ({why}); it was left untouched. "
        "Move it away and run `flowtui sync` to rebuild it."
    )


def _inspect(path: Path) -> int:
    """Return the schema version of an existing file (0 for an empty database), or raise StoreError."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
        size = path.stat().st_size
    except OSError as exc:
        raise StoreError(f"The store {path} cannot be read ({exc.strerror}).") from None
    if header == b"":
        return 0
    if header[:16] != SQLITE_HEADER:
        raise StoreError(
            f"The file {path} is not a flowtui store (not an SQLite database); it was left untouched. "
            "Point --db at another path or move the file away."
        )
    if len(header) < 100:
        raise _corrupt(path, "shorter than an SQLite header")
    # With no -wal file beside it the main file is the whole database: it must be as long as its
    # header says (when that size field is valid), and `immutable=1` reads it without creating
    # -wal/-shm files (a plain read-only open of a WAL-mode file would leave them behind). With a
    # -wal file, pages may legitimately live only there (a checkpoint cut short).
    wal = path.with_name(path.name + "-wal").exists()
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if not wal and header[24:28] == header[92:96] and size < page_size * pages:
        raise _corrupt(path, f"truncated: {size} bytes where its header says {page_size * pages}")
    mode = "mode=ro" if wal else "immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"The store {path} cannot be opened ({exc}); it was left untouched.") from None
    try:
        full = size <= FULL_CHECK_MAX_BYTES
        if full:
            _check(conn, path, integrity_check(full=True))
        tables = {r[0] for r in conn.execute(LIST_TABLES)}
        if not tables:
            return 0
        if "schema_version" not in tables:
            raise StoreError(
                f"The file {path} is an SQLite database but not a flowtui store; it was left untouched."
            )
        if not full:
            _check(conn, path, integrity_check(full=False))
        row = conn.execute(_MAX_VERSION).fetchone()
        return int(row[0] or 0)
    except sqlite3.DatabaseError as exc:
        raise _corrupt(path, exc) from None
    finally:
        conn.close()


def schema_version_of(path: Path) -> int:
    """The schema version of an existing store, read without writing anything (StoreError when the
    file is corrupt, foreign or unreadable); `flowtui doctor` compares it with `current_version()`."""
    return _inspect(Path(path))


def _check(conn: sqlite3.Connection, path: Path, pragma: str) -> None:
    check = conn.execute(pragma).fetchone()
    if not check or check[0] != "ok":
        raise _corrupt(path, check[0] if check else "no answer")


def open_database(path: Path) -> Database:
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
    db = sqlite_database(path)
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


def open_postgres_database(address: PgAddress) -> Database:
    """Open (creating or migrating as needed) the PostgreSQL store at `address`.

    Two processes opening a new database at once are serialised by an advisory lock held for the
    migration's transaction (PostgreSQL's DDL is transactional: the loser then finds it done).
    """
    db = postgres.open_postgres(address)
    try:
        version = postgres.schema_version(db, address)
        if version > current_version():
            raise StoreError(
                f"The store {address} was written by a newer flowtui (schema {version}, this one knows "
                f"{current_version()}); upgrade flowtui. The database was left untouched."
            )
        if version < current_version():
            with db.atomic():
                postgres.lock_migrations(db)
                _migrate(db, postgres.schema_version(db, address))
    except StoreError:
        db.close()
        raise
    except Exception as exc:
        db.close()
        raise StoreError(f"The store {address} could not be upgraded ({postgres.reason(exc)}).") from None
    return db


def _migrate(db: Database, version: int) -> None:
    """Bring a store of schema `version` to `current_version()`, all in one transaction."""
    if version == current_version():
        return
    with db.bind_ctx(models.ALL_MODELS), db.atomic():
        db.create_tables([models.SchemaVersion])
        steps = range(version, current_version())
        if version == 0:
            _create(db)
            steps = range(MODELS_VERSION, current_version())
            _set_version(MODELS_VERSION)
        for target in steps:
            MIGRATIONS[target](db)
            _set_version(target + 1)


def _set_version(version: int) -> None:
    models.SchemaVersion.delete().execute()
    models.SchemaVersion.insert(version=version).execute()
