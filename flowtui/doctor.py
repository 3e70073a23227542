"""`flowtui doctor`: what is wrong with this set-up, and the sentence that fixes each problem.

UI-free: `diagnose(...)` returns a `Diagnosis` (sections of facts, then problems); the CLI prints it
as text or JSON. The checks, in order: versions; the config file and every value's source; the PAT's
source and the keyring backend (backends that keep secrets in plain files are flagged); TLS roots
and the proxy in effect; the organization (one `_apis/projects?$top=1`) and the api-version in use;
each configured project (one request each for: the project, its work item types = Work Items read,
its repositories = Code read); the store (read without writing: schema version, size, last
successful sync, data health; for a PostgreSQL store also the server version, reachability and
who holds the writer lock); the log file.

Bounds: every request goes through the normal `AdoClient` with at most `MAX_ATTEMPTS` attempts,
`MAX_WAIT_S` seconds of throttle/retry waiting and a per-request timeout of at most `MAX_TIMEOUT_S`;
when the organization cannot be reached, no project is asked about. A problem is `blocking` when a
sync would fail because of it; the CLI exits 1 then. Messages from the server were cleaned at the
ADO boundary; the CLI prints them as data (no markup).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from flowtui import paths, secrets
from flowtui.config import KEYS, Settings, insecure_tls_warning
from flowtui.errors import ApiVersionError, AuthError, ConfigError, FlowtuiError, NotFoundError, StoreError

#: Packages whose versions are reported (missing optional ones say "not installed").
PACKAGES = ("textual", "rich", "httpx", "httpcore", "tenacity", "peewee", "keyring", "platformdirs", "certifi",
            "truststore", "tomlkit", "xlsxwriter")
MAX_ATTEMPTS = 2
MAX_WAIT_S = 10.0
MAX_TIMEOUT_S = 20
SET_ORG = "Run `flowtui config set ado.org_url https://dev.azure.com/ORG` (or pass --org-url)."
SET_PAT = "Run `flowtui auth set` to store a PAT with Work Items (read) and Code (read) scopes, or set FLOWTUI_PAT."


@dataclass(frozen=True)
class Problem:
    """One finding: what is wrong (`message`), the sentence that fixes it (`fix`), and whether a sync would fail."""

    check: str
    message: str
    fix: str
    blocking: bool = True


@dataclass
class Diagnosis:
    """Ordered sections of facts (name -> {label: value}) and the problems found."""

    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing blocks a sync (warnings may remain)."""
        return not any(p.blocking for p in self.problems)

    def problem(self, check: str, message: str, fix: str, *, blocking: bool = True) -> None:
        self.problems.append(Problem(check, message, fix, blocking))

    def to_json(self) -> dict[str, Any]:
        return {"schema": "flowtui.doctor/1", "ok": self.ok, "exit_code": 0 if self.ok else 1,
                "sections": self.sections, "problems": [asdict(p) for p in self.problems]}


@dataclass(frozen=True)
class Connection:
    """How to reach the organization: the PAT, its source, and an injected transport (the demo's, or tests')."""

    pat: str | None
    source: str | None
    transport: Any = None
    demo: bool = False


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _versions(d: Diagnosis) -> None:
    d.sections["flowtui"] = {
        "version": _version("flowtui"),
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _config(d: Diagnosis, settings: Settings | None, config_error: ConfigError | None, config_path: Path) -> None:
    section: dict[str, Any] = {"file": str(config_path), "file_exists": config_path.is_file()}
    d.sections["config"] = section
    if settings is None:
        d.problem("config", config_error.message if config_error else "The configuration could not be read.",
                  f"Fix the value named above in {config_path} (or with `flowtui config set KEY VALUE`).")
        return
    section["values"] = {k.dotted: {"value": settings[k.dotted], "source": settings.sources[k.dotted]} for k in KEYS}
    if not settings.org_url:
        d.problem("config", "No organization URL is configured (ado.org_url is empty).", SET_ORG)
    if not settings.projects:
        section["projects_note"] = "ado.projects is empty: a sync reads every project of the collection"


def _auth(d: Diagnosis, settings: Settings | None, conn: Connection) -> None:
    if conn.demo:
        d.sections["auth"] = {"pat": "built-in demo PAT (the simulated organization)", "keyring_backend": "not used"}
        return
    org_url = settings.org_url if settings else ""
    status = secrets.pat_status(org_url)
    files = secrets.keyring_file_backends()
    d.sections["auth"] = {"pat": f"set (from {conn.source})" if conn.pat else "not set",
                          "keyring_backend": status.keyring_backend, "keyring_keeps_plain_files": bool(files),
                          "keyring_error": status.keyring_error}
    if not conn.pat:
        hint = " (no usable OS keyring here)" if status.keyring_error else ""
        d.problem("auth", f"No PAT is available for {org_url or 'the organization'}{hint}.", SET_PAT)
    if files and conn.source == "keyring":
        d.problem("auth", f"The keyring backend {files[0]} keeps the PAT in a plain file.",
                  "Run `flowtui auth clear` and set FLOWTUI_PAT instead, or install an OS keyring backend.",
                  blocking=False)


def _tls(d: Diagnosis, settings: Settings, conn: Connection) -> None:
    from flowtui.ado.tls import describe_roots, proxy_for

    tls = {"verify_tls": settings["ado.verify_tls"], "ca_bundle": settings["ado.ca_bundle"] or None,
           "trust_store": settings["ado.trust_store"]}
    opts = {"verify_tls": tls["verify_tls"], "ca_bundle": settings["ado.ca_bundle"], "trust_store": tls["trust_store"]}
    section: dict[str, Any] = {**tls, "roots": describe_roots(**opts)}
    if conn.transport is not None:
        section["network"] = "not used: the simulated organization runs in-process"
    elif settings.org_url:
        info = proxy_for(settings.org_url)
        section["proxy"] = info.proxy or ("none (NO_PROXY names the host)" if info.bypassed else "none (direct)")
        section["proxy_variables"] = info.variables
    d.sections["tls"] = section
    warning = insecure_tls_warning(settings)
    if warning:
        d.problem("tls", warning, "Set ado.verify_tls = true and ado.ca_bundle to your CA's PEM file.", blocking=False)


def _fix_for(exc: FlowtuiError, settings: Settings) -> str:
    if isinstance(exc, AuthError):
        return SET_PAT
    if isinstance(exc, ApiVersionError) and exc.supported:
        return f"Run `flowtui config set ado.api_version {exc.supported}`."
    if isinstance(exc, NotFoundError):
        return "Check the collection URL in ado.org_url and the names in ado.projects."
    if isinstance(exc, ConfigError):
        return f"Fix the setting named above in {settings.config_path}."
    return ("Check ado.org_url, the network and the proxy (HTTPS_PROXY / NO_PROXY); for a corporate CA "
            "set ado.ca_bundle, or ado.trust_store = \"os\".")


def _organization(d: Diagnosis, settings: Settings, conn: Connection) -> None:
    from flowtui.ado import AdoClient
    from flowtui.ado.endpoints import get_project_checked

    org: dict[str, Any] = {"url": settings.org_url, "api_version_configured": settings["ado.api_version"]}
    d.sections["organization"] = org
    projects: dict[str, Any] = {}
    d.sections["projects"] = projects
    if not settings.org_url or not conn.pat:
        org["reachable"] = "not checked (no organization URL or no PAT)"
        return
    try:
        client = AdoClient(settings.org_url, conn.pat, api_version=settings["ado.api_version"],
                           timeout_s=min(settings["ado.timeout_s"], MAX_TIMEOUT_S), verify_tls=settings["ado.verify_tls"],
                           ca_bundle=settings["ado.ca_bundle"], trust_store=settings["ado.trust_store"],
                           transport=conn.transport, max_concurrency=1, max_attempts=MAX_ATTEMPTS,
                           max_total_wait_s=MAX_WAIT_S)
    except ConfigError as exc:
        org["reachable"] = "not checked (TLS settings)"
        d.problem("tls", exc.message, _fix_for(exc, settings))
        return
    with client:
        try:
            client.get("_apis/projects", params={"$top": 1})
        except FlowtuiError as exc:
            org["reachable"] = "no"
            d.problem("organization", exc.message, _fix_for(exc, settings))
            return
        org["reachable"] = "yes"
        for name in settings.projects:
            projects[name] = _project(d, client, name, settings, get_project_checked)
        org["api_version_in_use"] = client.api_version
        org["requests"] = client.requests


def _project(d: Diagnosis, client: Any, name: str, settings: Settings, get_project: Callable[[Any, str], Any]) -> dict[str, Any]:
    """Existence, then Work Items (read) and Code (read), one request each; each failure is one problem."""
    out: dict[str, Any] = {}
    try:
        found = get_project(client, name)
    except FlowtuiError as exc:
        out["exists"] = False
        fix = (f"Correct the name in ado.projects (`flowtui config set ado.projects ...`) or grant the PAT access to {name!r}."
               if isinstance(exc, NotFoundError) else _fix_for(exc, settings))
        d.problem(f"project {name}", exc.message, fix)
        return out
    out["exists"] = True
    out["id"] = str(found.get("id", ""))
    checks = [("work_items", "Work Items (read)", "_apis/wit/workitemtypes")]
    if settings["sync.pull_requests"]:
        checks.append(("code", "Code (read)", "_apis/git/repositories"))
    for key, scope, path in checks:
        try:
            client.get(path, project=name)
            out[key] = "read"
        except FlowtuiError as exc:
            out[key] = "refused" if isinstance(exc, AuthError) else "error"
            fix = (f"Give the PAT the {scope} scope and access to {name!r}, then run `flowtui auth set`."
                   if isinstance(exc, AuthError) else _fix_for(exc, settings))
            d.problem(f"project {name}", f"Reading {path} ({scope}) failed: {exc.message}", fix)
    return out


def _store(d: Diagnosis, settings: Settings, as_of: datetime | None) -> None:
    from flowtui.store.database import current_version, schema_version_of

    if isinstance(settings.store_target, str):
        _pg_store(d, settings, settings.store_target, as_of)
        return
    path = settings.db_path
    section: dict[str, Any] = {"path": str(path), "source": settings.db_source, "exists": path.is_file()}
    d.sections["store"] = section
    d.sections["data_health"] = {}
    if not path.is_file():
        _no_data(d, section)
        return
    wal = path.with_name(path.name + "-wal")
    section["size_bytes"] = path.stat().st_size + (wal.stat().st_size if wal.is_file() else 0)
    fix = "Move the file away (or point --db elsewhere) and run `flowtui sync` to rebuild it."
    try:
        version = schema_version_of(path)
        section["schema_version"] = version
        section["schema_version_supported"] = current_version()
        if version > current_version():
            fix = "Upgrade flowtui (`pip install -U flowtui`), or point --db at another store."
        _runs_and_health(d, section, settings, path, as_of)
    except StoreError as exc:
        d.problem("store", exc.message, fix)


def _no_data(d: Diagnosis, section: dict[str, Any]) -> None:
    section["note"] = "no data yet — run `flowtui sync`"
    d.sections["data_health"] = {"no_data": {"count": 1, "message": "no data yet — run sync"}}


def _runs_and_health(d: Diagnosis, section: dict[str, Any], settings: Settings, target: Path | str,
                     as_of: datetime | None) -> None:
    """Last sync, last run and the data-health findings (the store opened as any command opens it:
    a newer schema is refused, an older one upgraded)."""
    from flowtui.store import open_store

    with open_store(target) as store:
        last = store.last_successful_sync()
        runs = store.sync_runs(1)
        section["last_successful_sync"] = last.isoformat() if last else None
        status = runs[0].status if runs else ""
        if status == "running":  # PostgreSQL: a record whose writer lost its lock reads as interrupted
            marker = store.latest_run()
            if marker is not None and marker.id == runs[0].id and marker.status == "interrupted":
                status = "interrupted (no process holds the writer lock; the next sync records it)"
        section["last_run"] = ({"status": status, "started_at": runs[0].started_at.isoformat(),
                                "first_error": runs[0].first_error} if runs else None)
        _health(d, settings, store, as_of)


#: What to do when a PostgreSQL store cannot be opened, by what the driver said (first match wins).
PG_FIXES = (
    (("unknown parameter", "must name one database", "is not a valid postgresql", "must start with"),
     "Correct store.url / FLOWTUI_DB_URL: postgresql://user@host:5432/database, with only the parameters "
     "the message lists."),
    (("postgres extra",), "Install the driver: pip install 'flowtui[postgres]'."),
    (("password authentication failed", "no password supplied", "authentication failed", "role "),
     "Check the user in store.url and store its password in the keyring (service flowtui-db, user = the "
     "store URL), PGPASSWORD or ~/.pgpass — never in the URL."),
    (("does not exist",), "Create the database on the server (createdb NAME) or correct its name in store.url."),
    (("ssl", "certificate"), "Check sslmode (and sslrootcert) in store.url against what the server offers."),
)
PG_UNREACHABLE_FIX = ("Start the PostgreSQL server, or correct the host and port in store.url / FLOWTUI_DB_URL "
                      "(check the network and any firewall in between).")


def _pg_fix(message: str) -> str:
    text = message.lower()
    return next((fix for words, fix in PG_FIXES if any(w in text for w in words)), PG_UNREACHABLE_FIX)


def _pg_store(d: Diagnosis, settings: Settings, url: str, as_of: datetime | None) -> None:
    """A PostgreSQL store: URL (it never holds a password), reachability, server version, schema
    version, the writer lock's holder, then the runs and data health as for SQLite. Nothing is
    written unless the store is older than this flowtui (opened then as any command opens it)."""
    from flowtui.store import postgres
    from flowtui.store.database import current_version
    from flowtui.store.pgurl import parse_url

    section: dict[str, Any] = {"engine": "postgresql", "url": "(not shown: it could not be parsed)",
                               "source": settings.sources.get("store.url")}
    d.sections["store"] = section
    d.sections["data_health"] = {}
    try:
        address = parse_url(url)
        section["url"] = address.url  # only a URL that parsed (which never holds a password) is shown
        db = postgres.open_postgres(address)
    except StoreError as exc:
        section["reachable"] = "no"
        d.problem("store", exc.message, _pg_fix(exc.message))
        return
    section["reachable"] = "yes"
    try:
        section["server_version"] = postgres.server_version(db)
        version = postgres.schema_version(db, address)
        section["schema_version"] = version
        section["schema_version_supported"] = current_version()
        section["writer"] = postgres.writer_holder(db) or "none (no sync is writing now)"
    except StoreError as exc:
        d.problem("store", exc.message, "Point store.url at an empty database or at a flowtui store.")
        return
    except Exception as exc:  # noqa: BLE001 - the server went away between two statements
        d.problem("store", f"Reading the store {address} failed ({postgres.reason(exc)}).", PG_UNREACHABLE_FIX)
        return
    finally:
        db.close()
    if version == 0:
        _no_data(d, section)
        return
    if version > current_version():
        d.problem("store", f"The store {address} was written by a newer flowtui (schema {version}, this one "
                  f"knows {current_version()}).", "Upgrade flowtui (`pip install -U flowtui`).")
        return
    try:
        _runs_and_health(d, section, settings, url, as_of)
    except StoreError as exc:
        d.problem("store", exc.message, _pg_fix(exc.message))


def _health(d: Diagnosis, settings: Settings, store: Any, as_of: datetime | None) -> None:
    from flowtui.domain import ItemFilter
    from flowtui.metrics.policy import FlowPolicy
    from flowtui.reporting import load_inputs, report_from
    from flowtui.timeutil import utc_now

    when = as_of or utc_now().replace(microsecond=0)
    inputs = load_inputs(store, FlowPolicy.from_settings(settings), ItemFilter(projects=tuple(settings.projects)),
                         as_of=when)
    d.sections["data_health"] = {h.code: {"count": h.count, "message": h.message}
                                 for h in report_from(inputs).data_health}


def _log_file(d: Diagnosis) -> None:
    path = paths.log_file_path()
    d.sections["log"] = {"file": str(path), "size_bytes": path.stat().st_size if path.is_file() else 0}


def diagnose(settings: Settings | None, conn: Connection, *, config_error: ConfigError | None = None,
             config_path: Path | None = None, as_of: datetime | None = None) -> Diagnosis:
    """Run every check; `settings` is None when the configuration could not be loaded (`config_error`)."""
    d = Diagnosis()
    _versions(d)
    _config(d, settings, config_error, settings.config_path if settings else (config_path or Path("config.toml")))
    _auth(d, settings, conn)
    if settings is not None:
        _tls(d, settings, conn)
        _organization(d, settings, conn)
        _store(d, settings, as_of)
    _log_file(d)
    return d


def resolve_pat(org_url: str, env: dict[str, str] | None = None) -> Connection:
    """The PAT the next sync would use, and where it comes from (keyring, then FLOWTUI_PAT); no PAT is not an error here."""
    env = dict(os.environ) if env is None else env
    try:
        pat = secrets.get_pat(org_url, env)
    except AuthError:
        return Connection(None, None)
    return Connection(pat, secrets.pat_status(org_url, env).source)


__all__ = ["Connection", "Diagnosis", "Problem", "diagnose", "resolve_pat"]
