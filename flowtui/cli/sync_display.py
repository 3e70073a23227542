"""What `flowtui sync` shows while it runs and when it ends (stderr), on a terminal and in a CI log.

On a TTY (`RichDisplay`): a live board, redrawn four times a second, that fits the terminal's width
at every frame (it is laid out for the width it is drawn at, so a resize reflows it):

    throttled, resuming in 6 s
    ✓ Fabrikam Web · work items         7,762 revisions  1,204/s                    0:06
    ✓ Fabrikam Web · backfill               40/40 items  ━━━━━━━━━━━━━━━━━━━━ 100%  0:01
    ⠹ all projects · threads                 14/30 PRs   ━━━━━━━━━─────────────  47%  0:01
    requests 31 · throttled 4 s · elapsed 0:07

* One row per project and stream, generic over stages: any progress event with a `stream` gets a
  row (work items, pull requests, threads, backfill, and whatever stage comes next). A stream
  with a known total (threads, backfill) shows done/total, a bar and a percentage; one without
  (the revisions stream, the PR pages) shows its count and rate — never a bar that pulses forever.
  Every row shows its elapsed time; a row stops its clock when its project moves on or finishes
  (✓; ✗ for a failed project; · when the run stopped before it finished).
* The first line is the run's status (the latest run-level message, or a live "throttled, resuming
  in N s" countdown); a status longer than the width wraps instead of being cut. The last line holds
  the run totals: requests, throttled seconds and warnings when there are any, elapsed time.
* Rows are laid out for the console's width, at most 100 cells.
* Labels only shrink (with `…`) when a project name alone is wider than about half the terminal.

Without a TTY (`PlainDisplay`, CI logs): plain lines, no ANSI, at most one a second per stream.

At the end both print `summary_renderable(summary)`: a heading line and one table row per project,
wrapped to the console width (80 columns when stderr is not a terminal), no `…`.

Server text (project names, messages) is data everywhere: `rich.text.Text` objects, never markup,
control characters replaced by `flowtui.text.clean`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from flowtui.sync.progress import (
    STAGE_FINISHED,
    STAGE_PROJECT_DONE,
    STAGE_PROJECT_FAILED,
    STAGE_RETRYING,
    STAGE_THROTTLED,
    STAGE_WARNING,
    SyncProgress,
    SyncSummary,
)
from flowtui.text import clean

#: What a stream's `done` counts (SyncProgress docstring); other streams count "done".
UNITS = {"work_items": "revisions", "pull_requests": "PRs", "threads": "PRs", "backfill": "items"}
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_MAX_BAR = 30
#: The board's rows are laid out for at most this many cells, however wide the terminal.
MAX_WIDTH = 100
_MIN_BAR = 8
#: A rate is shown once a stream has run this long (before that it is noise).
_MIN_RATE_SPAN_S = 0.5


def format_elapsed(seconds: float) -> str:
    """`0:07`, `12:30`, `1:02:03`."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def format_rate(done: int, seconds: float) -> str:
    """`1,204/s`, `3.5/s`; empty while the span is too short to mean anything."""
    if seconds < _MIN_RATE_SPAN_S:
        return ""
    rate = done / seconds
    return f"{rate:,.0f}/s" if rate >= 10 else f"{rate:.1f}/s"


def format_count(done: int, total: int | None, stream: str) -> str:
    """`7,762 revisions` or `14/30 PRs`."""
    unit = UNITS.get(stream, "done")
    return f"{done:,}/{total:,} {unit}" if total is not None else f"{done:,} {unit}"


def stream_label(project: str, stream: str) -> str:
    """`Fabrikam Web · work items`; run-level streams (threads) read `all projects · threads`."""
    return clean(f"{project or 'all projects'} · {stream.replace('_', ' ')}")


@dataclass
class StreamRow:
    """One project's stream as the board shows it."""

    project: str
    stream: str
    started: float
    updated: float
    done: int = 0
    total: int | None = None
    mark: str = ""  # "" while running, "✓" finished, "✗" its project failed

    @property
    def label(self) -> str:
        return stream_label(self.project, self.stream)

    def span(self, now: float) -> float:
        return (self.updated if self.mark else now) - self.started


class Board:
    """The state of the live display and its width-aware rendering (a Rich renderable).

    `apply(event)` may be called from worker threads; rendering happens on Rich's refresh thread.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._ended: float | None = None
        self._last_event = self._started
        self._rows: dict[tuple[str, str], StreamRow] = {}
        self._status = "starting"
        self._wait_until = 0.0
        self._wait_text = ""
        self.requests = 0
        self.throttled_seconds = 0.0
        self.warnings = 0

    def apply(self, event: SyncProgress) -> None:
        """Fold one progress event into the board."""
        now = self._clock()
        with self._lock:
            self.requests = max(self.requests, event.requests)
            previous, self._last_event = self._last_event, now
            self.throttled_seconds = max(self.throttled_seconds, event.throttled_seconds)
            if event.stream:
                self._apply_stream(event, now, previous)
            elif event.throttle_wait_s and event.stage in (STAGE_THROTTLED, STAGE_RETRYING):
                self._wait_until = now + event.throttle_wait_s
                self._wait_text = "throttled, resuming in" if event.stage == STAGE_THROTTLED else "server error, retrying in"
            elif event.stage == STAGE_WARNING:
                self.warnings += 1
            else:
                if event.stage in (STAGE_PROJECT_DONE, STAGE_PROJECT_FAILED):
                    self._finish_rows(event.project, now, "✓" if event.stage == STAGE_PROJECT_DONE else "✗")
                if event.stage == STAGE_FINISHED:
                    self._finish_rows(None, now, "✓")
                    self._ended = now
                self._status = clean(event.message or event.stage)

    def _apply_stream(self, event: SyncProgress, now: float, previous: float) -> None:
        key = (event.project, event.stream)
        row = self._rows.get(key)
        if row is None:
            # A project moving to its next stream has finished the previous ones; a run-level
            # stream (no project) comes after every project's.
            self._finish_rows(event.project or None, now, "✓")
            # It began when the previous thing ended (its first event comes after its first page).
            row = self._rows[key] = StreamRow(event.project, event.stream, started=previous, updated=now)
        row.done, row.total, row.updated = event.done, event.total, now

    def _finish_rows(self, project: str | None, now: float, mark: str) -> None:
        for row in self._rows.values():
            if not row.mark and (project is None or row.project == project):
                row.mark = mark
                row.updated = now  # its clock stops when the next thing starts

    def stop(self) -> None:
        """The run is over (also after an error or Ctrl+C): every clock stops."""
        now = self._clock()
        with self._lock:
            for row in self._rows.values():
                if not row.mark:
                    row.mark, row.updated = "·", now
            if self._ended is None:
                self._ended = now
            self._wait_until = 0.0

    # --- rendering ------------------------------------------------------------------------------

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.render(options.max_width)

    def render(self, width: int) -> list[Text]:
        """The board's lines for `width` cells: the status (it wraps rather than being cut), a row per
        stream, the run totals. Rows stop growing at `MAX_WIDTH` cells so a wide terminal stays readable."""
        now = self._clock()
        width = min(width, MAX_WIDTH)
        with self._lock:
            rows = list(self._rows.values())
            left = self._wait_until - now
            status = Text(f"{self._wait_text} {left:.0f} s" if left > 0 else self._status,
                          style="yellow" if left > 0 else "bold", overflow="fold")
            lines = [status]
            if rows:
                label_w = max(cell_len(r.label) for r in rows)
                count_w = max(len(format_count(r.done, r.total, r.stream)) for r in rows)
                lines.extend(self._row_line(r, width, label_w, count_w, now) for r in rows)
            lines.append(Text(self._totals(now), style="dim", overflow="fold"))
        return lines

    def _totals(self, now: float) -> str:
        totals = f"requests {self.requests:,}"
        if self.throttled_seconds >= 1:
            totals += f" · throttled {self.throttled_seconds:.0f} s"
        if self.warnings:
            totals += f" · warnings {self.warnings:,}"
        return totals + f" · elapsed {format_elapsed((self._ended or now) - self._started)}"

    def _row_line(self, row: StreamRow, width: int, label_w: int, count_w: int, now: float) -> Text:
        span = row.span(now)
        mark = row.mark or _SPINNER[int(now * 10) % len(_SPINNER)]
        count = format_count(row.done, row.total, row.stream)
        elapsed = format_elapsed(span)
        # mark+space, label, 2, count, 2, middle, 2, elapsed (right edge)
        fixed = 2 + 2 + count_w + 2 + 2 + max(len(elapsed), 4)
        label_w = min(label_w, max(8, width - fixed - 6))
        middle_w = max(0, width - fixed - label_w)
        label = row.label
        if cell_len(label) > label_w:  # only a name wider than about half the line is shortened
            shortened = Text(label)
            shortened.truncate(label_w, overflow="ellipsis")
            label = shortened.plain
        line = Text()
        line.append(mark + " ", style="green" if row.mark == "✓" else "red" if row.mark == "✗" else "cyan")
        line.append(label + " " * (label_w - cell_len(label)))
        line.append("  " + count.rjust(count_w) + "  ")
        if row.total is not None and middle_w >= _MIN_BAR + 5:
            bar_w = min(_MAX_BAR, middle_w - 5)
            ratio = min(1.0, row.done / row.total) if row.total else 1.0
            filled = round(bar_w * ratio)
            line.append("━" * filled, style="green" if row.mark else "magenta")
            line.append("─" * (bar_w - filled), style="dim")
            line.append(f" {ratio:>4.0%}" + " " * (middle_w - bar_w - 5))
        else:
            rate = format_rate(row.done, span) if row.total is None else ""
            rate = rate if len(rate) <= middle_w else ""
            line.append(rate.ljust(middle_w))
        line.append("  " + elapsed.rjust(max(len(elapsed), 4)), style="dim")
        line.no_wrap = True
        line.overflow = "crop"
        return line


def summary_renderable(summary: SyncSummary) -> Group:
    """The end-of-run summary: a heading and a table of projects with a total row, readable at 80
    columns and in a log. The project column folds a very long name onto two lines rather than cut it.
    """
    heading = f"sync {summary.status} in {format_elapsed(summary.elapsed_s)}"
    if summary.throttled_seconds >= 1:
        heading += f", {summary.throttled_seconds:.0f} s of it throttled"
    if summary.warning_count:
        heading += f", {summary.warning_count:,} warning{'' if summary.warning_count == 1 else 's'}"
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 0, 0, 2), header_style="dim",
                  show_footer=len(summary.projects) > 1, footer_style="bold")
    table.add_column("project", overflow="fold", min_width=12, footer="total")
    for name, total in (("work items", summary.work_items), ("revisions", summary.revisions),
                        ("PRs", summary.pull_requests), ("requests", summary.requests)):
        table.add_column(name, justify="right", no_wrap=True, footer=f"{total:,}")
    table.add_column("status", no_wrap=True)
    for project, counts in summary.projects.items():
        table.add_row(Text(clean(project)), f"{counts.work_items:,}", f"{counts.revisions:,}",
                      f"{counts.pull_requests:,}", f"{counts.requests:,}", counts.status)
    if summary.thread_requests:
        table.add_row(Text("PR threads"), "", "", "", f"{summary.thread_requests:,}", "")
    return Group(Text(heading, style="bold"), table) if summary.projects else Group(Text(heading, style="bold"))


class RichDisplay:
    """The live board on a terminal (stderr by default); a context manager around `rich.live.Live`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, console: Console | None = None) -> None:
        from rich.live import Live

        from flowtui.cli.common import plain_console

        self.board = Board(clock)
        self.console = console or plain_console(stderr=True)
        # 4 frames a second: enough for the countdown and spinners, cheap on a shared CPU.
        self._live = Live(self.board, console=self.console, refresh_per_second=4, transient=False,
                          redirect_stdout=False, redirect_stderr=False)

    def __enter__(self) -> RichDisplay:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.board.stop()
        self._live.stop()  # draws the last frame and leaves it on screen

    def update(self, event: SyncProgress) -> None:
        """Apply one progress event (safe to call from worker threads)."""
        self.board.apply(event)


class PlainDisplay:
    """Progress as plain lines (no TTY): stream updates and throttle notices at most once a second,
    every other event at once; the final event is left to the summary that follows."""

    def __init__(self, write: Callable[[str], Any], clock: Callable[[], float] = time.monotonic) -> None:
        self._write = write
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._first: dict[tuple[str, str], float] = {}

    def __enter__(self) -> PlainDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, event: SyncProgress) -> None:
        if event.stage == STAGE_FINISHED:
            return
        # Stream updates and throttling notices (every waiting worker reports the same pause) are
        # limited to one line a second per stream / per pause.
        key = (event.project, event.stream) if event.stream else (
            ("throttle", event.message) if event.throttle_wait_s else None)
        extra = ""
        if key is not None:
            now = self._clock()
            if now - self._last.get(key, -1e9) < 1.0:
                return
            self._last[key] = now
            if event.stream:
                span = now - self._first.setdefault(key, now)
                rate = format_rate(event.done, span) if event.total is None else f"{event.done / max(event.total, 1):.0%}"
                extra = f", {format_elapsed(span)}" + (f", {rate}" if rate else "")
        prefix = f"[{event.project}] " if event.project else ""
        self._write(clean(f"sync: {prefix}{event.message} (requests: {event.requests}{extra})") + "\n")


__all__ = ["Board", "PlainDisplay", "RichDisplay", "StreamRow", "format_count", "format_elapsed", "format_rate",
           "stream_label", "summary_renderable"]
