"""Weekly trend series over the last 12 complete ISO weeks (SPEC §7.11).

For each week: completions, cycle-time p85 of the items completed in it, WIP at the end of the week,
age p85 of the items in WIP at the end of the week (age measured from started_at as it stood then),
completed PRs closed in it and their cycle-time p50 in hours.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta

from flowtui.domain import PullRequest
from flowtui.metrics import prs as prm
from flowtui.metrics.buckets import DOING, REMOVED
from flowtui.metrics.calendar import complete_weeks, day_start_ts, iso_week
from flowtui.metrics.item_flow import DAY, ItemFlow
from flowtui.metrics.policy import FlowPolicy
from flowtui.metrics.stats import percentile

TREND_WEEKS = 12


def trends(flows: Sequence[ItemFlow], pull_requests: Sequence[PullRequest], policy: FlowPolicy,
           as_of: datetime, weeks: int = TREND_WEEKS) -> dict[str, list]:
    """{"weeks", "throughput", "cycle_time_p85", "wip", "age_p85", "pr_count", "pr_cycle_time_p50_hours"}."""
    tz = policy.tz
    mondays = complete_weeks(as_of, tz, weeks)
    bounds = [day_start_ts(m, tz) for m in mondays] + [day_start_ts(mondays[-1] + timedelta(days=7), tz)]
    ends = bounds[1:]
    n = len(mondays)
    cycles: list[list[float]] = [[] for _ in range(n)]
    counts = [0] * n
    ages: list[list[float]] = [[] for _ in range(n)]
    first_end = ends[0]
    lo_bound, hi_bound = bounds[0], bounds[-1]
    for f in flows:
        if f.bucket == REMOVED:
            continue
        done = f.completed_step
        if done is not None and lo_bound <= done.ts < hi_bound:
            j = bisect_right(bounds, done.ts) - 1
            counts[j] += 1
            if f.started_step is not None:
                cycles[j].append((done.ts - f.started_step.ts) / DAY)
        steps = f.steps
        if steps[-1].ts < first_end:
            # Unchanged through the whole range: its started_at then is its started_at now.
            if f.bucket == DOING and f.started_step is not None:
                started = f.started_step.ts
                for j in range(n):
                    ages[j].append((ends[j] - started) / DAY)
            continue
        last = len(steps) - 1
        for i, s in enumerate(steps):
            if s.bucket != DOING or (i < last and steps[i + 1].ts < first_end):
                continue
            # Week ends t with s.ts < t <= next.ts see this step as the latest one.
            lo = bisect_right(ends, s.ts)
            hi = bisect_right(ends, steps[i + 1].ts) if i < last else n
            for j in range(lo, min(hi, n)):
                started = f.started_before(ends[j], policy)
                if started is not None:
                    ages[j].append((ends[j] - started) / DAY)
    pr_hours: list[list[float]] = [[] for _ in range(n)]
    for pr in prm.completed(pull_requests):
        j = bisect_right(bounds, pr.closed_at.timestamp()) - 1  # type: ignore[union-attr]
        if 0 <= j < n and (h := prm.cycle_hours(pr)) is not None:
            pr_hours[j].append(h)
    return {
        "weeks": [iso_week(m) for m in mondays],
        "throughput": counts,
        "cycle_time_p85": [percentile(sorted(v), 85) for v in cycles],
        "wip": [len(a) for a in ages],
        "age_p85": [percentile(sorted(a), 85) for a in ages],
        "pr_count": [len(h) for h in pr_hours],
        "pr_cycle_time_p50_hours": [percentile(sorted(h), 50) for h in pr_hours],
    }


__all__ = ["TREND_WEEKS", "completed_by_week", "trends"]


def completed_by_week(flows: Sequence[ItemFlow], policy: FlowPolicy, as_of: datetime,
                      weeks: int = TREND_WEEKS) -> list[list[ItemFlow]]:
    """The items (not removed) completed in each of the last `weeks` complete ISO weeks, oldest first:
    the same weeks and bounds as `trends`, for per-week statistics it does not compute itself."""
    tz = policy.tz
    mondays = complete_weeks(as_of, tz, weeks)
    bounds = [day_start_ts(m, tz) for m in mondays] + [day_start_ts(mondays[-1] + timedelta(days=7), tz)]
    out: list[list[ItemFlow]] = [[] for _ in mondays]
    for f in flows:
        done = f.completed_step
        if f.bucket != REMOVED and done is not None and bounds[0] <= done.ts < bounds[-1]:
            out[bisect_right(bounds, done.ts) - 1].append(f)
    return out
