"""Messages that cross screens: posted by the App's workers, handled by the App and the screens.

Thread workers only ever post these (never touch widgets); handlers on the App own the state and
publish it to the screens that show it. Progress messages coalesce (`can_replace`) so a fast sync
cannot flood the message queue: only the newest event per (project, stream, stage) is kept.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from flowtui.sync.progress import SyncProgress, SyncSummary


class SyncStarted(Message):
    """A sync run began for these projects (demo or real)."""

    def __init__(self, projects: list[str], *, full: bool = False) -> None:
        super().__init__()
        self.projects = projects
        self.full = full


class SyncProgressed(Message):
    """One progress event from `flowtui.sync.run_sync`; replaces an older one of the same kind."""

    def __init__(self, progress: SyncProgress) -> None:
        super().__init__()
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, SyncProgressed):
            return False
        a, b = self.progress, message.progress
        return (a.project, a.stream, a.stage) == (b.project, b.stream, b.stage)


class SyncFinished(Message):
    """A sync run ended with a summary (status success, failed or cancelled)."""

    def __init__(self, summary: SyncSummary) -> None:
        super().__init__()
        self.summary = summary


class DataChanged(Message):
    """The store holds new data (a sync finished or `r` was pressed); `version` is `app.data_version`."""

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version


class ReportReady(Message):
    """The dashboard's report worker finished: `data` is a `DashboardData` for `version`."""

    def __init__(self, data: Any, version: int) -> None:
        super().__init__()
        self.data = data
        self.version = version


class ExportDone(Message):
    """An export finished and wrote these files."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__()
        self.paths = paths


class ConnectionTested(Message):
    """The settings screen's "test connection" finished: ok, and one sentence saying what happened."""

    def __init__(self, ok: bool, text: str) -> None:
        super().__init__()
        self.ok = ok
        self.text = text


class BackgroundTaskFailed(Message):
    """A screen's worker raised: posted by the screen (see `flowtui.screens.worker_errors`) and bubbled
    to the App, which notifies the user and logs it. `name` says what was running ("dashboard")."""

    def __init__(self, name: str, error: BaseException) -> None:
        super().__init__()
        self.name = name
        self.error = error


__all__ = [
    "ConnectionTested",
    "DataChanged",
    "ExportDone",
    "ReportReady",
    "SyncFinished",
    "SyncProgressed",
    "SyncStarted",
    "BackgroundTaskFailed",
]


class StoreMarkerRead(Message):
    """One `ui.store_watch_seconds` poll finished: the newest run record (None: no run yet), or the
    error that made the poll fail (see `flowtui.screens.store_watch`)."""

    def __init__(self, marker: Any, error: BaseException | None = None) -> None:
        super().__init__()
        self.marker = marker
        self.error = error
