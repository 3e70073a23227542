"""`flowtui sync`: headless sync with progress on stderr and an optional JSON summary on stdout.

On a TTY the progress is a live board that fits the terminal; otherwise plain lines, at most one per
second per stream; both end with a summary table (see `flowtui.cli.sync_display`). Exit codes:
0 success, 1 failed (the first error is printed as one sentence), 130 cancelled/interrupted (Ctrl+C
stops any wait or request in flight within about a second; committed pages stay).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from flowtui.cli.common import add_common_options, open_store_from_args, parse_day, plain_console, settings_from_args
from flowtui.cli.sync_display import PlainDisplay, RichDisplay, summary_renderable
from flowtui.config import insecure_tls_warning
from flowtui.sync.progress import SyncSummary
from flowtui.text import clean


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


def _report(summary: SyncSummary, console: Any = None) -> int:
    """Print the summary table, then the outcome sentence (one line, so a CI log can be searched);
    returns the exit code."""
    (console or plain_console(stderr=True)).print(summary_renderable(summary))
    if summary.backfilled or summary.stale_items:
        print(f"flowtui: backfilled {summary.backfilled} item(s) in {summary.backfill_requests} request(s); "
              f"{summary.stale_items} stale open", file=sys.stderr)
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


__all__ = ["PlainDisplay", "RichDisplay", "register", "run"]
