"""Help: the key bindings that are live on the screen you came from, after any `[ui] keymap` override.

Built from `Screen.active_bindings` (which already applies the keymap and `check_action`), so it
can never disagree with what the keys really do. Bindings that cannot run right now are not listed;
dimmed ones (present but unavailable) are shown dim. The last line names the log file.
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

    Global (App) bindings come first, then the screen's and the focused widget's, each in
    declaration order.
    """
    from textual.app import App

    by_binding: dict[int, list[Any]] = {}
    order: list[int] = []
    ranked = sorted(active.items(), key=lambda kv: 0 if isinstance(kv[1].node, App) else 1)
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


class HelpScreen(ReportsWorkerErrors, ModalScreen[None]):
    """Every live key binding: key, what it does, and its id for `[ui] keymap`."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close")]

    def __init__(self, active_bindings: Mapping[str, Any]) -> None:
        super().__init__()
        self.active = dict(active_bindings)

    def compose(self) -> ComposeResult:
        table = Table(expand=True, box=None, show_edge=False, header_style="bold", pad_edge=False)
        table.add_column("Key", style="bold cyan", no_wrap=True)
        table.add_column("Action", no_wrap=True)
        table.add_column("What it does", ratio=1)
        table.add_column(Text("Id for [ui] keymap"), style="dim", no_wrap=True)
        for keys, description, tooltip, binding_id, enabled in help_rows(self.active, self.app.get_key_display):
            style = "" if enabled else "dim"
            table.add_row(Text(keys), Text(description, style=style), Text(tooltip, style=style), binding_id)
        with VerticalScroll(classes="dialog help-dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static(table)
            yield Static("[dim]Remap any key in config.toml: [ui] keymap = { \"sync.start\" = \"S\" }. "
                         "Esc closes this help.[/]")
            yield Static(Text(f"Log file (attach it to a bug report): {log_file_path()}", style="dim"),
                         id="help-log-file")


__all__ = ["HelpScreen", "help_rows"]
