"""Work item histories: the event model that turns a seeded RNG into realistic revision lists.

Every duration is drawn in work seconds (see `worktime`), so weekends are quiet and the holiday gap
is empty. An item is created, waits in the backlog, walks its type's flow (with occasional backward
moves, a reopen after done, a straight jump to done, or removal), and picks up changes that are not
state changes: assignee, tags (a `Blocked` tag that comes and goes), the CMMI Blocked field in the
custom process, title edits, priority, effort and sprint moves. Events past `now` are cut, which is
what leaves work in progress and a backlog at the end of the history.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from flowtui.demo.model import SimProject, SimRevision, SimWorkItem
from flowtui.demo.processes import COMPLETED, IN_PROGRESS, PROPOSED, REMOVED, RESOLVED, SimWorkItemType
from flowtui.demo.worktime import WORKDAY_S, WorkCalendar

WD = WORKDAY_S
_TAGS = ("backend", "frontend", "customer", "tech-debt", "security", "performance", "ux", "api")
_VERBS = ("Add", "Fix", "Improve", "Refactor", "Support", "Remove", "Validate", "Document", "Speed up",
          "Migrate")
_NOUNS = ("login flow", "search results", "export to CSV", "billing page", "audit log", "password reset",
          "dashboard tiles", "notification settings", "API pagination", "report filters", "upload retry",
          "session timeout", "dark mode", "invoice PDF", "user invitations", "cache eviction",
          "release notes", "webhook delivery", "order history", "profile editor")


@dataclass(slots=True)
class ItemContext:
    """Per-project inputs shared by every item of the project."""

    project: SimProject
    calendar: WorkCalendar
    now_ms: int
    types: tuple[SimWorkItemType, ...]
    type_weights: tuple[float, ...]
    comment_mean: float = 4.0


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    """A lognormal draw with the given median (sigma is the log-space standard deviation)."""
    return median * math.exp(rng.gauss(0.0, sigma))


def make_title(rng: random.Random, wit: SimWorkItemType) -> str:
    """A plausible work item title."""
    if wit.name == "Bug":
        return f"{rng.choice(_NOUNS).capitalize()} fails when {rng.choice(_NOUNS)} is empty"
    return f"{rng.choice(_VERBS)} {rng.choice(_NOUNS)}"


def sprint_at(project: SimProject, ms: int) -> str:
    """The iteration path of the sprint containing `ms` (clamped to the first/last sprint)."""
    its = project.iterations
    lo, hi = 0, len(its) - 1
    while lo < hi:  # first sprint whose finish is after ms
        mid = (lo + hi) // 2
        if its[mid][2] <= ms:
            lo = mid + 1
        else:
            hi = mid
    return its[lo][0]


def plan_events(ctx: ItemContext, rng: random.Random, wit: SimWorkItemType, w0: float,
                blocked_field: bool) -> list[tuple[float, int, dict]]:
    """The item's change events after creation as (work position, sequence, changes)."""
    ev: list[tuple[float, int, dict]] = []
    members = ctx.project.members
    reasons = wit.reasons
    proposed, doing, done = wit.proposed_states, wit.doing_states, wit.done_state
    seq = 0

    def add(w: float, **changes: object) -> None:
        nonlocal seq
        seq += 1
        ev.append((w, seq, changes))

    wait = lognormal(rng, 4 * WD, 1.1)
    roll = rng.random()
    end = w0 + wait
    if roll < 0.04:  # removed from the backlog
        add(w0 + wait * rng.uniform(0.2, 1.0), state="Removed", reason=reasons["Removed"])
        return ev
    if len(proposed) > 1 and rng.random() < 0.8:
        add(w0 + wait * rng.uniform(0.3, 0.9), state=proposed[1], reason=reasons.get(proposed[1], ""))
    if rng.random() < 0.07:  # icebox: never started
        return ev
    start = w0 + wait
    worker = rng.choice(members)
    if roll < 0.09:  # straight to done (closed from the backlog)
        add(start, state=done, reason=reasons.get(done, ""), assigned=worker)
        return ev
    cycle = lognormal(rng, 2.6 * WD, 0.95)
    if rng.random() < 0.08:  # stalled work: the aging tail of WIP
        cycle *= lognormal(rng, 5.0, 0.5)
    weights = [rng.expovariate(1.0) * (0.5 if wit.category_of(s) == RESOLVED else 1.0) for s in doing]
    total = sum(weights)
    t = start
    for i, state in enumerate(doing):
        changes: dict = {"state": state, "reason": reasons.get(state, "")}
        if i == 0:
            changes["assigned"] = worker
            changes["iteration"] = True
            if wit.effort_field and rng.random() < 0.4:
                changes["effort"] = float(rng.choice((1, 2, 3, 5, 8, 13)))
        add(t, **changes)
        t += cycle * weights[i] / total
        if i > 0 and rng.random() < 0.08:  # backward move, then forward again
            add(t, state=doing[i - 1], reason=reasons["back"])
            t += lognormal(rng, 0.6 * WD, 0.8)
            add(t, state=state, reason=reasons.get(state, ""))
            t += lognormal(rng, 0.3 * WD, 0.8)
        elif i == 0 and rng.random() < 0.03:  # back to the backlog and restarted later
            add(t, state=proposed[0], reason=reasons["back"], assigned=None)
            t += lognormal(rng, 2 * WD, 0.8)
            add(t, state=state, reason=reasons.get(state, ""), assigned=worker)
            t += cycle * weights[0] / total
    if rng.random() < 0.015:
        add(t, state="Removed", reason=reasons["Removed"])
        end = t
    else:
        add(t, state=done, reason=reasons.get(done, ""))
        end = t
        if rng.random() < 0.06:  # reopened after done
            t2 = t + lognormal(rng, 2 * WD, 0.9)
            add(t2, state=doing[0], reason=reasons["reopen"])
            end = t2 + lognormal(rng, 1.5 * WD, 0.8)
            add(end, state=done, reason=reasons.get(done, ""))
    if rng.random() < 0.15:  # blocked for a while during the cycle
        b0 = rng.uniform(start, start + (t - start) * 0.8)
        b1 = min(b0 + lognormal(rng, 0.8 * WD, 0.8), b0 + (t - b0) * 0.95)
        if blocked_field:
            add(b0, blocked=True)
            add(b1, blocked=False)
        else:
            add(b0, tag_add="Blocked")
            add(b1, tag_remove="Blocked")
    if rng.random() < 0.3:
        add(rng.uniform(w0, end), reassign=rng.choice(members))
    if rng.random() < 0.15:
        add(rng.uniform(w0, end), title=make_title(rng, wit))
    if rng.random() < 0.25:
        add(rng.uniform(w0, end), tag_add=rng.choice(_TAGS))
    if rng.random() < 0.1:
        add(rng.uniform(w0, end), priority=rng.choice((1, 2, 3, 4)))
    if rng.random() < 0.25:
        add(rng.uniform(start, end), sprint_move=True)
    if wit.effort_field and rng.random() < 0.25:
        add(rng.uniform(w0, end), effort=float(rng.choice((1, 2, 3, 5, 8, 13))))
    for _ in range(min(int(rng.expovariate(1 / ctx.comment_mean)), 15)):  # discussion comments
        add(rng.uniform(w0, end + 0.5 * WD), comment=True)
    return ev


def build_item(ctx: ItemContext, rng: random.Random, item_id: int, w0: float) -> SimWorkItem | None:
    """Generate one work item created at work position `w0`; None when that is after `now`."""
    cal, project = ctx.calendar, ctx.project
    created_ms = cal.to_ms(w0)
    if created_ms > ctx.now_ms:
        return None
    wit = rng.choices(ctx.types, ctx.type_weights)[0]
    creator = rng.choice(project.members)
    item = SimWorkItem(item_id, project, wit, created_ms, creator)
    blocked_field = project.process.uses_blocked_field and rng.random() < 0.7
    tags = set()
    if rng.random() < 0.35:
        tags.update(rng.sample(_TAGS, rng.choice((1, 1, 2))))
    assigned = rng.choice(project.members) if rng.random() < 0.3 else None
    first = wit.flow[0]
    effort = float(rng.choice((1, 2, 3, 5, 8))) if wit.effort_field and rng.random() < 0.3 else None
    iteration = project.name if rng.random() < 0.5 else sprint_at(project, created_ms)
    derived = (created_ms, None, None, None, None, None, None)
    rev = SimRevision(item, 1, created_ms, creator, first, wit.reasons.get(first, "New"),
                      make_title(rng, wit), assigned, "; ".join(sorted(tags)),
                      rng.choice(project.areas), iteration, rng.choice((1, 2, 2, 2, 3, 3, 4)), effort,
                      None, derived)
    item.revisions.append(rev)
    events = plan_events(ctx, rng, wit, w0, blocked_field)
    events.sort(key=lambda e: (e[0], e[1]))
    last_t = created_ms
    for w, _, ch in events:
        t = cal.to_ms(w)
        if t <= last_t:
            t = last_t + 1000 + (rng.randrange(0, 600) * 100)
            t -= t % 10  # keep on the 0/3/7 grid
        if t > ctx.now_ms:
            break
        rev = apply_changes(item, rev, t, ch, rng)
        last_t = t
    return item


def apply_changes(item: SimWorkItem, prev: SimRevision, t: int, ch: dict,
                  rng: random.Random) -> SimRevision:
    """Append the revision that applies `ch` to `prev` at instant `t`, and return it."""
    wit, project = item.type, item.project
    state, reason = prev.state, prev.reason
    assigned, tags, title = prev.assigned_to, prev.tags, prev.title
    iteration, priority, effort, blocked = prev.iteration_path, prev.priority, prev.effort, prev.blocked
    derived = prev.derived
    if "assigned" in ch:
        assigned = ch["assigned"]
    if "reassign" in ch and assigned is not None:
        assigned = ch["reassign"]
    changed_by = assigned or rng.choice(project.members)
    if "state" in ch and ch["state"] != state:
        old_cat, state, reason = wit.category_of(state), ch["state"], ch["reason"]
        cat = wit.category_of(state)
        sc, act, act_by, res, res_by, clo, clo_by = derived
        sc = t
        if cat == PROPOSED:
            act = act_by = res = res_by = clo = clo_by = None
        elif cat == IN_PROGRESS:
            if act is None or old_cat == PROPOSED:
                act, act_by = t, changed_by
            res = res_by = clo = clo_by = None
        elif cat == RESOLVED:
            res, res_by = t, changed_by
            clo = clo_by = None
            if act is None:
                act, act_by = t, changed_by
        elif cat == COMPLETED:
            clo, clo_by = t, changed_by
        elif cat == REMOVED:
            clo = clo_by = None
        derived = (sc, act, act_by, res, res_by, clo, clo_by)
    if "tag_add" in ch or "tag_remove" in ch:
        parts = set(p for p in tags.split("; ") if p)
        if "tag_add" in ch:
            parts.add(ch["tag_add"])
        else:
            parts.discard(ch["tag_remove"])
        tags = "; ".join(sorted(parts))
    if "title" in ch:
        title = ch["title"]
    if "priority" in ch:
        priority = ch["priority"]
    if "effort" in ch:
        effort = ch["effort"]
    if "blocked" in ch:
        blocked = ch["blocked"]
    if ch.get("iteration"):
        iteration = sprint_at(project, t)
    comments = prev.comment_count + (1 if ch.get("comment") else 0)
    if ch.get("sprint_move"):  # spill over into the sprint after the current one
        current = sprint_at(project, t)
        paths = [it[0] for it in project.iterations]
        iteration = paths[min(paths.index(current) + 1, len(paths) - 1)]
    rev = SimRevision(item, prev.rev + 1, t, changed_by, state, reason, title, assigned, tags,
                      prev.area_path, iteration, priority, effort, blocked, derived, comments)
    item.revisions.append(rev)
    return rev
