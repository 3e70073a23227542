"""Per-item derivation (SPEC §7.1–7.5): created, started, completed, lead, cycle, age, blocked time,
reopens and time in state — each value kept together with the revisions (steps) that produced it.

An item's revisions are reduced to *steps*: the first revision (creation) and every revision that
changes the state or the blocked flag. Decisions (documented in docs/metrics.md):

* Revisions are taken in rev order. A revision whose ChangedDate is earlier than an earlier
  revision's is counted as *out of time order* and taken to happen at that earlier time, so no
  interval is ever negative. Revisions after `as_of` are ignored; items created after it do not exist.
* "A transition into a doing (done) state" is a move from another bucket (or creation) into the
  doing (done) bucket; moves between two states of the same bucket do not move started/completed.
* started_at, policy "first": the earliest move into doing. Policy "last": the last move from todo
  (or creation) into doing at or before completed_at (or as_of); when there is none (the item only
  ever reached doing through a reopen or a restore), the first move into doing.
* completed_at: only when the current bucket is done — the last move into done.
* A reopen is a move from done into todo or doing.
* Blocked: the revision carries `flow.blocked_tag` (tags compared case-insensitively, as ADO does)
  or Microsoft.VSTS.CMMI.Blocked = Yes; blocked time counts within started_at..completed_at (or as_of).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from flowtui.domain import WorkItem, WorkItemHistory
from flowtui.metrics.buckets import DOING, DONE, REMOVED, TODO, StateMap
from flowtui.metrics.policy import FlowPolicy

DAY = 86400.0


class Step(NamedTuple):
    """One revision as the metrics see it: creation, a state change or a blocked-flag change."""

    rev: int
    ts: float  # effective instant, POSIX seconds (never earlier than the previous step)
    state: str
    bucket: str
    wait: bool
    blocked: bool
    from_state: str | None
    from_bucket: str | None
    changed_by: str | None
    out_of_order: bool  # its ChangedDate was earlier than a previous revision's (clamped)

    @property
    def at(self) -> datetime:
        """The effective instant as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ts, UTC)

    @property
    def is_transition(self) -> bool:
        """True when the state changed (or the item was created) at this step."""
        return self.state != self.from_state


@dataclass(slots=True)
class ItemFlow:
    """The flow facts of one work item at `as_of`; treat as read-only.

    `*_step` fields name the step that produced a value; `steps` is the whole timeline.
    Durations are fractional days; None where undefined.
    """

    item: WorkItem
    steps: tuple[Step, ...]
    as_of_ts: float
    bucket: str
    created_ts: float
    started_step: Step | None = None
    completed_step: Step | None = None
    start_rule: str = ""
    reopen_steps: tuple[Step, ...] = ()
    blocked_intervals: tuple[tuple[float, float], ...] = ()
    time_in_state: dict[str, float] = field(default_factory=dict)  # days, completed items only
    active_days: float | None = None
    wait_days: float | None = None
    out_of_order: int = 0
    unmapped_states: tuple[str, ...] = ()
    no_history: bool = False

    # --- derived values -------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.item.id

    @property
    def state(self) -> str:
        return self.steps[-1].state

    @property
    def started_ts(self) -> float | None:
        return self.started_step.ts if self.started_step else None

    @property
    def completed_ts(self) -> float | None:
        return self.completed_step.ts if self.completed_step else None

    @property
    def created_at(self) -> datetime:
        return self.item.created_at

    @property
    def started_at(self) -> datetime | None:
        return self.started_step.at if self.started_step else None

    @property
    def completed_at(self) -> datetime | None:
        return self.completed_step.at if self.completed_step else None

    @property
    def lead_days(self) -> float | None:
        c = self.completed_ts
        return None if c is None else (c - self.created_ts) / DAY

    @property
    def cycle_days(self) -> float | None:
        c, s = self.completed_ts, self.started_ts
        return None if c is None or s is None else (c - s) / DAY

    @property
    def age_days(self) -> float | None:
        s = self.started_ts
        return (self.as_of_ts - s) / DAY if self.bucket == DOING and s is not None else None

    @property
    def blocked_days(self) -> float:
        return sum(b - a for a, b in self.blocked_intervals) / DAY

    @property
    def reopen_count(self) -> int:
        return len(self.reopen_steps)

    @property
    def flow_efficiency(self) -> float | None:
        cycle = self.cycle_days
        if cycle is None or cycle <= 0 or self.active_days is None:
            return None
        return self.active_days / cycle

    @property
    def excluded(self) -> bool:
        """Removed items are excluded from every metric."""
        return self.bucket == REMOVED

    @property
    def done_without_doing(self) -> bool:
        return self.bucket == DONE and self.started_step is None

    def started_before(self, t: float, policy: FlowPolicy) -> float | None:
        """started_at as it stood at instant t (moves strictly before t), for trend ages."""
        first: float | None = None
        last_from_todo: float | None = None
        for s in self.steps:
            if s.ts >= t:
                break
            if s.bucket == DOING and s.from_bucket != DOING:
                if first is None:
                    first = s.ts
                    if policy.cycle_start == "first":
                        return first
                if s.from_bucket in (None, TODO):
                    last_from_todo = s.ts
        return last_from_todo if last_from_todo is not None else first


def derive_items(
    histories: Iterable[WorkItemHistory], states: StateMap, policy: FlowPolicy, as_of: datetime
) -> list[ItemFlow]:
    """ItemFlow for every item that exists at as_of (removed ones included, marked `excluded`)."""
    as_of_ts = as_of.timestamp()
    out = []
    for history in histories:
        flow = derive_item(history, states, policy, as_of_ts)
        if flow is not None:
            out.append(flow)
    return out


def derive_item(
    history: WorkItemHistory, states: StateMap, policy: FlowPolicy, as_of_ts: float
) -> ItemFlow | None:
    """The ItemFlow of one item at as_of (POSIX seconds); None when it was created after as_of."""
    item = history.item
    created_ts = item.created_at.timestamp()
    if created_ts > as_of_ts:
        return None
    steps, out_of_order = _steps(history, states, policy, created_ts, as_of_ts)
    no_history = not history.revisions
    unmapped = tuple(sorted({s.state for s in steps if not states.info(item.project, item.type, s.state).mapped}))
    flow = ItemFlow(item, tuple(steps), as_of_ts, steps[-1].bucket, created_ts,
                    out_of_order=out_of_order, unmapped_states=unmapped, no_history=no_history)
    _derive_dates(flow, policy)
    _derive_intervals(flow)
    return flow


def _steps(
    history: WorkItemHistory, states: StateMap, policy: FlowPolicy, created_ts: float, as_of_ts: float
) -> tuple[list[Step], int]:
    item = history.item
    info = states.info
    project, wtype = item.project, item.type
    tag = policy.blocked_tag.casefold()
    steps: list[Step] = []
    latest = created_ts
    out_of_order = 0
    prev_state: str | None = None
    prev_bucket: str | None = None
    prev_blocked: bool | None = None
    for rev in history.revisions:
        ts = rev.changed_at.timestamp()
        if ts > as_of_ts:
            break
        late = False
        if ts < latest:
            late = bool(steps) or prev_state is not None
            ts = latest
        latest = ts
        blocked = rev.blocked or (bool(rev.tags) and any(t.casefold() == tag for t in rev.tags))
        state = rev.state
        if state != prev_state or blocked != prev_blocked:
            si = info(project, wtype, state)
            steps.append(Step(rev.rev, ts, state, si.bucket, si.wait, blocked, prev_state, prev_bucket,
                              rev.changed_by, late))
            prev_bucket = si.bucket
        if late:
            out_of_order += 1
        prev_state, prev_blocked = state, blocked
    if not steps:
        # No revision at or before as_of: the snapshot state since creation is all that is known.
        si = info(project, wtype, item.state)
        blocked = any(t.casefold() == tag for t in item.tags)
        steps.append(Step(item.rev, created_ts, item.state, si.bucket, si.wait, blocked, None, None, None, False))
    return steps, out_of_order


def _derive_dates(flow: ItemFlow, policy: FlowPolicy) -> None:
    steps = flow.steps
    first_doing: Step | None = None
    last_from_todo: Step | None = None
    last_done: Step | None = None
    reopens: list[Step] = []
    for s in steps:
        if s.bucket == s.from_bucket:
            continue
        if s.bucket == DOING:
            if first_doing is None:
                first_doing = s
            if s.from_bucket is None or s.from_bucket == TODO:
                last_from_todo = s
        elif s.bucket == DONE:
            last_done = s
        if s.from_bucket == DONE and s.bucket in (TODO, DOING):
            reopens.append(s)
    flow.reopen_steps = tuple(reopens)
    if flow.bucket == DONE:
        flow.completed_step = last_done
    if policy.cycle_start == "last" and last_from_todo is not None:
        flow.started_step = last_from_todo
        flow.start_rule = "last move from todo (or creation) into doing"
    elif first_doing is not None:
        flow.started_step = first_doing
        flow.start_rule = (
            "first move into doing" if policy.cycle_start == "first"
            else "first move into doing (no move from todo into doing)"
        )


def _derive_intervals(flow: ItemFlow) -> None:
    """Blocked intervals, time in state, active and wait time within started..completed (or as_of)."""
    start = flow.started_ts
    if start is None or flow.bucket == REMOVED:
        return
    done = flow.completed_ts
    end = done if done is not None else flow.as_of_ts
    steps = flow.steps
    blocked: list[tuple[float, float]] = []
    in_state: dict[str, float] = {}
    active = wait = 0.0
    for i, s in enumerate(steps):
        seg_end = steps[i + 1].ts if i + 1 < len(steps) else flow.as_of_ts
        a = s.ts if s.ts > start else start
        b = seg_end if seg_end < end else end
        if b <= a:
            if b == a and done is not None and a >= start and a <= end:
                in_state.setdefault(s.state, 0.0)
            continue
        if s.blocked:
            if blocked and blocked[-1][1] == a:
                blocked[-1] = (blocked[-1][0], b)
            else:
                blocked.append((a, b))
        if done is not None:
            in_state[s.state] = in_state.get(s.state, 0.0) + (b - a)
            if s.bucket == DOING:
                if s.wait:
                    wait += b - a
                elif not s.blocked:
                    active += b - a
    flow.blocked_intervals = tuple(blocked)
    if done is not None:
        flow.time_in_state = {k: v / DAY for k, v in in_state.items() if v > 0}
        flow.active_days = active / DAY
        flow.wait_days = wait / DAY
