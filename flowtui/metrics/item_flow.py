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


class ItemFlow:
    """The flow facts of one work item at `as_of`; read-only by convention.

    `*_step` attributes name the step that produced a value; `steps` is the whole timeline.
    Durations are fractional days; None where undefined. Blocked intervals, time in state, active
    and wait time are computed on first use (most reports need them for a few items only).
    """

    __slots__ = ("item", "steps", "as_of_ts", "bucket", "created_ts", "started_step", "completed_step",
                 "start_rule", "reopen_steps", "out_of_order", "unmapped_states", "no_history", "has_blocked",
                 "_intervals")

    def __init__(self, item: WorkItem, steps: tuple[Step, ...], as_of_ts: float, created_ts: float, *,
                 started_step: Step | None = None, completed_step: Step | None = None, start_rule: str = "",
                 reopen_steps: tuple[Step, ...] = (), out_of_order: int = 0,
                 unmapped_states: tuple[str, ...] = (), no_history: bool = False, has_blocked: bool = True) -> None:
        self.item = item
        self.steps = steps
        self.as_of_ts = as_of_ts
        self.bucket = steps[-1].bucket
        self.created_ts = created_ts
        self.started_step = started_step
        self.completed_step = completed_step
        self.start_rule = start_rule
        self.reopen_steps = reopen_steps
        self.out_of_order = out_of_order
        self.unmapped_states = unmapped_states
        self.no_history = no_history
        self.has_blocked = has_blocked
        self._intervals: _Intervals | None = None

    def __repr__(self) -> str:
        return (f"ItemFlow(id={self.item.id}, bucket={self.bucket!r}, started={self.started_ts}, "
                f"completed={self.completed_ts})")

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
        c = self.completed_step
        return None if c is None else (c.ts - self.created_ts) / DAY

    @property
    def cycle_days(self) -> float | None:
        c, s = self.completed_step, self.started_step
        return None if c is None or s is None else (c.ts - s.ts) / DAY

    @property
    def age_days(self) -> float | None:
        s = self.started_step
        return (self.as_of_ts - s.ts) / DAY if self.bucket == DOING and s is not None else None

    @property
    def reopen_count(self) -> int:
        return len(self.reopen_steps)

    @property
    def excluded(self) -> bool:
        """Removed items are excluded from every metric."""
        return self.bucket == REMOVED

    @property
    def done_without_doing(self) -> bool:
        return self.bucket == DONE and self.started_step is None

    def _ensure(self) -> _Intervals:
        if self._intervals is None:
            self._intervals = _derive_intervals(self)
        return self._intervals

    @property
    def blocked_intervals(self) -> tuple[tuple[float, float], ...]:
        """Blocked intervals (POSIX seconds) within started_at..completed_at (or as_of)."""
        if not self.has_blocked:
            return ()
        return self._ensure().blocked

    @property
    def blocked_days(self) -> float:
        return sum(b - a for a, b in self.blocked_intervals) / DAY

    @property
    def time_in_state(self) -> dict[str, float]:
        """Days per state between started_at and completed_at (completed items only)."""
        return self._ensure().in_state

    @property
    def active_days(self) -> float | None:
        return self._ensure().active

    @property
    def wait_days(self) -> float | None:
        return self._ensure().wait

    @property
    def flow_efficiency(self) -> float | None:
        cycle = self.cycle_days
        active = self.active_days
        if cycle is None or cycle <= 0 or active is None:
            return None
        return active / cycle

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
                if s.from_bucket is None or s.from_bucket == TODO:
                    last_from_todo = s.ts
        return last_from_todo if last_from_todo is not None else first


class _Intervals(NamedTuple):
    blocked: tuple[tuple[float, float], ...]
    in_state: dict[str, float]
    active: float | None
    wait: float | None


_new_step = tuple.__new__
_START_FIRST = "first move into doing"
_START_LAST = "last move from todo (or creation) into doing"
_START_FALLBACK = "first move into doing (no move from todo into doing)"


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
    """The ItemFlow of one item at as_of (POSIX seconds); None when it was created after as_of.

    One pass over the revisions builds the steps and finds started/completed/reopens.
    """
    item = history.item
    created_ts = item.created_at.timestamp()
    if created_ts > as_of_ts:
        return None
    table = states.table(item.project, item.type)
    tag = states.blocked_tag
    tagged = states.tagged
    steps: list[Step] = []
    latest = created_ts
    out_of_order = 0
    prev_state: str | None = None
    prev_bucket: str | None = None
    prev_blocked: bool | None = None
    first_doing = last_from_todo = last_done = None
    reopens: list[Step] = []
    unmapped: list[str] = []
    has_blocked = False
    for rev in history.revisions:
        ts = rev.changed_at.timestamp()
        if ts > as_of_ts:
            break
        late = False
        if ts < latest:
            late = prev_state is not None  # rev 1 before CreatedDate is clamped silently
            ts = latest
            if late:
                out_of_order += 1
        latest = ts
        tags = rev.tags
        if rev.blocked:
            blocked = True
        elif tags:
            blocked = tagged.get(tags)  # type: ignore[assignment]
            if blocked is None:
                blocked = any(t.casefold() == tag for t in tags)
                if len(tagged) < 50_000:
                    tagged[tags] = blocked
        else:
            blocked = False
        state = rev.state
        if state == prev_state and blocked == prev_blocked:
            continue
        si = table.get(state)
        if si is None:
            si = states.info(item.project, item.type, state)
        if not si.mapped and state not in unmapped:
            unmapped.append(state)
        bucket = si.bucket
        step = _new_step(Step, (rev.rev, ts, state, bucket, si.wait, blocked, prev_state, prev_bucket,
                                rev.changed_by, late))  # Step(...) without the keyword-parsing __new__
        steps.append(step)
        if blocked:
            has_blocked = True
        if bucket != prev_bucket:
            if bucket == DOING:
                if first_doing is None:
                    first_doing = step
                if prev_bucket is None or prev_bucket == TODO:
                    last_from_todo = step
            elif bucket == DONE:
                last_done = step
            if prev_bucket == DONE and (bucket == TODO or bucket == DOING):
                reopens.append(step)
        prev_state, prev_bucket, prev_blocked = state, bucket, blocked
    if not steps:
        # No revision at or before as_of: the snapshot state since creation is all that is known.
        si = states.info(item.project, item.type, item.state)
        blocked = any(t.casefold() == tag for t in item.tags)
        steps.append(Step(item.rev, created_ts, item.state, si.bucket, si.wait, blocked, None, None, None, False))
        has_blocked = blocked
        if not si.mapped:
            unmapped.append(item.state)
        if si.bucket == DOING:
            first_doing = last_from_todo = steps[0]
        elif si.bucket == DONE:
            last_done = steps[0]
    if policy.cycle_start == "last" and last_from_todo is not None:
        started, rule = last_from_todo, _START_LAST
    elif first_doing is not None:
        started, rule = first_doing, (_START_FIRST if policy.cycle_start == "first" else _START_FALLBACK)
    else:
        started, rule = None, ""
    return ItemFlow(item, tuple(steps), as_of_ts, created_ts, started_step=started,
                    completed_step=last_done if steps[-1].bucket == DONE else None,
                    start_rule=rule, reopen_steps=tuple(reopens), out_of_order=out_of_order,
                    unmapped_states=tuple(sorted(unmapped)), no_history=not history.revisions,
                    has_blocked=has_blocked)


def _derive_intervals(flow: ItemFlow) -> _Intervals:
    """Blocked intervals, time in state, active and wait time within started..completed (or as_of)."""
    start = flow.started_ts
    if start is None or flow.bucket == REMOVED:
        return _Intervals((), {}, None, None)
    done = flow.completed_ts
    end = done if done is not None else flow.as_of_ts
    steps = flow.steps
    blocked: list[tuple[float, float]] = []
    in_state: dict[str, float] = {}
    active = wait = 0.0
    count = len(steps)
    for i, s in enumerate(steps):
        seg_end = steps[i + 1].ts if i + 1 < count else flow.as_of_ts
        a = s.ts if s.ts > start else start
        b = seg_end if seg_end < end else end
        if b <= a:
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
    if done is None:
        return _Intervals(tuple(blocked), {}, None, None)
    return _Intervals(tuple(blocked), {k: v / DAY for k, v in in_state.items() if v > 0}, active / DAY, wait / DAY)
