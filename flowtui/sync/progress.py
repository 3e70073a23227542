"""Progress events and the run summary of a sync (consumed by the TUI sync screen and the CLI)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Stages, in the order a project goes through them.
STAGE_START = "start"
STAGE_TYPES = "types"
STAGE_WORK_ITEMS = "work_items"
STAGE_BACKFILL = "backfill"
STAGE_PULL_REQUESTS = "pull_requests"
STAGE_THREADS = "threads"
STAGE_THROTTLED = "throttled"
STAGE_RETRYING = "retrying"
STAGE_PROJECT_DONE = "project_done"
STAGE_PROJECT_FAILED = "project_failed"
STAGE_WARNING = "warning"
STAGE_FINISHED = "finished"


@dataclass(frozen=True)
class SyncProgress:
    """One progress event.

    `stream` is "work_items", "backfill", "pull_requests" or "threads" (empty for run-level events).
    `done` is, for work_items, the revisions stored so far in this project; for backfill, the items
    whose history was completed, out of `total`; for pull_requests, the PRs stored so
    far in this project; for threads (one stage for all projects, `project` empty), the PRs whose
    threads were read, out of `total` (known only for threads; None otherwise);
    `requests` / `throttled_seconds` are the run totals so far; `throttle_wait_s` is the wait that is
    starting now (0 when not throttled); `message` is a one-line human description.
    """

    stage: str
    project: str = ""
    stream: str = ""
    done: int = 0
    total: int | None = None
    requests: int = 0
    throttled_seconds: float = 0.0
    throttle_wait_s: float = 0.0
    message: str = ""


@dataclass
class ProjectCounts:
    """What one project's sync did; status: pending | success | failed | cancelled | skipped."""

    work_items: int = 0
    revisions: int = 0
    pull_requests: int = 0
    reviewers: int = 0
    threads: int = 0
    requests: int = 0
    status: str = "pending"
    error: str | None = None
    #: items whose earlier revisions were read from the per-item revisions API, and those requests
    backfilled: int = 0
    backfill_requests: int = 0
    #: open items unchanged since before the history start, found (and stored) this run
    stale_items: int = 0
    #: items that went to the recycle bin / came back from it this run
    deleted: int = 0
    restored: int = 0


@dataclass
class SyncSummary:
    """The outcome of one run. status: success | failed | cancelled."""

    run_id: int
    status: str
    projects: dict[str, ProjectCounts] = field(default_factory=dict)
    requests: int = 0
    throttled_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    first_error: str | None = None
    error_project: str | None = None
    elapsed_s: float = 0.0
    api_version: str = ""
    #: requests of the threads stage, which runs once for all projects (not in any project's count)
    thread_requests: int = 0
    #: every warning counted (`warnings` lists at most the first 100 sentences)
    warning_count: int = 0

    @property
    def work_items(self) -> int:
        return sum(p.work_items for p in self.projects.values())

    @property
    def revisions(self) -> int:
        return sum(p.revisions for p in self.projects.values())

    @property
    def pull_requests(self) -> int:
        return sum(p.pull_requests for p in self.projects.values())

    @property
    def backfilled(self) -> int:
        return sum(p.backfilled for p in self.projects.values())

    @property
    def backfill_requests(self) -> int:
        return sum(p.backfill_requests for p in self.projects.values())

    @property
    def stale_items(self) -> int:
        return sum(p.stale_items for p in self.projects.values())

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (the `flowtui sync --json` line)."""
        return {
            "schema": "flowtui.sync/1",
            "run_id": self.run_id,
            "status": self.status,
            "work_items": self.work_items,
            "revisions": self.revisions,
            "pull_requests": self.pull_requests,
            "backfilled": self.backfilled,
            "backfill_requests": self.backfill_requests,
            "stale_items": self.stale_items,
            "requests": self.requests,
            "throttled_seconds": round(self.throttled_seconds, 3),
            "elapsed_s": round(self.elapsed_s, 3),
            "api_version": self.api_version,
            "thread_requests": self.thread_requests,
            "warning_count": self.warning_count,
            "warnings": list(self.warnings),
            "first_error": self.first_error,
            "error_project": self.error_project,
            "projects": {name: asdict(counts) for name, counts in self.projects.items()},
        }
