"""Pilot tests of the live sync: start → progress → finish, cancel, a rejected PAT, the demo start-up path.

Expected counts come from the simulated org's ground truth (the generator's objects), never from
what the app displays.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from textual.message import Message

from flowtui.demo.faults import Faults
from flowtui.demo_mode import DEMO_PAT, demo_simulator
from flowtui.messages import DataChanged, SyncFinished, SyncProgressed, SyncStarted
from flowtui.screens.modals import ErrorModal
from flowtui.widgets.sync_progress import ALL_PROJECTS

SIZE = (120, 40)


def expected_items(sim: Any) -> int:
    """Live (not deleted) work items of the simulated org: what a full sync must store."""
    return sum(1 for w in sim.org.work_items.values() if not w.is_deleted)


async def wait_until(pilot: Any, condition: Any, timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, f"timed out waiting for the app (sync error: {pilot.app.sync_error!r})"
        await pilot.pause(0.02)


async def test_sync_start_progress_finish(make_shell_app: Any, fresh_store: Any, tiny_sim: Any,
                                          memory_keyring: Any, shell_settings: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, DEMO_PAT)
    seen: list[Message] = []
    app = make_shell_app(fresh_store, transport=tiny_sim.transport)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.pause()
        assert "x" not in app.screen.active_bindings  # no cancel without a running sync
        await pilot.press("s")
        assert app.current_mode == "sync"
        await wait_until(pilot, lambda: any(isinstance(m, SyncFinished) for m in seen))
        await app.workers.wait_for_complete()
        await pilot.pause()
        kinds = [type(m) for m in seen if isinstance(m, (SyncStarted, SyncProgressed, SyncFinished))]
        assert kinds[0] is SyncStarted and kinds[-1] is SyncFinished
        assert kinds.count(SyncProgressed) >= 3
        summary = next(m for m in seen if isinstance(m, SyncFinished)).summary
        assert summary.status == "success"
        assert summary.work_items == expected_items(tiny_sim)
        assert fresh_store.count_work_items() == expected_items(tiny_sim)
        assert app.data_version == 1 and any(isinstance(m, DataChanged) for m in seen)
        assert app.sync_running is False
        board = app.sync_board
        real = {name: state for name, state in board.projects.items() if name != ALL_PROJECTS}
        assert set(real) == {"Fabrikam Web", "Contoso Platform"}
        assert all(p.status == "done" for p in board.projects.values())
        # PR threads may be reported per project or org-wide; either way every thread read is shown
        assert sum(p.streams["threads"].done for p in board.projects.values()) == \
            sum(c.threads for c in summary.projects.values()) > 0
        assert board.requests == tiny_sim.request_count
        summary_text = str(app.screen.query_one("#sync-summary").render())
        assert "Sync success" in summary_text
        assert app.check_action("export", ()) is True  # the store has data now


class GatedTransport(httpx.BaseTransport):
    """Passes requests to `inner`, but holds request number `hold_at` until `release` is set."""

    def __init__(self, inner: httpx.BaseTransport, hold_at: int) -> None:
        self.inner, self.hold_at, self.count = inner, hold_at, 0
        self.held, self.release = threading.Event(), threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.count == self.hold_at:
            self.held.set()
            self.release.wait(10)
        return self.inner.handle_request(request)


async def test_cancel_between_pages(make_shell_app: Any, fresh_store: Any, memory_keyring: Any,
                                    shell_settings: Any, tmp_path: Any, tiny_sim: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, DEMO_PAT)
    # Hold the 8th request (inside the first project) while "x" is pressed, then let it finish.
    gate = GatedTransport(tiny_sim.transport, hold_at=8)
    seen: list[Message] = []
    app = make_shell_app(fresh_store, transport=gate)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.pause()
        assert "x" not in app.screen.active_bindings
        await pilot.press("s")
        await wait_until(pilot, gate.held.is_set)
        assert app.sync_running
        assert "x" in app.screen.active_bindings
        await pilot.press("x")
        gate.release.set()
        await wait_until(pilot, lambda: any(isinstance(m, SyncFinished) for m in seen))
        await app.workers.wait_for_complete()
        summary = next(m for m in seen if isinstance(m, SyncFinished)).summary
        assert summary.status == "cancelled"
        assert fresh_store.sync_runs(1)[0].status == "cancelled"
        assert app.sync_running is False
        assert "x" not in app.screen.active_bindings
    # A complete run of the same org (headless, same sync path) needs more requests than the cancelled one.
    from flowtui.store import open_store
    from flowtui.sync import run_sync

    reference = demo_simulator("tiny", faults=Faults(), realities=False)
    with open_store(tmp_path / "reference.sqlite") as store:
        full = run_sync(shell_settings, store, pat=DEMO_PAT, transport=reference.transport, now=app.now())
    assert full.status == "success"
    assert tiny_sim.request_count < reference.request_count


@pytest.mark.worker_errors  # the sync worker raises AuthError on purpose
async def test_rejected_pat_shows_modal(make_shell_app: Any, fresh_store: Any, tiny_sim: Any,
                                        memory_keyring: Any, shell_settings: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, "not-the-" + DEMO_PAT)
    app = make_shell_app(fresh_store, transport=tiny_sim.transport)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorModal))
        modal = app.screen
        assert shell_settings.org_url in modal.message
        assert fresh_store.count_work_items() == 0
        assert app.sync_running is False
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorModal)
        assert "Sync failed" in str(app.screen.query_one("#sync-state").render())


@pytest.mark.worker_errors  # the sync worker raises AuthError on purpose
async def test_missing_pat_without_keyring_entry(make_shell_app: Any, fresh_store: Any, tiny_sim: Any) -> None:
    app = make_shell_app(fresh_store, transport=tiny_sim.transport)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorModal))
        assert "flowtui auth set" in app.screen.message


async def test_demo_mode_syncs_then_shows_dashboard(make_shell_app: Any, fresh_store: Any, tiny_sim: Any) -> None:
    from flowtui.screens.dashboard import DashboardScreen

    app = make_shell_app(fresh_store, transport=tiny_sim.transport, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.current_mode == "dashboard")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.data is not None and not app.screen.data.empty
        assert fresh_store.count_work_items() == expected_items(tiny_sim)
        # the simulated ADO saw the demo PAT and nothing touched the keyring
        assert app.keyring_backend.passwords == {}


async def test_quit_during_sync_asks_first(make_shell_app: Any, fresh_store: Any, tiny_sim: Any) -> None:
    from flowtui.screens.modals import ConfirmModal

    gate = GatedTransport(tiny_sim.transport, hold_at=5)
    app = make_shell_app(fresh_store, transport=gate, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, gate.held.is_set)
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert app.sync_running and app.is_running and not isinstance(app.screen, ConfirmModal)
        await pilot.press("q", "y")
        gate.release.set()
        await wait_until(pilot, lambda: not app.is_running)
    assert app.return_value == 0
    assert fresh_store.sync_runs(1)[0].status == "cancelled"
