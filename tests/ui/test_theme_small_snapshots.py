"""Snapshots of issue #13's look: every main view in a light theme, and every main view (plus Help) at 80×24.

The dark theme (the default) at 120×40 is covered view by view by the existing snapshot tests. After
each snapshot the test asserts the app did not crash and no worker failed (snap_compare passes even
when the app raised).
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from shell_support import assert_no_worker_errors

SIZE = (120, 40)
SMALL = (80, 24)
#: (key that opens the view, view name) for the five main views.
VIEW_KEYS = (("1", "dashboard"), ("2", "work_items"), ("3", "pull_requests"), ("4", "flow"), ("5", "forecast"))


def visit(*keys: str, theme: str | None = None) -> Any:
    """A run_before that (optionally) picks a theme, presses `keys` and lets every worker finish."""

    async def run_before(pilot: Any) -> None:
        app = pilot.app
        if theme is not None:
            app.theme = theme
        for key in keys:
            for _ in range(2):
                await pilot.pause()
                await app.workers.wait_for_complete()
            await pilot.press(key)
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        for field in app.screen.query(Input):
            field.cursor_blink = False
        app.clear_notifications()
        await pilot.pause()
        assert_no_worker_errors(app)

    return run_before


def assert_ok(app: Any) -> None:
    assert app._exception is None
    assert app.sync_error is None
    assert_no_worker_errors(app)


class TestLightTheme:
    @pytest.mark.parametrize(("key", "view"), VIEW_KEYS, ids=[v for _, v in VIEW_KEYS])
    def test_view(self, snap_compare: Any, make_shell_app: Any, demo_store: Any, key: str, view: str) -> None:
        """textual-light: light background, dark text; charts, sparklines, ▲/▼ changes and the status bar in
        the theme's darker ink (no pale cyan or yellow on white); every label readable."""
        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=visit(key, theme="textual-light"))
        assert_ok(app)
        assert app.current_mode == view and app.theme == "textual-light"


class TestSmallTerminal:
    @pytest.mark.parametrize(("key", "view"), VIEW_KEYS[1:], ids=[v for _, v in VIEW_KEYS[1:]])
    def test_view(self, snap_compare: Any, make_shell_app: Any, demo_store: Any, key: str, view: str) -> None:
        """80×24: the tables' filter bar is one row of borderless fields ("Type ▼", "State ▼" on one line); the
        tables show ID, type, state, title and assignee (work items) / ID, title, author, closed, cycle (PRs)
        without sideways scrolling; Flow and Forecast charts fit with their axes and labels."""
        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SMALL, run_before=visit(key))
        assert_ok(app)
        assert app.current_mode == view

    def test_help(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """80×24 Help on the work items view: flowtui's keys first, each with its description and its
        keymap id in brackets after it (no id column at this width); widget keys come last."""
        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SMALL, run_before=visit("2", "question_mark"))
        assert_ok(app)
