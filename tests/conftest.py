"""Root fixtures: every test runs in its own XDG directories with a clean environment.

- `xdg` (autouse): XDG_CONFIG_HOME / XDG_DATA_HOME / XDG_CACHE_HOME / XDG_STATE_HOME (the log file) point into the test's tmp_path,
  so platformdirs (and therefore flowtui's config file and default store) never touch the real
  home directory; FLOWTUI_*, TEXTUAL_* and NO_COLOR are removed (they change config layering and
  snapshot bytes).
- The real OS keyring is not used: before any test runs, keyring is told to resolve to its `fail`
  backend (PYTHON_KEYRING_BACKEND; keyring reads it once, at its first use), so a test that forgets a
  keyring fixture cannot read, overwrite or delete a developer's stored PAT. Tests that depend on a
  backend install one explicitly (the fixtures below) rather than relying on that default.
- `memory_keyring`: an in-memory keyring backend installed with keyring.set_keyring for one test.
- `no_keyring`: keyring's `fail` backend (what a headless box gets), installed for one test.
- `plaintext_keyring`: a backend that looks like keyrings.alt's file-based `PlaintextKeyring` (module
  `keyrings.alt.file`; keyrings.alt itself is not installed) and keeps passwords in memory.
- `fake_keyring`: `fake_keyring(name, module)` builds other look-alikes (not installed).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Read by keyring when it first resolves its backend, which is lazy (after this module is imported).
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"


@dataclass(frozen=True)
class XdgDirs:
    """The per-test base directories; flowtui's own directories are `<base>/flowtui`."""

    root: Path
    config: Path
    data: Path
    cache: Path
    state: Path


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> XdgDirs:
    for name in list(os.environ):
        if name == "TEXTUAL_SNAPSHOT_TEMPDIR":  # pytest-textual-snapshot's own report directory
            continue
        if name.startswith(("FLOWTUI_", "TEXTUAL_")) or name == "NO_COLOR":
            monkeypatch.delenv(name)
    root = tmp_path / "xdg"
    dirs = XdgDirs(root, root / "config", root / "data", root / "cache", root / "state")
    for var, path in (("XDG_CONFIG_HOME", dirs.config), ("XDG_DATA_HOME", dirs.data), ("XDG_CACHE_HOME", dirs.cache),
                      ("XDG_STATE_HOME", dirs.state)):
        path.mkdir(parents=True)
        monkeypatch.setenv(var, str(path))
    return dirs


@functools.cache
def _memory_keyring_class() -> type:
    """Built on first use only: importing keyring costs a few hundred ms."""
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class MemoryKeyring(KeyringBackend):
        """Passwords in a dict keyed by (service, username); nothing leaves the process."""

        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.passwords: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.passwords.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.passwords[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self.passwords.pop((service, username), None) is None:
                raise PasswordDeleteError("not found")

    return MemoryKeyring


@pytest.fixture
def memory_keyring() -> Iterator[object]:
    """Install an in-memory keyring backend; its `.passwords` dict is what was stored."""
    import keyring

    previous = keyring.get_keyring()
    backend = _memory_keyring_class()()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[object]:
    """Install keyring's `fail` backend: every call raises NoKeyringError, as on a headless box."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    backend = fail.Keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def make_fake_keyring(name: str, module: str) -> object:
    """An in-memory backend whose class is called `name` and claims to live in `module`."""
    cls = type(name, (_memory_keyring_class(),), {})
    cls.__module__ = module
    return cls()


@pytest.fixture
def fake_keyring() -> Callable[[str, str], object]:
    """`make_fake_keyring` (a fixture, because `from conftest import` is ambiguous in this tree)."""
    return make_fake_keyring


@pytest.fixture
def plaintext_keyring() -> Iterator[object]:
    """Install a keyrings.alt.file.PlaintextKeyring look-alike; its `.passwords` dict is what was stored."""
    import keyring

    previous = keyring.get_keyring()
    backend = make_fake_keyring("PlaintextKeyring", "keyrings.alt.file")
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


# --- PostgreSQL: a real server for the team-store tests ---------------------------------------------------
# `pg_server` (session) starts one from initdb/pg_ctl (see tests/pg_server.py) and stops it at the end;
# `pg_url` is a fresh empty database on it for one test (dropped after). Without PostgreSQL binaries or
# the driver, these tests are skipped on a developer's machine and FAIL in CI (CI=true): CI must run them.


def _pg_unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _pg_unavailable("the psycopg driver is not installed (pip install -e '.[test]')")
    from tests.pg_server import start_server

    try:
        server = start_server()
    except RuntimeError as exc:
        _pg_unavailable(str(exc))
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: object) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (no password in it; trust authentication) whose default
    collation is ICU en-US (PostgreSQL 15+), as on a team server set up in English."""
    url = pg_server.create_database(icu_locale="en-US")  # type: ignore[attr-defined]
    try:
        yield url
    finally:
        pg_server.drop_database(url)  # type: ignore[attr-defined]


# --- Engine-neutral stores: the store and sync suites run on SQLite and on PostgreSQL ----------------------
# `store_engine` is parametrised (`sqlite`, `postgresql`); `store_targets` makes as many stores as a test
# needs (`store_targets("cut")`: a path under tmp_path, or a new database dropped after the test, copied from
# a template database that holds a new migrated store: ~0.04 s instead of ~0.45 s to create and migrate);
# `store_target` is the test's first one and `store` is it opened. The PostgreSQL half skips (fails in CI)
# like `pg_url` when no server can be started.

STORE_ENGINES = ("sqlite", "postgresql")


@pytest.fixture(params=STORE_ENGINES)
def store_engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_targets(store_engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Path | str]]:
    """`store_targets(name="store")`: a new store location on the test's engine (a path or a URL)."""
    server = request.getfixturevalue("pg_server") if store_engine == "postgresql" else None
    made: list[str] = []

    def new(name: str = "store") -> Path | str:
        if server is None:
            return tmp_path / name / "store.sqlite"
        url = server.create_database(template=server.store_template())  # type: ignore[attr-defined]
        made.append(url)
        return url

    try:
        yield new
    finally:
        for url in made:
            server.drop_database(url)  # type: ignore[union-attr]


@pytest.fixture
def store_target(store_targets: Callable[..., Path | str]) -> Path | str:
    """The test's store on its engine: `tmp_path/store/store.sqlite` or a fresh PostgreSQL database URL."""
    return store_targets()


@pytest.fixture
def store(store_target: Path | str) -> Iterator[object]:
    """The engine-neutral store of one test, opened (created and migrated) and closed after."""
    from flowtui.store import open_store

    with open_store(store_target) as opened:
        yield opened
