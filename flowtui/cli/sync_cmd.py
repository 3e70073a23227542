"""`flowtui sync`: headless sync with progress on stderr and an optional JSON summary on stdout.

On a TTY the progress is a Rich display (one bar per project and stream with items, requests and
the throttling countdown); otherwise plain lines, at most one per second per stream. Exit codes:
0 success, 1 failed (the first error is printed as one sentence), 130 cancelled/interrupted (Ctrl+C
stops any wait or request in flight within about a second; committed pages stay).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any
from collections.abc import Callable

from flowtui.cli.common import add_common_options, open_store_from_args, parse_day, plain_console, settings_from_args
from flowtui.config import insecure_tls_warning
from flowtui.sync.progress import (
    STAGE_BACKFILL,
    STAGE_FINISHED,
    STAGE_PULL_REQUESTS,
    STAGE_THREADS,
    STAGE_WORK_ITEMS,
    SyncProgress,
    SyncSummary,
)
from flowtui.text import clean

_STREAM_STAGES = (STAGE_WORK_ITEMS, STAGE_BACKFILL, STAGE_PULL_REQUESTS, STAGE_THREADS)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `sync` command."""
    parser = subparsers.add_parser("sync", help="sync work items and pull requests into the local store")
    add_common_options(parser)
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="start of history on a first sync (default: 365 days ago) and of the pull request window")
    parser.add_argument("--full", action="store_true", help="ignore stored cursors and re-read everything")
    parser.add_argument("--only", choices=("work-items", "prs"), help="sync only work items or only pull requests")
    parser.add_argument("--json", action="store_true", help="print one JSON summary line on stdout at the end")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run one sync; returns the exit code (errors are raised as flowtui.errors types)."""
    since = parse_day(getattr(args, "since", None), "--since")
    settings = settings_from_args(args)
    demo = bool(getattr(args, "demo", False))
    from flowtui.sync.connection import connect

    connection = connect(settings, demo=demo)  # ConfigError (no/invalid URL) and AuthError (no PAT) surface here
    now = None
    if demo:
        from flowtui import demo_mode

        now = demo_mode.demo_now()  # the simulated org has its own fixed clock; syncing "as of" it keeps the demo reproducible
    tls_warning = insecure_tls_warning(settings)
    if tls_warning:
        print(f"flowtui: warning: {tls_warning}", file=sys.stderr)
    from flowtui.sync import run_sync

    store = open_store_from_args(args, settings)
    try:
        display = RichDisplay() if sys.stderr.isatty() else PlainDisplay(sys.stderr.write)
        with display:
            summary = run_sync(settings, store, pat=connection.pat, transport=connection.transport, progress=display.update,
                               full=bool(args.full), since=since, only=args.only, now=now)
    except KeyboardInterrupt:
        # Ctrl+C lands within a fraction of a second even during a throttle wait or a hanging request
        # (run_sync polls in short steps); the run is already recorded as cancelled.
        print("flowtui: sync cancelled (Ctrl+C); every page committed so far is kept.", file=sys.stderr)
        return 130
    finally:
        store.close()
    if args.json:
        print(json.dumps(summary.to_json(), separators=(",", ":")), flush=True)
    return _report(summary)


def _report(summary: SyncSummary) -> int:
    if summary.backfilled or summary.stale_items:
        print(f"flowtui: completed the history of {summary.backfilled} work item(s) with {summary.backfill_requests} "
              f"request(s); {summary.stale_items} stale open item(s) found", file=sys.stderr)
    if summary.status == "success":
        if summary.warning_count:
            print(clean(f"flowtui: sync finished with {summary.warning_count} warning(s); the first: {summary.warnings[0]}"),
                  file=sys.stderr)
        return 0
    if summary.status == "cancelled":
        print("flowtui: sync cancelled; every page committed so far is kept.", file=sys.stderr)
        return 130
    where = f" (project {summary.error_project})" if summary.error_project else ""
    print(clean(f"flowtui: sync failed{where}: {summary.first_error}"), file=sys.stderr)
    return 1


class PlainDisplay:
    """Progress as plain lines: stream updates and throttle notices at most once a second, every other
    event at once."""

    def __init__(self, write: Callable[[str], Any], clock: Callable[[], float] = time.monotonic) -> None:
        self._write = write
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}

    def __enter__(self) -> PlainDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, event: SyncProgress) -> None:
        # Stream updates and throttling notices (every waiting worker reports the same pause) are
        # limited to one line a second per stream / per pause.
        key = (event.project, event.stream) if event.stage in _STREAM_STAGES else (
            ("throttle", event.message) if event.throttle_wait_s else None)
        if key is not None:
            now = self._clock()
            if now - self._last.get(key, -1e9) < 1.0:
                return
            self._last[key] = now
        prefix = f"[{event.project}] " if event.project else ""
        self._write(clean(f"sync: {prefix}{event.message} (requests: {event.requests})") + "\n")


class RichDisplay:
    """A Rich progress display on stderr: one task per project and stream, plus a status line whose
    throttling countdown ("resuming in N s") ticks down live between events."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.text import Text

        class Countdown(ProgressColumn):
            def render(self, task: Any) -> Text:
                resume_at = task.fields.get("resume_at")
                if not resume_at:
                    return Text("")
                left = max(0.0, resume_at - clock())
                return Text(f"throttled, resuming in {left:.0f} s" if left > 0 else "", style="yellow")

        self._clock = clock
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),  # project names and messages are server text
            BarColumn(),
            TextColumn("{task.completed:>7.0f} items"),
            TextColumn("{task.fields[info]}", markup=False),
            Countdown(),
            TimeElapsedColumn(),
            console=plain_console(stderr=True),
            transient=False,
        )
        self._tasks: dict[tuple[str, str], Any] = {}
        self._done: dict[Any, int] = {}
        self._status = self._progress.add_task("starting", total=None, info="", resume_at=0.0)

    def __enter__(self) -> RichDisplay:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, event: SyncProgress) -> None:
        """Apply one progress event (safe to call from worker threads)."""
        info = f"requests {event.requests}  throttled {event.throttled_seconds:.0f} s"
        if event.stage in _STREAM_STAGES:
            key = (event.project, event.stream)
            task = self._tasks.get(key)
            if task is None:
                task = self._progress.add_task(f"{event.project or 'all projects'} · {event.stream.replace('_', ' ')}", total=event.total,
                                               info=info, resume_at=0.0)
                self._tasks[key] = task
            self._progress.update(task, completed=event.done, total=event.total, info=info)
            self._done[task] = event.done
            return
        if event.throttle_wait_s:
            self._progress.update(self._status, info=info, resume_at=self._clock() + event.throttle_wait_s)
            return
        self._progress.update(self._status, description=event.message or event.stage, info=info)
        if event.stage == STAGE_FINISHED:
            for task, done in self._done.items():  # finished streams show full bars
                self._progress.update(task, total=max(done, 1), completed=max(done, 1))
