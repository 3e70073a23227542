"""The realities of an organization older and messier than the default demo: the `realities` knob.

`generate_org(..., realities=True)` (on in `--demo`) adds, per project:
- an **old cohort**: items created 400-730 days before `now`, i.e. before the default history start
  (a year ago). A third stop changing soon after they start and are still open today ("stale WIP",
  unchanged for more than a year); a third stop the same way and are finished within the last year
  (first seen mid-history by a sync that starts a year ago); the rest live out their natural life;
- a few **moves** between projects and one **type change**: each is a revision of its own that
  changes `System.TeamProject` (and the area/iteration roots) or `System.WorkItemType`, the state
  mapped by category. The project-scoped revisions stream then drops the moved item from its old
  project and shows it in the new one from the move on (reference §6.3 caveat).

It also holds what a test (or the demo) does to the org between two syncs — `delete_item`,
`restore_item`, `move_item`, `change_type` — and the recycle bin routes
(`GET {org}[/{project}]/_apis/wit/recyclebin[/{id}]`, 7.1; the list is `{count, value: [{id, url}]}`
of shallow references, the single item a WorkItemDelete with `deletedDate` / `deletedBy`). Deleted
items are hidden from the revisions stream (without `includeDeleted`), WIQL, workitemsbatch (null
with `errorPolicy=omit`) and the per-item routes (404 TF401232), as the real service hides them.
Deleting or restoring writes no revision in the simulator; moves and type changes write one.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from flowtui.demo.gen_workitems import ItemContext, apply_changes, build_item
from flowtui.demo.model import SimProject, SimRevision, SimWorkItem, wit_date
from flowtui.demo.processes import COMPLETED, REMOVED, SimWorkItemType
from flowtui.demo.wire import ApiError
from flowtui.demo.worktime import DAY_MS, WorkCalendar, ms_to_dt

if TYPE_CHECKING:
    from flowtui.demo.org import OrgData
    from flowtui.demo.request import Req

#: The old cohort is created this many days before `now` (the default history start is 365 days).
OLD_FROM_DAYS, OLD_TO_DAYS = 730, 400
MOVES_PER_ORG = 3


# ---- generation ------------------------------------------------------------------------------
def old_cohort(org: OrgData, projects: list[SimProject], per_project: int) -> list[SimWorkItem]:
    """Items created two years to 400 days ago: stale WIP, long-runners finished lately, the rest."""
    now_ms = org.now_ms
    first = ms_to_dt(now_ms - (OLD_FROM_DAYS + 10) * DAY_MS).date()
    cal = WorkCalendar(first, ms_to_dt(now_ms).date())
    out: list[SimWorkItem] = []
    for proj in projects:
        rng = random.Random(f"{org.seed}:{org.size}:old:{proj.name}")
        types = proj.process.types
        ctx = ItemContext(proj, cal, now_ms, types, tuple(t.weight for t in types))
        lo = cal.from_ms(now_ms - OLD_FROM_DAYS * DAY_MS)
        hi = cal.from_ms(now_ms - OLD_TO_DAYS * DAY_MS)
        for k, w0 in enumerate(sorted(rng.uniform(lo, hi) for _ in range(per_project))):
            item = build_item(ctx, rng, 0, w0)
            if item is None:
                continue
            role = k % 3  # 0 stale WIP, 1 finished within the last year, 2 natural life
            if role < 2:
                cut = min(item.created_ms + rng.randint(2, 40) * DAY_MS, now_ms - (OLD_TO_DAYS - 20) * DAY_MS)
                # keep the history up to its last open revision before the cut (rev 1 always is)
                keep = max(i for i, r in enumerate(item.revisions)
                           if i == 0 or (r.t <= cut and item.type.category_of(r.state) not in (COMPLETED, REMOVED)))
                del item.revisions[keep + 1:]
                if role == 1:
                    t = now_ms - rng.randint(5, 300) * DAY_MS
                    t -= t % 10
                    apply_changes(item, item.latest, t, {"state": item.type.done_state,
                                                         "reason": item.type.reasons.get(item.type.done_state, "")}, rng)
            out.append(item)
    return out


def generated_moves(org: OrgData, items: list[SimWorkItem]) -> None:
    """A few moves between projects and one type change, appended to settled-looking histories.

    Called before watermarks are assigned; the new revisions are part of `items`' histories.
    """
    projects = [p for p in org.projects if any(w.project is p for w in items)]
    if len(projects) < 2:
        return
    rng = random.Random(f"{org.seed}:{org.size}:moves")
    cutoff = org.now_ms - 20 * DAY_MS
    candidates = [w for w in items if not w.is_deleted and w.latest.t < cutoff and len(w.revisions) >= 2]
    picked = rng.sample(candidates, min(len(candidates), MOVES_PER_ORG + 1))
    for n, item in enumerate(picked):
        t = rng.randint(max(item.latest.t, cutoff) + 1000, org.now_ms - DAY_MS)
        t -= t % 10
        if n < MOVES_PER_ORG:
            # most moves stay within one process (its states carry over); the rest cross processes
            others = [p for p in projects if p is not item.project]
            same = [p for p in others if p.process is item.project.process]
            target = (same or others)[n % len(same or others)]
            _append_move(item, target, None, t, rng)
        else:
            other = [x for x in item.project.process.types if x is not item.type]
            if other:
                _append_move(item, item.project, rng.choice(other), t, rng)


def _map_state(state: str, old: SimWorkItemType, new: SimWorkItemType) -> str:
    """The first state of `new` in the category `state` has in `old` (else `new`'s first state)."""
    if new.category_of(state) is not None:
        return state
    cat = old.category_of(state)
    for st in new.states:
        if st.category == cat:
            return st.name
    return new.flow[0]


def _append_move(item: SimWorkItem, project: SimProject, wtype: SimWorkItemType | None, t: int,
                 rng: random.Random) -> SimRevision:
    """Append the revision that moves `item` to `project` and/or changes its type to `wtype`."""
    old_type = item.type
    new_type = wtype or project.process.type(old_type.name) or project.process.types[0]
    moved = project is not item.project
    item.project, item.type = project, new_type
    state = _map_state(item.state, old_type, new_type)
    change: dict[str, Any] = {}
    if state != item.state:
        change = {"state": state, "reason": "Moved" if moved else "Work item type changed"}
    rev = apply_changes(item, item.latest, t, change, rng)
    if moved:
        rev.area_path, rev.iteration_path = project.name, project.name
    return rev


# ---- mutations between syncs ------------------------------------------------------------------
def _item(org: OrgData, item_id: int) -> SimWorkItem:
    item = org.work_items.get(item_id)
    if item is None:
        raise KeyError(f"no work item {item_id}")
    return item


def delete_item(org: OrgData, item_id: int) -> None:
    """Send an item to the recycle bin (at the org's `now`); no revision is written."""
    item = _item(org, item_id)
    item.is_deleted, item.deleted_ms = True, org.now_ms


def restore_item(org: OrgData, item_id: int) -> None:
    """Take an item back out of the recycle bin."""
    item = _item(org, item_id)
    item.is_deleted, item.deleted_ms = False, None


def move_item(org: OrgData, item_id: int, project: str, *, type_name: str | None = None) -> SimRevision:
    """Move an item to another project (and/or type) now: one new revision with a new watermark."""
    item = _item(org, item_id)
    target = org.project(project)
    if target is None:
        raise KeyError(f"no project {project!r}")
    wtype = target.process.type(type_name) if type_name else None
    if type_name and wtype is None:
        raise KeyError(f"no type {type_name!r} in {target.name}")
    t = max(org.now_ms, item.latest.t + 10)
    t -= t % 10
    rev = _append_move(item, target, wtype, t, random.Random(f"{org.seed}:move:{item_id}:{t}"))
    org.assign_watermarks([rev])
    return rev


def change_type(org: OrgData, item_id: int, type_name: str) -> SimRevision:
    """Change an item's type now (same project): one new revision."""
    item = _item(org, item_id)
    return move_item(org, item_id, item.project.name, type_name=type_name)


# ---- recycle bin routes ----------------------------------------------------------------------
def _deleted_in(req: Req) -> list[SimWorkItem]:
    return [w for w in req.org.work_items.values()
            if w.is_deleted and (req.project is None or w.project is req.project)]


def recycle_bin(req: Req) -> dict[str, Any]:
    """`GET {org}[/{project}]/_apis/wit/recyclebin`: shallow references of the deleted items."""
    ids = req.q("ids")
    items = _deleted_in(req)
    if ids:
        wanted = {int(x) for x in ids.split(",") if x.strip().isdigit()}
        value: list[Any] = [_deleted_json(req, w) for w in items if w.id in wanted]
    else:
        value = [{"id": w.id, "url": f"{req.base}/_apis/wit/recycleBin/{w.id}"} for w in items]
    return {"count": len(value), "value": value}


def recycle_bin_item(req: Req) -> dict[str, Any]:
    """`GET {org}[/{project}]/_apis/wit/recyclebin/{id}`: one deleted item (404 when not in the bin)."""
    raw = req.params["id"]
    item = req.org.work_items.get(int(raw)) if raw.isdigit() else None
    if item is None or not item.is_deleted:
        raise ApiError(404, f"TF401232: Work item {raw} does not exist, or you do not have permissions to read it.",
                       "WorkItemUnauthorizedAccessException", event_id=3200)
    return _deleted_json(req, item)


def _deleted_json(req: Req, item: SimWorkItem) -> dict[str, Any]:
    deleted_by = item.latest.changed_by
    out: dict[str, Any] = {"id": item.id, "code": 200, "type": item.type.name,
                           "name": f"{item.type.name} {item.id}", "project": item.project.name}
    if item.deleted_ms is not None:
        out["deletedDate"] = wit_date(item.deleted_ms)
    out["deletedBy"] = deleted_by.ref_string
    out["url"] = f"{req.base}/_apis/wit/recycleBin/{item.id}"
    return out
