"""Where flowtui keeps its files (platformdirs, so XDG_* variables move them on Linux)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path, user_log_path


def config_dir() -> Path:
    return user_config_path("flowtui")


def data_dir() -> Path:
    return user_data_path("flowtui")


def cache_dir() -> Path:
    return user_cache_path("flowtui")


def demo_db_path() -> Path:
    """The demo store lives in the cache directory: it can always be regenerated."""
    return cache_dir() / "demo.sqlite"


def log_dir() -> Path:
    """The user log directory (XDG_STATE_HOME/flowtui/log on Linux, ~/Library/Logs/flowtui on macOS)."""
    return user_log_path("flowtui", appauthor=False)


def log_file_path() -> Path:
    """The rotating log file written by the CLI and the TUI."""
    return log_dir() / "flowtui.log"
