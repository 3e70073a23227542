"""The TUI's filter state outside the widgets: saved views in order, and the last view remembered.

The last view lives in a small JSON state file (`paths.ui_state_path()`, not the config file, so
switching views never rewrites the user's commented config). A missing or unreadable state file
means "no last view"; a name that is no longer in `[[ui.views]]` is ignored.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from flowtui import paths
from flowtui.domain import SavedView

log = logging.getLogger("flowtui.tui")

#: The state file is tiny; anything larger is not ours and is ignored.
MAX_STATE_BYTES = 64 * 1024


def read_last_view(path: Path | None = None) -> str | None:
    """The name of the last saved view applied, or None."""
    path = path or paths.ui_state_path()
    try:
        if path.stat().st_size > MAX_STATE_BYTES:
            return None
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    name = data.get("last_view") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else None


def write_last_view(name: str | None, path: Path | None = None) -> None:
    """Remember `name` (None forgets); a failure to write is logged, never raised (it is a convenience)."""
    path = path or paths.ui_state_path()
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"last_view": name}), "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not remember the last view in %s: %s", path, exc.strerror)


def find_view(views: list[SavedView], name: str | None) -> SavedView | None:
    """The saved view called `name` (case-insensitive), or None."""
    if not name:
        return None
    return next((v for v in views if v.name.casefold() == name.casefold()), None)


def next_view(views: list[SavedView], current: str | None) -> SavedView | None:
    """The view after `current` in config order (the first one after the last, or with none current)."""
    if not views:
        return None
    names = [v.name.casefold() for v in views]
    key = (current or "").casefold()
    return views[(names.index(key) + 1) % len(views)] if key in names else views[0]


__all__ = ["find_view", "next_view", "read_last_view", "write_last_view"]
