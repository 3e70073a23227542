"""PR metrics and data-health findings, by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowtui.domain import SyncRun
from flowtui.metrics import FlowPolicy, analyse
from flowtui.metrics import health
from flowtui.metrics import prs as prm

from metrics_helpers import STATES, at, hist, pr


def test_cycle_first_review_approval():
    p = pr(1, at(0), at(1, 6), votes={"u1": 5}, first_comment=at(0, 3), first_vote=at(0, 1))
    assert prm.cycle_hours(p) == pytest.approx(30.0)            # 1 d 6 h
    assert prm.first_review_hours(p) == pytest.approx(1.0)      # vote at 1 h beats comment at 3 h
    assert prm.first_comment_hours(p) == pytest.approx(3.0)
    assert prm.first_vote_hours(p) == pytest.approx(1.0)
    assert prm.first_approval_hours(p) is None                  # no approval recorded in threads
    assert prm.was_approved(p)                                   # vote 5 = approved with suggestions
    assert not prm.was_approved(pr(2, at(0), at(1), votes={"u1": -5}))
    # An approval recorded in the threads counts even if the final vote was reset to 0.
    assert prm.was_approved(pr(3, at(0), at(1), votes={"u1": 0}, first_approval=at(0, 2)))


def test_reviewer_load_excludes_groups_and_sorts_by_votes():
    prs = [pr(1, at(0), at(1), votes={"bo": 10, "al": -10}, groups={"[P]\\Team": 10}),
           pr(2, at(0), at(1), votes={"bo": -5, "al": 0}),
           pr(3, at(0), at(1), votes={"cy": 10})]
    load = prm.reviewer_load(prs)
    # bo: voted 2 (10, −5), approved 1, waiting 1; al: voted 1 (−10), rejected 1; cy: voted 1, approved 1.
    assert [(r.name, r.voted, r.approved, r.rejected, r.waiting) for r in load] == [
        ("BO", 2, 1, 0, 1), ("AL", 1, 0, 1, 0), ("CY", 1, 1, 0, 0)]


def test_weekly_pr_series():
    prs = [pr(1, at(0), at(1), votes={"u1": 10}, author="a"), pr(2, at(1), at(3), votes={"u2": 10}, author="b"),
           pr(3, at(7), at(8), votes={"u1": 10}, author="a"), pr(4, at(7), at(9), status="abandoned")]
    rows = prm.weekly(prs, ["2026-W45", "2026-W46"], FlowPolicy().tz)
    # W45: PR1 24 h, PR2 48 h → p50 36, p90 24 + 0.9·24 = 45.6; authors a, b; reviewers u1, u2.
    assert rows[0] == {"week": "2026-W45", "count": 2, "cycle_time_p50_hours": 36.0,
                       "cycle_time_p90_hours": pytest.approx(45.6), "authors": 2, "reviewers": 2}
    assert rows[1]["count"] == 1  # the abandoned PR does not count


def test_findings_cover_each_code():
    as_of = at(20)
    hs = [hist(1, (at(0), "New"), (at(1), "Closed")),                                  # done without doing
          hist(2, (at(0), "New"), (at(1), "Active"), (at(2), "Closed"), (at(3), "Active")),  # reopened
          hist(3, (at(0), "New"), (at(2), "Active"), (at(1), "Closed")),               # out of order
          hist(4, (at(0), "New"), (at(1), "Limbo"))]                                    # unmapped
    a = analyse(hs, STATES, FlowPolicy(), as_of)
    runs = [SyncRun(3, at(17), "failed", at(17), first_error="HTTP 500"),
            SyncRun(2, at(16), "success", at(16), throttled_seconds=12.0)]
    found = health.findings(a.flows, [pr(1, at(0), at(1))], runs, as_of)
    assert [(f["code"], f["count"]) for f in found] == [
        ("unmapped_state", 1), ("done_without_doing", 1), ("reopened", 1), ("out_of_order", 1),
        ("pr_without_reviewers", 1), ("sync_failed", 1), ("sync_throttled", 1), ("stale_data", 1)]
    assert "P/Story/Limbo" in found[0]["message"]
    # A success 23 hours before as_of is not stale.
    fresh = health.findings(a.flows, [], [SyncRun(4, as_of - timedelta(hours=23), "success", as_of - timedelta(hours=23))], as_of)
    assert "stale_data" not in {f["code"] for f in fresh}
