"""One writer per store, interrupted runs, the WIQL fallback watermark, and a full disk.

The lock tests use real processes where the promise is about processes: a second `flowtui sync`
is refused while a first one runs, and a SIGKILLed holder leaves no stale lock.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from flowtui.demo.faults import Faults
from flowtui.demo.generator import generate_org
from flowtui.demo.transport import SimulatedAdo
from flowtui.demo_mode import demo_faults, demo_size
from flowtui.domain import SyncRun
from flowtui.errors import ConfigError, StoreError
from flowtui.metrics import health
from flowtui.store import open_store
from flowtui.store.lock import acquire_writer_lock, describe_holder, lock_path
from flowtui.store.runs import INTERRUPTED_ERROR
from flowtui.store.store import write_error
from flowtui.sync import run_sync
from flowtui.sync import fallback
from flowtui.sync.org_stream import org_stream_name

from .helpers import FakeTime, dump, make_settings
from .test_sync_sim import _NoReporting

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
FLOWTUI = Path(sys.executable).with_name("flowtui")
posix_only = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and flock are POSIX")


def _sim(**faults: object) -> SimulatedAdo:
    return SimulatedAdo(generate_org(seed=7, size="tiny", now=NOW), faults=Faults(**faults))


def _sync(tmp_path: Path, sim: SimulatedAdo, *, transport: httpx.BaseTransport | None = None,
          projects: list[str] | None = None, target: Path | str | None = None, **kw: object):
    fake = FakeTime()
    settings = make_settings(tmp_path, sim.base_url, projects or [p.name for p in sim.org.projects], target=target)
    kw.setdefault("now", sim.org.now)
    with open_store(settings.store_target) as store:
        summary = run_sync(settings, store, pat=sim.pat, transport=transport or sim.transport,
                           sleep=fake.sleep, clock=fake.clock, **kw)
        return summary, dump(store), [r.status for r in store.sync_runs()]


# ---- the lock, in one process ----------------------------------------------------------------

def test_second_writer_is_refused_with_the_holder_and_may_go_once_released(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    first = acquire_writer_lock(db, command="flowtui sync --full")
    info = json.loads(lock_path(db).read_text())
    assert info["pid"] == os.getpid() and info["command"] == "flowtui sync --full"
    with pytest.raises(StoreError) as caught:
        acquire_writer_lock(db, command="flowtui sync")
    message = caught.value.message
    assert message.startswith(f"The store {db} is being synced by another flowtui process (pid {os.getpid()} on ")
    assert ": flowtui sync --full)" in message and " UTC" in message and caught.value.exit_code == 1
    first.release()
    assert lock_path(db).read_text() == ""  # the holder line is cleared with the lock
    acquire_writer_lock(db).release()  # free again
    first.release()  # idempotent


def test_holder_details_are_data_not_terminal_codes(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite.lock"
    path.write_text(json.dumps({"pid": 7, "host": "box\x1b]0;pwned\x07", "since": "2026-12-04T04:20:11Z",
                                "command": "flowtui sync\x1b[2J"}))
    assert describe_holder(path) == "pid 7 on box?]0;pwned?, since 2026-12-04 04:20:11 UTC: flowtui sync?[2J"
    path.write_bytes(b"\xff not json")
    assert describe_holder(path) == "its details are not available yet"


def test_a_refused_sync_leaves_the_running_record_alone_and_readers_never_block(tmp_path: Path) -> None:
    sim = _sim()
    settings = make_settings(tmp_path, sim.base_url, ["Fabrikam Web"])
    holder = open_store(settings.db_path)
    run_id = holder.start_run("org", command="flowtui sync (the holder)")
    try:
        with open_store(settings.db_path) as second:
            started = time.monotonic()
            with pytest.raises(StoreError, match=r"pid \d+ on .*: flowtui sync \(the holder\)\)"):
                run_sync(settings, second, pat=sim.pat, transport=sim.transport, now=NOW)
            assert time.monotonic() - started < 5.0  # refused at once, never waiting for the holder
            # Readers go on while the writer holds the lock.
            assert [(r.id, r.status) for r in second.sync_runs()] == [(run_id, "running")]
            assert second.stats()["work_item"] == 0
        assert sim.request_count == 0  # refused before the first request
    finally:
        holder.finish_run(run_id, status="success")
        holder.close()
    with open_store(settings.db_path) as store:
        assert [r.status for r in store.sync_runs()] == ["success"]


def test_a_dead_running_record_is_marked_interrupted_at_the_next_start(store_target: Path | str) -> None:
    # both engines: the run records are rows (the lock itself is the file's here, an advisory lock on PostgreSQL)
    with open_store(store_target) as store:
        dead = store.start_run("org")
        store.release_writer()  # what the OS does when the holder is killed: the record stays `running`
        assert store.sync_runs()[0].status == "running"
        second = store.start_run("org")
        assert store.interrupted_runs == 1
        store.finish_run(second, status="success")
        runs = {r.id: r for r in store.sync_runs()}
    assert runs[dead].status == "interrupted" and runs[dead].first_error == INTERRUPTED_ERROR
    assert runs[second].status == "success"


def test_data_health_counts_interrupted_runs_like_failed_ones() -> None:
    at = NOW
    runs = [SyncRun(3, at, "success", at), SyncRun(2, at - timedelta(hours=2), "interrupted", None,
                                                   first_error=INTERRUPTED_ERROR),
            SyncRun(1, at - timedelta(hours=3), "failed", at, first_error="HTTP 500")]
    found = {f["code"]: f for f in health.findings([], [], runs, at)}
    assert found["sync_failed"]["count"] == 2
    assert found["sync_failed"]["message"] == f"recent sync runs failed (1 interrupted); first error: {INTERRUPTED_ERROR}"


# ---- the lock, across processes ---------------------------------------------------------------

def _wait_for_holder(path: Path, proc: subprocess.Popen, deadline_s: float = 30.0) -> dict:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            text = path.read_text()
        except OSError:
            text = ""
        if text.strip():
            return json.loads(text)
        time.sleep(0.01)
    raise AssertionError("the first sync never took the lock")


@posix_only
def test_second_flowtui_sync_exits_1_naming_the_first_and_a_killed_holder_leaves_no_stale_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWTUI_DEMO_SIZE", "tiny")
    monkeypatch.setenv("FLOWTUI_DEMO_LATENCY_S", "1")  # about 45 s for the whole run: it is killed long before
    db = tmp_path / "s.sqlite"
    argv = [str(FLOWTUI), "sync", "--demo", "--db", str(db), "--config", str(tmp_path / "none.toml")]
    first = subprocess.Popen(argv, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        info = _wait_for_holder(lock_path(db), first)
        assert info["pid"] == first.pid and info["command"].startswith("flowtui sync --demo --db")
        started = time.monotonic()
        second = subprocess.run(argv, env=dict(os.environ), capture_output=True, text=True, timeout=30, check=False)
        assert time.monotonic() - started < 20.0  # refused, not queued behind the first (which needs ~45 s)
        assert second.returncode == 1
        assert second.stderr.startswith(f"flowtui: The store {db} is being synced by another flowtui process "
                                        f"(pid {first.pid} on {info['host']}, since ")
        assert "flowtui sync --demo --db" in second.stderr and "Traceback" not in second.stderr
        assert first.poll() is None  # the refused sync did not disturb the first
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
    # The holder died with its lock: the next sync runs (no stale lock) and records the dead run.
    monkeypatch.setenv("FLOWTUI_DEMO_LATENCY_S", "0")
    third = subprocess.run([*argv, "--only", "prs"], env=dict(os.environ), capture_output=True, text=True,
                           timeout=60, check=False)
    assert third.returncode == 0, third.stderr
    with open_store(db) as store:
        assert [r.status for r in store.sync_runs()] == ["success", "interrupted"]


# ---- the WIQL fallback watermark ----------------------------------------------------------------

def test_fallback_watermark_is_the_start_of_the_pass_that_completed(tmp_path: Path, store_target: Path | str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fallback.endpoints, "BATCH_LIMIT", 30)  # 34 items: a pass is two chunks
    project = "Fabrikam Web"
    sim = _sim()
    transport = _NoReporting(sim.transport)  # no stream: the WIQL fallback runs
    t0 = sim.org.now
    # Run 1 stops after its first chunk (30 items read at t0): the pass is left half done.
    reader = open_store(store_target)

    def cancel_after_first_chunk() -> bool:  # checked before each chunk: stop once one is committed
        return reader.get_cursor(sim.org.name, project, fallback.STREAM) is not None

    try:
        summary, _, _ = _sync(tmp_path, sim, target=store_target, transport=transport, projects=[project], only="work-items",
                              cancel=cancel_after_first_chunk)
    finally:
        reader.close()
    assert summary.status == "cancelled"
    with open_store(store_target) as store:
        state = json.loads(store.get_cursor(sim.org.name, project, fallback.STREAM).value)
    assert state["pass_start"] == "2026-11-23T12:00:00Z"  # the server's asOf at the first WIQL of the pass
    done_ids = {h.item.id for h in sim.org.histories() if h.item.project == project and h.item.id <= state["after_id"]}
    # Five hours pass; some items the first run had already read change.
    change = sim.org.advance(hours=5, seed=2)
    assert set(change.changed_work_item_ids) & done_ids, "the scenario needs a change to an item already read"
    # Run 2 (at t0 + 5 h) resumes the pass and completes it: the watermark is the pass's start, t0.
    summary, _, _ = _sync(tmp_path, sim, target=store_target, transport=transport, projects=[project], only="work-items")
    assert summary.status == "success", summary.first_error
    with open_store(store_target) as store:
        assert store.get_cursor(sim.org.name, project, fallback.STREAM).watermark == t0
    # Run 3 asks for everything changed since t0 (less the overlap): the store then matches the server.
    summary, data, _ = _sync(tmp_path, sim, target=store_target, transport=transport, projects=[project], only="work-items")
    assert summary.status == "success"
    truth = sorted((h for h in sim.org.histories() if h.item.project == project), key=lambda h: h.item.id)
    assert data["items"] == [h.item for h in truth]
    assert data["revisions"] == sorted((r.work_item_id, r.rev, r.changed_at, r.state, r.from_state, r.changed_by,
                                        r.tags, r.blocked) for h in truth for r in h.revisions)


# ---- a full disk ------------------------------------------------------------------------------

class _FillsUp(httpx.BaseTransport):
    """After `pages` reporting pages, caps the store file at its current size (a disk that fills up)."""

    def __init__(self, inner: httpx.BaseTransport, conn: sqlite3.Connection, pages: int) -> None:
        self.inner, self.conn, self.pages = inner, conn, pages

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "reporting/workitemrevisions" in request.url.path.lower():
            self.pages -= 1
            if self.pages == 0:
                used = self.conn.execute("PRAGMA page_count").fetchone()[0]
                self.conn.execute(f"PRAGMA max_page_count = {used}")
        return self.inner.handle_request(request)


def test_full_disk_names_the_real_cause_and_the_cursor_stays_with_what_was_written(tmp_path: Path) -> None:
    sim = _sim(revisions_default_page=20)
    project = "Fabrikam Web"
    settings = make_settings(tmp_path, sim.base_url, [project])
    with open_store(settings.db_path) as store:
        transport = _FillsUp(sim.transport, store.db.connection(), pages=4)
        with pytest.raises(StoreError) as caught:
            run_sync(settings, store, pat=sim.pat, transport=transport, now=NOW, only="work-items")
        message = caught.value.message
        assert message.startswith(f"The disk is full at {tmp_path}: writing to the store {settings.db_path} failed")
        assert "rollback" not in message
        # the organization-level stream carries the cursor (one per synced project set)
        cursor = store.get_cursor(sim.org.name, "", org_stream_name(settings["sync.work_item_types"] or [], [project]))
        kept = store.stats()["revision"]
        assert cursor is not None and cursor.value and 0 < kept < 312  # pages before the failure are kept
        store.db.connection().execute("PRAGMA max_page_count = 1073741823")  # space is freed
        again = run_sync(settings, store, pat=sim.pat, transport=sim.transport, now=NOW, only="work-items")
        assert again.status == "success"
        assert again.revisions == 312 - kept  # resumed exactly after the last committed page
        assert [r.status for r in store.sync_runs()] == ["success", "failed"]


def test_write_errors_name_their_cause() -> None:
    db = Path("/data/flowtui/store.sqlite")
    full = write_error(db, OSError(errno.ENOSPC, "No space left on device"))
    assert full.message.startswith("The disk is full at /data/flowtui: writing to the store")
    readonly = write_error(db, sqlite3.OperationalError("attempt to write a readonly database"))
    assert readonly.message.startswith(f"The store {db} is read-only")
    try:  # SQLite's own rollback failing after the real error: the real one is reported
        try:
            raise sqlite3.OperationalError("disk I/O error")
        except sqlite3.OperationalError:
            raise sqlite3.OperationalError("cannot rollback - no transaction is active")  # noqa: B904 - the chain is the point
    except sqlite3.OperationalError as exc:
        other = write_error(db, exc)
    assert other.message == f"Writing to the store {db} failed (disk I/O error); nothing from this step was kept."


# ---- the demo knobs the kill tests use ------------------------------------------------------------

def test_demo_knobs_are_checked() -> None:
    assert demo_size({}) == "default" and demo_size({"FLOWTUI_DEMO_SIZE": "tiny"}) == "tiny"
    faults = demo_faults(env={"FLOWTUI_DEMO_LATENCY_S": "0.05", "FLOWTUI_DEMO_PAGE": "20"})
    assert (faults.latency_s, faults.revisions_default_page, faults.random_kinds) == (0.05, 20, ("429",))
    for env in ({"FLOWTUI_DEMO_SIZE": "huge"}, {"FLOWTUI_DEMO_LATENCY_S": "inf"}, {"FLOWTUI_DEMO_LATENCY_S": "nan"},
                {"FLOWTUI_DEMO_LATENCY_S": "-1"}, {"FLOWTUI_DEMO_PAGE": "0"}, {"FLOWTUI_DEMO_PAGE": "2.5"}):
        with pytest.raises(ConfigError) as caught:
            demo_size(env)
            demo_faults(env=env)
        assert next(iter(env)) in caught.value.message and caught.value.exit_code == 2
