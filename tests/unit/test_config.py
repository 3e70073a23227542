"""Configuration: layering defaults < file < environment < flags, validation, `config show|path|set`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from flowtui.cli.main import main
from flowtui.config import load_settings, organization_name, set_config_value
from flowtui.errors import ConfigError


def _default_config_file(xdg) -> Path:  # noqa: ANN001 - the conftest XdgDirs
    return xdg.config / "flowtui" / "config.toml"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- layering -----------------------------------------------------------------------------------


def test_defaults_when_nothing_is_configured(xdg) -> None:  # noqa: ANN001
    s = load_settings()
    assert s.config_path == xdg.config / "flowtui" / "config.toml"
    assert s.db_path == xdg.data / "flowtui" / "flowtui.sqlite"
    assert s.db_source == "default"
    # a few defaults straight from SPEC §3
    assert s["ado.org_url"] == "" and s["ado.projects"] == []
    assert s["ado.api_version"] == "7.1" and s["ado.timeout_s"] == 30 and s["ado.max_concurrency"] == 4
    assert s["flow.timezone"] == "UTC" and s["flow.cycle_start"] == "first"
    assert s["flow.percentiles"] == [50, 70, 85, 95] and s["flow.sle_percentile"] == 85
    assert s["forecast.trials"] == 10000 and s["forecast.seed"] == 1 and s["ui.keymap"] == {}
    assert set(s.sources.values()) == {"default"}


_FILE = """
[ado]
org_url = "https://dev.azure.com/from-file"
projects = ["FileProject"]
timeout_s = 45

[flow]
timezone = "Europe/Berlin"
"""


@pytest.mark.parametrize(
    ("env", "flags", "org_url", "org_source", "projects", "projects_source"),
    [
        # file only
        ({}, {}, "https://dev.azure.com/from-file", "file", ["FileProject"], "file"),
        # environment beats the file
        (
            {"FLOWTUI_ORG_URL": "https://dev.azure.com/from-env", "FLOWTUI_PROJECTS": "EnvA, EnvB"},
            {},
            "https://dev.azure.com/from-env", "env FLOWTUI_ORG_URL", ["EnvA", "EnvB"], "env FLOWTUI_PROJECTS",
        ),
        # flags beat the environment (and an absent flag leaves the environment's value)
        (
            {"FLOWTUI_ORG_URL": "https://dev.azure.com/from-env", "FLOWTUI_PROJECTS": "EnvA"},
            {"ado.org_url": "https://dev.azure.com/from-flag", "ado.projects": None},
            "https://dev.azure.com/from-flag", "flag", ["EnvA"], "env FLOWTUI_PROJECTS",
        ),
        # an empty repeatable flag ([]) is "not given", not "no projects"
        ({}, {"ado.projects": []}, "https://dev.azure.com/from-file", "file", ["FileProject"], "file"),
        ({}, {"ado.projects": ["FlagP"]}, "https://dev.azure.com/from-file", "file", ["FlagP"], "flag"),
    ],
)
def test_precedence_defaults_file_env_flags(
    xdg, monkeypatch: pytest.MonkeyPatch, env: dict, flags: dict,  # noqa: ANN001
    org_url: str, org_source: str, projects: list, projects_source: str,
) -> None:
    path = _write(_default_config_file(xdg), _FILE)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = load_settings(flags=flags)
    file_source = f"file {path}"
    assert s.org_url == org_url
    assert s.sources["ado.org_url"] == (file_source if org_source == "file" else org_source)
    assert s.projects == projects
    assert s.sources["ado.projects"] == (file_source if projects_source == "file" else projects_source)
    # keys only the file sets come from the file; the rest stay defaults
    assert (s["ado.timeout_s"], s.sources["ado.timeout_s"]) == (45, file_source)
    assert (s["flow.timezone"], s.sources["flow.timezone"]) == ("Europe/Berlin", file_source)
    assert (s["ado.api_version"], s.sources["ado.api_version"]) == ("7.1", "default")


def test_flowtui_config_selects_the_file_and_the_flag_beats_it(xdg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    _write(_default_config_file(xdg), '[flow]\ntimezone = "Europe/Berlin"\n')
    env_file = _write(tmp_path / "env.toml", '[flow]\ntimezone = "Asia/Tokyo"\n')
    flag_file = _write(tmp_path / "flag.toml", '[flow]\ntimezone = "America/New_York"\n')
    monkeypatch.setenv("FLOWTUI_CONFIG", str(env_file))
    s = load_settings()
    assert (s.config_path, s["flow.timezone"], s.sources["flow.timezone"]) == (env_file, "Asia/Tokyo", f"file {env_file}")
    s = load_settings(config=flag_file)
    assert (s.config_path, s["flow.timezone"]) == (flag_file, "America/New_York")


def test_flowtui_db_and_the_db_flag(xdg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("FLOWTUI_DB", str(tmp_path / "env.sqlite"))
    s = load_settings()
    assert (s.db_path, s.db_source) == (tmp_path / "env.sqlite", "env FLOWTUI_DB")
    s = load_settings(db=tmp_path / "flag.sqlite")
    assert (s.db_path, s.db_source) == (tmp_path / "flag.sqlite", "flag")


def test_with_values_validates_and_marks_the_source() -> None:
    s = load_settings().with_values(ado__org_url="https://dev.azure.com/acme/", flow__cycle_start="last")
    assert s.org_url == "https://dev.azure.com/acme"  # trailing slash dropped
    assert s.sources["ado.org_url"] == "override" and s["flow.cycle_start"] == "last"
    with pytest.raises(ValueError):
        load_settings().with_values(flow__cycle_start="middle")


# --- validation: every checker ------------------------------------------------------------------

# (section, TOML assignment, dotted key, bad value as shown, fragment of the allowed values)
_BAD_VALUES = [
    ("ado", 'org_url = "http://dev.azure.com/acme"', "ado.org_url", "http://dev.azure.com/acme", "https://"),
    ("ado", 'org_url = "http://tfs.corp/tfs/C"', "ado.org_url", "http://tfs.corp/tfs/C", "localhost"),
    ("ado", 'org_url = "https://dev.azure.com"', "ado.org_url", "https://dev.azure.com", "https://"),
    ("ado", 'org_url = "https://dev.azure.com/acme/Project"', "ado.org_url", "https://dev.azure.com/acme/Project", "https://"),
    ("ado", 'org_url = "https://acme.visualstudio.com/a/b"', "ado.org_url", "https://acme.visualstudio.com/a/b", "https://"),
    ("ado", 'org_url = "https://dev.azure.com/acme?api-version=7.1"', "ado.org_url", "api-version=7.1", "https://"),
    ("ado", 'org_url = "https://dev.azure.com/acme?"', "ado.org_url", "https://dev.azure.com/acme?", "https://"),
    ("ado", 'org_url = "https://dev.azure.com/acme#top"', "ado.org_url", "https://dev.azure.com/acme#top", "https://"),
    ("ado", 'org_url = "https://me:secret@dev.azure.com/acme"', "ado.org_url", "dev.azure.com/acme", "https://"),
    ("ado", 'org_url = "https://tfs.corp:port/tfs/C"', "ado.org_url", "https://tfs.corp:port/tfs/C", "https://"),
    ("ado", 'org_url = "https://tfs.corp"', "ado.org_url", "https://tfs.corp", "https://"),
    ("ado", 'org_url = "ftp://tfs.corp/tfs/C"', "ado.org_url", "ftp://tfs.corp/tfs/C", "https://"),
    ("ado", 'org_url = "dev.azure.com/acme"', "ado.org_url", "dev.azure.com/acme", "https://"),
    ("ado", "org_url = 42", "ado.org_url", "42", "https://"),
    ("ado", "projects = [1, 2]", "ado.projects", "[1, 2]", "list of project names"),
    ("ado", 'projects = ["A", ""]', "ado.projects", "['A', '']", "list of project names"),
    ("ado", "projects = {a = 1}", "ado.projects", "{'a': 1}", "list of project names"),
    ("ado", 'projects = ["A", ".."]', "ado.projects", "['A', '..']", "not . or .."),
    ("ado", 'projects = ["."]', "ado.projects", "['.']", "not . or .."),
    ("ado", 'projects = ["a/b"]', "ado.projects", "['a/b']", "control characters"),
    ("ado", 'projects = ["a\\\\b"]', "ado.projects", "['a\\\\b']", "control characters"),
    ("ado", 'projects = ["a\\u001bb"]', "ado.projects", "['a\\x1bb']", "control characters"),
    ("ado", 'api_version = "latest"', "ado.api_version", "latest", "7.1"),
    ("ado", 'timeout_s = "thirty"', "ado.timeout_s", "thirty", "1 to 600"),
    ("ado", "timeout_s = 0", "ado.timeout_s", "0", "1 to 600"),
    ("ado", "timeout_s = 601", "ado.timeout_s", "601", "1 to 600"),
    ("ado", "timeout_s = 1.5", "ado.timeout_s", "1.5", "1 to 600"),
    ("ado", "timeout_s = true", "ado.timeout_s", "True", "1 to 600"),
    ("ado", "max_concurrency = 17", "ado.max_concurrency", "17", "1 to 16"),
    ("ado", 'verify_tls = "maybe"', "ado.verify_tls", "maybe", "true or false"),
    ("ado", "verify_tls = 1", "ado.verify_tls", "1", "true or false"),
    ("ado", 'ca_bundle = "/nonexistent/corp-ca.pem"', "ado.ca_bundle", "/nonexistent/corp-ca.pem", "existing PEM file"),
    ("ado", 'trust_store = "windows"', "ado.trust_store", "windows", "certifi or os"),
    ("sync", 'since = "yesterday"', "sync.since", "yesterday", "YYYY-MM-DD"),
    ("sync", 'since = "2024-02-30"', "sync.since", "2024-02-30", "YYYY-MM-DD"),
    ("sync", 'since = "0001-01-01"', "sync.since", "0001-01-01", "1970-01-01 to 2199-12-31"),
    ("sync", 'since = "9999-12-31"', "sync.since", "9999-12-31", "1970-01-01 to 2199-12-31"),
    ("sync", "since = 2024-01-01", "sync.since", "2024, 1, 1", "YYYY-MM-DD"),  # a TOML date, not a string
    ("sync", "work_item_types = [1]", "sync.work_item_types", "[1]", "list of type names"),
    ("sync", 'pull_requests = "sometimes"', "sync.pull_requests", "sometimes", "true or false"),
    ("sync", "pr_threads_days = -1", "sync.pr_threads_days", "-1", "0 to 3650"),
    ("sync", "max_wait_s = 1e9", "sync.max_wait_s", "1000000000.0", "0 to 86400"),
    ("sync", "max_requests_per_stream = 10", "sync.max_requests_per_stream", "10", "100 to 10000000"),
    ("flow", 'timezone = "Mars/Olympus_Mons"', "flow.timezone", "Mars/Olympus_Mons", "IANA"),
    ("flow", 'timezone = ""', "flow.timezone", "''", "IANA"),
    ("flow", 'timezone = "../../etc/passwd"', "flow.timezone", "../../etc/passwd", "IANA"),
    ("flow", 'cycle_start = "middle"', "flow.cycle_start", "middle", "first or last"),
    ("flow", 'resolved_is_done = "perhaps"', "flow.resolved_is_done", "perhaps", "true or false"),
    ("flow", "wait_states = [true]", "flow.wait_states", "[True]", "list of state names"),
    ("flow", "blocked_tag = 5", "flow.blocked_tag", "5", "tag name"),
    ("flow", "percentiles = [50, 100]", "flow.percentiles", "[50, 100]", "1 to 99"),
    ("flow", "percentiles = [0]", "flow.percentiles", "[0]", "1 to 99"),
    ("flow", "percentiles = []", "flow.percentiles", "[]", "1 to 99"),
    ("flow", "percentiles = 85", "flow.percentiles", "85", "1 to 99"),
    ("flow", "sle_percentile = 100", "flow.sle_percentile", "100", "1 to 99"),
    ("flow", 'state_overrides = {Active = "busy"}', "flow.state_overrides", "'busy'", "todo|doing|done|removed|wait"),
    ("flow", 'state_overrides = "Active=doing"', "flow.state_overrides", "Active=doing", "todo|doing|done|removed|wait"),
    ("forecast", "history_days = 6", "forecast.history_days", "6", "7 to 3650"),
    ("forecast", "trials = 99", "forecast.trials", "99", "100 to 1000000"),
    ("forecast", "seed = -1", "forecast.seed", "-1", "0 to 2147483647"),
    ("auth", 'allow_plaintext_keyring = "please"', "auth.allow_plaintext_keyring", "please", "true or false"),
    ("ui", 'keymap = {quit = ""}', "ui.keymap", "'quit': ''", "binding id"),
    ("ui", "keymap = {quit = 5}", "ui.keymap", "'quit': 5", "binding id"),
    ("store", 'url = "mysql://db/flowtui"', "store.url", "mysql://db/flowtui", "postgresql://"),
    ("ui", 'theme = "Solarized Dark!"', "ui.theme", "Solarized Dark!", "theme name"),
    ("ui", "theme = 3", "ui.theme", "3", "theme name"),
    ("ui", "auto_sync_minutes = -5", "ui.auto_sync_minutes", "-5", "0 (off) to 1440"),
    ("ui", "auto_sync_minutes = 1441", "ui.auto_sync_minutes", "1441", "0 (off) to 1440"),
    ("ui", 'auto_sync_minutes = "often"', "ui.auto_sync_minutes", "often", "0 (off) to 1440"),
    ("ui", "store_watch_seconds = -1", "ui.store_watch_seconds", "-1", "0 (off) to 3600"),
    ("ui", "store_watch_seconds = 3601", "ui.store_watch_seconds", "3601", "0 (off) to 3600"),
    ("ui", 'store_watch_seconds = "often"', "ui.store_watch_seconds", "often", "0 (off) to 3600"),
    ("ui", 'views = [{name = "A", tag = ""}]', "ui.views", "views[0].tag = ''", "[[ui.views]] tables"),
]


@pytest.mark.parametrize(("section", "assignment", "dotted", "shown", "allowed"), _BAD_VALUES)
def test_every_bad_value_names_file_key_value_and_allowed(
    xdg, section: str, assignment: str, dotted: str, shown: str, allowed: str,  # noqa: ANN001
) -> None:
    path = _write(_default_config_file(xdg), f"[{section}]\n{assignment}\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = info.value.message
    assert str(path) in message
    assert dotted in message
    assert shown in message
    assert allowed in message
    assert info.value.exit_code == 2
    assert "\n" not in message  # one sentence


def test_every_key_has_a_bad_value_case() -> None:
    from flowtui.config import KEYS_BY_NAME

    assert {case[2] for case in _BAD_VALUES} == set(KEYS_BY_NAME)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[flow]\nspeed = 3\n", ["flow.speed", "3", "timezone", "cycle_start", "percentiles"]),
        ("[colors]\naccent = 'red'\n", ["[colors]", "colors.accent", "ado, sync, flow, forecast, ui"]),
        ("org_url = 'https://dev.azure.com/acme'\n", ["'org_url'", "[section]", "ado, sync, flow, forecast, ui"]),
        ("[ado\norg_url = 1\n", ["not valid TOML", "line 1"]),
        ("[ado]\norg_url = \n", ["not valid TOML", "line 2"]),
        ("[ado]\ntimeout_s = 30\ntimeout_s = 40\n", ["not valid TOML"]),  # duplicate key
    ],
)
def test_structural_errors_name_the_file(xdg, text: str, fragments: list[str]) -> None:  # noqa: ANN001
    path = _write(_default_config_file(xdg), text)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(path) in info.value.message
    for fragment in fragments:
        assert fragment in info.value.message


def test_a_file_that_is_not_utf8_is_a_config_error(xdg) -> None:  # noqa: ANN001
    path = _default_config_file(xdg)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"[ado]\norg_url = \"\xff\xfe\"\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWTUI_ORG_URL", "http://example.com/tfs/C")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "FLOWTUI_ORG_URL" in info.value.message and "ado.org_url" in info.value.message
    assert "http://example.com/tfs/C" in info.value.message


def test_credentials_in_a_bad_url_are_masked_in_the_message() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(flags={"ado.org_url": "https://user:s3cretPAT@dev.azure.com/acme"})
    assert "s3cretPAT" not in info.value.message and "user" not in info.value.message
    assert "https://***@dev.azure.com/acme" in info.value.message


def test_bad_flag_value_names_the_flag() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(flags={"ado.org_url": "https://dev.azure.com"})
    assert "flag" in info.value.message and "ado.org_url" in info.value.message


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://dev.azure.com/acme", "https://dev.azure.com/acme"),
        ("https://dev.azure.com/acme/", "https://dev.azure.com/acme"),
        ("  https://dev.azure.com/acme  ", "https://dev.azure.com/acme"),
        ("https://acme.visualstudio.com", "https://acme.visualstudio.com"),
        ("https://acme.visualstudio.com/DefaultCollection", "https://acme.visualstudio.com/DefaultCollection"),
        ("https://tfs.corp/tfs/DefaultCollection", "https://tfs.corp/tfs/DefaultCollection"),
        ("https://tfs.corp:8443/tfs/DefaultCollection", "https://tfs.corp:8443/tfs/DefaultCollection"),
        ("http://localhost:8080/tfs/DefaultCollection", "http://localhost:8080/tfs/DefaultCollection"),
        ("http://127.0.0.1:8080/tfs/C", "http://127.0.0.1:8080/tfs/C"),
        ("http://[::1]:8080/tfs/C", "http://[::1]:8080/tfs/C"),
        ("", ""),
    ],
)
def test_good_org_urls_are_accepted(xdg, given: str, stored: str) -> None:  # noqa: ANN001
    _write(_default_config_file(xdg), f"[ado]\norg_url = {json.dumps(given)}\n")
    assert load_settings().org_url == stored


def test_good_values_are_normalised(xdg, tmp_path: Path) -> None:  # noqa: ANN001
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    _write(_default_config_file(xdg), f"""
[ado]
projects = "A, B ,C"
verify_tls = "off"
timeout_s = "12"
ca_bundle = {json.dumps(str(bundle))}
[sync]
since = "2024-02-29"
pr_threads_days = 0
[flow]
percentiles = [95, 50, 50, 70]
state_overrides = {{"In Review" = "wait", Closed = "done"}}
[ui]
keymap = {{quit = "ctrl+q"}}
""")
    s = load_settings()
    assert s["ado.projects"] == ["A", "B", "C"]
    assert s["ado.verify_tls"] is False
    assert s["ado.timeout_s"] == 12
    assert s["ado.ca_bundle"] == str(bundle)
    assert s["sync.since"] == "2024-02-29" and s["sync.pr_threads_days"] == 0
    assert s["flow.percentiles"] == [50, 70, 95]  # sorted, duplicate 50 removed
    assert s["flow.state_overrides"] == {"In Review": "wait", "Closed": "done"}
    assert s["ui.keymap"] == {"quit": "ctrl+q"}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://dev.azure.com/acme", "acme"),
        ("https://acme.visualstudio.com", "acme"),
        ("https://acme.visualstudio.com/DefaultCollection", "acme"),
        ("https://tfs.corp/tfs/DefaultCollection", "DefaultCollection"),
        ("http://localhost:8080/tfs/Fabrikam", "Fabrikam"),
    ],
)
def test_organization_name(url: str, name: str) -> None:
    assert organization_name(url) == name


# --- set_config_value ---------------------------------------------------------------------------


def test_set_round_trips_and_keeps_other_keys(xdg) -> None:  # noqa: ANN001
    path = _write(_default_config_file(xdg), """
[ado]
org_url = "https://dev.azure.com/acme"
projects = ["One", "Two"]

[flow]
state_overrides = {"In Review" = "wait"}
blocked_tag = "Stuck"

[forecast]
trials = 500
""")
    assert set_config_value(path, "flow.timezone", "Europe/Berlin") == "Europe/Berlin"
    assert set_config_value(path, "ado.projects", "Three, Four") == ["Three", "Four"]
    assert set_config_value(path, "sync.work_item_types", '["User Story", "Bug"]') == ["User Story", "Bug"]
    assert set_config_value(path, "ado.timeout_s", "90") == 90
    assert set_config_value(path, "ado.verify_tls", "false") is False
    assert set_config_value(path, "ui.keymap", '{quit = "ctrl+q"}') == {"quit": "ctrl+q"}
    s = load_settings()
    expected = {
        "ado.org_url": "https://dev.azure.com/acme",
        "ado.projects": ["Three", "Four"],
        "sync.work_item_types": ["User Story", "Bug"],
        "ado.timeout_s": 90,
        "ado.verify_tls": False,
        "flow.timezone": "Europe/Berlin",
        "flow.state_overrides": {"In Review": "wait"},
        "flow.blocked_tag": "Stuck",
        "forecast.trials": 500,
        "ui.keymap": {"quit": "ctrl+q"},
    }
    for dotted, value in expected.items():
        assert (s[dotted], s.sources[dotted]) == (value, f"file {path}")
    assert s.sources["flow.cycle_start"] == "default"


@pytest.mark.parametrize("tag", ['say "hi"', "back\\slash", "tab\there", "new\nline", "bell\x07", "ünïcödé ✓"])
def test_set_writes_valid_toml_for_any_string(xdg, tag: str) -> None:  # noqa: ANN001
    path = _default_config_file(xdg)
    set_config_value(path, "flow.blocked_tag", tag)
    assert tomllib.loads(path.read_text(encoding="utf-8"))["flow"]["blocked_tag"] == tag
    set_config_value(path, "forecast.seed", "7")  # a rewrite keeps the string intact
    assert load_settings()["flow.blocked_tag"] == tag


def test_set_keeps_toml_dates_it_does_not_own(xdg) -> None:  # noqa: ANN001
    """A TOML date on another key is written back as a date (not a crash); load still flags it."""
    path = _write(_default_config_file(xdg), "[sync]\nsince = 2024-01-01\n")
    set_config_value(path, "flow.timezone", "UTC")
    import datetime

    assert tomllib.loads(path.read_text())["sync"]["since"] == datetime.date(2024, 1, 1)
    set_config_value(path, "sync.since", "2024-01-01")
    assert load_settings()["sync.since"] == "2024-01-01"


def test_set_refuses_bad_values_and_invalid_files_without_writing(xdg) -> None:  # noqa: ANN001
    path = _write(_default_config_file(xdg), '[flow]\ntimezone = "Asia/Tokyo"\n')
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="Mars/Base"):
        set_config_value(path, "flow.timezone", "Mars/Base")
    with pytest.raises(ConfigError, match="nope.nothing"):
        set_config_value(path, "nope.nothing", "1")
    assert path.read_bytes() == before
    _write(path, "[flow]\nspeed = 3\n")
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="flow.speed"):
        set_config_value(path, "flow.timezone", "UTC")
    assert path.read_bytes() == before
    assert not path.with_name("config.toml.tmp").exists()


def test_unreadable_or_unwritable_config_paths_are_config_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "a-directory.toml"
    directory.mkdir()
    with pytest.raises(ConfigError, match="cannot be read") as info:
        load_settings(config=directory)
    assert str(directory) in info.value.message
    blocker = tmp_path / "plain-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(config=blocker / "config.toml")  # "Not a directory"
    target = tmp_path / "cfg" / "config.toml"
    (tmp_path / "cfg" / "config.toml.tmp").mkdir(parents=True)  # the temporary file cannot be written
    with pytest.raises(ConfigError, match="cannot be written") as info:
        set_config_value(target, "flow.timezone", "UTC")
    assert str(target) in info.value.message and "flow.timezone" in info.value.message
    assert main(["config", "set", "flow.timezone", "UTC", "--config", str(target)]) == 2
    err = capsys.readouterr().err
    assert "cannot be written" in err and "Traceback" not in err


# --- the CLI ------------------------------------------------------------------------------------


def test_cli_config_set_then_show(xdg, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    path = _default_config_file(xdg)
    assert main(["config", "set", "ado.org_url", "https://dev.azure.com/acme/"]) == 0
    assert main(["config", "set", "flow.percentiles", "85,50"]) == 0
    assert tomllib.loads(path.read_text()) == {
        "ado": {"org_url": "https://dev.azure.com/acme"}, "flow": {"percentiles": [50, 85]},
    }
    capsys.readouterr()
    assert main(["config", "show", "--project", "Web"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert '"https://dev.azure.com/acme"' in lines["ado.org_url"] and f"[file {path}]" in lines["ado.org_url"]
    assert '["Web"]' in lines["ado.projects"] and "[flag]" in lines["ado.projects"]
    assert "[50, 85]" in lines["flow.percentiles"] and f"[file {path}]" in lines["flow.percentiles"]
    assert '"UTC"' in lines["flow.timezone"] and "[default]" in lines["flow.timezone"]
    assert str(xdg.data / "flowtui" / "flowtui.sqlite") in lines["store:"]


def test_cli_config_show_json_lists_every_source(xdg, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    path = _write(_default_config_file(xdg), '[forecast]\ntrials = 2000\n')
    monkeypatch.setenv("FLOWTUI_PROJECTS", "A,B")
    monkeypatch.setenv("FLOWTUI_DB", str(tmp_path / "x.sqlite"))
    assert main(["config", "show", "--json", "--org-url", "https://dev.azure.com/acme"]) == 0
    doc = json.loads(capsys.readouterr().out)
    values = doc["values"]
    assert doc["config_file"] == str(path)
    assert values["forecast.trials"] == {"value": 2000, "source": f"file {path}"}
    assert values["ado.projects"] == {"value": ["A", "B"], "source": "env FLOWTUI_PROJECTS"}
    assert values["ado.org_url"] == {"value": "https://dev.azure.com/acme", "source": "flag"}
    assert values["flow.timezone"] == {"value": "UTC", "source": "default"}
    assert values["store"] == {"value": str(tmp_path / "x.sqlite"), "source": "env FLOWTUI_DB"}
    from flowtui.config import KEYS_BY_NAME

    assert set(values) == set(KEYS_BY_NAME) | {"store"}


def test_cli_config_path(xdg, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(xdg.config / "flowtui" / "config.toml")
    monkeypatch.setenv("FLOWTUI_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "elsewhere.toml")
    assert main(["config", "path", "--config", str(tmp_path / "flag.toml")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "flag.toml")


def test_cli_bad_value_exits_2_with_one_sentence(xdg, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["config", "set", "flow.timezone", "Mars/Base"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == ""
    assert err.startswith("flowtui: ") and "\n" not in err and "Traceback" not in err
    assert "flow.timezone" in err and "Mars/Base" in err and "IANA" in err
    assert not _default_config_file(xdg).exists()

    _write(_default_config_file(xdg), "[forecast]\ntrials = 5\n")
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err.strip()
    assert "forecast.trials" in err and "5" in err and "100 to 1000000" in err and "Traceback" not in err


def test_cli_config_set_unknown_key_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["config", "set", "flow.speed", "3"])
    assert info.value.code == 2
    assert "flow.speed" in capsys.readouterr().err
