"""A real, throw-away PostgreSQL server for tests (and benchmarks): initdb + pg_ctl in a temp dir.

The binaries come from PATH, else from /usr/lib/postgresql/*/bin (Debian's layout). PostgreSQL
refuses to run as root, so as root the server runs as the `postgres` system user (`runuser`) in a
directory that user owns. It listens on 127.0.0.1 on a free port and on a Unix socket in its own
directory, with `trust` authentication (nothing else can reach it), and is stopped (fast shutdown,
bounded) and deleted by `stop()`.

Measured here: initdb + start ≈ 1-2 s; stop ≈ 0.2 s.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

#: Bounds on every step (seconds).
INITDB_TIMEOUT_S = 60
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30


def find_binary(name: str) -> str | None:
    """`initdb`/`pg_ctl` on PATH, else the newest /usr/lib/postgresql/*/bin one."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    """One running server; `url(db)` names a database on it."""

    root: Path
    port: int
    as_user: list[str] = field(default_factory=list)
    pg_ctl: str = "pg_ctl"
    user: str = "postgres"
    template: str | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def admin(self):  # noqa: ANN201 - a psycopg connection
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres",
                               autocommit=True, connect_timeout=10)

    def create_database(self, prefix: str = "t", template: str | None = None, icu_locale: str | None = None) -> str:
        """A new database: empty, or a copy of `template` (a database nobody is connected to); returns its URL.

        A copy is made with STRATEGY FILE_COPY where the server has it (15+): copying the small migrated
        template's files measured ~0.06-0.1 s here, against ~0.25 s for CREATE DATABASE through the WAL plus
        ~0.18 s to migrate the empty database. `icu_locale` (15+) gives the new database that ICU collation
        as its default, as a team server set up in a language has (the test server's own is C.UTF-8).
        """
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin() as conn:
            modern = conn.info.server_version >= 150000
            if template is not None:
                strategy = " STRATEGY FILE_COPY" if modern else ""
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
            elif icu_locale is not None and modern:
                conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE 'C.UTF-8' "
                             f"LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'")
            else:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def store_template(self) -> str:
        """The name of a database holding a new, migrated flowtui store (made once, on first use) to copy.
        Its default collation is ICU en-US (PostgreSQL 15+), so text sorts as on a server set up in English,
        not in byte order: the tests see it when the store relies on the database's collation."""
        if self.template is None:
            from flowtui.store import open_store

            url = self.create_database(prefix="flowtui_template", icu_locale="en-US")
            open_store(url).close()  # create + migrate, then disconnect: a template must have no sessions
            self.template = url.rsplit("/", 1)[1]
        return self.template

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            subprocess.run([*self.as_user, self.pg_ctl, "-D", str(self.data), "-m", "fast", "-t", str(STOP_TIMEOUT_S),
                            "stop"], capture_output=True, timeout=STOP_TIMEOUT_S + 10, check=False)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server(*, durable: bool = False) -> PgServer:
    """Start a server, or raise RuntimeError with the reason (missing binaries, a failed start).

    Tests want speed: by default the server does not fsync (a crash of a throw-away server loses
    nothing anyone needs). `durable=True` keeps PostgreSQL's own defaults (fsync, synchronous
    commit, full-page writes), as a team's real server runs — the benchmarks use that."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL's initdb/pg_ctl are not on PATH nor under /usr/lib/postgresql/*/bin")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="flowtui-pg-"))
    if os.geteuid() == 0:
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError("running as root and there is no `postgres` user to run PostgreSQL as") from None
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PgServer(root=root, port=0, as_user=as_user, pg_ctl=pg_ctl)
    try:
        subprocess.run([*as_user, initdb, "-D", str(server.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                        "--no-sync"], capture_output=True, timeout=INITDB_TIMEOUT_S, check=True)
        last = ""
        for _attempt in range(3):  # a free port can be taken between the check and the bind
            server.port = _free_port()
            options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1"
            if not durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            done = subprocess.run([*as_user, pg_ctl, "-D", str(server.data), "-o", options, "-l",
                                   str(root / "server.log"), "-w", "-t", str(START_TIMEOUT_S), "start"],
                                  capture_output=True, text=True, timeout=START_TIMEOUT_S + 10, check=False)
            if done.returncode == 0:
                return server
            last = (done.stderr or done.stdout).strip()
        raise RuntimeError(f"pg_ctl could not start PostgreSQL: {last}")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        server.stop()
        raise RuntimeError(f"PostgreSQL could not be started ({exc})") from None
    except BaseException:
        server.stop()
        raise
