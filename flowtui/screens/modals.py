"""Dialogs: an error the user must act on, the export directory prompt, and a yes/no confirmation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from flowtui.screens.worker_errors import ReportsWorkerErrors

DEFAULT_EXPORT_DIR = "./flowtui-export"
#: What each `flowtui export --what` choice writes, in words.
EXPORT_SETS = {
    "all": "The PowerBI set (6 files) and the flow set (work items, transitions, weekly throughput, metrics.json)",
    "powerbi": "The PowerBI set (organizations, projects, repositories, pull_requests, users, reviewers)",
    "flow": "The flow set (work items, transitions, weekly throughput, metrics.json)",
}


class ErrorModal(ReportsWorkerErrors, ModalScreen[None]):
    """A blocking error (authentication, configuration, store): one sentence and what to do."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="dialog.close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.message, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="error", id="ok")

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(None)


class ExportPrompt(ReportsWorkerErrors, ModalScreen[str | None]):
    """Ask for the export directory; returns it, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, default: str = DEFAULT_EXPORT_DIR, *, what: str = "all") -> None:
        super().__init__()
        self.default = default
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Export CSV files", classes="dialog-title")
            yield Static(f"{EXPORT_SETS.get(self.what, self.what)} will be written into this directory; "
                         "existing files with the same names are replaced.", classes="dialog-body")
            yield Input(self.default, placeholder="directory", id="export-dir")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        value = self.query_one(Input).value.strip()
        if value:
            self.dismiss(value)
        else:
            self.notify("Enter a directory.", severity="warning")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class SaveViewPrompt(ReportsWorkerErrors, ModalScreen[str | None]):
    """Ask for the name of a new saved view; returns it, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Save current filters as view", classes="dialog-title")
            yield Static(f"Filters: {self.summary or 'none (every item)'}", classes="dialog-body", markup=False)
            yield Input(placeholder="view name", id="view-name", max_length=200)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        value = self.query_one(Input).value.strip()
        if value and value.isprintable():
            self.dismiss(value)
        else:
            self.notify("Enter a name (printable text).", severity="warning")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ReportsWorkerErrors, ModalScreen[bool]):
    """A yes/no question; returns True for yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="dialog.yes"),
        Binding("n,escape", "answer(False)", "No", id="dialog.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes", variant="primary", id="yes")
                yield Button("No", id="no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


__all__ = ["DEFAULT_EXPORT_DIR", "ConfirmModal", "ErrorModal", "ExportPrompt"]
