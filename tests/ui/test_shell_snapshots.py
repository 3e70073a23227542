"""Snapshot tests of the shell's screens and dialogs (fixed size, frozen clock, the tiny demo store).

Each test's docstring says what the reviewer should see in the SVG. After every snapshot the test
also asserts the app did not crash (snap_compare passes even when the app raised).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shell_support import assert_no_worker_errors, tiny_settings
from textual.widgets import Input

from flowtui.messages import SyncFinished, SyncProgressed, SyncStarted
from flowtui.sync.progress import ProjectCounts, SyncProgress, SyncSummary

SIZE = (120, 40)
SMALL = (80, 24)


async def settle(pilot: Any) -> None:
    """Let every worker finish and their messages be handled; stop input cursors from blinking."""
    app = pilot.app
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    for field in app.screen.query(Input):
        field.cursor_blink = False
    app.clear_notifications()  # toasts are tested in Pilot tests; here they would hide the screen
    await pilot.pause()
    assert_no_worker_errors(app)  # raising here stops the screenshot: a broken screen is never saved


def assert_ok(app: Any) -> None:
    assert app._exception is None
    assert app.sync_error is None
    assert_no_worker_errors(app)


class TestDashboard:
    def test_populated(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """The KPI table (10 rows with sparklines and ▲/▼ changes), the window line, "last synced 3 h ago",
        bottleneck / Little's law / data-health notes, then (40 rows) the throughput run chart and WIP-by-state
        bars; footer shows q ? s e r , and ^p."""
        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=settle)
        assert_ok(app)

    def test_populated_small_terminal(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """The same dashboard at 80×24: the table still fits its first five columns."""
        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SMALL, run_before=settle)
        assert_ok(app)

    def test_empty_store(self, snap_compare: Any, make_shell_app: Any, fresh_store: Any) -> None:
        """The empty state "No data yet — press s to sync", "never synced"; no e Export in the footer."""
        app = make_shell_app(fresh_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=settle)
        assert_ok(app)


def _feed_finished_sync(app: Any) -> None:
    """A complete two-project run, fed as the sync worker would post it (fixed counts and times)."""
    app.post_message(SyncStarted(["Fabrikam Web", "Contoso Platform"]))
    for base, (project, revs, prs, threads) in ((0, ("Fabrikam Web", 312, 11, 8)), (15, ("Contoso Platform", 244, 8, 6))):
        app.post_message(SyncProgressed(SyncProgress("work_items", project, "work_items", revs, None, base + 5)))
        app.post_message(SyncProgressed(SyncProgress("pull_requests", project, "pull_requests", prs, None, base + 9)))
        app.post_message(SyncProgressed(SyncProgress("threads", project, "threads", threads, threads, base + 15)))
        app.post_message(SyncProgressed(SyncProgress("project_done", project, "", 0, None, base + 15)))
    app.post_message(SyncProgressed(SyncProgress("finished", "", "", 0, None, 30, 1.0, message="sync finished")))
    summary = SyncSummary(
        run_id=1, status="success", requests=30, throttled_seconds=1.0, elapsed_s=12.3, api_version="7.1",
        projects={"Fabrikam Web": ProjectCounts(35, 312, 11, 20, 8, 15, "success"),
                  "Contoso Platform": ProjectCounts(32, 244, 8, 18, 6, 15, "success")},
    )
    app.sync_running = True
    app.post_message(SyncFinished(summary))


class TestSync:
    def test_idle(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """The Sync view before any run: "No sync running. Press s to sync the configured projects." """

        async def run_before(pilot: Any) -> None:
            pilot.app.switch_mode("sync")
            await settle(pilot)

        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
        assert_ok(app)

    def test_finished_summary(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """Both projects "done ✓" with full bars and counts (312 ✓ …), totals line (30 requests, throttled 1 s,
        0:12 elapsed, "sync finished") and the green "Sync success in 12.3 s" summary with one line per project."""

        async def run_before(pilot: Any) -> None:
            pilot.app.switch_mode("sync")
            await pilot.pause()
            _feed_finished_sync(pilot.app)
            await settle(pilot)

        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
        assert_ok(app)


class TestSettings:
    def test_invalid_url(self, snap_compare: Any, make_shell_app: Any, fresh_store: Any) -> None:
        """Settings with a typed http:// URL: the field turns red and the allowed forms are spelled out;
        the PAT field is empty and masked; config file and store paths at the bottom."""

        async def run_before(pilot: Any) -> None:
            pilot.app.switch_mode("settings")
            await settle(pilot)
            field = pilot.app.screen.query_one("#org-url", Input)
            field.value = "http://tfs.corp/tfs/Default"
            await settle(pilot)

        # Fixed (never written) paths: the screen prints them, and tmp paths differ on every run.
        fixed = tiny_settings(Path("/home/dev/.config/flowtui"))
        app = make_shell_app(fresh_store, settings=fixed)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
        assert_ok(app)
        assert not Path("/home/dev/.config/flowtui/config.toml").exists()


class TestDialogs:
    def test_help(self, snap_compare: Any, make_shell_app: Any, demo_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        """Help over the dashboard: global keys first (q, ?, s, e, r, h/l, tab, 1–5, ",", ^p) with ids, then the
        log file's path (a fixed XDG_STATE_HOME here: the help only shows it, nothing is written there)."""
        monkeypatch.setenv("XDG_STATE_HOME", "/home/user/.local/state")

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)

        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
        assert_ok(app)

    def test_export_prompt(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """The export dialog with the default directory ./flowtui-export, Export and Cancel buttons."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)

        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
        assert_ok(app)

    def test_error_modal(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """A red-bordered "Auth problem" dialog with the one-sentence message and an OK button."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            pilot.app.push_error("Auth problem", "The PAT for https://dev.azure.com/contoso-demo was rejected; "
                                 "run `flowtui auth set` with a new PAT.")
            await settle(pilot)

        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
        assert_ok(app)

    def test_confirm_quit(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """The quit confirmation shown while a sync runs: question, Yes and No buttons."""

        async def run_before(pilot: Any) -> None:
            await settle(pilot)
            pilot.app.sync_running = True  # as if a sync were running (no worker: nothing to cancel)
            await pilot.press("q")
            await settle(pilot)
            pilot.app.sync_running = False

        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
        assert_ok(app)


class TestDashboardCharts:
    def test_tall_terminal_shows_the_charts(self, snap_compare: Any, make_shell_app: Any, demo_store: Any) -> None:
        """At 120×50: the KPI table, then the weekly throughput run chart (median line) and the WIP-by-state bars."""
        app = make_shell_app(demo_store)
        assert snap_compare(app, terminal_size=(120, 50), run_before=settle)
        assert_ok(app)


async def test_dashboard_charts_follow_the_terminal_height(make_shell_app: Any, demo_store: Any) -> None:
    app = make_shell_app(demo_store)
    async with app.run_test(size=(120, 44)) as pilot:
        await settle(pilot)
        charts = app.screen.query_one("#dashboard-charts")
        data = app.screen.data
        assert charts.display and data.throughput and data.wip_by_state
        assert sum(n for _, n in data.wip_by_state) == data.report.wip.current
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        assert not charts.display
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert charts.display
