"""The CLI skeleton: --help lists only working commands; errors map to one sentence and an exit code."""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flowtui.cli import common
from flowtui.cli.main import build_parser, main
from flowtui.errors import (
    AuthError,
    ConfigError,
    ExportError,
    FlowtuiError,
    NotFoundError,
    StoreError,
    SyncCancelled,
    ThrottledError,
    TransientError,
    UsageError,
)


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _help_commands(text: str) -> list[str]:
    """The command names listed under COMMAND in `flowtui --help`."""
    block = text.split("COMMAND\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^    (\S+)", block, flags=re.MULTILINE)


def test_help_lists_exactly_the_registered_commands_and_each_one_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    listed = _help_commands(capsys.readouterr().out)
    assert {"auth", "config"} <= set(listed)
    assert sorted(listed) == sorted(_commands(build_parser()))
    for name, sub in _commands(build_parser()).items():
        # every listed command has a handler and parses its own --help
        assert callable(sub.get_default("handler")), name
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0, name
        capsys.readouterr()


@pytest.mark.parametrize(("command", "actions"), [("auth", {"set", "status", "clear"}), ("config", {"show", "path", "set"})])
def test_foundation_commands_have_their_actions(command: str, actions: set[str]) -> None:
    assert set(_commands(_commands(build_parser())[command])) == actions


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"flowtui {importlib.metadata.version('flowtui')}"


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (StoreError("The store x is corrupt; it was left untouched."), 1),
        (AuthError("The PAT for https://dev.azure.com/acme was rejected; run `flowtui auth set`."), 1),
        (NotFoundError("Project Web was not found."), 1),
        (ThrottledError("Azure DevOps kept throttling."), 1),
        (TransientError("The server kept failing."), 1),
        (ExportError("The export directory is not writable."), 1),
        (ConfigError("config.toml: flow.timezone = 'X' is not valid; allowed: an IANA zone."), 2),
        (UsageError("--from '2024/01/01' is not a date; use YYYY-MM-DD."), 2),
        (SyncCancelled("The sync was cancelled."), 130),
    ],
)
def test_an_expected_failure_prints_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: FlowtuiError, code: int,
) -> None:
    def handler(args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr("flowtui.cli.config_cmd.run", handler)
    assert main(["config", "path"]) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"flowtui: {error.message}\n"


def test_detail_only_with_verbose(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def handler(args: argparse.Namespace) -> int:
        raise StoreError("Writing to the store failed.", detail="sqlite3.OperationalError: disk I/O error")

    monkeypatch.setattr("flowtui.cli.config_cmd.run", handler)
    assert main(["config", "path"]) == 1
    assert capsys.readouterr().err == "flowtui: Writing to the store failed.\n"
    assert main(["config", "path", "--verbose"]) == 1
    assert capsys.readouterr().err == "flowtui: Writing to the store failed.\nsqlite3.OperationalError: disk I/O error\n"


def test_interrupt_and_broken_pipe(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    raised: list[BaseException] = [KeyboardInterrupt(), BrokenPipeError()]

    def handler(args: argparse.Namespace) -> int:
        raise raised.pop(0)

    monkeypatch.setattr("flowtui.cli.config_cmd.run", handler)
    assert main(["config", "path"]) == 130
    assert capsys.readouterr().err == "flowtui: interrupted.\n"
    assert main(["config", "path"]) == 0  # `flowtui config show | head -1`


def test_exit_codes_of_real_commands(no_keyring, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["config", "path"]) == 0
    assert main(["auth", "status", "--org-url", "https://dev.azure.com/acme"]) == 1  # no keyring, no FLOWTUI_PAT
    assert main(["config", "show", "--org-url", "http://dev.azure.com/acme"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("flowtui: ") == 2


def test_the_console_script_works(xdg) -> None:  # noqa: ANN001
    """The installed `flowtui` script (`python -m flowtui` runs in test_secrets' subprocess test)."""
    script = Path(sys.executable).parent / "flowtui"
    proc = subprocess.run([str(script), "config", "set", "flow.timezone", "Mars/Base"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Mars/Base" in proc.stderr and "Traceback" not in proc.stderr
    assert not (xdg.config / "flowtui" / "config.toml").exists()


# --- shared option parsing ----------------------------------------------------------------------


def test_parse_day() -> None:
    assert common.parse_day(None) is None
    assert common.parse_day("2024-02-29") == date(2024, 2, 29)
    with pytest.raises(UsageError, match="use YYYY-MM-DD") as info:
        common.parse_day("2024/02/01", "--to")
    assert "--to" in info.value.message and info.value.exit_code == 2
    with pytest.raises(UsageError, match="not a real date"):
        common.parse_day("2023-02-29")  # 2023 is not a leap year


def test_parse_as_of() -> None:
    assert common.parse_as_of(None) is None
    assert common.parse_as_of("2026-11-23T12:00:00Z") == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    for bad in ("2026-11-23", "2026-11-23T12:00:00", "2026-11-23T12:00:00+01:00"):
        with pytest.raises(UsageError, match="YYYY-MM-DDTHH:MM:SSZ"):
            common.parse_as_of(bad)
    with pytest.raises(UsageError, match="not a real instant"):
        common.parse_as_of("2026-11-23T25:00:00Z")


def test_settings_and_filter_from_args(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLOWTUI_PROJECTS", "EnvP")
    parser = build_parser()
    args = parser.parse_args(["config", "show", "--project", "A", "--project", "B", "--db", str(tmp_path / "x.sqlite")])
    settings = common.settings_from_args(args)
    assert settings.projects == ["A", "B"] and settings.sources["ado.projects"] == "flag"
    assert (settings.db_path, settings.db_source) == (tmp_path / "x.sqlite", "flag")
    ns = argparse.Namespace(type=["Bug"], area="Web\\Front")
    f = common.item_filter_from_args(ns, settings)
    assert (f.projects, f.types, f.area) == (("A", "B"), ("Bug",), "Web\\Front")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--org-url", "https://dev.azure.com/top", "--verbose", "config", "show"],
         {"org_url": "https://dev.azure.com/top", "verbose": True, "project": None, "demo": False}),
        (["config", "show", "--org-url", "https://dev.azure.com/sub", "--demo"],
         {"org_url": "https://dev.azure.com/sub", "verbose": False, "demo": True}),
        (["--project", "A", "--db", "top.sqlite", "auth", "status"], {"project": ["A"], "db": "top.sqlite"}),
        (["--project", "A", "auth", "status", "--project", "B"], {"project": ["B"]}),  # the later one wins
        (["config", "path"], {"org_url": None, "project": None, "db": None, "config": None, "demo": False, "verbose": False}),
    ],
)
def test_common_options_work_before_and_after_the_command(argv: list[str], expected: dict[str, object]) -> None:
    args = build_parser().parse_args(argv)
    assert {k: getattr(args, k) for k in expected} == expected


def test_an_option_before_the_command_reaches_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["--org-url", "https://dev.azure.com/top", "config", "show", "--json"]) == 0
    values = json.loads(capsys.readouterr().out)["values"]
    assert values["ado.org_url"] == {"value": "https://dev.azure.com/top", "source": "flag"}
