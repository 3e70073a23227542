"""Run records and the writer lock: a run is open exactly while this Store holds `<db>.lock`.

`start_run` takes the store's writer lock (see `flowtui.store.lock`) before it opens the record, so
a second writer is refused with the holder's details. Holding the lock also proves that no other
process is syncing this store: every record still `running` at that moment belongs to a process
that died (SIGKILL, crash, power loss) and is marked `interrupted` in the same transaction that
opens the new record. `finish_run` closes the record and always releases the lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peewee import fn

from flowtui.store.lock import WriterLock, acquire_writer_lock, current_command
from flowtui.store.models import SyncRun as S
from flowtui.store.pgurl import PgAddress
from flowtui.store.postgres import PgWriterLock, acquire_pg_writer_lock
from flowtui.timeutil import utc_now

#: Every status a run record can have; `running` only while its writer holds the lock.
RUN_STATUSES = ("running", "success", "failed", "cancelled", "interrupted")
#: What an interrupted run's record says when it has no error of its own.
INTERRUPTED_ERROR = "the sync process ended before finishing this run (killed, crashed or the machine stopped)"


class RunsMixin:
    """start_run / finish_run; `self.db`, `self.path` and `self.transaction()` come from Store."""

    path: Path
    address: PgAddress | None
    db: Any
    _writer: WriterLock | PgWriterLock | None = None
    #: How many dead `running` records the last start_run marked `interrupted`.
    interrupted_runs: int = 0

    def start_run(self, org: str, *, command: str | None = None) -> int:
        """Take the writer lock (StoreError naming the holder if another process has it), mark dead
        `running` records `interrupted` and open a record with status 'running'."""
        lock: WriterLock | PgWriterLock
        if self.address is not None:
            lock = acquire_pg_writer_lock(self.address, command if command is not None else current_command())
        else:
            lock = acquire_writer_lock(self.path, command)
        try:
            with self.transaction():  # type: ignore[attr-defined]
                marked = S.update(
                    {S.status: "interrupted", S.first_error: fn.COALESCE(S.first_error, INTERRUPTED_ERROR)}
                ).where(S.status == "running").bind(self.db).execute()
                run_id = S.insert(organization=org, started_at=utc_now(), status="running").bind(self.db).execute()
        except BaseException:
            lock.release()
            raise
        self._writer = lock
        self.interrupted_runs = max(0, int(marked or 0))
        return int(run_id)

    def finish_run(
        self, run_id: int, *, status: str, work_items: int = 0, revisions: int = 0, pull_requests: int = 0,
        requests: int = 0, throttled_seconds: float = 0.0, warnings: int = 0,
        first_error: str | None = None, error_project: str | None = None,
    ) -> None:
        """Close the run record with its final status and counts, then release the writer lock."""
        if status not in ("success", "failed", "cancelled"):
            raise ValueError(f"unknown run status {status!r}")
        try:
            # the record closes even when the lock was lost with its connection
            with self.transaction(check_writer=False):  # type: ignore[attr-defined]
                S.update({
                    S.finished_at: utc_now(), S.status: status, S.work_items: work_items, S.revisions: revisions,
                    S.pull_requests: pull_requests, S.requests: requests, S.throttled_seconds: throttled_seconds,
                    S.warnings: warnings, S.first_error: first_error, S.error_project: error_project,
                }).where(S.id == run_id).bind(self.db).execute()
        finally:
            self.release_writer()

    def release_writer(self) -> None:
        """Give up the writer lock if this Store holds it (idempotent)."""
        lock, self._writer = self._writer, None
        if lock is not None:
            lock.release()
