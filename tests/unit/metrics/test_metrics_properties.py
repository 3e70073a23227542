"""Property tests: invariants that must hold for any history (hypothesis)."""

from __future__ import annotations

import random
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowtui.metrics import FlowPolicy, analyse, build_report, dumps
from flowtui.metrics import flow as fm
from flowtui.metrics.calendar import resolve_window

from metrics_helpers import STATES, T0, hist, pr

STATE_NAMES = ["New", "Active", "Review", "Resolved", "Closed", "Removed", "Limbo"]

moves = st.lists(st.tuples(st.integers(-6, 96), st.sampled_from(STATE_NAMES), st.booleans()), min_size=0, max_size=7)
items = st.lists(st.tuples(st.integers(0, 24 * 40), st.sampled_from(STATE_NAMES), moves), min_size=0, max_size=8)
policies = st.builds(
    FlowPolicy,
    timezone=st.sampled_from(["UTC", "Africa/Johannesburg", "America/New_York", "Asia/Kathmandu"]),
    cycle_start=st.sampled_from(["first", "last"]),
    resolved_is_done=st.booleans(),
)


def build(spec):
    out = []
    for n, (start_h, first_state, steps) in enumerate(spec, start=1):
        t = T0 + timedelta(hours=start_h)
        seq = [(t, first_state)]
        for delta, state, blocked in steps:
            t = t + timedelta(hours=delta)
            seq.append((t, state, ["Blocked"] if blocked else []))
        out.append(hist(n, *seq))
    return out


def bucket_at(flow, t):
    """Independent reference: the bucket of the last step strictly before t (None before creation)."""
    found = None
    for s in flow.steps:
        if s.ts < t:
            found = s.bucket
    return found


common = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(items, policies, st.integers(0, 24 * 50))
def test_cycle_between_zero_and_lead_and_age_non_negative(spec, policy, as_of_h):
    a = analyse(build(spec), STATES, policy, T0 + timedelta(hours=as_of_h))
    for f in a.flows:
        if f.cycle_days is not None:
            assert 0 <= f.cycle_days <= f.lead_days
        if f.lead_days is not None:
            assert f.lead_days >= 0
        if f.age_days is not None:
            assert f.age_days >= 0
        assert f.blocked_days >= 0
        if f.flow_efficiency is not None:
            assert 0 <= f.flow_efficiency <= 1 + 1e-9
        if f.cycle_days is not None:
            # Time in state covers started..completed exactly.
            assert abs(sum(f.time_in_state.values()) - f.cycle_days) < 1e-9


@common
@given(items, policies, st.integers(0, 24 * 50), st.integers(0, 30), st.integers(0, 30))
def test_throughput_equals_completions_in_window(spec, policy, as_of_h, a_off, b_off):
    as_of = T0 + timedelta(hours=as_of_h)
    first, last = sorted([(T0 + timedelta(days=a_off)).date(), (T0 + timedelta(days=b_off)).date()])
    report = build_report(build(spec), STATES, [], [], policy, as_of=as_of, window_from=first, window_to=last)
    a = analyse(build(spec), STATES, policy, as_of)
    tz = ZoneInfo(policy.timezone)
    expected = sum(1 for f in a.flows if not f.excluded and f.completed_at is not None
                   and first <= f.completed_at.astimezone(tz).date() <= last)
    assert report["throughput"]["total"] == expected == report["counts"]["completed_in_window"]
    assert sum(w["count"] for w in report["throughput"]["weekly"]) == expected


@common
@given(items, policies, st.integers(0, 24 * 50))
def test_wip_and_cfd_match_a_naive_count(spec, policy, as_of_h):
    as_of = T0 + timedelta(hours=as_of_h)
    a = analyse(build(spec), STATES, policy, as_of)
    window = resolve_window(as_of, policy.tz, (T0 - timedelta(days=2)).date(), None)
    days = window.days
    ends = fm.day_ends(days, policy.tz)
    wip = fm.wip_series(a.live, days, policy.tz)
    cfd = fm.cfd(a.live, days, policy.tz)
    for j, t in enumerate(ends):
        buckets = [bucket_at(f, t) for f in a.live]
        assert wip[j] >= 0
        assert wip[j] == sum(1 for b in buckets if b == "doing")
        alive = sum(1 for b in buckets if b is not None and b != "removed")
        assert sum(cfd[j][1].values()) == alive
    # WIP now equals the doing bucket count.
    assert len([f for f in a.live if f.bucket == "doing"]) == sum(fm.wip_now(a.live).values())


@common
@given(items, policies, st.integers(0, 24 * 50), st.randoms(use_true_random=False))
def test_same_inputs_give_byte_identical_json(spec, policy, as_of_h, rnd):
    as_of = (T0 + timedelta(hours=as_of_h)).astimezone(UTC)
    histories = build(spec)
    prs = [pr(i, T0 + timedelta(hours=i * 7), T0 + timedelta(hours=i * 13), votes={f"u{i % 3}": 10 if i % 2 else -10})
           for i in range(1, 6)]
    one = dumps(build_report(histories, STATES, prs, [], policy, as_of=as_of))
    shuffled = list(histories)
    rnd.shuffle(shuffled)
    states = list(STATES)
    rnd.shuffle(states)
    two = dumps(build_report(shuffled, states, list(reversed(prs)), [], policy, as_of=as_of))
    assert one == two
    assert one == dumps(build_report(build(spec), STATES, prs, [], policy, as_of=as_of))


def test_random_module_is_not_used_globally():
    # Forecasts use their own random.Random(seed); the global generator must stay untouched.
    state = random.getstate()
    from flowtui.metrics import forecast as fc
    fc.how_many([1, 2, 3, 0, 0], 5, 100, seed=3)
    assert random.getstate() == state
