"""A real kill: `flowtui sync --demo` is SIGKILLed mid-stream, rerun, and compared with an uninterrupted sync.

The subprocess is the installed `flowtui` console script against the in-process simulated ADO,
reshaped through the demo's environment knobs: the tiny org (2 projects, about 600 revisions),
20 revisions per page of the reporting stream and 50 ms of latency per response, so the first
project's stream alone takes well over half a second and the kill lands between its pages. The kill
is timed by polling the store (read-only) for committed revisions, never by sleeping.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowtui.store import open_store
from flowtui.store.runs import INTERRUPTED_ERROR

from .helpers import dump

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and flock are POSIX")

FLOWTUI = Path(sys.executable).with_name("flowtui")
DEADLINE_S = 30.0  # generous: one uninterrupted run takes about 2 s here


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("FLOWTUI_DEMO_SIZE", "tiny")
    monkeypatch.setenv("FLOWTUI_DEMO_LATENCY_S", "0.05")
    monkeypatch.setenv("FLOWTUI_DEMO_PAGE", "20")
    return dict(os.environ)


def _sync_argv(db: Path, tmp_path: Path) -> list[str]:
    return [str(FLOWTUI), "sync", "--demo", "--db", str(db), "--config", str(tmp_path / "none.toml")]


def _committed_revisions(db: Path) -> int:
    """Revisions a reader sees right now (0 while the store or its tables do not exist yet)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return 0
    try:
        return int(conn.execute("SELECT COUNT(*) FROM revision").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=DEADLINE_S, check=False)


def test_sigkill_mid_stream_then_rerun_equals_an_uninterrupted_sync(tmp_path: Path, demo_env: dict[str, str]) -> None:
    killed_db = tmp_path / "killed.sqlite"
    fresh_db = tmp_path / "fresh.sqlite"
    proc = subprocess.Popen(_sync_argv(killed_db, tmp_path), env=demo_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + DEADLINE_S
        seen = 0
        while time.monotonic() < deadline and proc.poll() is None:
            seen = _committed_revisions(killed_db)
            if seen:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the sync ended before it could be killed: {proc.stderr.read() if proc.stderr else ''}"
        assert seen > 0, "no revisions were committed before the deadline"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()
    at_kill = _committed_revisions(killed_db)
    assert at_kill > 0  # pages were committed before the kill (that it was mid-stream is checked below)
    with open_store(killed_db) as store:
        assert [r.status for r in store.sync_runs()] == ["running"]  # what SIGKILL leaves behind

    rerun = _run(_sync_argv(killed_db, tmp_path), demo_env)
    assert rerun.returncode == 0, rerun.stderr
    fresh = _run(_sync_argv(fresh_db, tmp_path), demo_env)
    assert fresh.returncode == 0, fresh.stderr

    with open_store(killed_db) as resumed, open_store(fresh_db) as reference:
        got, want = dump(resumed), dump(reference)
        assert at_kill < len(want["revisions"])  # killed mid-stream: the killed run had not stored them all
        assert want["prs"] and any(p.reviewers for p in want["prs"])
        for key in ("items", "revisions", "prs", "categories", "repos", "identities"):
            assert got[key] == want[key], key  # content (reviewers are inside each PR), not row ids
        runs = resumed.sync_runs()
        assert [r.status for r in runs] == ["success", "interrupted"]
        assert runs[1].first_error == INTERRUPTED_ERROR and runs[1].finished_at is None
