"""Per-item derivation: started/completed/lead/cycle/age/reopens/blocked/time in state, by hand."""

from __future__ import annotations

import pytest

from flowtui.domain import StateCategory
from flowtui.metrics import FlowPolicy, StateMap, derive_item
from flowtui.metrics.item_flow import DAY

from metrics_helpers import STATES, at, hist


def flow_of(history, policy=None, as_of=None, states=STATES):
    policy = policy or FlowPolicy()
    return derive_item(history, StateMap(states, policy), policy, (as_of or at(30)).timestamp())


def test_simple_item_lead_cycle_and_the_steps_behind_them():
    # New d0 → Active d1 → Closed d4: lead = 4 − 0 = 4 d, cycle = 4 − 1 = 3 d.
    f = flow_of(hist(1, (at(0), "New"), (at(1), "Active"), (at(4), "Closed")))
    assert f.bucket == "done"
    assert f.lead_days == pytest.approx(4.0)
    assert f.cycle_days == pytest.approx(3.0)
    assert f.started_step.rev == 2 and f.completed_step.rev == 3
    assert f.age_days is None
    assert f.reopen_count == 0


def test_backward_move_first_vs_last_policy():
    # New d0, Active d1, New d2 (back), Active d4, Closed d7.
    h = hist(2, (at(0), "New"), (at(1), "Active"), (at(2), "New"), (at(4), "Active"), (at(7), "Closed"))
    first = flow_of(h, FlowPolicy(cycle_start="first"))
    last = flow_of(h, FlowPolicy(cycle_start="last"))
    # first: started d1 → cycle 7 − 1 = 6; last: last todo→doing d4 → cycle 7 − 4 = 3; lead 7 both.
    assert first.cycle_days == pytest.approx(6.0) and first.started_step.rev == 2
    assert last.cycle_days == pytest.approx(3.0) and last.started_step.rev == 4
    assert first.lead_days == last.lead_days == pytest.approx(7.0)
    # Time in state under "first": Active 1 (d1–d2) + 3 (d4–d7) = 4, New 2 (d2–d4); sums to the cycle.
    assert first.time_in_state == pytest.approx({"Active": 4.0, "New": 2.0})


@pytest.mark.parametrize("cycle_start", ["first", "last"])
def test_reopen_does_not_move_start_and_completion_is_the_last_move_into_done(cycle_start):
    # New d0, Active d1, Closed d3, Active d5 (reopen), Closed d6.
    h = hist(3, (at(0), "New"), (at(1), "Active"), (at(3), "Closed"), (at(5), "Active"), (at(6), "Closed"))
    f = flow_of(h, FlowPolicy(cycle_start=cycle_start))
    # Both policies start at d1 (a done → doing reopen never moves "last"); completed d6.
    assert f.started_step.rev == 2
    assert f.completed_step.rev == 5
    assert f.cycle_days == pytest.approx(5.0)  # 6 − 1
    assert f.lead_days == pytest.approx(6.0)
    assert f.reopen_count == 1 and f.reopen_steps[0].rev == 4


@pytest.mark.parametrize("cycle_start", ["first", "last"])
def test_reopened_item_not_done_now_has_no_completion_and_ages(cycle_start):
    # New d0, Active d1, Closed d3, Active d5; as_of d10 → doing, age = 10 − 1 = 9 d.
    h = hist(4, (at(0), "New"), (at(1), "Active"), (at(3), "Closed"), (at(5), "Active"))
    f = flow_of(h, FlowPolicy(cycle_start=cycle_start), as_of=at(10))
    assert f.bucket == "doing"
    assert f.completed_step is None and f.lead_days is None and f.cycle_days is None
    assert f.age_days == pytest.approx(9.0)
    assert f.reopen_count == 1


def test_last_policy_falls_back_to_first_move_into_doing_when_only_reopened():
    # Created Closed d0 (done), Active d2 (reopen, done → doing), Closed d5.
    # "last" has no todo → doing move, so started = first move into doing = d2; cycle 3, lead 5.
    h = hist(5, (at(0), "Closed"), (at(2), "Active"), (at(5), "Closed"))
    f = flow_of(h, FlowPolicy(cycle_start="last"))
    assert f.started_step.rev == 2
    assert f.cycle_days == pytest.approx(3.0)
    assert f.lead_days == pytest.approx(5.0)
    assert "no move from todo" in f.start_rule


def test_item_done_without_doing_has_lead_but_no_cycle():
    # New d0 → Closed d2: lead 2, no started, no cycle.
    f = flow_of(hist(6, (at(0), "New"), (at(2), "Closed")))
    assert f.lead_days == pytest.approx(2.0)
    assert f.started_step is None and f.cycle_days is None
    assert f.done_without_doing


def test_removed_item_is_excluded():
    f = flow_of(hist(7, (at(0), "New"), (at(1), "Active"), (at(2), "Removed")))
    assert f.excluded and f.bucket == "removed"


def test_unknown_state_counts_as_doing_and_is_unmapped():
    f = flow_of(hist(8, (at(0), "New"), (at(1), "Triage")), as_of=at(3))
    assert f.bucket == "doing"
    assert f.unmapped_states == ("Triage",)
    assert f.age_days == pytest.approx(2.0)  # 3 − 1


def test_resolved_is_done_policy_moves_completion_to_resolved():
    h = hist(9, (at(0), "New"), (at(1), "Active"), (at(3), "Resolved"), (at(5), "Closed"))
    default = flow_of(h, FlowPolicy(resolved_is_done=False))
    resolved = flow_of(h, FlowPolicy(resolved_is_done=True))
    # Default: completed d5 → cycle 4; Resolved is a wait state (Resolved category):
    # wait = d3..d5 = 2, active = d1..d3 = 2 → efficiency 2 / 4 = 0.5.
    assert default.completed_step.rev == 4 and default.cycle_days == pytest.approx(4.0)
    assert default.wait_days == pytest.approx(2.0) and default.active_days == pytest.approx(2.0)
    assert default.flow_efficiency == pytest.approx(0.5)
    # resolved_is_done: Resolved → Closed is done → done, so completed stays d3: cycle 2, lead 3.
    assert resolved.completed_step.rev == 3
    assert resolved.cycle_days == pytest.approx(2.0) and resolved.lead_days == pytest.approx(3.0)


def test_state_overrides_win_over_category_and_wait_override():
    states = STATES + [StateCategory("P", "Story", "Parked", None)]
    policy = FlowPolicy.from_values(state_overrides={"Parked": "wait", "Review": "done"})
    sm = StateMap(states, policy)
    assert sm.info("P", "Story", "Parked").bucket == "doing" and sm.info("P", "Story", "Parked").wait
    assert sm.info("P", "Story", "Parked").mapped
    assert sm.bucket("P", "Story", "Review") == "done"
    # New d0, Active d1, Parked d2, Active d4, Review d5 (done by override):
    # cycle 4; wait = Parked 2; active = 1 + 1 = 2 → efficiency 0.5.
    f = flow_of(hist(10, (at(0), "New"), (at(1), "Active"), (at(2), "Parked"), (at(4), "Active"), (at(5), "Review")),
                policy, states=states)
    assert f.cycle_days == pytest.approx(4.0)
    assert f.wait_days == pytest.approx(2.0)
    assert f.flow_efficiency == pytest.approx(0.5)


def test_default_wait_rule_and_explicit_wait_states():
    policy = FlowPolicy()
    sm = StateMap(STATES, policy)
    assert sm.info("P", "Story", "Review").wait          # name contains "review"
    assert sm.info("P", "Story", "Resolved").wait        # Resolved category
    assert not sm.info("P", "Story", "Active").wait
    explicit = StateMap(STATES, FlowPolicy.from_values(wait_states=["Active"]))
    assert explicit.info("P", "Story", "Active").wait
    assert not explicit.info("P", "Story", "Review").wait  # an explicit list replaces the default rule


def test_revision_out_of_time_order_is_clamped_and_counted():
    # Revs at d0 New, d3 Active, d2 Review (earlier than d3 → taken at d3), d5 Closed.
    f = flow_of(hist(11, (at(0), "New"), (at(3), "Active"), (at(2), "Review"), (at(5), "Closed")))
    assert f.out_of_order == 1
    assert f.steps[2].ts == at(3).timestamp() and f.steps[2].out_of_order
    # Active lasted 0 s, Review d3..d5 = 2 d; cycle = 5 − 3 = 2.
    assert f.time_in_state == pytest.approx({"Review": 2.0})
    assert f.cycle_days == pytest.approx(2.0)


def test_blocked_by_tag_case_insensitive_and_cmmi_flag():
    # New d0, Active d1, tagged "blocked" d2, untagged d3.5, CMMI Blocked=Yes d4, cleared d4.25, Closed d5.
    h = hist(12, (at(0), "New"), (at(1), "Active"), (at(2), "Active", ["blocked", "ui"]),
             (at(3, 12), "Active", ["ui"]), (at(4), "Active", [], True), (at(4, 6), "Active"), (at(5), "Closed"))
    f = flow_of(h)
    # blocked = 1.5 (d2..d3.5) + 0.25 (d4..d4.25) = 1.75; cycle 4; active = 4 − 1.75 = 2.25.
    assert f.blocked_days == pytest.approx(1.75)
    assert len(f.blocked_intervals) == 2
    assert f.active_days == pytest.approx(2.25)
    assert f.flow_efficiency == pytest.approx(2.25 / 4)


def test_blocked_time_only_counts_within_started_to_completed_or_as_of():
    # Blocked from creation d0 (todo) until d3; Active from d2; as_of d6 (still doing).
    h = hist(13, (at(0), "New", ["Blocked"]), (at(2), "Active", ["Blocked"]), (at(3), "Active"))
    f = flow_of(h, as_of=at(6))
    assert f.blocked_days == pytest.approx(1.0)  # only d2..d3 lies after started_at


def test_revisions_after_as_of_are_ignored_and_items_created_later_do_not_exist():
    h = hist(14, (at(0), "New"), (at(1), "Active"), (at(5), "Closed"))
    f = flow_of(h, as_of=at(4))
    assert f.bucket == "doing" and f.age_days == pytest.approx(3.0)  # 4 − 1
    assert flow_of(h, as_of=at(0) - 1 * (at(1) - at(0)) / 24) is None


def test_single_revision_created_in_doing_starts_at_creation():
    f = flow_of(hist(15, (at(2), "Active")), as_of=at(2, 12))
    assert f.started_step.rev == 1
    assert f.age_days == pytest.approx(0.5)
    assert DAY == 86400.0
