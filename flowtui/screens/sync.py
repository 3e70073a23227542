"""Sync screen: live per-project, per-stream progress, requests, throttling countdown, elapsed, summary.

The sync itself runs in the App's worker (it keeps going while you look at other views); this
screen subscribes to `app.sync_signal` and folds every event into a `SyncBoard`. A one-second timer
keeps the elapsed time and the throttle countdown moving between events.
"""

from __future__ import annotations

import time
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from flowtui.errors import FlowtuiError
from flowtui.messages import SyncStarted
from flowtui.screens.worker_errors import ReportsWorkerErrors
from flowtui.sync.progress import SyncSummary
from flowtui.widgets.safe_text import markup_with
from flowtui.widgets.status_bar import StatusBar
from flowtui.widgets.sync_progress import ALL_PROJECTS, SyncProgressPanel

IDLE_TEXT = "No sync running. Press s to sync the configured projects."


def summary_text(s: SyncSummary) -> Content:
    """The run summary in a few lines (counts per project, requests, throttling, warnings, errors).

    Project names, errors and warnings are server text: filled into the markup as plain text.
    """
    colour = {"success": "green", "failed": "red", "cancelled": "yellow"}.get(s.status, "white")
    lines = [
        markup_with(f"[b {colour}]Sync $status[/] in {s.elapsed_s:.1f} s — {s.work_items:,} work items, "
                    f"{s.revisions:,} revisions, {s.pull_requests:,} pull requests; {s.requests:,} requests, "
                    f"throttled {s.throttled_seconds:.0f} s" + (", api-version $version" if s.api_version else ""),
                    status=s.status, version=s.api_version or ""),
    ]
    for name, c in s.projects.items():
        lines.append(markup_with(
            f"  $name: $status, {c.work_items:,} items, {c.revisions:,} revisions, "
            f"{c.pull_requests:,} PRs, {c.threads:,} threads, {c.requests:,} requests" + (" — $error" if c.error else ""),
            name=name, status=c.status, error=c.error or ""))
    if s.first_error:
        where = " ($project)" if s.error_project else ""
        lines.append(markup_with(f"[red]First error{where}: $error[/]", project=s.error_project or "", error=s.first_error))
    if s.warnings:
        lines.append(markup_with(f"[yellow]{s.warning_count or len(s.warnings)} warning(s)[/], first: $first",
                                 first=s.warnings[0]))
    return Content("\n").join(lines)


class SyncScreen(ReportsWorkerErrors, Screen):
    """Live progress of the running sync (the App's `sync_board`), then its summary."""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="sync-body"):
            yield Static(IDLE_TEXT, id="sync-state")
            yield Static("", id="sync-summary")
            yield SyncProgressPanel(id="sync-panel")
        yield Footer()

    def on_mount(self) -> None:
        app: Any = self.app
        app.sync_signal.subscribe(self, self._on_sync_event)
        self.set_interval(1.0, self._tick)
        self.redraw()

    def _tick(self) -> None:
        app: Any = self.app
        if app.sync_running:
            self.query_one(SyncProgressPanel).show(app.sync_board, time.monotonic(), running=True)

    def _on_sync_event(self, event: object) -> None:
        if isinstance(event, SyncStarted):
            self.query_one(SyncProgressPanel).clear_blocks()
        self.redraw()

    def redraw(self) -> None:
        """Show the App's sync state: running, failed, finished (with summary) or idle."""
        app: Any = self.app
        state = self.query_one("#sync-state", Static)
        summary = self.query_one("#sync-summary", Static)
        if app.sync_running:
            names = [p for p in app.sync_board.projects if p != ALL_PROJECTS]
            projects = ", ".join(names) or "the configured projects"
            mode = " (full re-read)" if app.sync_full else ""
            state.update(markup_with(f"[b]Syncing[/] $projects{mode} — press x to cancel", projects=projects))
            summary.update("")
        elif app.sync_error is not None:
            error = app.sync_error
            message = error.message if isinstance(error, FlowtuiError) else f"{type(error).__name__}: {error}"
            state.update(markup_with("[b red]Sync failed:[/] $message", message=message))
        elif app.last_summary is not None:
            state.update("Sync finished. Press s to sync again, 1 for the dashboard.")
            summary.update(summary_text(app.last_summary))
        else:
            state.update(IDLE_TEXT)
        if app.sync_board.started_at is not None:
            self.query_one(SyncProgressPanel).show(app.sync_board, time.monotonic(), running=app.sync_running)


__all__ = ["SyncScreen", "summary_text"]
