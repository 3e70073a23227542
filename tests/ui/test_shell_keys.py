"""Pilot tests of keys and actions: keymap override, help from live bindings, view cycling, check_action,
export (files appear), the empty-store state, the command palette's state-dependent commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shell_support import AS_OF, settle, tiny_settings
from textual.message import Message
from textual.widgets import Input

from flowtui.commands import FlowCommands
from flowtui.messages import ExportDone
from flowtui.screens.dashboard import EMPTY_TEXT, DashboardScreen
from flowtui.screens.help import HelpScreen, help_rows
from flowtui.screens.modals import ExportPrompt

SIZE = (120, 40)


@pytest.mark.parametrize("keymap", [
    {"view.settings": "f2", "app.help": "f1"},
    {"view_settings": "f2", "help": "f1"},  # the ids of earlier builds still work (flowtui.views.LEGACY_BINDING_IDS)
])
async def test_keymap_override_moves_bindings(make_shell_app: Any, demo_store: Any, tmp_path: Path,
                                              keymap: dict[str, str]) -> None:
    settings = tiny_settings(tmp_path, **{"ui.keymap": keymap})
    app = make_shell_app(demo_store, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("comma")  # the default key no longer opens Settings
        assert app.current_mode == "dashboard"
        await pilot.press("f2")
        assert app.current_mode == "settings"
        await pilot.press("escape", "1")  # leave the text field, back to the dashboard
        assert app.current_mode == "dashboard"
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        rows = {binding_id: keys for keys, _d, _t, binding_id, _e in help_rows(app.screen.active, app.get_key_display)}
        assert rows["view.settings"] == "f2" and rows["app.help"] == "f1"
        assert rows["sync.start"] == "s"  # untouched bindings keep their keys


async def test_help_lists_live_global_bindings_with_ids(make_shell_app: Any, demo_store: Any) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        rows = help_rows(app.screen.active, app.get_key_display)
        ids = [r[3] for r in rows]
        for expected in ("app.quit", "app.help", "sync.start", "export.start", "data.refresh", "view.next", "view.prev",
                         "view.dashboard", "view.forecast", "view.settings", "app.commands"):
            assert expected in ids
        assert "sync.cancel" not in ids  # no sync runs, so cancel is hidden
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_views_cycle_with_h_l_and_digits(make_shell_app: Any, demo_store: Any) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h")  # dashboard is first, so h wraps to the last view
        assert app.current_mode == "forecast"
        await pilot.press("l")
        assert app.current_mode == "dashboard"
        await pilot.press("tab")
        assert app.current_mode == "work_items"
        await pilot.press("shift+tab", "3")
        assert app.current_mode == "pull_requests"
        await pilot.press("1")
        assert app.current_mode == "dashboard"


async def test_export_writes_files_and_notifies(make_shell_app: Any, demo_store: Any, tmp_path: Path) -> None:
    seen: list[Message] = []
    target = tmp_path / "out"
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ExportPrompt)
        field = app.screen.query_one(Input)
        assert field.value == "./flowtui-export"
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        done = [m for m in seen if isinstance(m, ExportDone)]
        assert len(done) == 1
    # SPEC §8: six PowerBI files + work_items, transitions, throughput_weekly and metrics.json
    expected = {"organizations.csv", "projects.csv", "repositories.csv", "pull_requests.csv", "users.csv",
                "reviewers.csv", "work_items.csv", "transitions.csv", "throughput_weekly.csv", "metrics.json"}
    assert {p.name for p in target.iterdir()} == expected
    assert {Path(p).name for p in done[0].paths} == expected
    # the tiny org has 2 projects → 2 data rows + the header
    assert len((target / "projects.csv").read_text(encoding="utf-8").splitlines()) == 3


async def test_palette_powerbi_export_writes_only_the_six_files(make_shell_app: Any, demo_store: Any,
                                                                 tmp_path: Path) -> None:
    target = tmp_path / "pbi"
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        command = next(cb for name, cb, _h in FlowCommands(app.screen)._commands() if name == "export: PowerBI CSVs")
        command()
        await settle(pilot)
        assert isinstance(app.screen, ExportPrompt)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    assert {p.name for p in target.iterdir()} == {"organizations.csv", "projects.csv", "repositories.csv",
                                                  "pull_requests.csv", "users.csv", "reviewers.csv"}


async def test_export_cancel_writes_nothing(make_shell_app: Any, demo_store: Any) -> None:
    seen: list[Message] = []
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("e", "escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "export" not in {w.name for w in app.workers}
    assert not any(isinstance(m, ExportDone) for m in seen)


async def test_empty_store_shows_empty_state_and_hides_export(make_shell_app: Any, fresh_store: Any) -> None:
    app = make_shell_app(fresh_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.data is not None and screen.data.empty
        empty = screen.query_one("#dashboard-empty")
        assert empty.display and str(empty.render()) == EMPTY_TEXT
        assert not screen.query_one("#kpi-table").display
        assert "e" not in screen.active_bindings
        await pilot.press("e")
        assert not isinstance(app.screen, ExportPrompt)


async def test_no_store_at_all_still_opens(make_shell_app: Any) -> None:
    app = make_shell_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.data is not None and app.screen.data.empty
        assert app.check_action("export", ()) is False


async def test_unconfigured_app_opens_settings(make_shell_app: Any, tmp_path: Path) -> None:
    from flowtui.config import load_settings

    bare = load_settings(config=tmp_path / "none.toml", db=tmp_path / "x.sqlite", env={})
    app = make_shell_app(None, settings=bare)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_mode == "settings"
        await pilot.press("escape", "s")  # nothing to sync yet: an error dialog says what to do
        await settle(pilot)
        assert "Settings" in app.screen.message


async def test_palette_commands_follow_state(make_shell_app: Any, demo_store: Any, fresh_store: Any) -> None:
    app = make_shell_app(fresh_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = [name for name, _cb, _help in FlowCommands(app.screen)._commands()]
        assert "sync: start" in names and "sync: cancel" not in names
        assert not any(n.startswith("export:") for n in names)  # empty store
        assert "view: dashboard" not in names and "view: work items" in names
        app.sync_running = True
        names = [name for name, _cb, _help in FlowCommands(app.screen)._commands()]
        assert "sync: cancel" in names and "sync: start" not in names
        app.sync_running = False
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = [name for name, _cb, _help in FlowCommands(app.screen)._commands()]
        assert {"export: PowerBI CSVs", "export: flow set", "export: everything"} <= set(names)


async def test_refresh_bumps_data_version_and_recomputes(make_shell_app: Any, demo_store: Any) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.screen.data
        await pilot.press("r")
        await settle(pilot)
        assert app.data_version == 1
        assert app.screen.shown_version == 1 and app.screen.data is not first
        assert app.now() == AS_OF
