"""The view registry: every mode of the TUI, its title, its screen and its key, in one table.

The App builds its modes and its `view.*` bindings from `VIEWS`; the status bar draws its tabs and the
command palette its "view: …" commands from it. Nothing here imports Textual or the App, so
`widgets/` and `commands.py` read the registry without importing `flowtui.app` back.

Binding ids follow one convention, scope then verb (`view.dashboard`, `sync.cancel`,
`table.next_page`). `LEGACY_BINDING_IDS` maps the ids of earlier builds to the new ones so a
`[ui] keymap` written for them keeps working (`resolve_keymap`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class View:
    """One mode: its name, its title, where its screen class lives, and whether it is a main view."""

    mode: str
    title: str
    module: str
    screen: str
    #: Main views are in the `h`/`l`/`tab` cycle, numbered 1–5 and drawn as tabs in the status bar.
    main: bool = True

    @property
    def binding_id(self) -> str:
        """The id of the key that opens this view (`view.<mode>`)."""
        return f"view.{self.mode}"


#: Every view, main views first in `h`/`l`/`tab` order (digits 1–5 jump to them).
VIEWS: tuple[View, ...] = (
    View("dashboard", "Dashboard", "flowtui.screens.dashboard", "DashboardScreen"),
    View("work_items", "Work items", "flowtui.screens.work_items", "WorkItemsScreen"),
    View("pull_requests", "Pull requests", "flowtui.screens.pull_requests", "PullRequestsScreen"),
    View("flow", "Flow", "flowtui.screens.flow", "FlowScreen"),
    View("forecast", "Forecast", "flowtui.screens.forecast", "ForecastScreen"),
    View("sync", "Sync", "flowtui.screens.sync", "SyncScreen", main=False),
    View("settings", "Settings", "flowtui.screens.settings", "SettingsScreen", main=False),
)
MAIN_VIEWS: tuple[View, ...] = tuple(v for v in VIEWS if v.main)
VIEW_TITLES: dict[str, str] = {v.mode: v.title for v in VIEWS}

#: Binding ids of earlier builds -> the current ids (a `[ui] keymap` may still use the old ones).
LEGACY_BINDING_IDS: dict[str, str] = {
    "quit": "app.quit",
    "help": "app.help",
    "command_palette": "app.commands",
    "sync": "sync.start",
    "cancel_sync": "sync.cancel",
    "export": "export.start",
    "refresh": "data.refresh",
    "next_view": "view.next",
    "prev_view": "view.prev",
    "next_view_tab": "view.next_tab",
    "prev_view_tab": "view.prev_tab",
    **{f"view_{v.mode}": v.binding_id for v in VIEWS},
    "settings_save": "settings.save",
    "settings_test": "settings.test_connection",
    "settings_blur": "settings.leave_fields",
    "close_dialog": "dialog.close",
    "cancel_dialog": "dialog.cancel",
    "confirm_yes": "dialog.yes",
    "confirm_no": "dialog.no",
    "close_help": "help.close",
    "cursor_down": "kpi.down",
    "cursor_up": "kpi.up",
    "cursor_top": "kpi.first",
    "cursor_bottom": "kpi.last",
}


def resolve_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap with legacy binding ids renamed; a new id given alongside its old one wins."""
    resolved = {LEGACY_BINDING_IDS.get(k, k): v for k, v in keymap.items() if k in LEGACY_BINDING_IDS}
    resolved.update({k: v for k, v in keymap.items() if k not in LEGACY_BINDING_IDS})
    return resolved


__all__ = ["LEGACY_BINDING_IDS", "MAIN_VIEWS", "VIEWS", "VIEW_TITLES", "View", "resolve_keymap"]
