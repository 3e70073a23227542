"""Issue #15: a TUI reading a store another process syncs shows the data age, says when a sync runs
elsewhere, and refreshes when the sync run record changes (`ui.store_watch_seconds`).

The "other machine" is a second Store on the same SQLite file taking the writer lock and writing run
records (deterministic), a real `flowtui sync --demo` subprocess writing the same file, and a second
Store on a real PostgreSQL server (`pg_url`). Polls are driven by hand (`store_watch_tick()`): the
configured interval is long enough never to fire during a test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from textual.widgets import Static

from flowtui.app import make_app
from flowtui.store import open_store
from flowtui.store.models import to_micros
from shell_support import AS_OF, settle, tiny_settings

SIZE = (120, 40)
FLOWTUI = Path(sys.executable).with_name("flowtui")
#: The interval configured in these tests: far longer than any test, so only the hand-driven ticks poll.
NEVER_S = 3600


async def poll(pilot: Any) -> None:
    assert pilot.app.store_watch_tick() is True  # no poll in flight, no own sync: one starts
    await settle(pilot)


def status(app: Any) -> str:
    return str(app.screen.query_one("StatusBar").render_bar())


def meta(app: Any) -> str:
    return str(app.screen.query_one("#dashboard-meta", Static).render())


def store_notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications if n.title == "Store"]


def pin_run(store: Any, run_id: int, started: Any, finished: Any = None) -> None:
    """Give a run record fixed times, so HH:MM in the texts is known in advance (test-only SQL)."""
    store.db.execute_sql("UPDATE sync_run SET started_at = ?, finished_at = ? WHERE id = ?",
                         (to_micros(started), to_micros(finished) if finished else None, run_id))


async def test_a_sync_elsewhere_is_shown_while_it_runs_then_refreshes_every_view_once(
        tmp_path: Path, demo_store_path: Path) -> None:
    db = tmp_path / "team.sqlite"
    db.write_bytes(demo_store_path.read_bytes())  # 3 h old data (SYNCED_AT), one successful run
    settings = tiny_settings(tmp_path).with_values(ui__store_watch_seconds=NEVER_S)
    mine, other = open_store(db), open_store(db)
    app = make_app(settings, store=mine, clock=lambda: AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the baseline poll ran at mount: the finished run there is no news
        assert app.watch_marker is not None and app.watch_marker.status == "success"
        assert app.foreign_run is None and store_notes(app) == []
        assert "last synced 3 h ago" in meta(app) and "elsewhere" not in status(app)
        version = app.data_version

        run_id = other.start_run("https://dev.azure.com/other")  # another process takes the writer lock
        pin_run(other, run_id, AS_OF.replace(hour=9, minute=41))  # AS_OF is a UTC instant; flow.timezone = UTC
        await poll(pilot)
        assert app.foreign_run is not None and app.foreign_run.id == run_id
        assert "a sync is running elsewhere, started 09:41" in status(app)
        assert "a sync is running elsewhere, started 09:41" in meta(app)
        assert "last synced 3 h ago" in meta(app)  # the data age stays visible
        assert app.data_version == version and store_notes(app) == []  # running: nothing to re-read yet

        await poll(pilot)  # the same record again: nothing changes, nothing is said
        assert app.data_version == version and store_notes(app) == []

        other.finish_run(run_id, status="success", work_items=1)
        pin_run(other, run_id, AS_OF.replace(hour=9, minute=41), AS_OF.replace(hour=9, minute=58))
        await poll(pilot)
        assert app.foreign_run is None and "elsewhere" not in status(app)
        assert app.data_version == version + 1  # every view re-reads the store
        assert store_notes(app) == ["The store was updated by a sync that finished at 09:58 (elsewhere)."]
        assert "last synced" in meta(app) and "running elsewhere" not in meta(app)

        await poll(pilot)
        await poll(pilot)  # no change: still one notification, no extra refresh
        assert app.data_version == version + 1 and len(store_notes(app)) == 1
    other.close()
    mine.close()


async def test_this_apps_own_sync_is_no_news(tmp_path: Path, fresh_store: Any, tiny_sim: Any,
                                             memory_keyring: Any) -> None:
    from flowtui.demo_mode import DEMO_PAT

    memory_keyring.set_password("flowtui", tiny_settings(tmp_path).org_url, DEMO_PAT)
    settings = tiny_settings(tmp_path).with_values(ui__store_watch_seconds=NEVER_S)
    app = make_app(settings, store=fresh_store, transport=tiny_sim.transport, keyring_backend=memory_keyring,
                   clock=lambda: AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.watch_marker is None  # an empty store: no run yet
        assert app.start_sync(background=True)
        assert app.store_watch_tick() is False  # never polls while this app syncs
        await settle(pilot)
        assert app.last_summary is not None and app.last_summary.status == "success"
        version = app.data_version
        await poll(pilot)
        assert app.watch_marker is not None and app.watch_marker.id == app.last_summary.run_id
        assert app.data_version == version and store_notes(app) == [] and app.foreign_run is None


async def test_a_real_sync_process_on_the_same_file_is_followed(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    open_store(db).close()  # an empty store the TUI opens first
    settings = tiny_settings(tmp_path).with_values(ui__store_watch_seconds=NEVER_S)
    mine = open_store(db)
    app = make_app(settings, store=mine, clock=lambda: AS_OF)
    env = {**os.environ, "FLOWTUI_DEMO_SIZE": "tiny", "FLOWTUI_DEMO_LATENCY_S": "0.05"}
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.watch_marker is None and "No data yet" in str(app.screen.query_one("#dashboard-empty").render())
        proc = subprocess.Popen([str(FLOWTUI), "sync", "--demo", "--db", str(db)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            seen_running = False
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                await poll(pilot)
                seen_running = seen_running or app.foreign_run is not None
                await pilot.pause(0.2)
            assert proc.wait(timeout=60) == 0, proc.stderr.read().decode() if proc.stderr else ""
        finally:
            if proc.poll() is None:
                proc.kill()
        await poll(pilot)
        assert seen_running  # the simulated latency keeps that sync running for seconds
        assert app.foreign_run is None and app.watch_marker is not None and app.watch_marker.status == "success"
        assert len(store_notes(app)) == 1 and "(elsewhere)" in store_notes(app)[0]
        await settle(pilot)
        assert app.screen.query_one("#kpi-table").display  # the dashboard now shows the synced data
    mine.close()


async def test_a_failing_poll_is_one_warning_not_a_modal_per_tick(tmp_path: Path, fresh_store: Any) -> None:
    from flowtui.errors import StoreError

    calls = {"n": 0}

    def gone() -> None:
        calls["n"] += 1
        raise StoreError("Reading the store postgresql://team@db/flowtui failed (server closed the connection).")

    settings = tiny_settings(tmp_path).with_values(ui__store_watch_seconds=NEVER_S)
    app = make_app(settings, store=fresh_store, clock=lambda: AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fresh_store.latest_run = gone  # the server went away
        for _ in range(4):
            await poll(pilot)
        assert calls["n"] == 4
        assert "⚠ store not reachable" in status(app) and "store not reachable" in meta(app)
        notes = store_notes(app)
        assert len(notes) == 1 and "server closed the connection" in notes[0]
        assert app.worker_errors == [] and app.screen.__class__.__name__ == "DashboardScreen"  # no modal
        del fresh_store.latest_run  # the server is back
        await poll(pilot)
        assert "store not reachable" not in status(app) and app.store_watch_problem is None


async def test_a_sync_elsewhere_on_postgresql_is_followed(tmp_path: Path, pg_url: str) -> None:
    settings = tiny_settings(tmp_path).with_values(ui__store_watch_seconds=NEVER_S, store__url=pg_url)
    mine, other = open_store(pg_url), open_store(pg_url)
    app = make_app(settings, store=mine, clock=lambda: AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.watch_marker is None and app.foreign_run is None
        version = app.data_version
        run_id = other.start_run("https://dev.azure.com/other")  # the advisory writer lock, another session
        other.db.execute_sql("UPDATE sync_run SET started_at = %s WHERE id = %s",
                             (to_micros(AS_OF.replace(hour=7, minute=5)), run_id))
        await poll(pilot)
        assert "a sync is running elsewhere, started 07:05" in status(app)
        other.finish_run(run_id, status="failed", first_error="boom")
        other.db.execute_sql("UPDATE sync_run SET finished_at = %s WHERE id = %s",
                             (to_micros(AS_OF.replace(hour=7, minute=30)), run_id))
        await poll(pilot)
        assert app.foreign_run is None and app.data_version == version + 1
        assert store_notes(app) == ["The store was updated by a sync that finished at 07:30 (elsewhere; it ended failed)."]
        # a writer that dies mid-run: its record still says running, but its advisory lock is gone
        dead = other.start_run("https://dev.azure.com/other")
        other.db.execute_sql("UPDATE sync_run SET started_at = %s WHERE id = %s",
                             (to_micros(AS_OF.replace(hour=8, minute=15)), dead))
        await poll(pilot)
        assert "a sync is running elsewhere, started 08:15" in status(app)
        other.release_writer()  # what the server does when the writer's session ends
        await poll(pilot)
        assert app.foreign_run is None and "running elsewhere" not in status(app)
        assert app.data_version == version + 2
        assert store_notes(app)[-1] == ("A sync elsewhere that started at 08:15 stopped without finishing; "
                                        "the store holds what it committed.")
    other.close()
    mine.close()


async def test_auto_sync_waits_while_a_sync_runs_elsewhere(tmp_path: Path, fresh_store: Any) -> None:
    clock = {"t": 1000.0}
    settings = tiny_settings(tmp_path).with_values(ui__store_watch_seconds=NEVER_S, ui__auto_sync_minutes=10)
    other = open_store(fresh_store.path)
    app = make_app(settings, store=fresh_store, clock=lambda: AS_OF, monotonic=lambda: clock["t"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        run_id = other.start_run("https://dev.azure.com/other")
        await poll(pilot)
        assert app.foreign_run is not None
        clock["t"] += 10 * 60 + 1  # the background sync is due
        assert app.auto_sync_tick() is False and not app.sync_running  # the lock is taken: no doomed sync
        assert app.auto_sync_text() == "auto-sync in 10 min"  # counted again from now
        other.finish_run(run_id, status="success")
    other.close()
