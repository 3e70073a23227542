"""Constants and helpers shared by the UI tests and their conftest.

They live here, not in conftest.py, because `from conftest import ...` resolves to whichever
`conftest` module pytest imported first (tests/unit/export has one too).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flowtui.config import Settings, load_settings
from flowtui.demo_mode import demo_now, demo_org_url, demo_project_names

AS_OF: datetime = demo_now()
SYNCED_AT: datetime = AS_OF - timedelta(hours=3)
TINY = "tiny"
TINY_PROJECTS: list[str] = demo_project_names(TINY)


def tiny_settings(tmp: Path, **flags: Any) -> Settings:
    """Settings for the tiny demo org; config file and store live in `tmp`; no environment is read."""
    values = {"ado.org_url": demo_org_url(), "ado.projects": TINY_PROJECTS, **flags}
    return load_settings(config=tmp / "config.toml", db=tmp / "flowtui.sqlite", flags=values, env={})


# --- "did not crash" includes the workers ---------------------------------------------------------
#: Every worker failure in the running test: (worker name or group, error). Filled by the autouse
#: `worker_error_tracker` fixture (tests/ui/conftest.py), which wraps textual's Worker._run, so it
#: sees the failures of any worker on any node of any app, handled or not.
WORKER_FAILURES: list[tuple[str, BaseException]] = []


def worker_failure_text() -> str:
    """The failures so far, one per line (for assertion messages)."""
    return "\n".join(f"{name or 'worker'}: {type(err).__name__}: {err}" for name, err in WORKER_FAILURES)


def assert_no_worker_errors(app: Any = None) -> None:
    """Fail when any worker failed so far in this test, or the app recorded one.

    Called at the end of every snapshot test's `run_before`, so a broken screen raises inside the app
    before the screenshot is taken and `--snapshot-update` cannot save it.
    """
    recorded = list(getattr(app, "worker_errors", []) or [])
    assert not WORKER_FAILURES and not recorded, (
        f"a worker failed during the test:\n{worker_failure_text() or recorded}")


async def settle(pilot: Any) -> None:
    """Let the app's messages and workers run out (three rounds: a worker's result may start another)."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_settings(pilot: Any) -> None:
    """Settle, open the Settings view (`,`) and settle again."""
    await settle(pilot)
    await pilot.press("comma")
    await settle(pilot)
