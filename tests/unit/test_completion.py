"""`flowtui completion SHELL`: scripts for bash, zsh and fish generated from the live parser."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from flowtui.cli.completion_cmd import SHELLS, script
from flowtui.cli.main import build_parser, main


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """Top-level command -> its own actions (e.g. config -> show, path, set), read from the parser."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out: dict[str, list[str]] = {}
    for name, child in sub.choices.items():
        nested = [a for a in child._actions if isinstance(a, argparse._SubParsersAction)]
        out[name] = list(nested[0].choices) if nested else []
    return out


COMMANDS = _subcommands(build_parser())


def test_the_parser_has_the_commands_the_scripts_must_cover() -> None:
    assert {"sync", "metrics", "forecast", "export", "auth", "config", "completion"} <= set(COMMANDS)
    assert COMMANDS["config"] == ["show", "path", "set"] and COMMANDS["auth"] == ["set", "status", "clear"]


@pytest.mark.parametrize("shell", SHELLS)
def test_each_script_mentions_every_command_action_and_option(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    text = capsys.readouterr().out
    assert text == script(shell)
    for command, actions in COMMANDS.items():
        assert command in text
        for action in actions:
            assert action in text
    for option in ("--org-url", "--as-of", "--what", "--excel-safe", "--json"):
        assert option.lstrip("-") in text  # fish writes `-l excel-safe`
    assert "powerbi" in text  # the choices of `export --what`


def test_an_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["completion", "powershell"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def _bash_complete(tmp_path: Path, words: list[str]) -> list[str]:
    """Source the bash script and ask its completion function for the last word of `words`."""
    path = tmp_path / "flowtui.bash"
    path.write_text(script("bash"), encoding="utf-8")
    quoted = " ".join(f"'{w}'" for w in words)
    program = (f"source '{path}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
               f"_shtab_flowtui; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True,
                          timeout=30, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_script_is_valid_and_completes(tmp_path: Path) -> None:
    proc = subprocess.run(["bash", "-n"], input=script("bash"), capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert _bash_complete(tmp_path, ["flowtui", "con"]) == ["config"]
    assert _bash_complete(tmp_path, ["flowtui", "config", ""]) == ["show", "path", "set"]
    assert _bash_complete(tmp_path, ["flowtui", "export", "--what", ""]) == ["powerbi", "flow", "all"]
    assert _bash_complete(tmp_path, ["flowtui", "completion", ""]) == ["bash", "zsh", "fish"]


@pytest.mark.parametrize(("shell", "check"), [("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])])
def test_zsh_and_fish_scripts_parse_where_the_shell_is_installed(shell: str, check: list[str]) -> None:
    if shutil.which(check[0]) is None:
        pytest.skip(f"{shell} is not installed on this machine")
    proc = subprocess.run(check, input=script(shell), capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr


def test_file_options_complete_paths_and_area_does_not() -> None:
    bash = script("bash")
    assert "_shtab_flowtui_sync___db_COMPGEN=_shtab_compgen_files" in bash
    assert "_shtab_flowtui_export_pos_0_COMPGEN=_shtab_compgen_dirs" in bash
    assert "___area_COMPGEN" not in bash  # --area takes an area path such as Fabrikam\Web, not a file
