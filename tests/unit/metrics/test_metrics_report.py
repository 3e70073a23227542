"""build_report on a small hand-built organisation; every expected number is worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flowtui.domain import SyncRun
from flowtui.metrics import FlowPolicy, build_report, dumps

from metrics_helpers import STATES, at, hist, pr

AS_OF = at(13, 12)  # 2026-11-15 12:00 UTC, a Sunday
WINDOW = {"window_from": date(2026, 11, 2), "window_to": date(2026, 11, 15)}  # 14 days

HISTORIES = [
    hist(1, (at(0), "New"), (at(1), "Active"), (at(4), "Closed")),                       # A: lead 4, cycle 3
    hist(2, (at(0), "New"), (at(2), "Active"), (at(5), "Review"), (at(8), "Closed")),    # B: lead 8, cycle 6
    hist(3, (at(1), "New"), (at(3), "Active")),                                          # C: doing, age 10.5
    hist(4, (at(2), "New")),                                                             # D: todo
    hist(5, (at(0), "New"), (at(1), "Removed")),                                         # E: removed
    hist(6, (at(3), "New"), (at(6), "Closed")),                                          # F: lead 3, no cycle
]
PRS = [
    pr(1, at(0), at(1), votes={"u1": 10}, first_comment=at(0, 2), first_vote=at(0, 5)),   # 24 h, review 2 h
    pr(2, at(2), at(2, 12), votes={"u2": -10, "u1": 0}),                                  # 12 h, no approval
    pr(3, at(2), at(3), votes={"u1": 10}, status="abandoned"),
    pr(4, at(10), at(20), votes={"u1": 10}),                                              # closes after as_of
    pr(5, at(-40), at(-39), votes={"u3": 10}),                                            # before the window
]
RUNS = [
    SyncRun(2, AS_OF - timedelta(hours=3), "success", AS_OF - timedelta(hours=2)),
    SyncRun(1, AS_OF - timedelta(days=1), "failed", AS_OF - timedelta(days=1), first_error="boom"),
]


@pytest.fixture(scope="module")
def report():
    return build_report(HISTORIES, STATES, PRS, RUNS, FlowPolicy(), as_of=AS_OF, **WINDOW)


def test_header_and_counts(report):
    # SPEC §7.8 key order.
    assert list(report) == ["schema", "as_of", "window", "filters", "policy", "counts", "lead_time_days",
                            "cycle_time_days", "age_days", "throughput", "wip", "flow_efficiency",
                            "blocked_days_total", "time_in_state_days", "bottleneck", "littles_law", "sle",
                            "trends", "pull_requests", "data_health"]
    assert list(report["trends"]) == ["weeks", "throughput", "cycle_time_p85", "wip", "age_p85", "pr_count",
                                      "pr_cycle_time_p50_hours"]
    assert report["as_of"] == "2026-11-15T12:00:00Z"
    assert report["window"] == {"from": "2026-11-02", "to": "2026-11-15", "timezone": "UTC"}
    # A, B, F done; C doing; D todo; E removed; 3 completed in the window.
    assert report["counts"] == {"items": 6, "todo": 1, "doing": 1, "done": 3, "removed": 1, "completed_in_window": 3}


def test_lead_cycle_age(report):
    # lead [3, 4, 8]: mean 5; p50 h=1 → 4; p70 h=1.4 → 4+0.4·4=5.6; p85 h=1.7 → 6.8; p95 h=1.9 → 7.6.
    assert report["lead_time_days"] == {"n": 3, "mean": 5.0, "p50": 4.0, "p70": 5.6, "p85": 6.8, "p95": 7.6, "max": 8.0}
    # cycle [3, 6]: mean 4.5; p50 4.5; p70 3+0.7·3=5.1; p85 5.55; p95 5.85.
    assert report["cycle_time_days"] == {"n": 2, "mean": 4.5, "p50": 4.5, "p70": 5.1, "p85": 5.55, "p95": 5.85, "max": 6.0}
    # C started d3, as_of d13.5 → 10.5.
    assert report["age_days"] == {"n": 1, "mean": 10.5, "p50": 10.5, "p70": 10.5, "p85": 10.5, "p95": 10.5, "max": 10.5}
    assert report["sle"] == {"percentile": 85, "days": 5.55}


def test_throughput_and_wip(report):
    # 3 completions / 14 days = 0.2143; A (11-06) and F (11-08) in W45, B (11-10) in W46.
    assert report["throughput"] == {"total": 3, "per_day": 0.214,
                                    "weekly": [{"week": "2026-W45", "count": 2}, {"week": "2026-W46", "count": 1}]}
    # End-of-day WIP: A on days 1–3 (3), B on days 2–7 (6), C on days 3–13 (11) → 20 / 14 = 1.4286.
    assert report["wip"] == {"current": 1, "by_state": {"Active": 1}, "daily_mean": 1.429}


def test_efficiency_time_in_state_bottleneck_littles_law(report):
    # A: 3 active / 3 = 1.0; B: Active 3 active, Review 3 waiting → 3 / 6 = 0.5; mean = median = 0.75.
    assert report["flow_efficiency"] == {"mean": 0.75, "median": 0.75, "reason": None}
    # Active: A 3 + B 3 = 6, Review: B 3 → total 9; shares 0.667 and 0.333.
    assert report["time_in_state_days"] == {
        "Active": {"mean": 3.0, "p50": 3.0, "p85": 3.0, "share": 0.667},
        "Review": {"mean": 3.0, "p50": 3.0, "p85": 3.0, "share": 0.333},
    }
    assert report["bottleneck"] == {"state": "Active", "share": 0.667, "p85_days": 3.0}
    # avg WIP 20/14, throughput 3/14 → implied 20/3 = 6.667; ratio 4.5 / 6.667 = 0.675.
    assert report["littles_law"] == {"avg_wip": 1.429, "throughput_per_day": 0.214, "avg_cycle_time_days": 4.5,
                                     "implied_cycle_time_days": 6.667, "ratio": 0.675}
    assert report["blocked_days_total"] == 0.0


def test_trends(report):
    t = report["trends"]
    # as_of is in W46, so the 12 complete weeks are W34..W45.
    assert t["weeks"][0] == "2026-W34" and t["weeks"][-1] == "2026-W45" and len(t["weeks"]) == 12
    assert t["throughput"] == [0] * 11 + [2]                 # A and F closed in W45
    assert t["cycle_time_p85"] == [None] * 11 + [3.0]          # only A has a cycle time
    # End of W45 (Mon 11-09 00:00): B (Review) and C (Active) are doing; ages 7−2=5 and 7−3=4 → p85 4.85.
    assert t["wip"] == [0] * 11 + [2]
    assert t["age_p85"] == [None] * 11 + [4.85]
    # PR 5 (24 h) closed 09-24 in W39 (index 5); PR 1 (24 h) and PR 2 (12 h) in W45 → p50 18.
    assert t["pr_count"] == [0] * 5 + [1] + [0] * 5 + [2]
    assert t["pr_cycle_time_p50_hours"] == [None] * 5 + [24.0] + [None] * 5 + [18.0]


def test_pull_requests(report):
    # Window PRs: 1 (24 h, approved) and 2 (12 h, rejected only); p90 = 12 + 0.9·12 = 22.8.
    assert report["pull_requests"] == {
        "completed_in_window": 2,
        "cycle_time_hours": {"n": 2, "p50": 18.0, "p90": 22.8},
        "first_review_hours": {"n": 1, "p50": 2.0, "p90": 2.0},
        "merged_without_approval": 1,
        "reviewers": [{"user": "U1", "voted": 1, "approved": 1, "rejected": 0},
                      {"user": "U2", "voted": 1, "approved": 0, "rejected": 1}],
    }


def test_data_health(report):
    codes = {f["code"]: f["count"] for f in report["data_health"]}
    assert codes == {"done_without_doing": 1, "sync_failed": 1}


def test_single_item_default_window():
    # One item closed 2026-11-14 10:00; default window = 90 days ending on 2026-11-15.
    h = hist(1, (at(0), "New"), (at(1), "Active"), (at(12, 10), "Closed"))
    r = build_report([h], STATES, [], [], FlowPolicy(), as_of=AS_OF)
    assert r["window"] == {"from": "2026-08-18", "to": "2026-11-15", "timezone": "UTC"}
    assert r["cycle_time_days"]["n"] == 1
    assert r["cycle_time_days"]["p95"] == pytest.approx(11.417)  # 11 d 10 h = 11.41667
    assert r["throughput"]["total"] == 1 and r["throughput"]["per_day"] == round(1 / 90, 3)
    # No wait state was visited and nothing was blocked: never a false 100%.
    assert r["flow_efficiency"] == {"mean": None, "median": None, "reason": "no wait states or blocked time in the items completed in the window"}


def test_empty_window_and_empty_store():
    r = build_report(HISTORIES, STATES, PRS, RUNS, FlowPolicy(), as_of=AS_OF,
                     window_from=date(2026, 11, 11), window_to=date(2026, 11, 12))
    assert r["counts"]["completed_in_window"] == 0
    assert r["lead_time_days"]["mean"] is None and r["cycle_time_days"]["n"] == 0
    assert r["throughput"] == {"total": 0, "per_day": 0.0, "weekly": [{"week": "2026-W46", "count": 0}]}
    assert r["flow_efficiency"]["reason"] == "no completed items with a cycle time in the window"
    assert r["bottleneck"] == {"state": None, "share": None, "p85_days": None}
    assert r["littles_law"]["implied_cycle_time_days"] is None
    empty = build_report([], [], [], [], FlowPolicy(), as_of=AS_OF)
    assert empty["data_health"] == [{"code": "no_data", "count": 1, "message": "no data yet — run sync"}]
    assert empty["counts"]["items"] == 0


def test_blocked_intervals_are_clipped_to_the_window_edges():
    # Item active from 10-20, blocked 10-30 12:00 → 11-04 00:00, closed 11-20 (after the window).
    # Window 11-01..11-03 (ends 11-04 00:00): blocked inside = 11-01 00:00 → 11-04 00:00 = 3 d.
    h = hist(1, (datetime(2026, 10, 20, tzinfo=UTC), "Active"),
             (datetime(2026, 10, 30, 12, tzinfo=UTC), "Active", ["Blocked"]),
             (datetime(2026, 11, 4, tzinfo=UTC), "Active"))
    r = build_report([h], STATES, [], [], FlowPolicy(), as_of=AS_OF,
                     window_from=date(2026, 11, 1), window_to=date(2026, 11, 3))
    assert r["blocked_days_total"] == 3.0
    # Window 10-25..10-31 (ends 11-01 00:00): 10-30 12:00 → 11-01 00:00 = 1.5 d.
    r2 = build_report([h], STATES, [], [], FlowPolicy(), as_of=AS_OF,
                      window_from=date(2026, 10, 25), window_to=date(2026, 10, 31))
    assert r2["blocked_days_total"] == 1.5


def test_resolved_is_done_switch_changes_completion():
    h = hist(9, (at(0), "New"), (at(1), "Active"), (at(3), "Resolved"), (at(5), "Closed"))
    off = build_report([h], STATES, [], [], FlowPolicy(), as_of=AS_OF, **WINDOW)
    on = build_report([h], STATES, [], [], FlowPolicy(resolved_is_done=True), as_of=AS_OF, **WINDOW)
    assert off["cycle_time_days"]["max"] == 4.0 and on["cycle_time_days"]["max"] == 2.0
    assert on["policy"] == {"cycle_start": "first", "resolved_is_done": True}


def test_time_zone_day_boundary_moves_completion_to_next_day():
    # Closed 2026-11-09 23:30 UTC = 2026-11-10 01:30 in UTC+2 (Africa/Johannesburg, no DST).
    h = hist(1, (at(0), "New"), (at(1), "Active"), (datetime(2026, 11, 9, 23, 30, tzinfo=UTC), "Closed"))
    utc = build_report([h], STATES, [], [], FlowPolicy(), as_of=AS_OF,
                       window_from=date(2026, 11, 9), window_to=date(2026, 11, 9))
    plus2 = build_report([h], STATES, [], [], FlowPolicy(timezone="Africa/Johannesburg"), as_of=AS_OF,
                         window_from=date(2026, 11, 9), window_to=date(2026, 11, 9))
    assert utc["throughput"]["total"] == 1
    assert plus2["throughput"]["total"] == 0
    nxt = build_report([h], STATES, [], [], FlowPolicy(timezone="Africa/Johannesburg"), as_of=AS_OF,
                       window_from=date(2026, 11, 10), window_to=date(2026, 11, 10))
    assert nxt["throughput"]["total"] == 1


def test_json_is_deterministic_and_order_independent():
    a = dumps(build_report(HISTORIES, STATES, PRS, RUNS, FlowPolicy(), as_of=AS_OF))
    b = dumps(build_report(list(reversed(HISTORIES)), list(reversed(STATES)), list(reversed(PRS)), RUNS,
                           FlowPolicy(), as_of=AS_OF))
    assert a == b and a.endswith("}\n")


def test_settled_items_can_be_left_out_without_changing_any_number_but_counts():
    from flowtui.metrics import analyse, settle_cutoff, settled_states

    # Cutoff for as_of 2026-11-15 12:00 UTC, default window: window starts 08-18, the first trend week
    # (W34) on Monday 08-17, the first forecast history day (90 days before 11-15) on 08-17 → 08-17 00:00.
    cutoff = settle_cutoff(FlowPolicy(), AS_OF)
    assert cutoff == datetime(2026, 8, 17, tzinfo=UTC)
    assert settled_states(STATES, FlowPolicy()) == [("P", "Story", "Closed", "done"), ("P", "Story", "Removed", "removed")]
    assert ("P", "Story", "Resolved", "done") in settled_states(STATES, FlowPolicy(resolved_is_done=True))
    old = [hist(90 + i, (datetime(2026, 6, 1, tzinfo=UTC), "New"), (datetime(2026, 6, 2, tzinfo=UTC), "Active"),
                (datetime(2026, 6, 5 + i, tzinfo=UTC), "Closed")) for i in range(3)]
    old.append(hist(99, (datetime(2026, 6, 1, tzinfo=UTC), "New"), (datetime(2026, 6, 3, tzinfo=UTC), "Removed")))
    everything = build_report(HISTORIES + old, STATES, PRS, RUNS, FlowPolicy(), as_of=AS_OF)
    trimmed = build_report(None, (), PRS, RUNS, FlowPolicy(), as_of=AS_OF,
                           analysis=analyse(HISTORIES, STATES, FlowPolicy(), AS_OF, settled={"done": 3, "removed": 1}))
    assert trimmed == everything  # the four old items only ever showed up in counts
    # 6 + 4 items; done 3 + 3; removed 1 + 1.
    assert (trimmed["counts"]["items"], trimmed["counts"]["done"], trimmed["counts"]["removed"]) == (10, 6, 2)


def test_pr_findings_cover_the_prs_the_report_uses():
    # Cutoff = min(window start 08-18, first trend week 08-17) = 08-17 00:00 UTC: a reviewer-less PR
    # closed 08-16 is outside everything the report shows; one closed 08-17 01:00 is inside.
    from flowtui.metrics import pr_cutoff

    assert pr_cutoff(FlowPolicy(), AS_OF) == datetime(2026, 8, 17, tzinfo=UTC)
    before = pr(7, datetime(2026, 8, 15, tzinfo=UTC), datetime(2026, 8, 16, tzinfo=UTC))
    inside = pr(8, datetime(2026, 8, 15, tzinfo=UTC), datetime(2026, 8, 17, 1, tzinfo=UTC))
    r1 = build_report(HISTORIES, STATES, [before], RUNS, FlowPolicy(), as_of=AS_OF)
    r2 = build_report(HISTORIES, STATES, [before, inside], RUNS, FlowPolicy(), as_of=AS_OF)
    assert "pr_without_reviewers" not in {f["code"] for f in r1["data_health"]}
    assert {f["code"]: f["count"] for f in r2["data_health"]}["pr_without_reviewers"] == 1
