"""Plain records that cross layers.

The sync engine produces them from ADO payloads, the store persists them and returns them from its
typed queries, and metrics / export / the UI consume them. Nothing here imports Peewee, httpx or
Textual. Every datetime is timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

#: The five ADO state categories (reference §6.4); None means "unknown state".
STATE_CATEGORIES = ("Proposed", "InProgress", "Resolved", "Completed", "Removed")


@dataclass(frozen=True, slots=True)
class Organization:
    """An ADO organization (cloud) or collection (Server), named as in the collection URL."""

    url: str
    name: str


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    organization: str


@dataclass(frozen=True, slots=True)
class Repository:
    id: str
    name: str
    project: str
    organization: str


@dataclass(frozen=True, slots=True)
class Identity:
    """A user or group; `unique_name` is the e-mail on the cloud, DOMAIN\\user on Server."""

    id: str
    display_name: str
    unique_name: str | None = None
    is_container: bool = False


@dataclass(frozen=True, slots=True)
class StateCategory:
    """One state of one work item type in one project, with its ADO category."""

    project: str
    work_item_type: str
    state: str
    category: str | None
    order: int = 0


@dataclass(frozen=True, slots=True)
class WorkItem:
    """The current snapshot of a work item (its latest revision)."""

    id: int
    project: str
    type: str
    title: str
    state: str
    created_at: datetime
    changed_at: datetime
    rev: int
    assigned_to: str | None = None
    area_path: str | None = None
    iteration_path: str | None = None
    tags: tuple[str, ...] = ()
    closed_at: datetime | None = None
    activated_at: datetime | None = None
    priority: int | None = None
    story_points: float | None = None
    is_deleted: bool = False


@dataclass(slots=True)
class Revision:
    """One revision of a work item, unique per (work_item_id, rev).

    Not frozen on purpose: the store builds about a million of these for a large report, and a
    frozen dataclass costs twice as much to construct. Treat instances as read-only all the same.

    Every revision is kept, not only state changes, because tag and blocked-flag changes drive
    blocked time. `from_state` is the state of the previous revision (None for rev 1); a revision is
    a *transition* when `state != from_state`. `changed_at` is `System.ChangedDate` of this revision.
    """

    work_item_id: int
    rev: int
    changed_at: datetime
    state: str
    from_state: str | None = None
    changed_by: str | None = None
    tags: tuple[str, ...] = ()
    blocked: bool = False  # Microsoft.VSTS.CMMI.Blocked == "Yes"

    @property
    def is_transition(self) -> bool:
        return self.state != self.from_state


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Which work items / PRs a query covers; empty tuples mean "all"; area is a path prefix."""

    projects: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    area: str | None = None
    #: every tag given must be on the item (work items only; PRs follow `projects` alone)
    tags: tuple[str, ...] = ()
    #: the item is assigned to one of these display names (work items only)
    assignees: tuple[str, ...] = ()


#: The fields of a `ViewFilter`, in the order the header and the filter dialog show them.
VIEW_FILTER_FIELDS = ("project", "type", "area", "tag", "assignee", "date_from", "date_to")


@dataclass(frozen=True, slots=True)
class ViewFilter:
    """The one filter state of the TUI (and of a saved view): None means "any".

    `project` narrows the configured projects to one; `area` is a path prefix; `date_from`/`date_to`
    set the report window (completion dates) of the dashboard, Flow view and export; the forecast
    samples its own history and ignores them, as `flowtui forecast` refuses `--from/--to`.
    """

    project: str | None = None
    type: str | None = None
    area: str | None = None
    tag: str | None = None
    assignee: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in VIEW_FILTER_FIELDS)

    def with_(self, **changes: object) -> ViewFilter:
        """A copy with some fields changed (empty strings become None)."""
        cleaned = {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in changes.items()}
        return replace(self, **cleaned)  # type: ignore[arg-type]

    def item_filter(self, projects: Sequence[str]) -> ItemFilter:
        """The store filter: the chosen project (else every configured one) and the other fields."""
        return ItemFilter(
            projects=(self.project,) if self.project else tuple(projects),
            types=(self.type,) if self.type else (),
            area=self.area,
            tags=(self.tag,) if self.tag else (),
            assignees=(self.assignee,) if self.assignee else (),
        )

    def summary(self) -> str:
        """Compact text for the header: `project X · type Bug · tag T · 2026-01-01…2026-03-31`."""
        parts = [f"{name} {value}" for name in ("project", "type", "area", "tag", "assignee")
                 if (value := getattr(self, name)) is not None]
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'}…{self.date_to or 'today'}")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class SavedView:
    """A named filter set from `[[ui.views]]` in the config."""

    name: str
    filter: ViewFilter


@dataclass(frozen=True, slots=True)
class WorkItemHistory:
    """A work item with its revisions in rev order: what the flow metrics are computed from."""

    item: WorkItem
    revisions: tuple[Revision, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Reviewer:
    """A reviewer of a pull request, unique per (pr_uid, user_id); vote is the raw ADO vote."""

    pr_uid: str
    user_id: str
    display_name: str
    vote: int = 0
    is_required: bool = False
    is_container: bool = False
    unique_name: str | None = None


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request; uid = f"{repository_id}-{pull_request_id}"."""

    uid: str
    pull_request_id: int
    organization: str
    project: str
    repository_id: str
    repository_name: str
    author_id: str
    author_name: str
    title: str
    status: str
    created_at: datetime
    closed_at: datetime | None = None
    description: str | None = None
    is_draft: bool = False
    merge_status: str | None = None
    author_unique_name: str | None = None
    first_comment_at: datetime | None = None
    first_vote_at: datetime | None = None
    first_approval_at: datetime | None = None
    reviewers: tuple[Reviewer, ...] = ()


@dataclass(frozen=True, slots=True)
class SyncRun:
    """The record of one sync run. status: running | success | failed | cancelled | interrupted.

    `interrupted`: the process died mid-run (SIGKILL, crash); set when the next sync starts."""

    id: int
    started_at: datetime
    status: str
    finished_at: datetime | None = None
    organization: str | None = None
    work_items: int = 0
    revisions: int = 0
    pull_requests: int = 0
    requests: int = 0
    throttled_seconds: float = 0.0
    warnings: int = 0
    first_error: str | None = None
    error_project: str | None = None


@dataclass(frozen=True, slots=True)
class RunMarker:
    """The newest sync run record in a store, as cheap to read as a row: what a TUI watches to notice
    that another process synced (or is syncing) the store it reads (`Store.latest_run`)."""

    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None = None


@dataclass(frozen=True)
class HistoryHealth:
    """What the store knows about history completeness (`Store.history_health`): items backfilled,
    still to backfill, stale WIP found, in the recycle bin, restored, moved, retyped, moved out of the
    synced projects or types, and the items whose history could not be completed, with why."""

    backfilled: int
    pending_backfill: int
    stale_open: int
    deleted: int
    restored: int
    moved: int
    type_changed: int
    moved_out: int
    incomplete: tuple[tuple[int, str], ...]  # (work item id, why), at most 50 listed
