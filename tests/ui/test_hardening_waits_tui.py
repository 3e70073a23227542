"""Issue #10, family "waits", in the TUI: `x` and quitting interrupt a throttle wait or a hanging request
within about a second, and an untrustworthy Retry-After ends the sync with its one-sentence error.

The app syncs the tiny simulated org through the real sync path; the simulator's fault knobs make
every revisions request wait 30 s (a 429) or hang for 20 s. Times are measured with time.monotonic
from the key press to the end of the sync worker, with a generous margin.
"""

from __future__ import annotations

import time
from typing import Any

from textual.message import Message

from flowtui.demo.faults import FaultRule, Faults
from flowtui.demo_mode import DEMO_PAT, demo_simulator
from flowtui.messages import SyncFinished, SyncProgressed
from flowtui.screens.modals import ConfirmModal
from flowtui.sync.progress import STAGE_THROTTLED

from test_shell_sync import SIZE, wait_until  # noqa: E402 - sibling test module on the ui path

CANCEL_BOUND_S = 2.0


def _sim(kind: str, **knobs: Any) -> Any:
    return demo_simulator("tiny", faults=Faults(rules=[FaultRule(kind, route="reporting_revisions", count=-1)], **knobs))


def _finished(seen: list[Message]) -> SyncFinished | None:
    return next((m for m in seen if isinstance(m, SyncFinished)), None)


def _waiting(seen: list[Message]) -> bool:
    return any(isinstance(m, SyncProgressed) and m.progress.stage == STAGE_THROTTLED for m in seen)


async def _press_x_while(make_shell_app: Any, store: Any, sim: Any, started: Any) -> tuple[Any, float]:
    seen: list[Message] = []
    app = make_shell_app(store, transport=sim.transport)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: started(seen), timeout=20)
        await pilot.pause(0.3)  # well inside the wait / the request in flight
        assert app.sync_running
        pressed = time.monotonic()
        await pilot.press("x")
        await wait_until(pilot, lambda: _finished(seen) is not None, timeout=10)
        took = time.monotonic() - pressed
        await app.workers.wait_for_complete()
        finished = _finished(seen)
        assert finished is not None
        return finished.summary, took


async def test_x_interrupts_a_30_s_throttle_wait(make_shell_app: Any, fresh_store: Any, memory_keyring: Any,
                                                 shell_settings: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, DEMO_PAT)
    sim = _sim("429", retry_after_s=30)
    summary, took = await _press_x_while(make_shell_app, fresh_store, sim, _waiting)
    assert took < CANCEL_BOUND_S
    assert summary.status == "cancelled" and fresh_store.sync_runs(1)[0].status == "cancelled"


async def test_x_interrupts_a_hanging_request(make_shell_app: Any, fresh_store: Any, memory_keyring: Any,
                                              shell_settings: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, DEMO_PAT)
    sim = _sim("hang", hang_s=20)
    summary, took = await _press_x_while(
        make_shell_app, fresh_store, sim, lambda seen: sim.counts_by_route().get("reporting_revisions", 0) >= 1)
    assert took < CANCEL_BOUND_S  # not the 20 s the server holds the request
    assert summary.status == "cancelled" and fresh_store.sync_runs(1)[0].status == "cancelled"


async def test_quitting_during_a_throttle_wait_ends_at_once(make_shell_app: Any, fresh_store: Any, memory_keyring: Any,
                                                             shell_settings: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, DEMO_PAT)
    sim = _sim("429", retry_after_s=30)
    seen: list[Message] = []
    app = make_shell_app(fresh_store, transport=sim.transport)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: _waiting(seen), timeout=20)
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmModal)
        pressed = time.monotonic()
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, timeout=10)
    assert app.return_value == 0
    # `flowtui` (app.run) waits for the sync worker's thread at shutdown; run_test does not, so wait
    # here, boundedly, for the worker to record the run as cancelled.
    while fresh_store.sync_runs(1)[0].status == "running" and time.monotonic() - pressed < 10:
        time.sleep(0.02)
    took = time.monotonic() - pressed
    assert fresh_store.sync_runs(1)[0].status == "cancelled"
    assert took < CANCEL_BOUND_S  # not the 30 s the server asked for


async def test_an_unbounded_retry_after_fails_the_sync_with_its_sentence(make_shell_app: Any, fresh_store: Any,
                                                                         memory_keyring: Any, shell_settings: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, DEMO_PAT)
    sim = _sim("429", retry_after_text="Fri, 31 Dec 9999 23:59:59 GMT")
    seen: list[Message] = []
    app = make_shell_app(fresh_store, transport=sim.transport)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        started = time.monotonic()
        await pilot.press("s")
        await wait_until(pilot, lambda: _finished(seen) is not None, timeout=20)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert time.monotonic() - started < 15
        summary = _finished(seen).summary
        assert summary.status == "failed" and "wait budget" in (summary.first_error or "")
        assert app.sync_error is None  # a failed run, not a crashed worker
        shown = str(app.screen.query_one("#sync-summary").render())
        assert "Sync failed" in shown and "wait budget" in shown
