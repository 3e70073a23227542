"""Help: the key bindings that are live on the screen you came from, after any `[ui] keymap` override.

Built from `Screen.active_bindings` (which already applies the keymap and `check_action`), so it
can never disagree with what the keys really do. flowtui's own bindings (every one has an id, a
description and a tooltip) come first — global keys, then the view's, then its widgets'; the keys
Textual's widgets bring themselves (cursor and page moves, no id) follow under "Widget keys".
Bindings that cannot run right now are not listed; dimmed ones (present but unavailable) are shown
dim. Narrow terminals (< 100 columns) fold the id column into the description. The last line names the log file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from flowtui.paths import log_file_path
from flowtui.screens.worker_errors import ReportsWorkerErrors


def help_rows(active: Mapping[str, Any], key_display: Any) -> list[tuple[str, str, str, str, bool]]:
    """(keys, description, tooltip, binding id, enabled) per binding, keys of one binding joined.

    Global (App) bindings come first, then the screen's, then the focused widget's, each in
    declaration order; bindings without an id (the defaults of Textual's widgets) come last.
    """
    from textual.app import App
    from textual.screen import Screen

    def rank(ab: Any) -> int:
        if ab.binding.id is None:
            return 3
        return 0 if isinstance(ab.node, App) else 1 if isinstance(ab.node, Screen) else 2

    by_binding: dict[int, list[Any]] = {}
    order: list[int] = []
    ranked = sorted(active.items(), key=lambda kv: rank(kv[1]))
    for _key, ab in ranked:
        ident = id(ab.binding) if ab.binding.id is None else hash((ab.binding.id, ab.binding.action))
        if ident not in by_binding:
            by_binding[ident] = []
            order.append(ident)
        by_binding[ident].append(ab)
    rows = []
    for ident in order:
        group = by_binding[ident]
        binding: Binding = group[0].binding
        keys = " / ".join(dict.fromkeys(key_display(ab.binding) for ab in group))
        description = binding.description or binding.action
        rows.append((keys, description, binding.tooltip or "", binding.id or "", group[0].enabled))
    return rows


#: Below this many columns the id column is folded into the description (so descriptions stay readable).
NARROW_WIDTH = 100


def _table(rows: list[tuple[str, str, str, str, bool]], *, narrow: bool, ids: bool = True) -> Table:
    """The bindings as a rich table: key, action, what it does (and the keymap id, a column when wide)."""
    table = Table(expand=True, box=None, show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("Key", style="bold", no_wrap=True)
    table.add_column("Action", no_wrap=True)
    table.add_column("What it does", ratio=1)
    if ids and not narrow:
        table.add_column(Text("Id for [ui] keymap"), style="dim", no_wrap=True)
    for keys, description, tooltip, binding_id, enabled in rows:
        style = "" if enabled else "dim"
        what = Text(tooltip, style=style)
        if ids and narrow:
            what.append(f"{' ' if tooltip else ''}[{binding_id}]", style="dim")
        cells = [Text(keys), Text(description, style=style), what]
        table.add_row(*cells, *([binding_id] if ids and not narrow else []))
    return table


class HelpScreen(ReportsWorkerErrors, ModalScreen[None]):
    """Every live key binding: key, what it does, and its id for `[ui] keymap`."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close")]

    def __init__(self, active_bindings: Mapping[str, Any]) -> None:
        super().__init__()
        self.active = dict(active_bindings)

    def compose(self) -> ComposeResult:
        rows = help_rows(self.active, self.app.get_key_display)
        narrow = self.app.size.width < NARROW_WIDTH
        with VerticalScroll(classes="dialog help-dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static(_table([r for r in rows if r[3]], narrow=narrow), id="help-keys")
            defaults = [r for r in rows if not r[3]]
            if defaults:
                yield Label("Widget keys (built into the table and input widgets)", classes="dialog-title help-section")
                yield Static(_table(defaults, narrow=narrow, ids=False), id="help-widget-keys")
            yield Static("[dim]Remap any key in config.toml: [ui] keymap = { \"sync.start\" = \"S\" }. "
                         "Esc closes this help.[/]")
            yield Static(Text(f"Log file (attach it to a bug report): {log_file_path()}", style="dim"),
                         id="help-log-file")


__all__ = ["HelpScreen", "help_rows"]
