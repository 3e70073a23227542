"""Where flowtui keeps its files (platformdirs, so XDG_* variables move them on Linux).

Every call passes `appauthor=False`: on Windows platformdirs would otherwise nest the app name under an
author folder of the same name (`%LOCALAPPDATA%\\flowtui\\flowtui`).
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path, user_log_path, user_state_path

APP_NAME = "flowtui"


def config_dir() -> Path:
    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    return user_data_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    return user_cache_path(APP_NAME, appauthor=False)


def demo_db_path() -> Path:
    """The demo store lives in the cache directory: it can always be regenerated.

    The name changes whenever the demo organization does (v2: older history, moves, recycle bin),
    so a store synced from an earlier demo org is never mixed with the new one.
    """
    return cache_dir() / "demo-v2.sqlite"


def log_dir() -> Path:
    """The user log directory (XDG_STATE_HOME/flowtui/log on Linux, ~/Library/Logs/flowtui on macOS)."""
    return user_log_path(APP_NAME, appauthor=False)


def log_file_path() -> Path:
    """The rotating log file written by the CLI and the TUI."""
    return log_dir() / "flowtui.log"


def ui_state_path() -> Path:
    """The TUI's small state file (the last saved view): XDG_STATE_HOME/flowtui/ui-state.json on Linux."""
    return user_state_path(APP_NAME, appauthor=False) / "ui-state.json"
