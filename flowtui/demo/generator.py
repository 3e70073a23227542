"""`generate_org`: a seeded, deterministic simulated Azure DevOps organization.

Same seed + same size + same `now` ⇒ the same org, object for object (every random draw comes from a
`random.Random` seeded with a string derived from the seed, and nothing depends on set or dict
iteration of unordered data). `now` defaults to DEFAULT_NOW, a fixed instant, so an org generated
without `now` is still reproducible; pass `now` explicitly in tests.
"""

from __future__ import annotations

import base64
import gc
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flowtui.demo import hostile
from flowtui.demo.gen_prs import build_pr, make_thread_factory
from flowtui.demo.gen_workitems import ItemContext, build_item
from flowtui.demo.advance import advance_org
from flowtui.demo.model import (
    ChangeSummary,
    SimIdentity,
    SimProject,
    SimPullRequest,
    SimRepository,
    SimRevision,
    SimWorkItem,
)
from flowtui.demo.org import OrgData
from flowtui.demo.realities import change_type, delete_item, generated_moves, move_item, old_cohort, restore_item
from flowtui.demo.processes import AGILE, CUSTOM, SCRUM, SimProcess
from flowtui.demo.worktime import DAY_MS, WorkCalendar, dt_to_ms, ms_to_dt

#: The instant used when `generate_org` is called without `now` (a Monday noon, UTC).
DEFAULT_NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
ORG_NAME = "contoso-demo"


@dataclass(frozen=True, slots=True)
class SizeSpec:
    """How big an org is: projects, work items per project, PRs in total, days of history."""

    projects: int
    items_per_project: int
    pull_requests: int
    history_days: int
    people: int
    team_size: int
    repos_per_project: int
    comment_mean: float = 4.0


SIZES: dict[str, SizeSpec] = {
    "tiny": SizeSpec(2, 34, 22, 120, 10, 5, 1),
    "default": SizeSpec(4, 1000, 1000, 365, 36, 9, 2),
    "large": SizeSpec(10, 10_000, 50_000, 730, 150, 15, 3, 6.0),
}

_PROJECTS: tuple[tuple[str, SimProcess, tuple[str, ...]], ...] = (
    ("Fabrikam Web", AGILE, ("Web", "API")),
    ("Contoso Platform", CUSTOM, ("Identity", "Billing", "Infra")),
    ("Mobile App", SCRUM, ("iOS", "Android")),
    ("Data Pipeline", AGILE, ("Ingest", "Reports")),
)
_FIRST = ("Ava", "Liam", "Noah", "Mia", "Zoe", "Omar", "Priya", "Chen", "Lucas", "Sofia", "Ivan", "Amara",
          "Kenji", "Lena", "Mateo", "Nora", "Ravi", "Elif", "Jonas", "Ines", "Tariq", "Hana", "Felix",
          "Maya", "Diego", "Aisha", "Oskar", "Yara", "Theo", "Leila")
_LAST = ("Garcia", "Novak", "Okafor", "Larsen", "Tanaka", "Rossi", "Kowalski", "Haddad", "Silva", "Schmidt",
         "Nguyen", "Dubois", "Kumar", "Jensen", "Moreau", "Petrov", "Costa", "Yilmaz", "Fischer", "Abe")
_DOMAIN = "contoso.com"


def guid(rng: random.Random) -> str:
    """A deterministic version-4 GUID string."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _descriptor(ident_id: str) -> str:
    return "aad." + base64.b64encode(ident_id.encode()).decode().rstrip("=")


def _people(rng: random.Random, count: int) -> list[SimIdentity]:
    names: list[str] = []
    combos = [(f, la) for la in _LAST for f in _FIRST]
    rng.shuffle(combos)
    for first, last in combos[:count]:
        names.append(f"{first} {last}")
    out = []
    for name in names:
        ident = guid(rng)
        email = name.lower().replace(" ", ".") + "@" + _DOMAIN
        out.append(SimIdentity(ident, name, email, _descriptor(ident)))
    return out


class SimulatedOrg(OrgData):
    """A whole simulated organization (ground truth). Build it with `generate_org`.

    The state and lookups live in `OrgData`; the methods here change the org.
    """

    # ---- mutation ------------------------------------------------------------------------
    def advance(self, hours: float, seed: int | None = None) -> ChangeSummary:
        """Move the clock forward by `hours`, adding revisions, items and completed PRs."""
        return advance_org(self, hours, seed)

    def delete_item(self, item_id: int) -> None:
        """Send a work item to the recycle bin now (see `flowtui.demo.realities`)."""
        delete_item(self, item_id)

    def restore_item(self, item_id: int) -> None:
        """Take a work item back out of the recycle bin."""
        restore_item(self, item_id)

    def move_item(self, item_id: int, project: str, *, type_name: str | None = None) -> SimRevision:
        """Move a work item to another project (and/or type) now: one new revision."""
        return move_item(self, item_id, project, type_name=type_name)

    def change_type(self, item_id: int, type_name: str) -> SimRevision:
        """Change a work item's type now: one new revision."""
        return change_type(self, item_id, type_name)


def generate_org(seed: int = 7, size: str = "default", now: datetime | None = None, *,
                 extra_empty_projects: int = 0, hostile_text: bool = False, realities: bool = False) -> SimulatedOrg:
    """Generate a simulated organization.

    size: "tiny" (2 projects, ~60 work items, ~20 PRs), "default" (4 projects, ~3,200 items,
    ~1,000 PRs) or "large" (10 projects, 100,000 items, ~1,000,000 revisions, 50,000 PRs).
    now: the org's clock (default DEFAULT_NOW). extra_empty_projects adds idle projects
    ("Sandbox 001"...) with no work items, for project-paging tests. hostile_text puts markup-like
    names, titles, tags and repository names, an ESC sequence and wide characters into the org
    (`flowtui.demo.hostile`). realities adds history older than the default start (stale WIP,
    long-runners), moves between projects and a type change (see `flowtui.demo.realities`; on in
    `--demo`).
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {sorted(SIZES)}")
    # A million small objects and no cycles to collect: pausing the cyclic GC saves a third of the time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, size, now, extra_empty_projects, hostile_text, realities)
    finally:
        if was_enabled:
            gc.enable()


def _generate(seed: int, size: str, now: datetime | None, extra_empty_projects: int,
              hostile_text: bool = False, realities: bool = False) -> SimulatedOrg:
    spec = SIZES[size]
    now_ms = dt_to_ms(now if now is not None else DEFAULT_NOW)
    start_ms = now_ms - spec.history_days * DAY_MS
    first_day = ms_to_dt(start_ms).date() - timedelta(days=1)
    cal = WorkCalendar(first_day, ms_to_dt(now_ms).date() + timedelta(days=800))
    org = SimulatedOrg(ORG_NAME, seed, size, now_ms, cal)
    rng = random.Random(f"{seed}:{size}:org")
    org.people = _people(rng, spec.people)
    if hostile_text:
        org.people = hostile.hostile_people(org.people)
    svc_id = guid(rng)
    org.service_account = SimIdentity(
        svc_id, "Project Collection Service Accounts",
        f"vstfs:///Framework/IdentityDomain/{guid(rng)}\\Project Collection Service Accounts",
        "vssgp." + _descriptor(svc_id)[4:], True)
    for i in range(spec.projects + extra_empty_projects):
        org.projects.append(_make_project(rng, org, spec, i, start_ms, now_ms, i >= spec.projects))
    if hostile_text:
        hostile.hostile_repositories(org)
    w_start, w_now = cal.from_ms(start_ms), cal.from_ms(now_ms)
    items: list[SimWorkItem] = []
    for proj in org.projects[:spec.projects]:
        prng = random.Random(f"{seed}:{size}:wi:{proj.name}")
        types = proj.process.types
        ctx = ItemContext(proj, cal, now_ms, types, tuple(t.weight for t in types), spec.comment_mean)
        positions = sorted(prng.uniform(w_start, w_now) for _ in range(spec.items_per_project))
        for w0 in positions:
            item = build_item(ctx, prng, 0, w0)
            if item is not None:
                items.append(item)
    if realities:
        items.extend(old_cohort(org, org.projects[:spec.projects], max(6, spec.items_per_project // 12)))
    items.sort(key=lambda w: (w.created_ms, w.project.name))
    drng = random.Random(f"{seed}:{size}:deleted")
    for i, item in enumerate(items, start=1):
        item.id = i
        org.work_items[i] = item
    n_deleted = max(1, len(items) // 150)
    for idx in sorted(drng.sample(range(len(items)), n_deleted)):
        items[idx].is_deleted = True
    if realities:
        generated_moves(org, items)
    org.assign_watermarks([r for item in items for r in item.revisions])
    _make_prs(org, spec, w_start, w_now)
    if hostile_text:
        hostile.hostile_items_and_prs(org)
    return org


def _make_project(rng: random.Random, org: SimulatedOrg, spec: SizeSpec, i: int, start_ms: int,
                  now_ms: int, empty: bool) -> SimProject:
    if empty:
        name, process, areas = f"Sandbox {i - spec.projects + 1:03d}", AGILE, ()
    else:
        base, process, areas = _PROJECTS[i % len(_PROJECTS)]
        name = base if i < len(_PROJECTS) else f"{base} {i // len(_PROJECTS) + 1}"
    pid = guid(rng)
    members = tuple(rng.sample(org.people, min(spec.team_size, len(org.people))))
    team_name = f"{name} Team"
    team = SimIdentity(guid(rng), f"[{name}]\\{team_name}",
                       f"vstfs:///Classification/TeamProject/{pid}\\{team_name}",
                       "vssgp." + _descriptor(pid)[4:], True)
    # Two-week sprints from the Monday on or before the history start to 10 weeks past now.
    first = ms_to_dt(start_ms).date()
    first -= timedelta(days=first.weekday())
    sprints, n, day = [], 1, first
    while dt_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC)) < now_ms + 70 * DAY_MS:
        s_ms = dt_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
        sprints.append((f"{name}\\Sprint {n}", s_ms, s_ms + 14 * DAY_MS))
        n += 1
        day += timedelta(days=14)
    proj = SimProject(
        id=pid, name=name,
        description="" if rng.random() < 0.3 else f"{name}: product work tracked by the team.",
        process=process, revision=rng.randint(5, 400),
        last_update_ms=start_ms - rng.randint(1, 300) * DAY_MS + rng.randint(0, DAY_MS - 1) // 10 * 10,
        visibility="organization" if i % 3 == 1 else "private",
        areas=(name,) + tuple(f"{name}\\{a}" for a in areas), iterations=tuple(sprints),
        members=members, team=team,
    )
    n_repos = 0 if empty else spec.repos_per_project
    slug = name.lower().replace(" ", "-")
    for r in range(n_repos):
        rname = slug if r == 0 else f"{slug}-{('service', 'tools', 'infra')[(r - 1) % 3]}"
        proj.repositories.append(SimRepository(guid(rng), rname, proj, size=rng.randint(10_000, 90_000_000)))
    return proj


def _make_prs(org: SimulatedOrg, spec: SizeSpec, w_start: float, w_now: float) -> None:
    rng = random.Random(f"{org.seed}:{org.size}:prs")
    repos = org.repositories
    prs = []
    for _ in range(spec.pull_requests):
        repo = rng.choice(repos)
        pr = build_pr(rng, repo, org.calendar, org.now_ms, rng.uniform(w_start, w_now))
        if pr is not None:
            prs.append(pr)
    prs.sort(key=lambda p: (p.creation, p.repository.id))
    _ensure_variety(prs)
    factory = make_thread_factory(org.seed, org.service_account)
    for i, pr in enumerate(prs, start=1):
        pr.pull_request_id = i
        pr.thread_factory = factory
        org.pull_requests[i] = pr


def _ensure_variety(prs: list[SimPullRequest]) -> None:
    """Small orgs may draw no active, draft or abandoned PR: convert the newest few so every
    status (and a draft) is always present."""
    newest = sorted(prs, key=lambda p: p.creation, reverse=True)
    if sum(p.status == "active" for p in prs) < 2:
        for pr in [p for p in newest if p.status == "completed"][:2]:
            pr.status, pr.closed, pr.closed_by, pr.merge_status = "active", None, None, "succeeded"
    if not any(p.is_draft for p in prs):
        for pr in newest:
            if pr.status == "active":
                pr.is_draft = True
                break
    if not any(p.status == "abandoned" for p in prs):
        for pr in newest:
            if pr.status == "completed":
                pr.status, pr.closed_by, pr.merge_status = "abandoned", None, None
                break
