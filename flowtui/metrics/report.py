"""The metrics report (SPEC §7.8) and the forecast report, as plain JSON-ready dicts.

`analyse` derives every item once; `build_report` / `build_forecast` assemble the documents from an
analysis, so the TUI and the CLI show the same numbers. Inputs are already filtered by the caller
(the store applies `ItemFilter` to work items and pull requests); `filters` is only echoed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from flowtui.domain import HistoryHealth, PullRequest, StateCategory, SyncRun, WorkItemHistory
from flowtui.errors import UsageError
from flowtui.metrics import flow as fm
from flowtui.metrics import forecast as fc
from flowtui.metrics import health
from flowtui.metrics import prs as prm
from flowtui.metrics.buckets import BUCKETS, REMOVED, StateMap
from flowtui.metrics.calendar import Window, complete_weeks, day_start, local_date, resolve_window
from flowtui.metrics.item_flow import ItemFlow, derive_items
from flowtui.metrics.policy import FlowPolicy
from flowtui.metrics.stats import mean, round3, summarize
from flowtui.metrics.trends import TREND_WEEKS, trends
from flowtui.timeutil import format_utc_z, to_utc

SCHEMA = "flowtui.metrics/1"
FORECAST_SCHEMA = "flowtui.forecast/1"
NO_DATA = "no data yet — run sync"


class FilterLike(Protocol):
    """What the report echoes of an ItemFilter."""

    projects: tuple[str, ...]
    types: tuple[str, ...]
    area: str | None


@dataclass
class Analysis:
    """Every item derived once at as_of under a policy."""

    policy: FlowPolicy
    as_of: datetime
    states: StateMap
    flows: list[ItemFlow]
    #: Items the caller left out as settled (see `settle_cutoff`), counted by bucket ("done", "removed").
    settled: dict[str, int] = field(default_factory=dict)

    def flow(self, item_id: int) -> ItemFlow | None:
        """The ItemFlow of one item (None when it is not in the data or created after as_of)."""
        index = self.__dict__.get("_by_id")
        if index is None:
            index = self.__dict__["_by_id"] = {f.item.id: f for f in self.flows}
        return index.get(item_id)

    @property
    def live(self) -> list[ItemFlow]:
        """The items that take part in metrics (not removed), computed once."""
        cached = self.__dict__.get("_live")
        if cached is None:
            cached = self.__dict__["_live"] = [f for f in self.flows if f.bucket != REMOVED]
        return cached


def analyse(histories: Iterable[WorkItemHistory], states: Iterable[StateCategory], policy: FlowPolicy,
            as_of: datetime, *, settled: dict[str, int] | None = None) -> Analysis:
    """Derive every item at as_of (an aware instant) under the policy.

    `settled` counts, by bucket ("done" / "removed"), the items the caller did not pass because they
    sat in a done or removed state, unchanged, since before `settle_cutoff(...)`; they only add to
    `counts`.
    """
    as_of = to_utc(as_of)
    state_map = StateMap(states, policy)
    return Analysis(policy, as_of, state_map, derive_items(histories, state_map, policy, as_of), dict(settled or {}))


def pr_cutoff(policy: FlowPolicy, as_of: datetime, window_from: date | None = None,
              window_to: date | None = None) -> datetime:
    """The earliest close instant of a PR the report uses: the earlier of the window start and the
    start of the first trend week (local midnights). Read PRs with `closed_after` just before it."""
    as_of = to_utc(as_of)
    tz = policy.tz
    window = resolve_window(as_of, tz, window_from, window_to)
    first_week = complete_weeks(as_of, tz, TREND_WEEKS)[0]
    return min(day_start(window.first, tz), day_start(first_week, tz))


def settle_cutoff(policy: FlowPolicy, as_of: datetime, window_from: date | None = None,
                  window_to: date | None = None) -> datetime:
    """The instant before which a done (or removed), unchanged item cannot change any number but the counts.

    It is the earliest of: the window start, the start of the first trend week and the first forecast
    history day (all local midnights). An item whose current state is done and whose last change
    (`System.ChangedDate`) is before it completed before all of them, is not in WIP at any sampled
    instant and has no blocked time after it; a removed one is excluded anyway. Such items may be left
    out of `analyse` and counted with `settled`; data-health findings then cover the other items only.
    """
    first_history_day = fc.history_days(to_utc(as_of), policy)[0]
    return min(pr_cutoff(policy, as_of, window_from, window_to), day_start(first_history_day, policy.tz))


def _health_horizon(a: Analysis, window_from: date | None, window_to: date | None) -> list[ItemFlow]:
    """The items data health looks at: all but those settled before `settle_cutoff` (done or removed
    and unchanged since). Old finished items cannot be fixed any more and would only bury recent
    findings; leaving them out here also makes the report identical whether or not a caller loaded them.
    """
    cutoff = settle_cutoff(a.policy, a.as_of, window_from, window_to)
    return [f for f in a.flows if not (f.bucket in ("done", REMOVED) and f.item.changed_at < cutoff)]


def settled_states(states: Iterable[StateCategory], policy: FlowPolicy) -> list[tuple[str, str, str, str]]:
    """(project, type, state, bucket) of every known state in the done or removed bucket, sorted."""
    rows = list(states)
    state_map = StateMap(rows, policy)
    out = []
    for s in rows:
        bucket = state_map.bucket(s.project, s.work_item_type, s.state)
        if bucket in ("done", REMOVED):
            out.append((s.project, s.work_item_type, s.state, bucket))
    return sorted(out)


def _durations(values: Sequence[float], policy: FlowPolicy) -> dict[str, Any]:
    s = summarize(values, policy.percentiles)
    return {k: (v if k == "n" else round3(v)) for k, v in s.items()}


def _p50_p90(values: Sequence[float]) -> dict[str, Any]:
    s = prm.p50_p90(values)
    return {"n": s["n"], "p50": round3(s["p50"]), "p90": round3(s["p90"])}


def build_report(
    histories: Iterable[WorkItemHistory] | None,
    states: Iterable[StateCategory],
    prs: Sequence[PullRequest],
    runs: Sequence[SyncRun],
    policy: FlowPolicy,
    *,
    as_of: datetime,
    window_from: date | None = None,
    window_to: date | None = None,
    filters: FilterLike | None = None,
    last_success: datetime | None = None,
    analysis: Analysis | None = None,
    history: HistoryHealth | None = None,
) -> dict[str, Any]:
    """The SPEC §7.8 document, keys in order, days rounded to 3 decimals, None where undefined.

    Pass `analysis` to reuse items already derived (then `histories` and `states` are ignored);
    `history` (the store's history-completeness facts) adds its data-health findings.
    """
    a = analysis or analyse(histories or (), states, policy, as_of)
    as_of = a.as_of
    tz = policy.tz
    # Only PRs closed between the earlier of the window start and the first trend week, and as_of,
    # can show up (data health included), so callers may pass all PRs or just those (`pr_cutoff`).
    since = pr_cutoff(policy, as_of, window_from, window_to)
    prs = [p for p in prm.completed(prs) if p.closed_at is not None and since <= p.closed_at <= as_of]
    window = resolve_window(as_of, tz, window_from, window_to)
    live = a.live
    done = fm.completed_in(live, window)
    days = window.days
    buckets = Counter(f.bucket for f in a.flows)
    wip_items = [f for f in live if f.bucket == fm.DOING]
    cycles = [c for f in done if (c := f.cycle_days) is not None]
    wip_daily = fm.wip_series(live, days, tz)
    avg_wip = mean(wip_daily) if days else None
    per_day = len(done) / len(days) if days else None
    eff_mean, eff_median, eff_reason = fm.flow_efficiency(done)
    tis = fm.time_in_state(done)
    bn = fm.bottleneck(tis, fm.doing_state_names(done))
    sle = summarize(cycles, [policy.sle_percentile])[f"p{policy.sle_percentile}"]
    little = fm.littles_law(avg_wip, per_day, mean(cycles))
    window_prs = prm.closed_between(prs, window.start_ts, window.end_ts)
    tr = trends(live, prs, policy, as_of)
    return {
        "schema": SCHEMA,
        "as_of": format_utc_z(as_of),
        "window": {"from": window.first.isoformat(), "to": window.last.isoformat(), "timezone": policy.timezone},
        "filters": {
            "projects": list(filters.projects) if filters else [],
            "types": list(filters.types) if filters else [],
            "area": filters.area if filters else None,
        },
        "policy": {"cycle_start": policy.cycle_start, "resolved_is_done": policy.resolved_is_done},
        "counts": {"items": len(a.flows) + sum(a.settled.values()),
                   **{b: buckets.get(b, 0) + a.settled.get(b, 0) for b in BUCKETS},
                   "completed_in_window": len(done)},
        "lead_time_days": _durations([f.lead_days for f in done if f.lead_days is not None], policy),
        "cycle_time_days": _durations(cycles, policy),
        "age_days": _durations([f.age_days for f in wip_items if f.age_days is not None], policy),
        "throughput": {
            "total": len(done),
            "per_day": round3(per_day),
            "weekly": [{"week": w, "count": c} for w, c in fm.weekly_counts(done, window)],
        },
        "wip": {"current": len(wip_items), "by_state": fm.wip_now(live), "daily_mean": round3(avg_wip)},
        "flow_efficiency": {"mean": round3(eff_mean), "median": round3(eff_median), "reason": eff_reason},
        "blocked_days_total": round3(fm.blocked_days_in(live, window.start_ts, min(window.end_ts, as_of.timestamp()))),
        "time_in_state_days": {s: {k: round3(v) for k, v in row.items()} for s, row in tis},
        "bottleneck": {"state": bn[0] if bn else None, "share": round3(bn[1]) if bn else None,
                       "p85_days": round3(bn[2]) if bn else None},
        "littles_law": {k: round3(v) for k, v in little.items()},
        "sle": {"percentile": policy.sle_percentile, "days": round3(sle)},
        "trends": {k: ([round3(x) for x in v] if k in ("cycle_time_p85", "age_p85", "pr_cycle_time_p50_hours") else v)
                   for k, v in tr.items()},
        "pull_requests": {
            "completed_in_window": len(window_prs),
            "cycle_time_hours": _p50_p90([h for p in window_prs if (h := prm.cycle_hours(p)) is not None]),
            "first_review_hours": _p50_p90([h for p in window_prs if (h := prm.first_review_hours(p)) is not None]),
            "merged_without_approval": sum(1 for p in window_prs if not prm.was_approved(p)),
            "reviewers": [{"user": r.name, "voted": r.voted, "approved": r.approved, "rejected": r.rejected}
                          for r in prm.reviewer_load(window_prs)],
        },
        "data_health": health.findings(_health_horizon(a, window_from, window_to), prs, runs, as_of,
                                       last_success=last_success, has_items=bool(a.flows or a.settled))
        + health.history_findings(history),
    }


def build_forecast(
    histories: Iterable[WorkItemHistory] | None,
    states: Iterable[StateCategory],
    policy: FlowPolicy,
    *,
    as_of: datetime,
    items: int | None = None,
    days: int | None = None,
    analysis: Analysis | None = None,
) -> dict[str, Any]:
    """The forecast document: "how_many" in `days` days, or "when" `items` items will be done."""
    if (items is None) == (days is None):
        raise UsageError("give exactly one of --items N or --days N.")
    a = analysis or analyse(histories or (), states, policy, as_of)
    samples = fc.daily_samples(a.live, a.as_of, policy)
    reason = fc.not_enough_data(samples)
    mode, target = ("how_many", days) if days is not None else ("when", items)
    results: list[dict[str, Any]] = []
    if reason is None:
        if days is not None:
            results = fc.how_many(samples, days, policy.trials, policy.seed)
        else:
            results = fc.when(samples, items or 0, policy.trials, policy.seed, local_date(a.as_of, policy.tz))
    elif (target or 0) < 1:
        raise UsageError(f"--{'days' if days is not None else 'items'} must be a whole number of at least 1.")
    return {"schema": FORECAST_SCHEMA, "as_of": format_utc_z(a.as_of), "history_days": policy.history_days,
            "trials": policy.trials, "seed": policy.seed, "mode": mode, "target": target,
            "results": results, "reason": reason}


def dumps(document: dict[str, Any]) -> str:
    """Deterministic JSON: keys in insertion order, 2-space indent, UTF-8 text, trailing newline."""
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


__all__ = ["Analysis", "FilterLike", "NO_DATA", "Window", "analyse", "build_forecast", "build_report", "settled_states",
           "dumps", "settle_cutoff"]
