"""`flowtui` with no command: open the TUI (Settings first when nothing is configured; `--demo` for the demo).

The configuration is validated and the store opened before the terminal switches to the TUI, so a
bad config value or a corrupt store prints one sentence and exits 2 / 1 like every other command.
"""

from __future__ import annotations

import argparse

from flowtui.cli.common import settings_from_args
from flowtui.cli.logging_setup import tui_owns_terminal
from flowtui.store import open_store


def run(args: argparse.Namespace) -> int:
    """Open the TUI; returns the exit code (0 after a clean quit)."""
    settings = settings_from_args(args)
    demo = bool(getattr(args, "demo", False))
    store = None
    clock = None
    if demo:
        from flowtui.demo_mode import demo_now

        settings.db_path.parent.mkdir(parents=True, exist_ok=True)
        store = open_store(settings.db_path)
        fixed = demo_now()
        clock = lambda: fixed  # noqa: E731 - the demo org lives at one fixed instant
    elif isinstance(settings.store_target, str) or settings.db_path.exists():
        store = open_store(settings.store_target)
    from flowtui.app import make_app

    app = make_app(settings, store=store, clock=clock, demo=demo)
    # The TUI owns the terminal: a log line written to stderr would tear the screen. Records go to the
    # log file only; failures reach the user through the app's dialogs and notifications.
    try:
        with tui_owns_terminal():
            result = app.run()
    finally:
        if store is not None:
            store.close()
        # the app's store may have been created by the first sync
        if app.store is not None and app.store is not store:
            app.store.close()
    return int(result or 0)
