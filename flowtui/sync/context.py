"""The state one sync run carries between its stages: client, store, callbacks, counters, warnings."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from collections.abc import Callable

from flowtui.ado.client import AdoClient
from flowtui.ado.paging import RequestBudget
from flowtui.config import Settings
from flowtui.errors import SyncCancelled
from flowtui.store import Store
from flowtui.sync.progress import (
    STAGE_RETRYING,
    STAGE_THROTTLED,
    STAGE_WARNING,
    ProjectCounts,
    SyncProgress,
    SyncSummary,
)

log = logging.getLogger("flowtui.sync")

#: At most this many warning sentences are listed in the summary (all are counted).
MAX_LISTED_WARNINGS = 100


@dataclass
class SyncContext:
    """Everything a stage needs; `org` is the organization name used for cursors and rows."""

    settings: Settings
    store: Store
    client: AdoClient
    org: str
    org_url: str
    now: datetime
    summary: SyncSummary
    full: bool = False
    progress_cb: Callable[[SyncProgress], object] | None = None
    cancel_cb: Callable[[], bool] | None = None
    warning_count: int = 0
    project: str = ""
    counts: ProjectCounts = field(default_factory=ProjectCounts)
    item_ids: set[int] = field(default_factory=set)
    #: the collection's projects by lower-case name, read once per run when needed (None = not yet)
    project_index: dict[str, dict[str, object]] | None = None
    #: the PAT may not read projects (401/403): skip further lookups this run
    project_lookup_denied: bool = False
    #: every project of this run (the organization-level stream keeps their items)
    projects: list[str] = field(default_factory=list)
    #: the organization-level stream this run: None = not read yet, "read", "per-project" (no such
    #: route), or the error it failed with (each project's work item stage then reports it)
    org_stream: object = None

    def server_now(self) -> datetime:
        """The "now" of watermarks and windows: the server's clock (its `Date` header).

        Before the first dated response of the run (or with a server that sends no `Date`, which
        Azure DevOps always does) this is the client's `now`.
        """
        return self.client.server_clock.now() or self.now

    def request_budget(self, what: str) -> RequestBudget:
        """A fresh budget of `sync.max_requests_per_stream` requests for one paged stream named `what`."""
        return RequestBudget(self.settings.sync.max_requests_per_stream, what)

    def check_cancel(self) -> None:
        """Raise SyncCancelled when the caller asked to stop (checked between pages)."""
        if self.cancel_cb is not None and self.cancel_cb():
            raise SyncCancelled("Sync cancelled; every page committed so far is kept.")

    def emit(self, stage: str, stream: str = "", done: int = 0, total: int | None = None, message: str = "", wait: float = 0.0) -> None:
        """Send one progress event (no-op without a callback)."""
        if self.progress_cb is None:
            return
        self.progress_cb(
            SyncProgress(
                stage=stage,
                project=self.project,
                stream=stream,
                done=done,
                total=total,
                requests=self.client.requests,
                throttled_seconds=self.client.throttled_seconds,
                throttle_wait_s=wait,
                message=message,
            )
        )

    def on_wait(self, seconds: float, reason: str) -> None:
        """AdoClient callback: report 'throttled, resuming in N s' (or a retry backoff)."""
        if reason == "throttled":
            self.emit(STAGE_THROTTLED, message=f"throttled, resuming in {math.ceil(seconds)} s", wait=seconds)
        else:
            self.emit(STAGE_RETRYING, message=f"server error, retrying in {math.ceil(seconds)} s", wait=seconds)

    def warn(self, message: str) -> None:
        """Count a warning (a skipped or partly stored payload) and list it in the summary."""
        self.warning_count += 1
        self.summary.warning_count = self.warning_count
        text = f"{self.project}: {message}" if self.project else message
        log.warning("%s", text)
        if len(self.summary.warnings) < MAX_LISTED_WARNINGS:
            self.summary.warnings.append(text)
        self.emit(STAGE_WARNING, message=text)
