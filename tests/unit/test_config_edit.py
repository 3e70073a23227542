"""`flowtui config set` edits the file in place (tomlkit): comments, order, blank lines and table styles stay."""

from __future__ import annotations

import tomllib
from pathlib import Path

from flowtui.cli.main import main
from flowtui.config import load_settings, set_config_value

COMMENTED = '''\
# flowtui configuration for the Fabrikam team
# (keep this file in the team wiki)

[ado]
org_url = "https://dev.azure.com/fabrikam"  # the organization
projects = ["Web", "Mobile"]   # both boards

# Flow policy agreed on 2026-03-01
[flow]
timezone = "Europe/Berlin"
percentiles = [50, 85]

[flow.state_overrides]
# review waits on someone else
"In Review" = "wait"
Blocked = "wait"

[forecast]
trials = 500 # fast enough for the laptop
'''


def test_set_changes_one_value_and_keeps_everything_else_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    assert main(["config", "set", "forecast.trials", "2000", "--config", str(path)]) == 0
    assert main(["config", "set", "ado.projects", "Web, Mobile, API", "--config", str(path)]) == 0
    assert main(["config", "set", "flow.state_overrides", '{"In Review" = "wait", Blocked = "doing"}',
                 "--config", str(path)]) == 0
    assert main(["config", "set", "sync.since", "2026-01-01", "--config", str(path)]) == 0
    expected = COMMENTED.replace(
        'projects = ["Web", "Mobile"]   # both boards', 'projects = ["Web", "Mobile", "API"]   # both boards'
    ).replace('Blocked = "wait"', 'Blocked = "doing"').replace(
        "trials = 500 # fast enough", "trials = 2000 # fast enough"
    ) + '\n[sync]\nsince = "2026-01-01"\n'
    assert path.read_text(encoding="utf-8") == expected


def test_a_table_stays_a_table_and_an_inline_table_stays_inline(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[flow.state_overrides]\n"In Review" = "wait"\nBlocked = "wait"\n\n'
                    '[ui]\nkeymap = {"view.dashboard" = "1"}\n', encoding="utf-8")
    set_config_value(path, "flow.state_overrides", '{Blocked = "doing"}')  # "In Review" dropped
    set_config_value(path, "ui.keymap", '{"view.dashboard" = "d", "sync.start" = "s"}')
    assert path.read_text(encoding="utf-8") == (
        '[flow.state_overrides]\nBlocked = "doing"\n\n'
        '[ui]\nkeymap = {"view.dashboard" = "d", "sync.start" = "s"}\n'
    )
    settings = load_settings(config=path)
    assert settings["flow.state_overrides"] == {"Blocked": "doing"}
    assert settings["ui.keymap"] == {"view.dashboard": "d", "sync.start": "s"}


def test_a_new_file_gets_one_section_per_key_and_a_new_table_is_inline(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    set_config_value(path, "ado.org_url", "https://dev.azure.com/acme/")
    set_config_value(path, "flow.state_overrides", '{"In Review" = "wait"}')
    assert path.read_text(encoding="utf-8") == (
        '[ado]\norg_url = "https://dev.azure.com/acme"\n\n[flow]\nstate_overrides = {"In Review" = "wait"}\n'
    )


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'# Windows notepad\r\n[flow]\r\ntimezone = "UTC"\r\n')
    set_config_value(path, "flow.timezone", "Asia/Tokyo")
    assert path.read_bytes() == b'# Windows notepad\r\n[flow]\r\ntimezone = "Asia/Tokyo"\r\n'


def test_control_characters_are_escaped_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# tags\n[flow]\n", encoding="utf-8")
    set_config_value(path, "flow.blocked_tag", 'a "b"\tc\x07\x1b[31m')
    assert tomllib.loads(path.read_text(encoding="utf-8"))["flow"]["blocked_tag"] == 'a "b"\tc\x07\x1b[31m'
    assert "\x1b" not in path.read_text(encoding="utf-8") and path.read_text().startswith("# tags\n[flow]\n")
