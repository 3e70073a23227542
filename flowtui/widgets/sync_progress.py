"""Live sync progress: a plain state model fed by `SyncProgress` events, and the widget showing it.

`SyncBoard` (no Textual) folds progress events into per-project, per-stream counts plus the run
totals (requests, throttled seconds, the throttle wait in progress). `SyncProgressPanel` draws one
row per (project, stream) with a progress bar: indeterminate while the stream runs (ADO does not
say how many revisions are coming), full once the stream is complete; threads have a known total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Label, ProgressBar, Static

from flowtui.sync.progress import (
    STAGE_FINISHED,
    STAGE_PROJECT_DONE,
    STAGE_PROJECT_FAILED,
    STAGE_RETRYING,
    STAGE_THROTTLED,
    STAGE_WARNING,
    SyncProgress,
)
from flowtui.widgets.safe_text import markup_with, plain

#: Where run-level stream events (no project: e.g. PR threads fetched for the whole organization) go.
ALL_PROJECTS = "All projects"

STREAMS: tuple[tuple[str, str], ...] = (
    ("work_items", "work item revisions"),
    ("backfill", "history backfill"),
    ("pull_requests", "pull requests"),
    ("threads", "PR threads"),
)


@dataclass
class StreamState:
    """Progress of one stream of one project."""

    done: int = 0
    total: int | None = None
    started: bool = False
    complete: bool = False


@dataclass
class ProjectState:
    """status: pending | running | done | failed."""

    status: str = "pending"
    streams: dict[str, StreamState] = field(default_factory=lambda: {s: StreamState() for s, _ in STREAMS})
    message: str = ""


@dataclass
class SyncBoard:
    """Everything the Sync screen shows, folded from progress events (pure state, no widgets)."""

    projects: dict[str, ProjectState] = field(default_factory=dict)
    requests: int = 0
    throttled_seconds: float = 0.0
    wait_until: float | None = None
    wait_reason: str = ""
    warnings: int = 0
    message: str = ""
    started_at: float | None = None
    #: Set when the run ended: its elapsed seconds as the sync measured them (the clock stops).
    final_elapsed: float | None = None

    def start(self, projects: list[str], now: float) -> None:
        """Reset for a new run; `now` is a monotonic reading (seconds)."""
        self.projects = {p: ProjectState() for p in projects}
        self.requests, self.throttled_seconds, self.warnings = 0, 0.0, 0
        self.wait_until, self.wait_reason, self.message = None, "", "starting…"
        self.started_at = now
        self.final_elapsed = None

    def apply(self, p: SyncProgress, now: float) -> None:
        """Fold one event in; `now` (monotonic seconds) dates the throttle countdown."""
        self.requests = max(self.requests, p.requests)
        self.throttled_seconds = max(self.throttled_seconds, p.throttled_seconds)
        if p.stage in (STAGE_THROTTLED, STAGE_RETRYING):
            self.wait_until = now + p.throttle_wait_s
            self.wait_reason = "throttled" if p.stage == STAGE_THROTTLED else "retrying"
            return
        if p.stage == STAGE_WARNING:
            self.warnings += 1
            return
        self.wait_until = None
        if p.message:
            self.message = p.message
        if p.stage == STAGE_FINISHED:
            run_level = self.projects.get(ALL_PROJECTS)
            if run_level is not None:
                run_level.status = "done"
                for stream in run_level.streams.values():
                    stream.complete = stream.started
            return
        if not p.project and not p.stream:
            return
        project = self.projects.setdefault(p.project or ALL_PROJECTS, ProjectState())
        if p.stage == STAGE_PROJECT_DONE:
            project.status = "done"
            for stream in project.streams.values():
                stream.complete = True
            return
        if p.stage == STAGE_PROJECT_FAILED:
            project.status, project.message = "failed", p.message
            return
        project.status = "running"
        if p.stream in project.streams:
            order = [s for s, _ in STREAMS]
            for earlier in order[: order.index(p.stream)]:
                project.streams[earlier].complete = True  # a later stream began: the earlier one ended
            state = project.streams[p.stream]
            state.done, state.total, state.started = max(state.done, p.done), p.total, True

    def countdown(self, now: float) -> int:
        """Whole seconds left in the current throttle/retry wait (0 when not waiting), rounded up."""
        if self.wait_until is None:
            return 0
        return max(0, math.ceil(self.wait_until - now))

    def finish(self, elapsed_s: float) -> None:
        """The run ended: freeze the elapsed time, stop any countdown."""
        self.final_elapsed = elapsed_s
        self.wait_until = None

    def elapsed(self, now: float) -> float:
        if self.final_elapsed is not None:
            return self.final_elapsed
        return now - self.started_at if self.started_at is not None else 0.0


def _elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class StreamRow(Horizontal):
    """One (project, stream) row: name, bar, count."""

    DEFAULT_CSS = """
    StreamRow { height: 1; }
    StreamRow > .stream-name { width: 22; padding-left: 2; color: $text-muted; }
    StreamRow > ProgressBar { width: 1fr; max-width: 60; }
    StreamRow > .stream-count { width: 16; padding-left: 1; }
    """

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="stream-name")
        yield ProgressBar(total=1, show_eta=False, show_percentage=False)
        yield Label("—", classes="stream-count")

    def show(self, state: StreamState) -> None:
        if not self.children:
            return
        bar = self.query_one(ProgressBar)
        count = self.query_one(".stream-count", Label)
        if state.complete:
            bar.update(total=max(state.done, 1), progress=max(state.done, 1))
            count.update(f"{state.done:,} ✓")
        elif state.total is not None:
            bar.update(total=max(state.total, 1), progress=state.done)
            count.update(f"{state.done:,} / {state.total:,}")
        elif state.started:
            bar.update(total=None)  # running, size unknown: indeterminate
            count.update(f"{state.done:,}" if state.done else "…")
        else:
            bar.update(total=1, progress=0)  # not started: an empty, still bar
            count.update("—")


class ProjectBlock(Static):
    """A project's title line and its stream rows."""

    DEFAULT_CSS = """
    ProjectBlock { height: auto; margin-bottom: 1; }
    ProjectBlock > .project-title { text-style: bold; }
    """

    def __init__(self, name: str, initial: ProjectState | None = None) -> None:
        super().__init__()
        self.project = name
        self.initial = initial

    def compose(self) -> ComposeResult:
        yield Label(plain(self.project), classes="project-title")
        for _stream, label in STREAMS:
            yield StreamRow(label)

    def on_mount(self) -> None:
        if self.initial is not None:
            self.show(self.initial)

    def show(self, state: ProjectState) -> None:
        if not self.children:
            return  # not composed yet: on_mount shows the (shared, live) state
        marks = {"pending": "waiting", "running": "syncing…", "done": "done ✓", "failed": f"FAILED: {state.message}"}
        self.query_one(".project-title", Label).update(
            markup_with("$project  [dim]$mark[/]", project=self.project, mark=marks.get(state.status, state.status)))
        for row, (stream, _) in zip(self.query(StreamRow), STREAMS, strict=True):
            stream_state = state.streams[stream]
            # Streams a project never used (e.g. threads read org-wide) disappear once it is done.
            row.display = stream_state.started or (state.status in ("pending", "running")
                                                   and self.project != ALL_PROJECTS)
            row.show(stream_state)


class SyncProgressPanel(VerticalScroll):
    """Per-project blocks plus a totals line (requests, throttling with countdown, elapsed)."""

    DEFAULT_CSS = """
    SyncProgressPanel { height: 1fr; }
    SyncProgressPanel > #sync-totals { height: auto; margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="sync-totals")

    def show(self, board: SyncBoard, now: float, *, running: bool) -> None:
        """Bring the widgets in line with the board (adds project blocks as projects appear)."""
        blocks = {b.project: b for b in self.query(ProjectBlock)}
        for name, state in board.projects.items():
            block = blocks.get(name)
            if block is None:
                self.mount(ProjectBlock(name, state))
            else:
                block.show(state)
        self.query_one("#sync-totals", Static).update(self.totals_text(board, now, running=running))

    @staticmethod
    def totals_text(board: SyncBoard, now: float, *, running: bool) -> Content:
        """The totals line; the last progress message (server text) is filled in as plain text."""
        elapsed = board.elapsed(now)
        wait = board.countdown(now) if running else 0
        throttle = (f"[b $warning]$reason, resuming in {wait} s[/]" if wait else "not throttled")
        return markup_with(f"Requests [b]{board.requests:,}[/]   throttled {board.throttled_seconds:.0f} s ({throttle})   "
                           f"warnings {board.warnings}   elapsed [b]{_elapsed(elapsed)}[/]\n[dim]$message[/]",
                           reason=board.wait_reason, message=board.message)

    def clear_blocks(self) -> None:
        self.query(ProjectBlock).remove()


__all__ = ["ALL_PROJECTS", "STREAMS", "ProjectState", "StreamRow", "StreamState", "SyncBoard", "SyncProgressPanel"]
