"""The command palette (`ctrl+p`): "category: action" commands that depend on the current state.

"sync: cancel" only appears while a sync runs, "sync: start" only when none does, "export: …" only
when the store holds data; "view: …" lists every view except the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from flowtui.domain import ViewFilter
from flowtui.views import VIEW_TITLES


class FlowCommands(Provider):
    """flowtui's own commands for the palette."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        # The App (`flowtui.app.FlowApp`); typed loosely so this module never imports the App back.
        app: Any = self.app
        commands: list[tuple[str, Callable[[], object], str]] = []
        if app.sync_running:
            commands.append(("sync: cancel", app.action_cancel_sync, "Stop the running sync now (every committed page is kept)"))
        else:
            commands.append(("sync: start", app.action_sync, "Sync the configured projects (incremental)"))
            commands.append(("sync: full", partial(app.action_sync, True),
                             "Ignore stored cursors and re-read everything"))
        if app.check_action("export", ()):
            commands.append(("export: PowerBI CSVs", partial(app.action_export, "powerbi"),
                             "Write the six PowerBI PR files into a directory"))
            commands.append(("export: flow set", partial(app.action_export, "flow"),
                             "Write work items, transitions, weekly throughput and metrics.json"))
            commands.append(("export: everything", app.action_export, "Write the PowerBI set and the flow set"))
        commands.append(("data: refresh", app.action_refresh, "Re-read the store and recompute every view"))
        for mode, title in VIEW_TITLES.items():
            if mode != app.current_mode:
                commands.append((f"view: {title.lower()}", partial(app.action_switch_view, mode), f"Open the {title} view"))
        from flowtui.config import saved_views

        for view in saved_views(app.settings):
            commands.append((f"view: {view.name}", partial(app.apply_saved_view, view.name),
                             f"Saved view: {view.filter.summary() or 'no filters'}"))
        commands.append(("view: save current filters as…", app.action_save_view,
                         "Save the filters in the header as a named view in the config"))
        if not app.view_filter.is_empty:
            commands.append(("view: clear filters", partial(app.set_view_filter, ViewFilter()),
                             "Show every item in every view"))
        commands.append(("help: keys", app.action_help, "Show every key binding"))
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


__all__ = ["FlowCommands"]
