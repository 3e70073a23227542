"""Everything only PostgreSQL understands: connecting, schema inspection, its DDL, the writer lock.

The SQLite side of the same pieces lives in `database.py` and `lock.py`; the portable schema is the
Peewee models; the SQL expressions that differ per engine are in `flowtui.store.dialect`.

The writer lock is a session-level `pg_try_advisory_lock` taken on a connection of its own, held for
the whole sync run. PostgreSQL drops it when that connection ends for any reason (the process
killed, the machine gone), so a lock is never left stale and there is no timeout to guess. The
holder's details (pid, host, since, command) go into the one-row table `flowtui_writer`, only so that
a refused writer can say who holds the store. Readers take no lock: MVCC lets them read while the
writer writes, and the writer never waits for them.
"""

from __future__ import annotations

from typing import Any

from peewee import PostgresqlDatabase

from flowtui.errors import StoreError
from flowtui.store.lock import busy_error, holder_info, holder_text
from flowtui.store.pgurl import PgAddress, keyring_password

#: The advisory lock keys (any fixed 64-bit numbers; advisory locks are per database).
WRITER_LOCK_KEY = 0x666C6F77_74756901  # "flowtui" + 1
MIGRATION_LOCK_KEY = 0x666C6F77_74756902
#: The longest a migration waits for another process's migration of the same database.
MIGRATION_LOCK_TIMEOUT = "30s"
#: Holder details are cut to this many characters.
MAX_FIELD_CHARS = 200


def _driver() -> None:
    """psycopg 3 (the `postgres` extra) must be installed: the writer lock and bulk writes use it."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StoreError(
            "A postgresql:// store needs the PostgreSQL driver psycopg 3: install flowtui with the postgres "
            "extra (pip install 'flowtui[postgres]')."
        ) from None


def connect_kwargs(address: PgAddress) -> dict[str, Any]:
    """Connection arguments: the URL's, plus the keyring password when there is one."""
    kwargs: dict[str, Any] = address.connect_kwargs()
    password = keyring_password(address)
    if password:
        kwargs["password"] = password
    return kwargs


def open_postgres(address: PgAddress) -> PostgresqlDatabase:
    """A connected PostgresqlDatabase for the address, or StoreError (the password never in the message)."""
    _driver()
    db = PostgresqlDatabase(address.database, **connect_kwargs(address))
    try:
        db.connect()
    except Exception as exc:
        raise StoreError(f"The store {address} cannot be opened ({reason(exc)}).") from None
    return db


def reason(exc: BaseException) -> str:
    """The driver's first line (psycopg messages name host, user and database, never the password)."""
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def schema_version(db: PostgresqlDatabase, address: PgAddress) -> int:
    """The schema version of the database (0 when it holds no tables); StoreError for a foreign one."""
    tables = set(db.get_tables())
    if not tables:
        return 0
    if "schema_version" not in tables:
        raise StoreError(
            f"The database {address} holds tables but is not a flowtui store; it was left untouched. "
            "Point the URL at an empty database."
        )
    row = db.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def lock_migrations(db: PostgresqlDatabase) -> None:
    """Inside the migration's transaction: wait (bounded) for any other process migrating this database."""
    db.execute_sql(f"SET LOCAL lock_timeout = '{MIGRATION_LOCK_TIMEOUT}'")
    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))


class PgWriterLock:
    """The held advisory writer lock of one PostgreSQL store; `release()` (idempotent) gives it up."""

    def __init__(self, conn: Any, address: PgAddress | None = None) -> None:
        self._conn: Any | None = conn
        self._address = address

    @property
    def held(self) -> bool:
        return self._conn is not None

    def ensure_alive(self) -> None:
        """Raise StoreError when the connection that holds the lock is gone (the server dropped an
        idle session, the network failed): the lock went with it, so another writer may be running."""
        if self._conn is None:
            return
        try:
            with self._conn.cursor() as cur:
                cur.execute("SELECT 1")
        except Exception as exc:
            raise StoreError(
                f"The connection holding the writer lock of the store {self._address} was lost ({reason(exc)}); "
                "the sync stops here, with every page committed so far kept. Sync again."
            ) from None

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            with conn.cursor() as cur:
                cur.execute("DELETE FROM flowtui_writer")
                cur.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK_KEY,))
        except Exception:
            pass  # closing the connection below releases the lock anyway
        finally:
            conn.close()


def _holder_table(cur: Any) -> None:
    cur.execute(
        "CREATE TABLE IF NOT EXISTS flowtui_writer (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, "
        "host TEXT, since TEXT, command TEXT)"
    )


def _printable(text: object) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:MAX_FIELD_CHARS]


def acquire_pg_writer_lock(address: PgAddress, command: str) -> PgWriterLock:
    """Take the store's advisory writer lock without waiting, or raise StoreError naming the holder."""
    _driver()
    import psycopg

    try:
        conn = psycopg.connect(autocommit=True, dbname=address.database, **connect_kwargs(address))
    except Exception as exc:
        raise StoreError(f"The store {address} cannot be opened ({reason(exc)}).") from None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK_KEY,))
            locked = bool(cur.fetchone()[0])
            if not locked:
                raise busy_error(address, _describe_holder(cur))
            _holder_table(cur)
            info = holder_info(command)
            cur.execute(
                "INSERT INTO flowtui_writer (id, pid, host, since, command) VALUES (1, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET pid = EXCLUDED.pid, host = EXCLUDED.host, "
                "since = EXCLUDED.since, command = EXCLUDED.command",
                (info["pid"], _printable(info["host"]), info["since"], _printable(info["command"])),
            )
    except StoreError:
        conn.close()
        raise
    except Exception as exc:
        conn.close()
        raise StoreError(f"The writer lock of the store {address} cannot be taken ({reason(exc)}).") from None
    return PgWriterLock(conn, address)


def _describe_holder(cur: Any) -> str:
    try:
        cur.execute("SELECT pid, host, since, command FROM flowtui_writer WHERE id = 1")
        row = cur.fetchone()
    except Exception:
        row = None
    return holder_text(dict(zip(("pid", "host", "since", "command"), row, strict=True)) if row else None)


def server_version(db: PostgresqlDatabase) -> str:
    """The server's version as it reports it (`SHOW server_version`, e.g. "16.4")."""
    row = db.execute_sql("SHOW server_version").fetchone()
    return _printable(row[0]) if row else "unknown"


def writer_holder(db: PostgresqlDatabase) -> str | None:
    """Who holds the store's writer lock right now ("pid 4242 on build-7, since …: flowtui sync"), or None.

    Read from `pg_locks` (the advisory lock itself, so a holder that died is never reported) and the
    holder table; nothing is locked or written.
    """
    held = db.execute_sql(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid = %s::oid AND objid = %s::oid",
        (WRITER_LOCK_KEY >> 32, WRITER_LOCK_KEY & 0xFFFFFFFF),
    ).fetchone()
    if not held or not held[0]:
        return None
    if db.execute_sql("SELECT to_regclass('flowtui_writer') IS NOT NULL").fetchone()[0]:
        return _describe_holder(db.cursor())
    return "its details are not available yet"
