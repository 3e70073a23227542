"""What the data views (work items, pull requests, flow, forecast) share.

A data view reads `app.store`, `app.settings`, `app.now()` and `app.data_version` (the TUI
contract). It reloads when it is shown and the data version moved since its last load, queries the
store only in thread workers, and answers stale worker results by ignoring them: every request
carries a serial number and only the newest one is applied.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from textual import events
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from flowtui.domain import ItemFilter, ViewFilter
from flowtui.messages import DataChanged
from flowtui.reporting import FlowPolicy
from flowtui.screens.worker_errors import ReportsWorkerErrors, error_text

if TYPE_CHECKING:
    from flowtui.config import Settings
    from flowtui.store import Store

#: The empty state every data view shows when there is nothing to show yet.
EMPTY_TEXT = "No data yet — press s to sync"
#: The empty state when filters are set: the store may hold data, just none that matches.
FILTERED_EMPTY_TEXT = "No items match the filters in the header — change them, or clear them (palette: view: clear filters)"


class FlowAppLike(Protocol):
    """The attributes of FlowApp that data views read."""

    store: Store | None
    settings: Settings
    data_version: int
    view_filter: ViewFilter

    def now(self) -> datetime: ...


class Loaded(Message):
    """A thread worker of a data view finished a query: `payload` for request `serial`."""

    def __init__(self, serial: int, payload: Any) -> None:
        super().__init__()
        self.serial = serial
        self.payload = payload


class DataView(ReportsWorkerErrors, Screen[None]):
    """A Screen that (re)loads from the store when shown with a newer `app.data_version`.

    Subclasses implement `reload()` (start a thread worker) and call `next_serial()` for each request.
    A failing worker's sentence replaces the text of `ERROR_TARGET` (a Static), prefixed with
    `ERROR_PREFIX`, and the App notifies the user.
    """

    #: The Static that shows a worker failure in place, and the words before the error sentence.
    ERROR_TARGET = ""
    ERROR_PREFIX = "Could not load this view"

    def __init__(self) -> None:
        super().__init__()
        self.loaded_version: int | None = None
        self._serial = 0

    @property
    def flow_app(self) -> FlowAppLike:
        """The app, typed as the attributes the contract promises."""
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store | None:
        return self.flow_app.store

    def policy(self) -> FlowPolicy:
        """The flow policy of the current settings."""
        return FlowPolicy.from_settings(self.flow_app.settings)

    def view_filter(self) -> ViewFilter:
        """The App's one filter state (set on any view, applied to every view)."""
        return self.flow_app.view_filter

    def empty_text(self) -> str:
        """What the empty state says: "sync first", or "nothing matches" while filters are set."""
        return EMPTY_TEXT if self.flow_app.view_filter.is_empty else FILTERED_EMPTY_TEXT

    def item_filter(self) -> ItemFilter:
        """The store filter of the App's filter state over the configured projects."""
        return self.flow_app.view_filter.item_filter(self.flow_app.settings.projects)

    def next_serial(self) -> int:
        """A new request number; results of older requests are ignored by `is_latest`."""
        self._serial += 1
        return self._serial

    def is_latest(self, serial: int) -> bool:
        """True when `serial` is the newest request."""
        return serial == self._serial

    def reload_if_stale(self) -> None:
        """Reload when `app.data_version` moved since the last load."""
        version = self.flow_app.data_version
        if version != self.loaded_version:
            self.loaded_version = version
            self.reload()  # type: ignore[attr-defined]  # every view defines reload()

    def on_screen_resume(self, _event: events.ScreenResume) -> None:
        self.reload_if_stale()

    def show_worker_error(self, worker: Worker[object], error: BaseException) -> None:
        """Replace the view's status (or loading) line with the failure."""
        if not self.ERROR_TARGET:
            return
        for target in self.query(self.ERROR_TARGET).results(Static):
            target.display = True
            target.update(error_text(self.ERROR_PREFIX, error))

    def on_data_changed(self, _message: DataChanged) -> None:
        """The app posts DataChanged to the current screen after a sync or `r`."""
        if self.is_current:
            self.reload_if_stale()
