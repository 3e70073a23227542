"""Worker failures a user can see: one mixin every screen inherits, one sentence per failure.

Textual delivers `Worker.StateChanged` only to the node that started the worker and does not bubble
it, so a screen's failing worker never reached the App. `ReportsWorkerErrors` catches the ERROR state
on the screen, lets the screen show it in place (`show_worker_error`, e.g. the dashboard replaces
"Computing the report…" with "Could not compute the report: …"), and posts
`BackgroundTaskFailed`, which bubbles to the App: it logs the failure, keeps it in
`app.worker_errors` and shows a modal or a notification (always `markup=False`: the text may come
from a server).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.css.query import NoMatches
from textual.worker import Worker, WorkerState

from flowtui.errors import FlowtuiError
from flowtui.messages import BackgroundTaskFailed


def describe_error(error: BaseException) -> str:
    """One sentence for a failure: a flowtui error's own message, else the exception's type and text."""
    if isinstance(error, FlowtuiError):
        return error.message
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def worker_label(worker: Worker[object]) -> str:
    """What the worker was doing, for titles: its given name, else its group ("work items"), else
    "background task" (a method name such as `_load` says nothing to a user)."""
    if worker.name and not worker.name.startswith("_"):
        return worker.name
    group = (worker.group or "").replace("_", " ").strip()
    return group if group and group != "default" else "background task"


def error_text(prefix: str, error: BaseException) -> Text:
    """`prefix: sentence` as a Text in the error colour (never parsed as markup), with a retry hint."""
    return Text.assemble((f"{prefix}: ", "bold red"), describe_error(error), " — press r to retry.")


if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen[Any]  # Any: the concrete screen's own result type wins
else:
    _Base = object


class ReportsWorkerErrors(_Base):
    """Mixin for screens (list it before the Screen base): a worker of this screen that raises is shown
    here and reported to the App. A plain class, so it adds no CSS type name or default styles."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.error is None or worker.node is not self:
            return
        try:
            self.show_worker_error(worker, worker.error)
        except NoMatches:  # the view is being torn down; the App's notification still tells the user
            pass
        self.post_message(BackgroundTaskFailed(worker_label(worker), worker.error))

    def show_worker_error(self, worker: Worker[object], error: BaseException) -> None:
        """Show the failure in the view (override; the default leaves it to the App's notification)."""


__all__ = ["ReportsWorkerErrors", "describe_error", "error_text", "worker_label"]
