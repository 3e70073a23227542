"""`SimulatedOrg.advance`: deterministic change over time, for incremental-sync tests.

Advancing by `hours` moves the clock from `old_now` to `new_now` and, with an RNG seeded from
(org seed, advance number, `seed`): moves about a tenth of the open work items one step along their
flow (or toggles their Blocked tag / reassigns them), creates a few new items, completes a few
active PRs and creates a few PRs that complete inside the window. Every new revision's ChangedDate
and every new PR date lies in (old_now, new_now]; new watermarks follow every existing one.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flowtui.demo.gen_prs import build_pr
from flowtui.demo.gen_workitems import ItemContext, apply_changes, build_item
from flowtui.demo.model import ChangeSummary, SimPullRequest, SimRevision, SimWorkItem
from flowtui.demo.processes import PROPOSED
from flowtui.demo.worktime import ms_to_dt

if TYPE_CHECKING:
    from flowtui.demo.org import OrgData


def _next_step(item: SimWorkItem) -> dict:
    """The change that moves `item` one step forward in its type's flow."""
    wit = item.type
    state = item.state
    flow = wit.flow
    nxt = flow[flow.index(state) + 1] if state in flow and flow.index(state) + 1 < len(flow) else wit.done_state
    return {"state": nxt, "reason": wit.reasons.get(nxt, "")}


def advance_org(org: OrgData, hours: float, seed: int | None) -> ChangeSummary:
    """Implementation of `SimulatedOrg.advance` (see the module docstring)."""
    if hours <= 0:
        raise ValueError("advance(hours) needs hours > 0")
    org.advances += 1
    rng = random.Random(f"{org.seed}:{org.size}:advance:{org.advances}:{seed}")
    old_ms = org.now_ms
    new_ms = old_ms + int(hours * 3_600_000)

    def instant(after: int) -> int:
        lo = max(after, old_ms) + 1000
        t = rng.randint(lo, max(lo, new_ms)) if lo < new_ms else new_ms
        t = min(t, new_ms)
        return t - t % 10

    new_revs: list[SimRevision] = []
    changed: list[int] = []
    open_items = [w for w in org.work_items.values() if w.is_open]
    share = min(0.5, 0.1 * max(hours, 1.0) / 24.0)
    picked = [w for w in open_items if rng.random() < share] or open_items[:1]
    for item in picked:
        steps = 1 if rng.random() < 0.7 else 2
        last = item.latest
        if last.t >= new_ms - 1000:
            continue
        for _ in range(steps):
            roll = rng.random()
            if item.category == PROPOSED or roll < 0.6:
                ch = _next_step(item)
                if item.category == PROPOSED:
                    ch["assigned"] = rng.choice(item.project.members)
                    ch["iteration"] = True
            elif roll < 0.8 and item.project.process.uses_blocked_field:
                ch = {"blocked": not item.latest.blocked}
            elif roll < 0.8:
                has = "Blocked" in item.latest.tag_list
                ch = {"tag_remove": "Blocked"} if has else {"tag_add": "Blocked"}
            else:
                ch = {"reassign": rng.choice(item.project.members)}
            t = instant(item.latest.t)
            if t <= item.latest.t:
                break
            new_revs.append(apply_changes(item, item.latest, t, ch, rng))
        if item.latest is not last:
            changed.append(item.id)
    # A few new items (by project, in project order), created inside the window.
    new_items: list[SimWorkItem] = []
    per_project = max(1, round(hours / 24.0 * 2))
    cal = org.calendar
    for proj in org.projects:
        if not proj.repositories and not proj.revisions:
            continue  # idle sandbox projects stay idle
        types = proj.process.types
        ctx = ItemContext(proj, cal, new_ms, types, tuple(t.weight for t in types))
        for _ in range(rng.randint(1, per_project)):
            w0 = cal.from_ms(instant(old_ms))
            item = build_item(ctx, rng, 0, w0)
            if item is None or item.created_ms <= old_ms:
                continue
            new_items.append(item)
    new_items.sort(key=lambda w: (w.created_ms, w.project.name))
    next_id = max(org.work_items) + 1 if org.work_items else 1
    for item in new_items:
        item.id = next_id
        org.work_items[next_id] = item
        next_id += 1
        new_revs.extend(item.revisions)
    org.assign_watermarks(new_revs)
    # PRs: complete some active ones, and add a few created and completed inside the window.
    completed: list[int] = []
    for pr in sorted(org.pull_requests.values(), key=lambda p: p.pull_request_id):
        if pr.status == "active" and not pr.is_draft and rng.random() < min(0.6, 0.2 * max(hours, 1) / 24):
            _complete(pr, ms_to_dt(instant(old_ms)) + timedelta(microseconds=rng.randrange(1000)), rng)
            completed.append(pr.pull_request_id)
    new_prs: list[SimPullRequest] = []
    repos = org.repositories
    next_pr = max(org.pull_requests) + 1 if org.pull_requests else 1
    for _ in range(rng.randint(1, max(1, round(hours / 24.0 * 3)))):
        repo = rng.choice(repos)
        created = instant(old_ms)
        pr = build_pr(rng, repo, cal, new_ms, cal.from_ms(created))
        if pr is None or pr.creation <= ms_to_dt(old_ms):
            continue
        pr.pull_request_id = next_pr
        pr.thread_factory = next(iter(org.pull_requests.values())).thread_factory if org.pull_requests else None
        if pr.status != "completed":
            close = ms_to_dt(min(new_ms, max(created + 60_000, instant(created)))) \
                + timedelta(microseconds=rng.randrange(1000))
            _complete(pr, close, rng)
        org.pull_requests[next_pr] = pr
        new_prs.append(pr)
        completed.append(next_pr)
        next_pr += 1
    new_ms_final = new_ms
    org.now_ms = new_ms_final
    return ChangeSummary(
        old_now=ms_to_dt(old_ms), new_now=ms_to_dt(new_ms_final),
        changed_work_item_ids=tuple(sorted(changed)),
        new_work_item_ids=tuple(w.id for w in new_items), new_revision_count=len(new_revs),
        new_pr_ids=tuple(p.pull_request_id for p in new_prs), completed_pr_ids=tuple(completed),
    )


def _complete(pr: SimPullRequest, when: datetime, rng: random.Random) -> None:
    """Complete an active PR at `when`, with an approving vote if nobody approved yet."""
    if when <= pr.creation:
        when = pr.creation + timedelta(minutes=5)
    pr.status, pr.closed, pr.is_draft = "completed", when, False
    pr.closed_by, pr.merge_status = pr.created_by, "succeeded"
    people = [r for r in pr.reviewers if not r.identity.is_container]
    if people and not any(r.vote >= 5 for r in people):
        r = people[0]
        voted = max(pr.creation + timedelta(seconds=1), when - timedelta(minutes=rng.randint(1, 30)))
        r.vote_history.append((voted, 10))
        r.vote = 10
    pr._threads = None  # threads are rebuilt from the new vote history
