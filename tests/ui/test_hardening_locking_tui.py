"""The TUI's sync on a store another process is syncing: refused at once, and the user is told who holds it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flowtui.demo_mode import DEMO_PAT
from flowtui.errors import StoreError
from flowtui.screens.modals import ErrorModal
from flowtui.store.lock import acquire_writer_lock

SIZE = (120, 40)


@pytest.mark.worker_errors  # the sync worker raises StoreError (the store is held) on purpose
async def test_sync_on_a_store_held_by_another_process_names_the_holder(
        make_shell_app: Any, fresh_store: Any, tiny_sim: Any, memory_keyring: Any, shell_settings: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, DEMO_PAT)
    held = acquire_writer_lock(fresh_store.path, command="flowtui sync --full (another terminal)")
    try:
        app = make_shell_app(fresh_store, transport=tiny_sim.transport)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("s")
            loop = asyncio.get_running_loop()
            end = loop.time() + 10.0
            while app.sync_error is None:
                assert loop.time() < end, "the refused sync never reported"
                await pilot.pause(0.02)
            error = app.sync_error
            assert isinstance(error, StoreError)
            assert "is being synced by another flowtui process" in error.message
            assert "flowtui sync --full (another terminal)" in error.message
            assert app.sync_running is False
            await pilot.pause()
            assert isinstance(app.screen, ErrorModal) and app.screen.message == error.message  # told, not only logged
            assert tiny_sim.request_count == 0 and fresh_store.sync_runs() == []  # nothing was done
    finally:
        held.release()
