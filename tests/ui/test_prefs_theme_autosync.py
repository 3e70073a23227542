"""Pilot tests of issue #13's preferences: the theme is kept in `ui.theme`, the background refresh
(`ui.auto_sync_minutes`) runs on an injected seconds clock and never doubles a sync, the Settings form
says where the PAT lives (memory keyring) or that it cannot be stored (failing keyring), and Help puts
flowtui's keys before the widgets' defaults."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import Input, Static

from flowtui.app import make_app
from flowtui.demo_mode import DEMO_PAT
from flowtui.screens.app_prefs import FALLBACK_THEME
from flowtui.screens.help import HelpScreen, help_rows
from flowtui.widgets.theme_colors import palette, recolor
from shell_support import AS_OF, open_settings, settle, tiny_settings

SIZE = (120, 40)


class FakeClock:
    """A seconds clock the test moves by hand (no real waiting)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


# ---- theme ---------------------------------------------------------------------------------------
async def test_picked_theme_is_saved_and_used_after_a_restart(tmp_path: Path, fresh_store: Any) -> None:
    settings = tiny_settings(tmp_path)
    settings.config_path.write_text("# my notes stay\n[ui]\n# keys\nkeymap = {}\n", encoding="utf-8")
    app = make_app(settings, store=fresh_store, clock=lambda: AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"  # the default on first run
        app.theme = "textual-light"  # what the palette's theme picker does
        await settle(pilot)
    text = settings.config_path.read_text(encoding="utf-8")
    assert tomllib.loads(text)["ui"]["theme"] == "textual-light"
    assert "# my notes stay" in text and "# keys" in text  # tomlkit writer: comments survive
    again = make_app(tiny_settings(tmp_path), store=fresh_store, clock=lambda: AS_OF)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "textual-light"


async def test_unknown_theme_falls_back_with_a_warning_and_is_not_overwritten(tmp_path: Path,
                                                                              fresh_store: Any) -> None:
    settings = tiny_settings(tmp_path)
    settings.config_path.write_text('[ui]\ntheme = "no-such-theme"\n', encoding="utf-8")
    app = make_app(tiny_settings(tmp_path), store=fresh_store, clock=lambda: AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == FALLBACK_THEME
        assert any("no-such-theme" in str(n.message) for n in app._notifications)
    assert 'theme = "no-such-theme"' in settings.config_path.read_text(encoding="utf-8")


def test_recolor_maps_ansi_names_to_the_theme_and_keeps_other_styles() -> None:
    colours = palette({"text-primary": "#112233", "text-success": "#445566", "text-muted": "auto 60%"})
    line = Text("ab", style="bold cyan")
    line.append("c", "green on cyan")
    line.append("d", "dim")
    line.append("e", "red")  # no text-error in this palette: stays red
    out = recolor(line, colours)
    assert out.style.color.triplet.hex == "#112233" and out.style.bold  # type: ignore[union-attr]
    styles = [s.style for s in out.spans]
    assert styles[0].color.triplet.hex == "#445566" and styles[0].bgcolor.triplet.hex == "#112233"  # type: ignore[union-attr]
    assert styles[1] == "dim" and styles[2] == "red"
    assert out.plain == "abcde" and line.style == "bold cyan"  # a copy; the input is untouched


async def test_chart_colours_follow_the_theme(make_shell_app: Any, demo_store: Any) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")  # the Flow view's first chart
        await settle(pilot)
        chart = app.screen.query_one("#flow-chart")

        def colours() -> set[str]:
            rendered = chart.render()
            return {s.style.color.triplet.hex for s in rendered.spans  # type: ignore[union-attr]
                    if not isinstance(s.style, str) and s.style.color is not None and s.style.color.triplet}

        dark = colours()
        app.theme = "textual-light"
        await settle(pilot)
        light = colours()
    # textual-dark's text-primary is #57a5e2, textual-light's #002d4f (Textual's built-in themes)
    assert "#57a5e2" in dark and "#002d4f" in light and "#002d4f" not in dark


# ---- background refresh ---------------------------------------------------------------------------
async def test_auto_sync_runs_when_due_shows_its_countdown_and_never_overlaps(
        tmp_path: Path, fresh_store: Any, tiny_sim: Any, memory_keyring: Any) -> None:
    memory_keyring.set_password("flowtui", tiny_settings(tmp_path).org_url, DEMO_PAT)
    settings = tiny_settings(tmp_path).with_values(ui__auto_sync_minutes=10)
    clock = FakeClock()
    app = make_app(settings, store=fresh_store, transport=tiny_sim.transport, keyring_backend=memory_keyring,
                   clock=lambda: AS_OF, monotonic=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_mode == "dashboard"
        assert app.auto_sync_text() == "auto-sync in 10 min"
        assert "auto-sync in 10 min" in str(app.screen.query_one("StatusBar").render())
        clock.t += 9 * 60 + 1  # 8 min 59 s left → rounds up to 1 min
        assert app.auto_sync_tick() is False and app.auto_sync_text() == "auto-sync in 1 min"
        app.sync_running = True  # a manual sync is running when the background one falls due
        clock.t += 60
        assert app.auto_sync_tick() is False  # never two at once
        app.sync_running = False
        assert app.auto_sync_tick() is True  # due, nothing running: it starts
        assert app.sync_running and app.sync_background and app.current_mode == "dashboard"  # the view stays
        assert app.auto_sync_tick() is False  # a second tick during the run starts nothing
        await settle(pilot)
        assert not app.sync_running and app.last_summary is not None and app.last_summary.status == "success"
        assert app.current_mode == "dashboard"
        assert app.auto_sync_text() == "auto-sync in 10 min"  # counted again from the end of the run
        assert fresh_store.stats()["work_item"] > 0


async def test_auto_sync_off_by_default(make_shell_app: Any, fresh_store: Any) -> None:
    app = make_shell_app(fresh_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.auto_sync_due is None and app.auto_sync_text() == ""
        assert app.auto_sync_tick() is False and not app.sync_running


# ---- settings that tell the truth ----------------------------------------------------------------------
def result_text(app: Any) -> str:
    return str(app.screen.query_one("#settings-result", Static).render())


def pat_status_text(app: Any) -> str:
    return str(app.screen.query_one("#pat-status", Static).render())


async def test_save_with_memory_keyring_says_where_the_pat_lives(make_shell_app: Any, fresh_store: Any,
                                                                 memory_keyring: Any) -> None:
    app = make_shell_app(fresh_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#pat", Input).value = "typed-pat-42"
        await pilot.press("ctrl+s")
        await settle(pilot)
        result, status = result_text(app), pat_status_text(app)
    backend = type(memory_keyring).__name__
    assert "✓" in result and "in the OS keyring" in result and backend in result
    assert "is in the OS keyring" in status and backend in status
    assert "typed-pat-42" not in result + status


@pytest.fixture
def failing_keyring() -> Any:
    from keyring.backends import fail

    return fail.Keyring()


async def test_save_with_failing_keyring_says_so_in_the_form(tmp_path: Path, fresh_store: Any,
                                                             failing_keyring: Any) -> None:
    app = make_app(tiny_settings(tmp_path), store=fresh_store, keyring_backend=failing_keyring, clock=lambda: AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        assert "FLOWTUI_PAT" in pat_status_text(app)  # said before anything is typed
        app.screen.query_one("#pat", Input).value = "typed-pat-42"
        await pilot.press("ctrl+s")
        await settle(pilot)
        result, status = result_text(app), pat_status_text(app)
        assert app.screen.query_one("#settings-result").has_class("-error")
        assert app.worker_errors == []  # an expected outcome, not a crash: no modal
    assert "✗" in result and "not the PAT" in result and "FLOWTUI_PAT" in result
    assert "FLOWTUI_PAT" in status and "No usable OS keyring" in status
    assert "typed-pat-42" not in result + status


async def test_test_connection_uses_the_typed_pat_even_without_a_keyring(tmp_path: Path, fresh_store: Any,
                                                                         failing_keyring: Any, tiny_sim: Any) -> None:
    app = make_app(tiny_settings(tmp_path), store=fresh_store, transport=tiny_sim.transport,
                   keyring_backend=failing_keyring, clock=lambda: AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        await pilot.press("ctrl+t")  # nothing typed, nothing stored: says so
        await settle(pilot)
        assert "✗" in result_text(app) and "FLOWTUI_PAT" in result_text(app)
        app.screen.query_one("#pat", Input).value = DEMO_PAT
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert "✓" in result_text(app) and "with the PAT typed above" in result_text(app)


# ---- help ----------------------------------------------------------------------------------------
async def test_help_lists_flowtui_keys_before_widget_defaults(make_shell_app: Any, demo_store: Any) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")  # on the dashboard: the KPI table (a DataTable) has focus
        assert isinstance(app.screen, HelpScreen)
        rows = help_rows(app.screen.active, app.get_key_display)
    ids = [r[3] for r in rows]
    first_default = ids.index("")  # DataTable's own cursor/page keys carry no id
    assert all(ids[first_default:]) is False and all(i == "" for i in ids[first_default:])
    assert ids.index("app.quit") < ids.index("kpi.down") < first_default  # global, then the view's widgets
    assert all(r[1] for r in rows)  # every row has a description
