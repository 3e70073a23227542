"""The rotating log file: where it is, what it keeps (sync runs, failures with tracebacks), what it never
keeps (the PAT, raw or base64, and authorization headers), and that --verbose/--debug only steer stderr.

Every test writes under the per-test XDG_STATE_HOME (root conftest), never into the real home.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from flowtui import paths
from flowtui.cli.logging_setup import LOG_BACKUPS, configure_logging, open_log_file, remove_logging
from flowtui.cli.main import main
from flowtui.config import load_settings
from flowtui.demo.faults import Faults
from flowtui.demo.generator import generate_org
from flowtui.demo.transport import SimulatedAdo
from flowtui.errors import AuthError
from flowtui.store import open_store
from flowtui.sync import run_sync

FLOWTUI = Path(sys.executable).with_name("flowtui")
PAT = "patQ7" + "k9Zr" * 10


def log_text() -> str:
    path = paths.log_file_path()
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_the_log_file_is_in_the_user_log_directory(xdg) -> None:  # noqa: ANN001 - the root fixture
    assert paths.log_file_path() == xdg.state / "flowtui" / "log" / "flowtui.log"


def test_a_demo_sync_leaves_its_run_lines_in_the_log_file(xdg) -> None:  # noqa: ANN001
    env = {**os.environ, "FLOWTUI_DEMO_SIZE": "tiny"}
    done = subprocess.run([str(FLOWTUI), "sync", "--demo"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    path = xdg.state / "flowtui" / "log" / "flowtui.log"
    text = path.read_text(encoding="utf-8")
    assert "INFO flowtui.cli" in text and ": sync\n" in text
    assert "INFO flowtui.sync" in text and "sync run 1 started: https://dev.azure.com/contoso-demo" in text
    assert "sync run 1 success in " in text and " work items, " in text
    # the INFO lines went to the file, not to the terminal
    assert "sync run 1" not in done.stderr and "INFO" not in done.stderr
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_pat_never_reaches_the_log_file_nor_stderr(tmp_path: Path) -> None:
    basic = base64.b64encode(f":{PAT}".encode()).decode()
    sim = SimulatedAdo(generate_org(seed=7, size="tiny", now=None), pat=PAT, faults=Faults())
    flags = {"ado.org_url": sim.base_url, "ado.projects": [sim.org.projects[0].name]}
    settings = load_settings(config=tmp_path / "absent.toml", db=tmp_path / "store.sqlite", flags=flags, env={})
    stream = io.StringIO()
    configure_logging(debug=True, stream=stream)  # the noisiest setting: HTTP and SQL loggers on
    try:
        with open_store(settings.db_path) as store:
            summary = run_sync(settings, store, pat=PAT, transport=sim.transport, now=sim.org.now)
            assert summary.status == "success"
            with pytest.raises(AuthError):
                run_sync(settings, store, pat=PAT[::-1], transport=sim.transport, now=sim.org.now)
        from flowtui.redact import register_secret

        register_secret(PAT)  # what flowtui.secrets.get_pat does when the PAT enters the process
        logging.getLogger("flowtui.ado").warning("request with Authorization: Basic %s for %s", basic, PAT)
        logging.getLogger("httpx").warning("headers %r", {"authorization": f"Basic {basic}"})
        try:
            raise RuntimeError(f"failed with {PAT} / {basic}")
        except RuntimeError:
            logging.getLogger("flowtui.sync").exception("boom")
    finally:
        remove_logging()
    text = log_text()
    assert "sync run 1 success" in text and "Traceback" in text and "RuntimeError: failed with ***" in text
    for secret in (PAT, PAT[::-1], basic, basic.rstrip("="), base64.b64encode(PAT.encode()).decode()):
        assert secret not in text
        assert secret not in stream.getvalue()
    # --debug put HTTP lines on stderr, but the file keeps only flowtui's INFO and everyone's WARNING
    assert "DEBUG" not in text and "INFO httpx" not in text
    assert "httpx" in stream.getvalue()


def test_verbose_and_debug_change_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    def run(*flags: str) -> tuple[str, str]:
        before = log_text()
        configure_logging(verbose="--verbose" in flags, debug="--debug" in flags)
        try:
            logging.getLogger("flowtui.sync").info("an info line %s", flags)
            logging.getLogger("flowtui.sync").debug("a debug line %s", flags)
            logging.getLogger("httpx").info("an http line %s", flags)
            logging.getLogger("peewee").warning("a library warning %s", flags)
        finally:
            remove_logging()
        return capsys.readouterr().err, log_text()[len(before):]

    quiet_err, quiet_file = run()
    assert "an info line" not in quiet_err and "a library warning" in quiet_err
    verbose_err, verbose_file = run("--verbose")
    assert "an info line" in verbose_err and "a debug line" in verbose_err and "an http line" not in verbose_err
    debug_err, debug_file = run("--debug")
    assert "an http line" in debug_err
    for written in (quiet_file, verbose_file, debug_file):  # the same two lines each time, whatever the flags
        assert [line.split(": ", 1)[1].split(" (")[0] for line in written.splitlines()] == [
            "an info line", "a library warning"]


def test_a_failing_command_and_a_crash_are_in_the_file(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["metrics", "--from", "yesterday"]) == 2
    assert "ERROR flowtui.cli" in log_text() and "metrics failed: --from 'yesterday' is not a date" in log_text()
    assert capsys.readouterr().err.count("is not a date") == 1  # stderr got the sentence once, not the log line

    def crash(_args: object) -> int:
        raise ZeroDivisionError("internal bug")

    monkeypatch.setattr("flowtui.cli.metrics_cmd.run", crash)
    with pytest.raises(ZeroDivisionError):
        main(["metrics"])
    text = log_text()
    assert "metrics crashed" in text and "Traceback (most recent call last)" in text
    assert "ZeroDivisionError: internal bug" in text


def test_the_file_rotates_at_its_bound_and_new_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "flowtui.log"
    handler = open_log_file(path)
    assert handler is not None
    handler.maxBytes = 2_000  # the real bound is 1 MB; a small one shows the rotation quickly
    logger = logging.getLogger("flowtui.rotation-test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        for n in range(200):
            logger.info("line %03d %s", n, "x" * 60)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        handler.close()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["flowtui.log", "flowtui.log.1", "flowtui.log.2", "flowtui.log.3"][: 1 + LOG_BACKUPS]
    assert all(p.stat().st_size <= 2_200 for p in path.parent.iterdir())
    assert "line 199" in path.read_text(encoding="utf-8")
    if os.name == "posix":
        assert {stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()} == {0o600}


def test_an_unwritable_log_directory_costs_one_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert open_log_file(blocker / "log" / "flowtui.log") is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be written" in err and "continuing without it" in err
