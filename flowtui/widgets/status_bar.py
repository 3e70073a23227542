"""The top bar every screen shows: the view tabs (current one highlighted), the org, demo and sync state.

Screens just `yield StatusBar()`; it redraws itself when the mode changes or a sync starts/stops.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from flowtui.config import organization_name
from flowtui.views import MAIN_VIEWS, VIEW_TITLES
from flowtui.widgets.theme_colors import app_palette, recolor


class StatusBar(Static):
    """`1 Dashboard  2 Work items …   contoso · DEMO · syncing…` (or "a sync is running elsewhere, started HH:MM")."""

    DEFAULT_CSS = """
    StatusBar { dock: top; height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def on_mount(self) -> None:
        app: Any = self.app
        app.mode_change_signal.subscribe(self, lambda _mode: self.redraw())
        if hasattr(app, "sync_signal"):
            app.sync_signal.subscribe(self, lambda _msg: self.redraw())
        app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())
        if hasattr(app, "filter_signal"):
            app.filter_signal.subscribe(self, lambda _vf: self.redraw())
        if hasattr(app, "store_watch_signal"):
            app.store_watch_signal.subscribe(self, lambda _run: self.redraw())
        self.redraw()

    def redraw(self) -> None:
        self.update(recolor(self.render_bar(), app_palette(self.app)))

    def render_bar(self) -> Text:

        app: Any = self.app
        current = app.current_mode
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, view in enumerate(MAIN_VIEWS, start=1):
            style = "bold reverse" if view.mode == current else ""
            text.append(f" {i} {view.title} ", style=style)
        if current in VIEW_TITLES and all(v.mode != current for v in MAIN_VIEWS):
            text.append(f" {VIEW_TITLES[current]} ", style="bold reverse")
        right = Text()
        view_filter = getattr(app, "view_filter", None)
        summary = view_filter.summary() if view_filter is not None else ""
        view_name = getattr(app, "current_view", None)
        if summary or view_name:  # server text: appended as plain Text, never parsed as markup
            label = f"{view_name}: " if view_name else ""
            right.append(f"⏷ {label}{summary or 'no filters'}", style="bold")
            right.append("  ")
        org = getattr(app, "settings", None)
        if org is not None and org.org_url:
            right.append(organization_name(org.org_url), style="dim")
        if getattr(app, "demo", False):
            right.append("  DEMO", style="bold yellow")
        if getattr(app, "sync_running", False):
            right.append("  syncing…", style="bold green")
        watch = app.store_watch_text() if hasattr(app, "store_watch_text") else ""
        if watch:
            right.append(f"  {watch}", style="bold yellow")
        auto = app.auto_sync_text() if hasattr(app, "auto_sync_text") else ""
        if auto:
            right.append(f"  {auto}", style="dim")
        width = self.size.width - 2 if self.size.width else 120
        gap = max(1, width - text.cell_len - right.cell_len)
        text.append(" " * gap)
        text.append_text(right)
        return text

    def on_resize(self) -> None:
        self.redraw()


__all__ = ["StatusBar"]
