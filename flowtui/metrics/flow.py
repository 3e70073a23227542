"""Aggregate flow metrics over ItemFlows (SPEC §7.5–7.10): throughput, WIP, CFD, flow efficiency,
blocked time, time in state, bottleneck and Little's law.

Every function skips excluded (removed) items. "At the end of a day" means after every move strictly
before the next local midnight; the sample for as_of's own day therefore equals the state at as_of.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flowtui.metrics.buckets import DOING, DONE, REMOVED, TODO
from flowtui.metrics.calendar import Window, day_start_ts, iso_week, local_date, month_label, week_monday
from flowtui.metrics.item_flow import DAY, ItemFlow
from flowtui.metrics.stats import mean, median, percentile

#: Buckets shown in the CFD (removed items are excluded from every metric).
CFD_BUCKETS = (TODO, DOING, DONE)


def live(flows: Iterable[ItemFlow]) -> list[ItemFlow]:
    """The items that take part in metrics: every item not currently removed."""
    return [f for f in flows if not f.excluded]


def completion_day(flow: ItemFlow, tz: ZoneInfo) -> date | None:
    """The local date of completed_at (None when not done)."""
    c = flow.completed_at
    return None if c is None else local_date(c, tz)


def completed_in(flows: Iterable[ItemFlow], window: Window) -> list[ItemFlow]:
    """Items whose completed_at falls in the window (start inclusive, end exclusive instants)."""
    lo, hi = window.start_ts, window.end_ts
    return [f for f in flows if (c := f.completed_step) is not None and lo <= c.ts < hi and f.bucket != REMOVED]


def throughput(flows: Iterable[ItemFlow], tz: ZoneInfo, period: str = "day") -> Counter[str]:
    """Completions per local day (`YYYY-MM-DD`), ISO week (`YYYY-Www`) or month (`YYYY-MM`)."""
    label = {"day": date.isoformat, "week": iso_week, "month": month_label}[period]
    counts: Counter[str] = Counter()
    for f in flows:
        d = completion_day(f, tz) if not f.excluded else None
        if d is not None:
            counts[label(d)] += 1
    return counts


def weekly_counts(flows: Sequence[ItemFlow], window: Window) -> list[tuple[str, int]]:
    """(ISO week, completions) for every week that overlaps the window, zeros included, in order."""
    mondays = []
    monday = week_monday(window.first)
    while monday <= window.last:
        mondays.append(monday)
        monday += timedelta(days=7)
    bounds = [day_start_ts(m, window.tz) for m in mondays]
    counts = [0] * len(mondays)
    for f in completed_in(flows, window):
        counts[bisect_right(bounds, f.completed_step.ts) - 1] += 1  # type: ignore[union-attr]
    return [(iso_week(m), c) for m, c in zip(mondays, counts)]


def day_ends(days: Sequence[date], tz: ZoneInfo) -> list[float]:
    """The sample instants (next local midnight, POSIX seconds) of each day."""
    return [day_start_ts(d + timedelta(days=1), tz) for d in days]


def bucket_counts_at(flows: Iterable[ItemFlow], instants: Sequence[float], *, by: str = "bucket") -> dict[str, list[int]]:
    """How many live items were in each bucket (or non-removed state, `by="state"`) just before each instant.

    An item counts at instant t from its first step strictly before t, in the bucket of its last step
    strictly before t. `instants` must be sorted ascending. Keys are sorted.
    """
    n = len(instants)
    diffs: dict[str, list[int]] = {}
    if not n:
        return {}
    first, final = instants[0], instants[-1]
    for f in flows:
        if f.bucket == REMOVED:
            continue
        steps = f.steps
        last = len(steps) - 1
        if steps[-1].ts < first:  # settled before the first instant: one segment covers them all
            if by != "bucket" and steps[-1].bucket == REMOVED:
                continue
            key = steps[-1].bucket if by == "bucket" else steps[-1].state
            d = diffs.get(key)
            if d is None:
                d = diffs[key] = [0] * (n + 1)
            d[0] += 1
            d[n] -= 1
            continue
        if steps[0].ts >= final:
            continue  # created at or after the last instant
        for i, s in enumerate(steps):
            # Step i is "the last step strictly before t" for every instant t in (s.ts, next.ts].
            if i < last:
                nxt = steps[i + 1].ts
                if nxt < first:
                    continue  # superseded before the first instant
                hi = bisect_right(instants, nxt)
            else:
                hi = n
            if by != "bucket" and s.bucket == REMOVED:
                continue  # per state, removed states are left out as the removed bucket is
            key = s.bucket if by == "bucket" else s.state
            lo = bisect_right(instants, s.ts)
            if lo >= hi:
                continue
            d = diffs.get(key)
            if d is None:
                d = diffs[key] = [0] * (n + 1)
            d[lo] += 1
            d[hi] -= 1
    out: dict[str, list[int]] = {}
    for key in sorted(diffs):
        run, series = 0, []
        for j in range(n):
            run += diffs[key][j]
            series.append(run)
        out[key] = series
    return out


def cfd(flows: Iterable[ItemFlow], days: Sequence[date], tz: ZoneInfo, *, by_state: bool = False) -> list[tuple[date, dict[str, int]]]:
    """The cumulative flow diagram: per day, items in todo/doing/done at the end of it (or per state)."""
    counts = bucket_counts_at(flows, day_ends(days, tz), by="state" if by_state else "bucket")
    keys = sorted(counts) if by_state else list(CFD_BUCKETS)
    return [(d, {k: counts[k][j] if k in counts else 0 for k in keys}) for j, d in enumerate(days)]


def wip_series(flows: Iterable[ItemFlow], days: Sequence[date], tz: ZoneInfo) -> list[int]:
    """WIP (items in the doing bucket) at the end of each day."""
    counts = bucket_counts_at(flows, day_ends(days, tz))
    return counts.get(DOING, [0] * len(days))


def wip_now(flows: Iterable[ItemFlow]) -> dict[str, int]:
    """Items in the doing bucket at as_of, by current state (sorted by state name)."""
    c = Counter(f.state for f in flows if f.bucket == DOING)
    return {k: c[k] for k in sorted(c)}


def blocked_days_in(flows: Iterable[ItemFlow], lo: float, hi: float) -> float:
    """Total blocked days of live items, each item's blocked intervals clipped to [lo, hi)."""
    total = 0.0
    for f in flows:
        if not f.has_blocked or f.bucket == REMOVED:
            continue
        for a, b in f.blocked_intervals:
            a, b = max(a, lo), min(b, hi)
            if b > a:
                total += b - a
    return total / DAY


def flow_efficiency(done: Sequence[ItemFlow]) -> tuple[float | None, float | None, str | None]:
    """(mean, median, reason) of per-item flow efficiency over completed items.

    Null with a reason when there is nothing to measure or when the items spent no time in a wait
    state and were never blocked — then every item would show a false 100%.
    """
    with_cycle = [f for f in done if f.flow_efficiency is not None]
    if not with_cycle:
        return None, None, "no completed items with a cycle time in the window"
    if not any((f.wait_days or 0) > 0 or f.blocked_intervals for f in with_cycle):
        return None, None, "no wait states or blocked time in the items completed in the window"
    values = [f.flow_efficiency for f in with_cycle if f.flow_efficiency is not None]
    return mean(values), median(values), None


def time_in_state(done: Sequence[ItemFlow]) -> list[tuple[str, dict[str, float]]]:
    """Per state: mean, p50, p85 dwell (days, over the items that spent time in it) and share of the total.

    Sorted by share (largest first), then name.
    """
    per_state: dict[str, list[float]] = {}
    for f in done:
        for state, days in f.time_in_state.items():
            per_state.setdefault(state, []).append(days)
    total = math.fsum(math.fsum(v) for v in per_state.values())
    rows = []
    for state, values in per_state.items():
        values.sort()
        s = math.fsum(values)
        rows.append((state, {"mean": s / len(values), "p50": percentile(values, 50) or 0.0,
                             "p85": percentile(values, 85) or 0.0, "share": s / total if total else 0.0}))
    rows.sort(key=lambda r: (-r[1]["share"], r[0]))
    return rows


def bottleneck(rows: Sequence[tuple[str, dict[str, float]]], doing_states: set[str]) -> tuple[str, float, float] | None:
    """(state, share, p85 dwell) of the doing state with the largest share, or None."""
    for state, row in rows:  # rows are sorted by share, then name
        if state in doing_states:
            return state, row["share"], row["p85"]
    return None


def littles_law(avg_wip: float | None, per_day: float | None, avg_cycle: float | None) -> dict[str, float | None]:
    """Little's law: implied cycle time = avg WIP / throughput per day; ratio = actual / implied."""
    implied = avg_wip / per_day if avg_wip is not None and per_day else None
    ratio = avg_cycle / implied if avg_cycle is not None and implied else None
    return {"avg_wip": avg_wip, "throughput_per_day": per_day, "avg_cycle_time_days": avg_cycle,
            "implied_cycle_time_days": implied, "ratio": ratio}


def doing_state_names(flows: Iterable[ItemFlow]) -> set[str]:
    """Every state that appeared in the doing bucket in these items' timelines."""
    return {s.state for f in flows for s in f.steps if s.bucket == DOING}


__all__ = [
    "CFD_BUCKETS", "DONE", "REMOVED", "blocked_days_in", "bottleneck", "bucket_counts_at", "cfd",
    "completed_in", "completion_day", "day_ends", "doing_state_names", "flow_efficiency", "live",
    "littles_law", "throughput", "time_in_state", "weekly_counts", "wip_now", "wip_series",
]
