"""The TUI writes the log file too: a worker crash leaves its traceback there, nothing reaches stderr,
and the Help screen names the file."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from textual.widgets import Static

from flowtui import paths
from flowtui.cli.logging_setup import configure_logging, remove_logging, tui_owns_terminal
from flowtui.screens.help import HelpScreen
from shell_support import settle

SIZE = (120, 40)
BOOM = "disk on fire [/oops]"


def boom(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError(BOOM)


@pytest.mark.worker_errors
async def test_a_worker_crash_in_the_tui_leaves_a_traceback_in_the_log_file(
    make_shell_app: Any, demo_store: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("flowtui.screens.dashboard.build_dashboard", boom)
    app = make_shell_app(demo_store)
    configure_logging()  # what `flowtui` (the TUI command) does first
    try:
        with tui_owns_terminal():
            assert all(getattr(h, "_flowtui", None) == "file" for h in logging.getLogger().handlers)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
    finally:
        remove_logging()
    assert [str(e) for e in app.worker_errors] == [BOOM]
    text = paths.log_file_path().read_text(encoding="utf-8")
    assert "ERROR flowtui.tui" in text and "dashboard failed: RuntimeError: " + BOOM in text
    assert "Traceback (most recent call last)" in text and f"RuntimeError: {BOOM}" in text
    assert "in boom" in text  # the frame that raised
    assert "dashboard failed" not in capsys.readouterr().err  # the terminal belonged to the TUI


async def test_help_names_the_log_file(make_shell_app: Any, demo_store: Any) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        line = str(app.screen.query_one("#help-log-file", Static).render())
        assert line == f"Log file (attach it to a bug report): {paths.log_file_path()}"
