"""Following a store that another process syncs (`ui.store_watch_seconds`).

A team store (PostgreSQL, or one SQLite file that a scheduled `flowtui sync` writes) changes under the
TUI. Every `ui.store_watch_seconds` (default 15, 0 = off) the app reads one primary-key row in a thread
worker — `Store.latest_run()`, the newest run record's id, status and times — and compares it with
the last one seen:

- a record of another process that is `running`: the status bar and the dashboard say "a sync is
  running elsewhere, started HH:MM" (the data age stays visible);
- a record of another process that has finished (or a new finished one): every view re-reads the
  store (`_data_changed()`) and one notification says when that sync finished;
- this app's own runs (their ids come with SyncFinished) are taken in silently, and no poll runs
  while this app syncs (the writer lock means nobody else can then);
- a poll that fails (the server gone, the file unreadable) is one warning in the status bar, logged
  and notified once per outage, never a modal; the next tick simply tries again.

Bounds: at most one poll in flight (a tick while one runs is skipped), each poll one indexed query
(`flowtui.reporting.store_watch.newest_run`) bounded by the driver's `connect_timeout` (10 s) and,
on PostgreSQL, a 10 s statement timeout; the worker closes its own connection so polls never pile
up connections. Times are shown in `flow.timezone`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from textual import work
from textual.timer import Timer

from flowtui.config import Settings
from flowtui.domain import RunMarker
from flowtui.messages import StoreMarkerRead
from flowtui.reporting.store_watch import newest_run
from flowtui.screens.worker_errors import describe_error
from flowtui.text import clean

log = logging.getLogger("flowtui.tui")


def clock_time(when: datetime, timezone: str) -> str:
    """`when` as HH:MM in the IANA zone `timezone` (the user's `flow.timezone`)."""
    return f"{when.astimezone(ZoneInfo(timezone)):%H:%M}"


class StoreWatch:
    """Mixed into FlowApp (before `App`): the poll, what it found, and the text the status bar shows."""

    settings: Settings
    store: Any
    sync_running: bool
    #: The newest run record the last good poll saw (None before the first or with no runs).
    watch_marker: RunMarker | None = None
    #: The other process's run that is `running` now, or None.
    foreign_run: RunMarker | None = None
    #: One sentence while polls fail (shown in the status bar), else None.
    store_watch_problem: str | None = None
    _watch_polling: bool = False
    _watch_baseline: bool = True

    if TYPE_CHECKING:  # provided by App and FlowApp; declared here only for the type checker
        def notify(self, *args: Any, **kwargs: Any) -> None: ...
        def set_interval(self, interval: float, callback: Callable[[], Any] | None = None, *,
                         name: str | None = None, repeat: int = 0, pause: bool = False) -> Timer: ...
        def _data_changed(self) -> None: ...
        def _redraw_status(self) -> None: ...
        def post_message(self, message: Any) -> bool: ...

    def _init_store_watch(self) -> None:
        self._own_runs: set[int] = set()
        from textual.signal import Signal

        #: Published whenever `foreign_run` or `store_watch_problem` changes (status bar, dashboard).
        self.store_watch_signal: Signal[Any] = Signal(self, "store-watch")  # type: ignore[arg-type]

    def _start_store_watch(self) -> None:
        """Poll now (the baseline) and then every `ui.store_watch_seconds`; nothing when it is 0."""
        seconds = self.settings.ui.store_watch_seconds
        if seconds:
            self.store_watch_tick()
            self.set_interval(float(seconds), self.store_watch_tick)

    def store_watch_tick(self) -> bool:
        """Start one poll unless one is in flight, this app syncs or there is no store (True when started)."""
        if self._watch_polling or self.sync_running or self.store is None:
            return False
        self._watch_polling = True
        self._poll_store(self.store)
        return True

    def own_run_finished(self, run_id: int | None) -> None:
        """This app's sync ended: its record (`run_id`, or whatever is newest when unknown) is no news."""
        if run_id is None:
            self._watch_baseline = True
        else:
            self._own_runs.add(run_id)
        self._set_foreign(None)

    @work(thread=True, exit_on_error=False, group="store-watch", name="store watch")
    def _poll_store(self, store: Any) -> None:
        try:
            marker = newest_run(store)  # closes this thread's connection: each poll has a new thread
        except Exception as exc:  # noqa: BLE001 - any failure is one warning in the status bar
            self.post_message(StoreMarkerRead(None, exc))
            return
        self.post_message(StoreMarkerRead(marker))

    def on_store_marker_read(self, message: StoreMarkerRead) -> None:
        """A poll's answer (the handler is found by name, so it works from this mixin)."""
        self._watch_polling = False
        if message.error is not None:
            self._poll_failed(message.error)
            return
        if self.store_watch_problem is not None:
            log.info("the store is reachable again")
            self.store_watch_problem = None
            self.store_watch_signal.publish(None)
            self._redraw_status()
        marker: RunMarker | None = message.marker
        previous, self.watch_marker = self.watch_marker, marker
        ours = marker is not None and marker.id in self._own_runs
        foreign_running = marker is not None and marker.status == "running" and not ours and not self.sync_running
        self._set_foreign(marker if foreign_running else None)
        if self._watch_baseline:
            self._watch_baseline = False
            return
        if marker is None or marker == previous or ours or marker.status == "running":
            return
        self._data_changed()
        zone = self.settings.flow.timezone
        if marker.finished_at is None:  # its writer died (PostgreSQL: the lock is gone; see Store.latest_run)
            text = (f"A sync elsewhere that started at {clock_time(marker.started_at, zone)} stopped without "
                    "finishing; the store holds what it committed.")
        else:
            outcome = "" if marker.status == "success" else f"; it ended {marker.status}"
            text = (f"The store was updated by a sync that finished at "
                    f"{clock_time(marker.finished_at, zone)} (elsewhere{outcome}).")
        self.notify(text, title="Store", timeout=8, markup=False)

    def _poll_failed(self, error: BaseException) -> None:
        if self.store_watch_problem is not None:
            return  # the same outage: already said once
        self.store_watch_problem = "store not reachable"
        log.warning("checking the store for other syncs failed: %s", describe_error(error))
        self.notify(clean(f"Checking the store for other syncs failed: {describe_error(error)} Retrying every "
                    f"{self.settings.ui.store_watch_seconds} s."), title="Store", severity="warning",
                    timeout=10, markup=False)
        self.store_watch_signal.publish(None)
        self._redraw_status()

    def _set_foreign(self, run: RunMarker | None) -> None:
        if run != self.foreign_run:
            self.foreign_run = run
            self.store_watch_signal.publish(run)
            self._redraw_status()

    def store_watch_text(self) -> str:
        """What the status bar and dashboard say: a sync running elsewhere, a failing poll, or ""."""
        if self.store_watch_problem:
            return f"⚠ {self.store_watch_problem}"
        run = self.foreign_run
        if run is not None:
            return f"a sync is running elsewhere, started {clock_time(run.started_at, self.settings.flow.timezone)}"
        return ""


__all__ = ["StoreWatch", "clock_time"]
