"""Configuration: defaults < config file < environment (FLOWTUI_*) < command-line flags.

Every key is declared once in `KEYS` with its default, its type, its allowed values and a docstring.
`load_settings` layers the sources, validates every value and remembers where each effective value
came from (`Settings.sources`), which `flowtui config show` prints. A bad value raises ConfigError
naming the file (or variable / flag), the key, the bad value and what is allowed. The PAT is never a
config key: it lives in the OS keyring (see `flowtui.secrets`).
"""

from __future__ import annotations

import datetime
from datetime import date as _Date
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomlkit
import tomlkit.items

from flowtui import paths
from flowtui.domain import SavedView, ViewFilter
from flowtui.errors import ConfigError
from flowtui.orgurl import masked_url, normalize_org_url
from flowtui.text import is_clean
from flowtui.timeutil import USER_DAY_RANGE, user_day_in_range

BUCKETS = ("todo", "doing", "done", "removed", "wait")


@dataclass(frozen=True)
class Key:
    """One configuration key: `section.name`, its default, a checker, and what it means."""

    section: str
    name: str
    default: Any
    doc: str
    check: Callable[[Any], Any]
    allowed: str

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.name}"


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
        return v.strip().lower() in ("true", "1", "yes", "on")
    raise ValueError


def _int_range(lo: int, hi: int) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if isinstance(v, bool):
            raise ValueError
        n = int(v) if isinstance(v, (int, str)) else None
        if n is None or not lo <= n <= hi:
            raise ValueError
        return n

    return check


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError
    return v


def _str_list(v: Any) -> list[str]:
    if isinstance(v, str):
        v = [part.strip() for part in v.split(",") if part.strip()]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise ValueError
    return [x.strip() for x in v]


def _choice(*options: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError
        return v

    return check


def _api_version(v: Any) -> str:
    if not isinstance(v, str) or not re.fullmatch(r"\d+\.\d+(-preview(\.\d+)?)?", v):
        raise ValueError
    return v


def _since(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError
    if v and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        raise ValueError
    if v and not user_day_in_range(datetime.date.fromisoformat(v)):
        raise ValueError
    return v


#: Characters no project name may hold: path separators and C0/C1 control characters.
_BAD_PROJECT_CHARS = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]")


def _projects(v: Any) -> list[str]:
    """Project names: a list of non-empty names, never `.`/`..`, no `/`, `\\` or control characters
    (each name becomes one URL path segment and must not walk the path)."""
    names = _str_list(v)
    for name in names:
        if name in (".", "..") or _BAD_PROJECT_CHARS.search(name):
            raise ValueError
    return names


def _timezone(v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise ValueError
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError from None
    return v


def _percentiles(v: Any) -> list[int]:
    if not isinstance(v, list) or not v:
        raise ValueError
    out = sorted({_int_range(1, 99)(x) for x in v})
    return out


def _overrides(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(k, str) and b in BUCKETS for k, b in v.items()):
        raise ValueError
    return dict(v)


def _keymap(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or not all(isinstance(k, str) and isinstance(b, str) and b for k, b in v.items()):
        raise ValueError
    return dict(v)


#: A theme name as Textual spells them (`textual-dark`, `catppuccin-latte`); the app checks it exists.
_THEME_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _theme(v: Any) -> str:
    if not isinstance(v, str) or not _THEME_NAME.fullmatch(v):
        raise ValueError
    return v


def _path_or_empty(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError
    if v and not Path(v).expanduser().is_file():
        raise ValueError
    return v


#: URL schemes of a PostgreSQL store (`store.url`, `FLOWTUI_DB_URL`, or `--db URL`).
PG_SCHEMES = ("postgresql://", "postgres://")


def is_store_url(value: object) -> bool:
    """True when a `--db` value or `store.url` names a PostgreSQL store rather than an SQLite path."""
    return isinstance(value, str) and value.strip().lower().startswith(PG_SCHEMES)


def _store_url(v: Any) -> str:
    """Empty, or a postgresql:// URL without a password (the store checks the rest when it connects)."""
    if not isinstance(v, str):
        raise ValueError
    v = v.strip()
    if not v:
        return v
    if not is_store_url(v):
        raise ValueError
    try:
        parts = urlsplit(v)
        password = parts.password
    except ValueError:
        raise ValueError from None
    if password is not None or any(k.lower() in ("password", "passfile") for k, _ in parse_qsl(parts.query)):
        raise ConfigError(
            "store.url contains a password, which flowtui refuses to keep in configuration; remove it and "
            "store the password in the keyring (service flowtui-db), PGPASSWORD or ~/.pgpass instead."
        )
    return v
class EntryError(ValueError):
    """A checker's complaint about one part of a structured value (named in the ConfigError)."""


#: The fields of one `[[ui.views]]` entry and what each accepts.
VIEW_FIELDS_ALLOWED = ("name (required), project, type, area, tag, assignee (text), "
                       f"from, to (dates YYYY-MM-DD from {USER_DAY_RANGE})")


def _view_text(i: int, name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or not is_clean(value) or len(value) > 200:
        raise EntryError(f"views[{i}].{name} = {value!r} must be non-empty text without control characters")
    return value.strip()


def _views(v: Any) -> list[dict[str, Any]]:
    """`[[ui.views]]`: saved filter sets, each with a unique name; dates stay YYYY-MM-DD text."""
    if not isinstance(v, list):
        raise ValueError
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, entry in enumerate(v):
        if not isinstance(entry, dict):
            raise EntryError(f"views[{i}] is not a table")
        unknown = sorted(set(entry) - {"name", *_VIEW_KEYS})
        if unknown:
            raise EntryError(f"views[{i}] has unknown field {unknown[0]!r}")
        if "name" not in entry:
            raise EntryError(f"views[{i}] has no name")
        clean_entry = {k: _view_text(i, k, entry[k]) for k in ("name", *_VIEW_KEYS) if k in entry}
        for k in ("from", "to"):
            if k in clean_entry:
                try:
                    day = _Date.fromisoformat(clean_entry[k])
                except ValueError:
                    day = None
                if day is None or not user_day_in_range(day) or len(clean_entry[k]) != 10:
                    raise EntryError(f"views[{i}].{k} = {entry[k]!r} is not a date YYYY-MM-DD")
        if "from" in clean_entry and "to" in clean_entry and clean_entry["from"] > clean_entry["to"]:
            raise EntryError(f"views[{i}] ends ({clean_entry['to']}) before it starts ({clean_entry['from']})")
        if clean_entry["name"].casefold() in seen:
            raise EntryError(f"views[{i}].name {clean_entry['name']!r} is used twice")
        seen.add(clean_entry["name"].casefold())
        out.append(clean_entry)
    return out


#: `[[ui.views]]` field -> ViewFilter field.
_VIEW_KEYS = {"project": "project", "type": "type", "area": "area", "tag": "tag", "assignee": "assignee",
              "from": "date_from", "to": "date_to"}


def saved_views(settings: Settings) -> list[SavedView]:
    """The validated `[[ui.views]]` entries as SavedView records, in file order."""
    views = []
    for entry in settings.ui.views:
        values: dict[str, Any] = {_VIEW_KEYS[k]: v for k, v in entry.items() if k != "name"}
        for k in ("date_from", "date_to"):
            if k in values:
                values[k] = _Date.fromisoformat(values[k])
        views.append(SavedView(entry["name"], ViewFilter(**values)))
    return views


def view_entry(view: SavedView) -> dict[str, str]:
    """A SavedView as a `[[ui.views]]` table (only the fields that are set)."""
    entry = {"name": view.name}
    for key, attr in _VIEW_KEYS.items():
        value = getattr(view.filter, attr)
        if value is not None:
            entry[key] = value.isoformat() if isinstance(value, _Date) else value
    return entry


KEYS: tuple[Key, ...] = (
    Key("ado", "org_url", "", "Collection URL: https://dev.azure.com/ORG, https://ORG.visualstudio.com or https://server/tfs/Collection.", normalize_org_url, "an https:// collection URL (http:// only for localhost)"),
    Key("ado", "projects", [], "Projects to sync and report on.", _projects, "a list of project names (not . or .., no / \\ or control characters)"),
    Key("ado", "api_version", "7.1", "REST api-version; lowered automatically when a server supports less.", _api_version, "a version such as 7.1 or 6.0"),
    Key("ado", "timeout_s", 30, "Seconds before one HTTP request times out.", _int_range(1, 600), "a whole number from 1 to 600"),
    Key("ado", "max_concurrency", 4, "Requests in flight at once during a sync.", _int_range(1, 16), "a whole number from 1 to 16"),
    Key("ado", "verify_tls", True, "Verify TLS certificates.", _bool, "true or false"),
    Key("ado", "ca_bundle", "", "Path to a PEM bundle of corporate CAs, added to the default roots (HTTPS_PROXY/NO_PROXY are honoured).", _path_or_empty, "empty or the path of an existing PEM file"),
    Key("ado", "trust_store", "certifi", "Roots that verify the server: certifi (the default bundle) or os (the OS certificate store; needs the truststore package).", _choice("certifi", "os"), "certifi or os"),
    Key("sync", "since", "", "First-sync history start (YYYY-MM-DD); empty = 365 days back.", _since, f"empty or a date YYYY-MM-DD from {USER_DAY_RANGE}"),
    Key("sync", "work_item_types", [], "Work item types to sync; empty = all types.", _str_list, "a list of type names"),
    Key("sync", "pull_requests", True, "Sync completed pull requests.", _bool, "true or false"),
    Key("sync", "max_wait_s", 600, "Total seconds one sync may spend waiting on throttling and retries (all projects together); past it the sync stops with an error.", _int_range(0, 86400), "a whole number from 0 to 86400"),
    Key("sync", "max_requests_per_stream", 50_000, "Request budget of one paged stream (a project's revisions, its PR list, one item's updates): a server that never ends a list fails that project past it.", _int_range(100, 10_000_000), "a whole number from 100 to 10000000"),
    Key("sync", "pr_threads_days", 90, "Fetch PR threads for PRs closed in the last N days; 0 = off.", _int_range(0, 3650), "a whole number from 0 to 3650"),
    Key("flow", "timezone", "UTC", "IANA time zone for day, week and month boundaries.", _timezone, "an IANA zone name such as UTC or Europe/Berlin"),
    Key("flow", "cycle_start", "first", "Cycle time starts at the first (or last) move into a doing state.", _choice("first", "last"), "first or last"),
    Key("flow", "resolved_is_done", False, "Treat the Resolved category as done.", _bool, "true or false"),
    Key("flow", "wait_states", [], "States counted as waiting for flow efficiency; empty = the default rule.", _str_list, "a list of state names"),
    Key("flow", "blocked_tag", "Blocked", "Tag that marks an item as blocked.", _str, "a tag name"),
    Key("flow", "percentiles", [50, 70, 85, 95], "Percentiles reported for durations.", _percentiles, "a list of whole numbers from 1 to 99"),
    Key("flow", "sle_percentile", 85, "Percentile of cycle time used as the service level expectation.", _int_range(1, 99), "a whole number from 1 to 99"),
    Key("flow", "state_overrides", {}, "State name -> bucket, winning over the ADO category.", _overrides, "a table of state = todo|doing|done|removed|wait"),
    Key("forecast", "history_days", 90, "Complete days of throughput history sampled by Monte Carlo.", _int_range(7, 3650), "a whole number from 7 to 3650"),
    Key("forecast", "trials", 10000, "Monte Carlo trials.", _int_range(100, 1_000_000), "a whole number from 100 to 1000000"),
    Key("forecast", "seed", 1, "Random seed, so forecasts are reproducible.", _int_range(0, 2**31 - 1), "a whole number from 0 to 2147483647"),
    Key("auth", "allow_plaintext_keyring", False, "Allow storing the PAT with a keyring backend that keeps secrets in files (keyrings.alt); prefer FLOWTUI_PAT.", _bool, "true or false"),
    Key("store", "url", "", "PostgreSQL team store, postgresql://user@host:5432/db[?sslmode=require] (no password: keyring service flowtui-db, PGPASSWORD or ~/.pgpass); empty = the SQLite file.", _store_url, "empty or a postgresql://user@host:port/database URL without a password"),
    Key("ui", "keymap", {}, "Binding id -> keys, applied with App.set_keymap.", _keymap, "a table of binding id = \"keys\""),
    Key("ui", "theme", "textual-dark", "The TUI's colour theme (any name the command palette's theme picker lists); the picker saves it here.", _theme, "a theme name such as textual-dark or textual-light"),
    Key("ui", "auto_sync_minutes", 0, "Re-sync in the background every N minutes while the TUI is open; 0 = off.", _int_range(0, 1440), "a whole number from 0 (off) to 1440"),
    Key("ui", "store_watch_seconds", 15, "While the TUI is open, check every N seconds (one small query) whether another process synced the store, and refresh when it did; 0 = off.", _int_range(0, 3600), "a whole number from 0 (off) to 3600"),
    Key("ui", "views", [], "Saved views: named filter sets, switched with v or the palette (\"view: NAME\").", _views,
        f"a list of [[ui.views]] tables with {VIEW_FIELDS_ALLOWED}"),
)
KEYS_BY_NAME = {k.dotted: k for k in KEYS}
_SECTIONS = ("ado", "sync", "flow", "forecast", "ui", "auth", "store")

#: Environment variables and the keys they set (FLOWTUI_PAT is a secret, not config).
ENV_KEYS = {"FLOWTUI_ORG_URL": "ado.org_url", "FLOWTUI_PROJECTS": "ado.projects", "FLOWTUI_DB_URL": "store.url"}


@dataclass(frozen=True, slots=True)
class AdoSettings:
    """`[ado]`: where the organization is and how to talk to it."""

    org_url: str
    projects: list[str]
    api_version: str
    timeout_s: int
    max_concurrency: int
    verify_tls: bool
    ca_bundle: str
    trust_store: str


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """`[sync]`: what a sync reads and its bounds."""

    since: str
    work_item_types: list[str]
    pull_requests: bool
    max_wait_s: int
    max_requests_per_stream: int
    pr_threads_days: int


@dataclass(frozen=True, slots=True)
class FlowSettings:
    """`[flow]`: the flow policy (time zone, cycle start, buckets, percentiles)."""

    timezone: str
    cycle_start: str
    resolved_is_done: bool
    wait_states: list[str]
    blocked_tag: str
    percentiles: list[int]
    sle_percentile: int
    state_overrides: dict[str, str]


@dataclass(frozen=True, slots=True)
class ForecastSettings:
    """`[forecast]`: Monte Carlo history, trials and seed."""

    history_days: int
    trials: int
    seed: int


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """`[auth]`: where the PAT may be kept."""

    allow_plaintext_keyring: bool


@dataclass(frozen=True, slots=True)
class UiSettings:
    """`[ui]`: the TUI's key map, colour theme and background refresh."""

    keymap: dict[str, str]
    #: Textual theme name; written by the app whenever the user picks a theme in the palette.
    theme: str
    #: Minutes between background syncs while the app is open (0 = never).
    auto_sync_minutes: int
    #: Seconds between checks for a sync run by another process (0 = never; see `flowtui.screens.store_watch`).
    store_watch_seconds: int
    #: `[[ui.views]]` entries as validated tables (see `saved_views`).
    views: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """`[store]`: where the store lives when it is not the SQLite file (a PostgreSQL URL, no password)."""

    url: str


#: Section name -> its typed view; `tests/unit/test_config.py` checks the fields match `KEYS` exactly.
SECTION_TYPES: dict[str, type] = {
    "ado": AdoSettings, "sync": SyncSettings, "flow": FlowSettings, "forecast": ForecastSettings,
    "auth": AuthSettings, "ui": UiSettings, "store": StoreSettings,
}


@dataclass(frozen=True)
class Settings:
    """The effective configuration: `values` by dotted key, `sources` saying where each came from.

    Code reads it through the typed sections (`settings.flow.timezone`, `settings.sync.max_wait_s`);
    `settings["flow.timezone"]` stays for `config show` / `config set`, which walk `KEYS` by name.
    """

    values: dict[str, Any]
    sources: dict[str, str]
    config_path: Path
    db_path: Path
    db_source: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, dotted: str) -> Any:
        return self.values[dotted]

    def _section(self, name: str) -> Any:
        cls = SECTION_TYPES[name]
        return cls(**{f.name: self.values[f"{name}.{f.name}"] for f in fields(cls)})

    @property
    def ado(self) -> AdoSettings:
        """`[ado]` as typed values."""
        return self._section("ado")

    @property
    def sync(self) -> SyncSettings:
        """`[sync]` as typed values."""
        return self._section("sync")

    @property
    def flow(self) -> FlowSettings:
        """`[flow]` as typed values."""
        return self._section("flow")

    @property
    def forecast(self) -> ForecastSettings:
        """`[forecast]` as typed values."""
        return self._section("forecast")

    @property
    def auth(self) -> AuthSettings:
        """`[auth]` as typed values."""
        return self._section("auth")

    @property
    def ui(self) -> UiSettings:
        """`[ui]` as typed values."""
        return self._section("ui")

    @property
    def store(self) -> StoreSettings:
        """`[store]` as typed values."""
        return self._section("store")

    @property
    def store_target(self) -> Path | str:
        """The store to open: `store.url` when set (unless `--db PATH` was given), else the SQLite path."""
        url = self.values.get("store.url") or ""
        if url and not (self.db_source == "flag" and self.sources.get("store.url") != "flag"):
            return url
        return self.db_path

    @property
    def org_url(self) -> str:
        """`ado.org_url` (shorthand)."""
        return self.values["ado.org_url"]

    @property
    def projects(self) -> list[str]:
        """`ado.projects` (shorthand)."""
        return self.values["ado.projects"]

    def with_values(self, **overrides: Any) -> Settings:
        """A copy with some dotted keys replaced (use `ado__org_url=` for `ado.org_url`)."""
        values = dict(self.values)
        sources = dict(self.sources)
        for name, value in overrides.items():
            dotted = name.replace("__", ".")
            values[dotted] = KEYS_BY_NAME[dotted].check(value)
            sources[dotted] = "override"
        return Settings(values, sources, self.config_path, self.db_path, self.db_source, self.extra)


def organization_name(org_url: str) -> str:
    """The organization (or collection) name taken from a collection URL."""
    parts = urlsplit(org_url)
    segments = [s for s in parts.path.split("/") if s]
    host = (parts.hostname or "").lower()
    if host.endswith(".visualstudio.com"):  # ORG.visualstudio.com[/DefaultCollection]: the org is ORG
        return host.split(".")[0]
    return segments[-1] if segments else host


def _validate(key: Key, value: Any, where: str) -> Any:
    try:
        return key.check(value)
    except EntryError as exc:
        raise ConfigError(f"{where}: {key.section}.{exc}; allowed: {key.allowed}.") from None
    except ConfigError as exc:  # a check that explains itself (a password in store.url)
        raise ConfigError(f"{where}: {exc.message}") from None
    except (ValueError, TypeError):
        raise ConfigError(
            f"{where}: {key.dotted} = {masked_url(value)!r} is not valid; allowed: {key.allowed}."
        ) from None


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file; a missing file is an empty config, a broken one a ConfigError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: is not valid TOML ({exc}).") from None


def _flatten(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, body in doc.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: top-level key {section!r} is not a [section]; sections: {', '.join(_SECTIONS)}.")
        for name, value in body.items():
            dotted = f"{section}.{name}"
            if dotted not in KEYS_BY_NAME:
                allowed = ", ".join(k.name for k in KEYS if k.section == section)
                if not allowed:
                    raise ConfigError(
                        f"{path}: unknown section [{section}] (key {dotted}); sections: {', '.join(_SECTIONS)}."
                    )
                raise ConfigError(f"{path}: unknown key {dotted} = {value!r}; keys in [{section}]: {allowed}.")
            flat[dotted] = value
    return flat


def config_path(explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Where the config file is: --config, else FLOWTUI_CONFIG, else the platformdirs location."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit).expanduser()
    if env.get("FLOWTUI_CONFIG"):
        return Path(env["FLOWTUI_CONFIG"]).expanduser()
    return paths.config_dir() / "config.toml"


def load_settings(
    *,
    config: str | os.PathLike[str] | None = None,
    db: str | os.PathLike[str] | None = None,
    flags: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Layer defaults < file < environment < flags and validate every value."""
    env = dict(os.environ) if env is None else env
    path = config_path(config, env)
    values = {k.dotted: k.default for k in KEYS}
    sources = {k.dotted: "default" for k in KEYS}
    for dotted, value in _flatten(read_config_file(path), path).items():
        values[dotted] = _validate(KEYS_BY_NAME[dotted], value, str(path))
        sources[dotted] = f"file {path}"
    for var, dotted in ENV_KEYS.items():
        if env.get(var):
            values[dotted] = _validate(KEYS_BY_NAME[dotted], env[var], f"environment variable {var}")
            sources[dotted] = f"env {var}"
    for dotted, value in (flags or {}).items():
        if value is None or value == []:
            continue
        values[dotted] = _validate(KEYS_BY_NAME[dotted], value, f"command-line flag for {dotted}")
        sources[dotted] = "flag"
    if db and is_store_url(str(db)):  # --db postgresql://...: the store URL, from a flag
        values["store.url"] = _validate(KEYS_BY_NAME["store.url"], str(db), "command-line flag --db")
        sources["store.url"] = "flag"
        db = None
    if db:
        db_path, db_source = Path(db).expanduser(), "flag"
    elif env.get("FLOWTUI_DB"):
        db_path, db_source = Path(env["FLOWTUI_DB"]).expanduser(), "env FLOWTUI_DB"
    else:
        db_path, db_source = paths.data_dir() / "flowtui.sqlite", "default"
    return Settings(values, sources, path, db_path, db_source)


def parse_cli_value(key: Key, text: str) -> Any:
    """Turn `flowtui config set KEY VALUE` text into a value of the key's type."""
    default = key.default
    if isinstance(default, list):
        if text.strip().startswith("["):
            try:
                return tomllib.loads(f"v = {text}")["v"]
            except tomllib.TOMLDecodeError:
                return text
        return [p.strip() for p in text.split(",") if p.strip()]
    if isinstance(default, dict):
        try:
            return tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            return text
    if isinstance(default, bool):
        return text
    if isinstance(default, int):
        return text.strip()
    return text


def _toml_item(value: Any, old: Any) -> Any:
    """The new value as a tomlkit item; a table keeps the style it had (a `[section.table]` stays one)."""
    if isinstance(value, dict):
        if isinstance(old, tomlkit.items.Table):  # edited in place: its header and comments stay
            for name in [k for k in old if k not in value]:
                del old[name]
            for name, v in value.items():
                old[name] = v
            return old
        table = tomlkit.inline_table()
        table.update(value)
        return table
    return tomlkit.item(value)


def set_config_value(path: Path, dotted: str, text: str) -> Any:
    """Validate and write one key into the TOML file; returns the value.

    The file is edited with tomlkit, so comments, key and section order, blank lines and table styles
    (a `[flow.state_overrides]` table, an inline table) stay as the user wrote them; only the one
    value changes (a missing section is appended). The write is atomic (temporary file + replace).
    """
    key = KEYS_BY_NAME.get(dotted)
    if key is None:
        raise ConfigError(f"unknown key {dotted}; known keys: {', '.join(KEYS_BY_NAME)}.")
    value = _validate(key, parse_cli_value(key, text), str(path))
    doc = _read_doc(path)
    section = doc.get(key.section)
    if section is None:
        section = tomlkit.table()
        doc[key.section] = section
    section[key.name] = _toml_item(value, section.get(key.name))
    _write_doc(path, doc, dotted)
    return value


def _read_doc(path: Path) -> tomlkit.TOMLDocument:
    """The config file as a tomlkit document (empty when missing); an invalid file is refused."""
    _flatten(read_config_file(path), path)  # refuse to rewrite a file that is already invalid
    try:
        return tomlkit.parse(path.read_bytes().decode("utf-8"))  # bytes: keep CRLF line endings as they are
    except FileNotFoundError:
        return tomlkit.document()


def _write_doc(path: Path, doc: tomlkit.TOMLDocument, dotted: str) -> None:
    """Write atomically (temporary file + replace); a failure names the key that was not changed."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(tomlkit.dumps(doc).encode("utf-8"))
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.is_file():
            tmp.unlink()
        raise ConfigError(f"{path}: cannot be written ({exc.strerror}); {dotted} was not changed.") from None


def save_view(path: Path, view: SavedView) -> list[dict[str, Any]]:
    """Add (or replace, by name, ignoring case) one `[[ui.views]]` entry; returns the validated views.

    Edited with tomlkit like `set_config_value`: comments and every other entry stay as written."""
    doc = _read_doc(path)
    section = doc.get("ui")
    if section is None:
        section = tomlkit.table()
        doc["ui"] = section
    views = section.get("views")
    entry = view_entry(view)
    current = [dict(v) for v in views] if views is not None else []
    validated = _validate(KEYS_BY_NAME["ui.views"],
                          [v for v in current if str(v.get("name", "")).casefold() != view.name.casefold()] + [entry],
                          str(path))
    if not isinstance(views, tomlkit.items.AoT):
        views = tomlkit.aot()
        for old in current:
            views.append(tomlkit.item(old))
        section["views"] = views
    table = tomlkit.table()
    table.update(entry)
    for i, old in enumerate(list(views)):
        if str(old.get("name", "")).casefold() == view.name.casefold():
            views[i] = table  # replaced in place: the entry keeps its position
            break
    else:
        views.append(table)
    _write_doc(path, doc, "ui.views")
    return validated


def insecure_tls_warning(settings: Settings) -> str | None:
    """The warning shown once per run while `ado.verify_tls` is false (None when TLS is verified)."""
    if settings["ado.verify_tls"]:
        return None
    return (f"TLS certificate verification is off (ado.verify_tls = false, from {settings.sources['ado.verify_tls']}): "
            f"anyone on the network path can read the PAT; set ado.ca_bundle to your CA's PEM file instead.")
