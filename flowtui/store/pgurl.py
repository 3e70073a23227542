"""PostgreSQL store addresses: parsing `postgresql://user@host:port/db?sslmode=...` and finding the password.

A store is named either by a path (SQLite) or by a `postgresql://` (or `postgres://`) URL. The URL
never carries a password: one found in it is refused with one sentence, wherever it came from (the
config file, `FLOWTUI_DB_URL`, a command-line argument), because each of those ends up in a file, a
shell history or a process list. The password comes from, in order:

1. the OS keyring, service `flowtui-db`, user = the URL exactly as written (without a password);
2. `PGPASSWORD` or `~/.pgpass` (`PGPASSFILE`), which libpq reads itself when no password is given.

Only a few query parameters are accepted (`sslmode` and the other TLS/connection settings libpq
documents); anything else is refused rather than silently ignored. `connect_timeout` defaults to
CONNECT_TIMEOUT_S so that an unreachable server fails in bounded time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from flowtui.errors import StoreError

log = logging.getLogger(__name__)

#: The keyring service the database password is stored under (user = the store URL).
KEYRING_SERVICE = "flowtui-db"
#: Seconds libpq waits for a server before giving up (unless the URL says otherwise).
CONNECT_TIMEOUT_S = 10
#: TCP keepalives and the TCP user timeout on every connection, so a server or network that goes
#: silent mid-statement is noticed in about a minute instead of the OS default (over two hours).
KEEPALIVE_PARAMS: dict[str, object] = {
    "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}
#: Query parameters passed through to libpq; anything else is refused.
ALLOWED_PARAMS = frozenset({
    "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "connect_timeout", "application_name",
    "target_session_attrs", "options",
})
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
SCHEMES = ("postgresql", "postgres")


def is_url(target: object) -> bool:
    """True when `target` names a PostgreSQL store (a `postgresql://` or `postgres://` URL)."""
    return isinstance(target, str) and target.split("://", 1)[0].lower() in SCHEMES and "://" in target


@dataclass(frozen=True, slots=True)
class PgAddress:
    """A parsed store URL: what to connect to, with no password in it."""

    url: str
    user: str | None
    host: str | None
    port: int | None
    database: str
    params: tuple[tuple[str, str], ...]

    def connect_kwargs(self) -> dict[str, object]:
        """Keyword arguments for psycopg (and peewee's PostgresqlDatabase), password excluded."""
        kwargs: dict[str, object] = dict(self.params)
        kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        for key, value in KEEPALIVE_PARAMS.items():
            kwargs.setdefault(key, value)
        kwargs.setdefault("application_name", "flowtui")
        if self.user:
            kwargs["user"] = self.user
        if self.host:
            kwargs["host"] = self.host
        if self.port:
            kwargs["port"] = self.port
        return kwargs

    def __str__(self) -> str:
        return self.url


def parse_url(url: str, *, where: str = "the store URL") -> PgAddress:
    """Parse a store URL or raise StoreError with one sentence (a password in it is refused)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise StoreError(f"{where} is not a valid postgresql:// URL ({exc}).") from None
    if parts.scheme.lower() not in SCHEMES:
        raise StoreError(f"{where} must start with postgresql:// (got {parts.scheme or 'no scheme'}).")
    query_keys = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if parts.password is not None or query_keys & {"password", "passfile"}:
        raise StoreError(
            f"{where} contains a password, which flowtui refuses to read from a URL; remove it and store the "
            f"password in the keyring (service {KEYRING_SERVICE}), PGPASSWORD or ~/.pgpass instead."
        )
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise StoreError(f"{where} must name one database, as in postgresql://user@host:5432/flowtui.")
    params: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in ALLOWED_PARAMS:
            raise StoreError(
                f"{where} has the unknown parameter {key!r}; flowtui accepts {', '.join(sorted(ALLOWED_PARAMS))}."
            )
        if key == "sslmode" and value not in SSLMODES:
            raise StoreError(f"{where} has sslmode={value!r}; use one of {', '.join(SSLMODES)}.")
        params.append((key, value))
    clean = url.strip()
    return PgAddress(
        url=clean,
        user=unquote(parts.username) if parts.username else None,
        host=parts.hostname,
        port=port,
        database=database,
        params=tuple(params),
    )


def keyring_password(address: PgAddress) -> str | None:
    """The password stored for this URL in the OS keyring, or None (no backend, no entry, any error).

    A keyring that fails is not fatal: PGPASSWORD and ~/.pgpass still apply (libpq reads them).
    """
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, address.url)
    except KeyringError as exc:
        log.debug("no database password from the keyring (%s)", type(exc).__name__)
        return None
    except Exception as exc:  # a broken third-party backend must not stop PGPASSWORD/.pgpass
        log.debug("keyring backend failed (%s)", type(exc).__name__)
        return None


def describe(target: str | Path) -> str:
    """How a store is named in messages: the path, or the URL (which never holds a password)."""
    return str(target)
