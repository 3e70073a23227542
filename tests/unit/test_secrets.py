"""The PAT: OS keyring (service "flowtui", user = org URL), FLOWTUI_PAT fallback, never on disk or in output."""

from __future__ import annotations

import argparse
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowtui import paths, secrets
from flowtui.cli.main import build_parser, main
from flowtui.errors import AuthError, SecretStoreError

ORG = "https://dev.azure.com/acme"
OTHER_ORG = "https://tfs.corp/tfs/DefaultCollection"
PAT = "pat-7f3c9e1d2b4a6058c7e9f1a3b5d7e9f0a2c4e6b8d0f2a4c6e8"


def _files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _pipe_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Stand in for `echo PAT | flowtui auth set`: a non-TTY stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


# --- the secrets module -------------------------------------------------------------------------


def test_round_trip_through_the_keyring(memory_keyring) -> None:  # noqa: ANN001
    secrets.set_pat(ORG, f"  {PAT}\n")  # surrounding whitespace (a pasted newline) is not part of a PAT
    assert memory_keyring.passwords == {("flowtui", ORG): PAT}
    assert secrets.get_pat(ORG, env={}) == PAT
    status = secrets.pat_status(ORG, env={})
    assert (status.org_url, status.source, status.keyring_error) == (ORG, "keyring", None)
    assert "MemoryKeyring" in status.keyring_backend
    assert PAT not in repr(status)

    secrets.set_pat(OTHER_ORG, "other-pat")  # one entry per org URL
    assert secrets.get_pat(OTHER_ORG, env={}) == "other-pat" and secrets.get_pat(ORG, env={}) == PAT

    assert secrets.clear_pat(ORG) is True
    assert secrets.clear_pat(ORG) is False  # already gone
    assert memory_keyring.passwords == {("flowtui", OTHER_ORG): "other-pat"}
    with pytest.raises(AuthError) as info:
        secrets.get_pat(ORG, env={})
    assert ORG in info.value.message and "flowtui auth set" in info.value.message and "FLOWTUI_PAT" in info.value.message


def test_flowtui_pat_is_the_fallback_and_the_keyring_wins(memory_keyring) -> None:  # noqa: ANN001
    env = {"FLOWTUI_PAT": "env-pat"}
    assert secrets.get_pat(ORG, env=env) == "env-pat"
    assert secrets.pat_status(ORG, env=env).source == "env FLOWTUI_PAT"
    secrets.set_pat(ORG, PAT)
    assert secrets.get_pat(ORG, env=env) == PAT
    assert secrets.pat_status(ORG, env=env).source == "keyring"


def test_the_fallback_reads_the_real_environment(memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("FLOWTUI_PAT", "from-os-environ")
    assert secrets.get_pat(ORG) == "from-os-environ"


def test_no_keyring_backend_points_to_flowtui_pat(no_keyring) -> None:  # noqa: ANN001
    with pytest.raises(SecretStoreError) as info:
        secrets.set_pat(ORG, PAT)
    assert "FLOWTUI_PAT" in info.value.message and ORG in info.value.message
    assert PAT not in info.value.message
    with pytest.raises(SecretStoreError, match="FLOWTUI_PAT"):
        secrets.clear_pat(ORG)
    assert secrets.get_pat(ORG, env={"FLOWTUI_PAT": "env-pat"}) == "env-pat"
    with pytest.raises(AuthError, match="no usable OS keyring"):
        secrets.get_pat(ORG, env={})
    status = secrets.pat_status(ORG, env={})
    assert (status.source, status.keyring_error) == (None, "NoKeyringError")


def test_a_backend_that_keeps_nothing_is_not_reported_as_stored() -> None:
    """keyring's `null` backend (a common CI setting) accepts writes and keeps nothing."""
    import keyring
    from keyring.backends import null

    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        with pytest.raises(SecretStoreError, match="FLOWTUI_PAT"):
            secrets.set_pat(ORG, PAT)
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize(("org", "pat", "fragment"), [("", PAT, "ado.org_url"), (ORG, " \n", "empty")])
def test_set_pat_refuses_missing_org_or_empty_pat(memory_keyring, org: str, pat: str, fragment: str) -> None:  # noqa: ANN001
    with pytest.raises(SecretStoreError, match=fragment):
        secrets.set_pat(org, pat)
    assert memory_keyring.passwords == {}


# --- flowtui auth -------------------------------------------------------------------------------


def _subparser(parser: argparse.ArgumentParser, *names: str) -> argparse.ArgumentParser:
    for name in names:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def test_auth_set_has_no_argument_for_the_pat(capsys: pytest.CaptureFixture[str]) -> None:
    setter = _subparser(build_parser(), "auth", "set")
    assert [a.dest for a in setter._actions if not a.option_strings] == []  # no positionals at all
    with pytest.raises(SystemExit) as info:
        main(["auth", "set", "--org-url", ORG, PAT])
    assert info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_auth_set_reads_piped_stdin(memory_keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    _pipe_stdin(monkeypatch, PAT + "\n")
    assert main(["auth", "set", "--org-url", ORG]) == 0
    assert memory_keyring.passwords == {("flowtui", ORG): PAT}
    captured = capsys.readouterr()
    assert ORG in captured.out and PAT not in captured.out + captured.err


def test_auth_set_with_empty_stdin_stores_nothing(memory_keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    _pipe_stdin(monkeypatch, "")
    assert main(["auth", "set", "--org-url", ORG]) == 1
    assert "empty" in capsys.readouterr().err
    assert memory_keyring.passwords == {}


def test_auth_set_uses_a_no_echo_prompt_on_a_tty(memory_keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return PAT

    monkeypatch.setattr(sys, "stdin", Tty("this must not be read\n"))
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert main(["auth", "set", "--org-url", ORG]) == 0
    assert len(prompts) == 1 and ORG in prompts[0]
    assert memory_keyring.passwords == {("flowtui", ORG): PAT}


def test_auth_set_without_keyring_fails_and_writes_nothing(
    no_keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # noqa: ANN001
) -> None:
    before = _files(tmp_path)
    _pipe_stdin(monkeypatch, PAT + "\n")
    assert main(["auth", "set", "--org-url", ORG]) == 1
    captured = capsys.readouterr()
    assert "FLOWTUI_PAT" in captured.err and captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert PAT not in captured.out + captured.err
    # No new or changed file anywhere under tmp_path (XDG dirs included) except the log file, which
    # records the failure but never the PAT.
    log_file = paths.log_file_path()
    after = _files(tmp_path)
    assert PAT.encode() not in after.pop(log_file) and b"auth failed: No usable OS keyring" in log_file.read_bytes()
    assert after == before


def test_auth_status_and_clear(memory_keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["auth", "status", "--org-url", ORG]) == 1  # nothing stored yet
    assert "not set" in capsys.readouterr().out

    monkeypatch.setenv("FLOWTUI_PAT", "env-" + PAT)
    assert main(["auth", "status", "--org-url", ORG]) == 0
    out = capsys.readouterr().out
    assert "env FLOWTUI_PAT" in out and PAT not in out

    memory_keyring.set_password("flowtui", ORG, PAT)
    assert main(["auth", "status", "--org-url", ORG]) == 0
    captured = capsys.readouterr()
    assert "from keyring" in captured.out and ORG in captured.out
    assert PAT not in captured.out + captured.err

    assert main(["auth", "clear", "--org-url", ORG]) == 0
    assert "removed" in capsys.readouterr().out and memory_keyring.passwords == {}
    assert main(["auth", "clear", "--org-url", ORG]) == 0
    assert "was not in the keyring" in capsys.readouterr().out


def test_auth_status_without_keyring(no_keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["auth", "status", "--org-url", ORG]) == 1
    err = capsys.readouterr().err
    assert "FLOWTUI_PAT" in err and "Traceback" not in err
    monkeypatch.setenv("FLOWTUI_PAT", PAT)
    assert main(["auth", "status", "--org-url", ORG]) == 0
    captured = capsys.readouterr()
    assert "env FLOWTUI_PAT" in captured.out and PAT not in captured.out + captured.err


def test_auth_without_an_org_url_is_a_config_error(memory_keyring, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["auth", "status"]) == 2
    assert "ado.org_url" in capsys.readouterr().err


def test_auth_uses_the_configured_org_url(memory_keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["config", "set", "ado.org_url", OTHER_ORG]) == 0
    _pipe_stdin(monkeypatch, PAT)
    assert main(["auth", "set"]) == 0
    assert memory_keyring.passwords == {("flowtui", OTHER_ORG): PAT}


# --- the PAT appears nowhere --------------------------------------------------------------------


def test_the_pat_never_reaches_disk_output_or_logs(
    memory_keyring, xdg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    from flowtui.config import load_settings
    from flowtui.domain import Organization
    from flowtui.store import open_store

    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []

    def run(*argv: str) -> int:
        code = main(list(argv))
        captured = capsys.readouterr()
        outputs.extend([captured.out, captured.err])
        return code

    assert run("config", "set", "ado.org_url", ORG) == 0
    assert run("config", "set", "ado.projects", "Web,Api") == 0
    _pipe_stdin(monkeypatch, PAT + "\n")
    assert run("auth", "set", "--verbose") == 0
    assert memory_keyring.passwords == {("flowtui", ORG): PAT}  # it really was stored
    assert run("config", "show") == 0
    assert run("config", "show", "--json", "--verbose") == 0
    assert run("auth", "status", "--verbose") == 0
    settings = load_settings()
    with open_store(settings.db_path) as store:
        with store.transaction():
            store.upsert_organization(Organization(settings.org_url, "acme"))
    monkeypatch.setenv("FLOWTUI_PAT", PAT)  # the fallback is reported by name, never by value
    assert run("auth", "status") == 0
    assert run("config", "show") == 0

    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert xdg.config / "flowtui" / "config.toml" in files
    assert settings.db_path in files and settings.db_path.is_relative_to(xdg.data)
    for path, data in files.items():
        assert PAT.encode() not in data, path
    for text in outputs:
        assert PAT not in text
    assert any("acme" in text for text in outputs)  # the outputs were captured at all
    assert PAT not in caplog.text
    assert all(PAT not in r.getMessage() for r in caplog.records)


def test_auth_set_in_a_real_process_without_keyring(tmp_path: Path, xdg) -> None:  # noqa: ANN001
    """`echo PAT | flowtui auth set` on a headless box: exit 1, FLOWTUI_PAT named, nothing on disk but the
    log file's record of the failure (without the PAT)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWTUI_")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    before = _files(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "flowtui", "auth", "set", "--org-url", ORG],
        input=PAT + "\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "FLOWTUI_PAT" in proc.stderr and "Traceback" not in proc.stderr
    assert PAT not in proc.stdout + proc.stderr
    after = _files(tmp_path)
    assert PAT.encode() not in after.pop(xdg.state / "flowtui" / "log" / "flowtui.log")
    assert after == before
