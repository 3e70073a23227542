"""UI test fixtures (owner: TUI-shell). TUI-views' fixtures live in `conftest_views.py`, imported below.

Session data — build once, share everywhere:

* `demo_store_path` (session): the *tiny* simulated organization (seed 7, two projects "Fabrikam Web"
  and "Contoso Platform", 68 work items, 22 PRs, clock `AS_OF` = 2026-11-23 12:00 UTC) synced ONCE
  per session through the real `flowtui.sync.run_sync` and the in-process simulated ADO (no faults)
  into a temp SQLite file; its sync run is re-dated to `SYNCED_AT` = AS_OF − 3 h (deterministic
  "last synced 3 h ago"). Treat it as read-only; tests that sync again use `fresh_store`.
* `demo_store` (function): that store opened for one test (closed afterwards).
* `fresh_store` (function): an empty store in the test's tmp dir.
* `shell_settings` (function): Settings for the tiny demo org (org URL, both projects), with the
  config file and db path inside the test's tmp dir (saving from the Settings screen lands there).
* `tiny_sim` (function): a fresh `SimulatedAdo` for the tiny org (accepts only `DEMO_PAT`).
* `make_shell_app` (function): `make_shell_app(store, settings=None, transport=None, demo=False, **kw)`
  → `flowtui.app.make_app(...)` with the frozen clock `AS_OF` and an in-memory keyring backend.

Every snapshot test asserts `app._exception is None` afterwards (snap_compare passes even when the
app raised). Worker failures count as crashes too: `worker_error_tracker` (autouse) records every
worker that ends in ERROR, on any screen of any app, and fails the test at teardown unless it is marked
`@pytest.mark.worker_errors` (tests that provoke a failure on purpose); the snapshot tests' `run_before`
helpers call `assert_no_worker_errors`, so a broken screen is never photographed. The root conftest isolates XDG dirs, strips FLOWTUI_*/TEXTUAL_*/NO_COLOR and keeps the
real keyring out of reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest_views import *  # noqa: F403 - TUI-views' fixtures (views_store, ViewsApp, ...)

from flowtui.config import Settings
from flowtui.demo_mode import DEMO_PAT, demo_simulator
from flowtui.store import Store, open_store

import shell_support
from shell_support import AS_OF, SYNCED_AT, TINY, TINY_PROJECTS, tiny_settings  # noqa: E402,F401


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "worker_errors: the test provokes worker failures on purpose")


@pytest.fixture(autouse=True)
def worker_error_tracker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Record every failed worker of the test (see the module docstring); fail unless marked."""
    from textual.worker import Worker, WorkerState

    failures = shell_support.WORKER_FAILURES
    failures.clear()
    original = Worker._run

    async def tracked_run(self: Worker[Any], app: Any) -> None:
        await original(self, app)
        if self.state == WorkerState.ERROR and self.error is not None:
            failures.append((self.name or self.group, self.error))

    monkeypatch.setattr(Worker, "_run", tracked_run)
    yield failures
    if failures and request.node.get_closest_marker("worker_errors") is None:
        text = shell_support.worker_failure_text()
        failures.clear()
        pytest.fail(f"a worker failed during the test (mark it worker_errors if that is intended):\n{text}")
    failures.clear()


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny demo org synced once through the real sync path (see the module docstring)."""
    from flowtui.demo.faults import Faults
    from flowtui.sync import run_sync

    tmp = tmp_path_factory.mktemp("demo-store")
    settings = tiny_settings(tmp)
    sim = demo_simulator(TINY, faults=Faults(), realities=False)
    with open_store(settings.db_path) as store:
        summary = run_sync(settings, store, pat=DEMO_PAT, transport=sim.transport, now=AS_OF)
        assert summary.status == "success", summary.first_error
        # The run record carries the real wall-clock time; pin it to AS_OF − 3 h so "last synced 3 h
        # ago" is the same on every run (the store API has no setter: plain SQL, test-only).
        from flowtui.store.models import to_micros

        store.db.execute_sql("UPDATE sync_run SET started_at = ?, finished_at = ?",
                             (to_micros(SYNCED_AT) - 5_000_000, to_micros(SYNCED_AT)))
    return settings.db_path


@pytest.fixture
def demo_store(demo_store_path: Path) -> Iterator[Store]:
    store = open_store(demo_store_path)
    yield store
    store.close()


@pytest.fixture
def fresh_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "fresh.sqlite")
    yield store
    store.close()


@pytest.fixture
def shell_settings(tmp_path: Path) -> Settings:
    return tiny_settings(tmp_path)


@pytest.fixture
def tiny_sim() -> Any:
    from flowtui.demo.faults import Faults

    return demo_simulator(TINY, faults=Faults(), realities=False)


@pytest.fixture
def make_shell_app(shell_settings: Settings, memory_keyring: Any) -> Callable[..., Any]:
    """A factory for FlowApp with the frozen clock and the in-memory keyring."""
    from flowtui.app import make_app

    def factory(store: Store | None, settings: Settings | None = None, transport: Any = None,
                demo: bool = False, **kwargs: Any) -> Any:
        return make_app(settings or shell_settings, store=store, transport=transport,
                        keyring_backend=memory_keyring, clock=lambda: AS_OF, demo=demo, **kwargs)

    return factory
