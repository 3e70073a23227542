"""`OrgData`: the state of a simulated organization and its read-only lookups.

The modules that change an org (`advance`, `realities`, `hostile`) and the request context take an
`OrgData`; `flowtui.demo.generator.SimulatedOrg` extends it with the mutation methods that call them,
so none of those modules imports the generator back.
"""

from __future__ import annotations

from datetime import datetime

from flowtui import domain
from flowtui.demo.model import SimIdentity, SimProject, SimPullRequest, SimRepository, SimRevision, SimWorkItem
from flowtui.demo.worktime import WorkCalendar, ms_to_dt


class OrgData:
    """The state and the lookups of a simulated organization (ground truth); `SimulatedOrg` adds the changes.

    Attributes: name, seed, size, now (datetime), now_ms, projects, people (users),
    service_account, work_items (dict id -> SimWorkItem, deleted items included),
    revisions (every revision in watermark order), pull_requests (dict id -> SimPullRequest),
    calendar.
    """

    def __init__(self, name: str, seed: int, size: str, now_ms: int, calendar: WorkCalendar) -> None:
        self.name = name
        self.seed = seed
        self.size = size
        self.now_ms = now_ms
        self.calendar = calendar
        self.projects: list[SimProject] = []
        self.people: list[SimIdentity] = []
        self.service_account: SimIdentity | None = None
        self.work_items: dict[int, SimWorkItem] = {}
        self.revisions: list[SimRevision] = []
        self.pull_requests: dict[int, SimPullRequest] = {}
        self.advances = 0

    # ---- lookups -------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        """The org's clock (moves forward with `advance`)."""
        return ms_to_dt(self.now_ms)

    @property
    def max_watermark(self) -> int:
        return self.revisions[-1].watermark if self.revisions else 0

    def project(self, name_or_id: str) -> SimProject | None:
        """A project by GUID or by name (case-insensitive)."""
        low = name_or_id.lower()
        for p in self.projects:
            if p.id == low or p.name.lower() == low:
                return p
        return None

    @property
    def repositories(self) -> list[SimRepository]:
        return [r for p in self.projects for r in p.repositories]

    @property
    def identities(self) -> list[SimIdentity]:
        """Users, then team groups, then the service account."""
        extra = [p.team for p in self.projects]
        return self.people + extra + ([self.service_account] if self.service_account else [])

    def items_of(self, project: str | None = None, *, include_deleted: bool = False) -> list[SimWorkItem]:
        """Work items (by id) of one project (name or id) or of all projects."""
        proj = self.project(project) if project else None
        return [w for w in self.work_items.values()
                if (proj is None or w.project is proj) and (include_deleted or not w.is_deleted)]

    def histories(self, project: str | None = None, *, include_deleted: bool = False
                  ) -> list[domain.WorkItemHistory]:
        """Ground truth as domain records: each item with every revision."""
        return [w.history() for w in self.items_of(project, include_deleted=include_deleted)]

    def state_categories(self) -> list[domain.StateCategory]:
        return [sc for p in self.projects for sc in p.state_categories()]

    def prs_of(self, project: str | None = None, status: str | None = None) -> list[SimPullRequest]:
        """PRs (by id) of one project or all, optionally of one status."""
        proj = self.project(project) if project else None
        return [pr for pr in self.pull_requests.values()
                if (proj is None or pr.project is proj) and (status is None or pr.status == status)]

    def domain_pull_requests(self, project: str | None = None, status: str | None = "completed"
                             ) -> list[domain.PullRequest]:
        return [pr.to_domain(self.name) for pr in self.prs_of(project, status)]

    def assign_watermarks(self, new: list[SimRevision]) -> None:
        """Give `new` revisions watermarks after every existing one (in time order)."""
        new.sort(key=lambda r: (r.t, r.item.id, r.rev))
        wm = self.max_watermark
        for rev in new:
            wm += 1
            rev.watermark = wm
            self.revisions.append(rev)
            proj = rev.proj
            proj.revisions.append(rev)
            proj.watermarks.append(wm)


__all__ = ["OrgData"]
