"""Ground truth of the simulated organization as plain Python objects.

Tests compare what a sync stored against these objects. Work item revisions are kept compact
(slotted objects, times as epoch milliseconds) so the large org (1,000,000 revisions) fits in a few
hundred MB; `SimRevision.fields` renders one revision exactly as the reporting revisions API returns
it by default (identity strings, WIT date strings, null fields omitted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from flowtui import domain
from flowtui.demo.processes import COMPLETED, REMOVED, SimProcess, SimWorkItemType
from flowtui.demo.worktime import ms_to_dt
from flowtui.timeutil import format_wit_datetime

REVISED_SENTINEL = "9999-01-01T00:00:00Z"


class WitTime(int):
    """Epoch milliseconds that render as a WIT date string (marker type inside raw field dicts)."""

    __slots__ = ()


@lru_cache(maxsize=4096)
def _day_prefix(day: int) -> str:
    return format_wit_datetime(ms_to_dt(day * 86_400_000))[:11]  # "YYYY-MM-DDT"


def wit_date(ms: int) -> str:
    """Epoch milliseconds -> WIT date string (≤3 fractional digits, 0/3/7 grid, trailing zeros cut).

    A fast path equal to `flowtui.timeutil.format_wit_datetime(ms_to_dt(ms))` for every input (the
    test suite checks this); the day prefix comes from format_wit_datetime itself.
    """
    day, rest = divmod(ms, 86_400_000)
    secs, milli = divmod(rest, 1000)
    last = milli % 10
    milli = milli - last + (0 if last < 3 else 3 if last < 7 else 7)
    hours, secs = divmod(secs, 3600)
    minutes, secs = divmod(secs, 60)
    text = f"{_day_prefix(day)}{hours:02d}:{minutes:02d}:{secs:02d}"
    if milli:
        text += f".{milli:03d}".rstrip("0")
    return text + "Z"


@dataclass(frozen=True, slots=True)
class SimIdentity:
    """A user or group. `ref_string` is the reporting API's "Display Name <email>" form."""

    id: str
    display_name: str
    unique_name: str
    descriptor: str
    is_container: bool = False

    @property
    def ref_string(self) -> str:
        return f"{self.display_name} <{self.unique_name}>"

    def to_domain(self) -> domain.Identity:
        return domain.Identity(self.id, self.display_name, self.unique_name, self.is_container)


@dataclass(slots=True)
class SimProject:
    """A project: its process, area/iteration paths, team members and team (group) identity."""

    id: str
    name: str
    description: str
    process: SimProcess
    revision: int
    last_update_ms: int
    visibility: str
    areas: tuple[str, ...]
    iterations: tuple[tuple[str, int, int], ...]  # (path, start ms, finish ms)
    members: tuple[SimIdentity, ...]
    team: SimIdentity
    repositories: list[SimRepository] = field(default_factory=list)
    #: every revision of this project's work items, in watermark order (deleted items included)
    revisions: list[SimRevision] = field(default_factory=list)
    watermarks: list[int] = field(default_factory=list)

    def work_item_type(self, name: str) -> SimWorkItemType | None:
        return self.process.type(name)

    def state_categories(self) -> list[domain.StateCategory]:
        """Every (type, state, category) of this project, in board order."""
        out = []
        for wit in self.process.types:
            for order, st in enumerate(wit.states):
                out.append(domain.StateCategory(self.name, wit.name, st.name, st.category, order))
        return out

    def to_domain(self, organization: str) -> domain.Project:
        return domain.Project(self.id, self.name, organization)


@dataclass(frozen=True, slots=True)
class SimRepository:
    id: str
    name: str
    project: SimProject
    default_branch: str = "refs/heads/main"
    size: int = 0

    def to_domain(self, organization: str) -> domain.Repository:
        return domain.Repository(self.id, self.name, self.project.name, organization)


class SimRevision:
    """One revision of a work item. Times are epoch ms (`t`); identities are SimIdentity.

    `derived` is a shared tuple (state_change_ms, activated_ms, activated_by, resolved_ms,
    resolved_by, closed_ms, closed_by) carried forward between state changes.
    """

    __slots__ = ("item", "rev", "watermark", "t", "changed_by", "state", "reason", "title",
                 "assigned_to", "tags", "area_path", "iteration_path", "priority", "effort",
                 "blocked", "derived", "comment_count", "proj", "wit")

    def __init__(self, item: SimWorkItem, rev: int, t: int, changed_by: SimIdentity, state: str,
                 reason: str, title: str, assigned_to: SimIdentity | None, tags: str,
                 area_path: str, iteration_path: str, priority: int, effort: float | None,
                 blocked: bool | None, derived: tuple, comment_count: int = 0) -> None:
        self.item = item
        self.rev = rev
        self.watermark = 0
        self.t = t
        self.changed_by = changed_by
        self.state = state
        self.reason = reason
        self.title = title
        self.assigned_to = assigned_to
        self.tags = tags
        self.area_path = area_path
        self.iteration_path = iteration_path
        self.priority = priority
        self.effort = effort
        self.blocked = blocked
        self.derived = derived
        self.comment_count = comment_count
        # The project and type this revision was written in (an item can move or change type later).
        self.proj = item.project
        self.wit = item.type

    @property
    def changed_at(self) -> datetime:
        """`System.ChangedDate` of this revision (aware UTC, millisecond precision)."""
        return ms_to_dt(self.t)

    @property
    def tag_list(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.tags.split(";") if t.strip()) if self.tags else ()

    @property
    def revised_ms(self) -> int | None:
        """ChangedDate of the next revision (when this one was superseded), None for the latest."""
        revs = self.item.revisions
        return revs[self.rev].t if self.rev < len(revs) else None

    def raw_fields(self) -> dict[str, Any]:
        """Field values in wire order: SimIdentity for identities, WitTime for dates; no Nones."""
        item = self.item
        sc, act, act_by, res, res_by, clo, clo_by = self.derived
        revised = self.revised_ms
        f: dict[str, Any] = {
            "System.Id": item.id,
            "System.AreaPath": self.area_path,
            "System.TeamProject": self.proj.name,
            "System.IterationPath": self.iteration_path,
            "System.WorkItemType": self.wit.name,
            "System.State": self.state,
            "System.Reason": self.reason,
        }
        if self.assigned_to is not None:
            f["System.AssignedTo"] = self.assigned_to
        f["System.CreatedDate"] = WitTime(item.created_ms)
        f["System.CreatedBy"] = item.created_by
        f["System.ChangedDate"] = WitTime(self.t)
        f["System.ChangedBy"] = self.changed_by
        f["System.Title"] = self.title
        if self.tags:
            f["System.Tags"] = self.tags
        f["System.Rev"] = self.rev
        f["System.Watermark"] = self.watermark
        f["System.RevisedDate"] = WitTime(revised) if revised is not None else REVISED_SENTINEL
        f["System.IsDeleted"] = item.is_deleted
        f["System.CommentCount"] = self.comment_count
        f["Microsoft.VSTS.Common.Priority"] = self.priority
        if self.effort is not None and self.wit.effort_field:
            f[self.wit.effort_field] = self.effort
        f["Microsoft.VSTS.Common.StateChangeDate"] = WitTime(sc)
        if act is not None:
            f["Microsoft.VSTS.Common.ActivatedDate"] = WitTime(act)
            f["Microsoft.VSTS.Common.ActivatedBy"] = act_by
        if res is not None:
            f["Microsoft.VSTS.Common.ResolvedDate"] = WitTime(res)
            f["Microsoft.VSTS.Common.ResolvedBy"] = res_by
        if clo is not None:
            f["Microsoft.VSTS.Common.ClosedDate"] = WitTime(clo)
            f["Microsoft.VSTS.Common.ClosedBy"] = clo_by
        if self.blocked is not None:
            f["Microsoft.VSTS.CMMI.Blocked"] = "Yes" if self.blocked else "No"
        return f

    @property
    def fields(self) -> dict[str, Any]:
        """This revision as the reporting API returns it by default (identity strings, WIT dates)."""
        return {k: render_value(v, None) for k, v in self.raw_fields().items()}

    def to_domain(self, from_state: str | None = None) -> domain.Revision:
        return domain.Revision(
            work_item_id=self.item.id, rev=self.rev, changed_at=self.changed_at, state=self.state,
            from_state=from_state, changed_by=self.changed_by.display_name,
            tags=self.tag_list, blocked=bool(self.blocked),
        )

    def __repr__(self) -> str:
        return f"SimRevision(id={self.item.id}, rev={self.rev}, state={self.state!r}, t={self.t})"


def render_value(value: Any, identity: Callable[[SimIdentity], Any] | None) -> Any:
    """Render a raw field value: identities via `identity` (default "Name <email>"), WIT dates."""
    if isinstance(value, SimIdentity):
        return identity(value) if identity else value.ref_string
    if isinstance(value, WitTime):
        return wit_date(value)
    return value


class SimWorkItem:
    """A work item with every revision (`revisions[i].rev == i + 1`)."""

    __slots__ = ("id", "project", "type", "created_ms", "created_by", "revisions", "is_deleted", "deleted_ms")

    def __init__(self, id: int, project: SimProject, type: SimWorkItemType, created_ms: int,
                 created_by: SimIdentity) -> None:
        self.id = id
        self.project = project
        self.type = type
        self.created_ms = created_ms
        self.created_by = created_by
        self.revisions: list[SimRevision] = []
        self.is_deleted = False
        self.deleted_ms: int | None = None  # when it went to the recycle bin (None: never / unknown)

    @property
    def latest(self) -> SimRevision:
        return self.revisions[-1]

    @property
    def state(self) -> str:
        return self.revisions[-1].state

    @property
    def category(self) -> str | None:
        return self.type.category_of(self.revisions[-1].state)

    @property
    def is_open(self) -> bool:
        """Neither Completed nor Removed (nor deleted)."""
        return not self.is_deleted and self.category not in (COMPLETED, REMOVED)

    @property
    def created_at(self) -> datetime:
        return ms_to_dt(self.created_ms)

    def revision_as_of(self, ms: int) -> SimRevision | None:
        """The revision current at instant `ms` (None when the item did not exist yet)."""
        found = None
        for rev in self.revisions:
            if rev.t <= ms:
                found = rev
            else:
                break
        return found

    def to_domain(self) -> domain.WorkItem:
        last = self.revisions[-1]
        sc, act, _, _, _, clo, _ = last.derived
        return domain.WorkItem(
            id=self.id, project=self.project.name, type=self.type.name, title=last.title,
            state=last.state, created_at=self.created_at, changed_at=last.changed_at, rev=last.rev,
            assigned_to=last.assigned_to.display_name if last.assigned_to else None,
            area_path=last.area_path, iteration_path=last.iteration_path, tags=last.tag_list,
            closed_at=ms_to_dt(clo) if clo is not None else None,
            activated_at=ms_to_dt(act) if act is not None else None, priority=last.priority,
            story_points=last.effort, is_deleted=self.is_deleted,
        )

    def history(self) -> domain.WorkItemHistory:
        """The item and its revisions as domain records (from_state filled in)."""
        out, prev = [], None
        for rev in self.revisions:
            out.append(rev.to_domain(prev))
            prev = rev.state
        return domain.WorkItemHistory(self.to_domain(), tuple(out))

    def __repr__(self) -> str:
        return f"SimWorkItem(id={self.id}, type={self.type.name!r}, state={self.state!r})"


@dataclass(slots=True)
class SimReviewer:
    """A PR reviewer. `vote_history` is [(when, vote)] in time order; `vote` is the final vote."""

    identity: SimIdentity
    vote: int = 0
    is_required: bool = False
    voted_for: tuple[SimIdentity, ...] = ()
    vote_history: list[tuple[datetime, int]] = field(default_factory=list)
    has_declined: bool = False
    is_flagged: bool = False


@dataclass(slots=True)
class SimComment:
    id: int
    parent_comment_id: int
    author: SimIdentity
    content: str | None  # None when deleted
    published: datetime
    comment_type: str  # "text" | "system"
    is_deleted: bool = False


@dataclass(slots=True)
class SimThread:
    """A PR thread; `kind` is the CodeReviewThreadType for system threads, "text" otherwise."""

    id: int
    published: datetime
    kind: str
    comments: list[SimComment]
    status: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    file_path: str | None = None
    is_deleted: bool = False
    identities: dict[str, SimIdentity] | None = None  # the thread's `identities` map (VoteUpdate)


@dataclass(slots=True)
class SimPullRequest:
    """A pull request. Dates are aware UTC datetimes with microsecond precision."""

    pull_request_id: int
    repository: SimRepository
    created_by: SimIdentity
    creation: datetime
    status: str  # active | completed | abandoned
    title: str
    description: str
    source_ref: str
    target_ref: str
    is_draft: bool = False
    closed: datetime | None = None
    closed_by: SimIdentity | None = None
    merge_status: str | None = None
    reviewers: list[SimReviewer] = field(default_factory=list)
    labels: tuple[str, ...] = ()
    merge_strategy: str = "noFastForward"
    commit_seed: int = 0
    thread_factory: Callable[[SimPullRequest], list[SimThread]] | None = None
    _threads: list[SimThread] | None = None

    @property
    def project(self) -> SimProject:
        return self.repository.project

    @property
    def uid(self) -> str:
        return f"{self.repository.id}-{self.pull_request_id}"

    @property
    def threads(self) -> list[SimThread]:
        """The PR's threads (built lazily and deterministically on first access)."""
        if self._threads is None:
            self._threads = self.thread_factory(self) if self.thread_factory else []
        return self._threads

    def first_comment_at(self) -> datetime | None:
        """Earliest non-deleted human text comment by someone other than the author."""
        times = [c.published for t in self.threads for c in t.comments
                 if c.comment_type == "text" and not c.is_deleted and c.author.id != self.created_by.id]
        return min(times, default=None)

    def first_vote_at(self, approvals_only: bool = False) -> datetime | None:
        """Earliest vote (or approval: vote 5 or 10) from the VoteUpdate system threads."""
        times = []
        for t in self.threads:
            if t.kind == "VoteUpdate":
                vote = int(t.properties["CodeReviewVoteResult"]["$value"])
                if vote != 0 and (not approvals_only or vote >= 5):
                    times.append(t.published)
        return min(times, default=None)

    def to_domain(self, organization: str) -> domain.PullRequest:
        uid = self.uid
        return domain.PullRequest(
            uid=uid, pull_request_id=self.pull_request_id, organization=organization,
            project=self.project.name, repository_id=self.repository.id,
            repository_name=self.repository.name, author_id=self.created_by.id,
            author_name=self.created_by.display_name, title=self.title, status=self.status,
            created_at=self.creation, closed_at=self.closed, description=self.description,
            is_draft=self.is_draft, merge_status=self.merge_status,
            author_unique_name=self.created_by.unique_name,
            reviewers=tuple(domain.Reviewer(uid, r.identity.id, r.identity.display_name, r.vote,
                                            r.is_required, r.identity.is_container,
                                            r.identity.unique_name) for r in self.reviewers),
        )


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """What `SimulatedOrg.advance` changed."""

    old_now: datetime
    new_now: datetime
    changed_work_item_ids: tuple[int, ...]  # existing items that got new revisions
    new_work_item_ids: tuple[int, ...]  # items created in the window
    new_revision_count: int  # all revisions added (new items' revisions included)
    new_pr_ids: tuple[int, ...]  # PRs created in the window (all completed in it)
    completed_pr_ids: tuple[int, ...]  # every PR completed in the window (new and existing)
