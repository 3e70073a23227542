"""Monte Carlo forecasts: cases whose answers do not depend on the random draws, the guard, the seed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flowtui.errors import UsageError
from flowtui.metrics import FlowPolicy, build_forecast
from flowtui.metrics import forecast as fc

from metrics_helpers import STATES, hist

AS_OF = datetime(2026, 11, 23, 12, tzinfo=UTC)  # history days end on 2026-11-22


def one_per_day(days: int, start: datetime = datetime(2026, 11, 22, 10, tzinfo=UTC)) -> list:
    """One item closed at 10:00 on each of the `days` days ending 2026-11-22."""
    out = []
    for i in range(days):
        closed = start - timedelta(days=i)
        out.append(hist(100 + i, (closed - timedelta(days=2), "New"), (closed - timedelta(days=1), "Active"), (closed, "Closed")))
    return out


def test_history_days_are_the_complete_days_before_as_of():
    days = fc.history_days(AS_OF, FlowPolicy(history_days=7))
    assert [d.isoformat() for d in days] == [f"2026-11-{d}" for d in range(16, 23)]


def test_samples_include_zero_days_and_ignore_as_of_day():
    # Items closed 11-22 and 11-20 (two on 11-20), one on 11-23 (as_of's own day, not complete).
    hs = [hist(1, (datetime(2026, 11, 1, tzinfo=UTC), "New"), (datetime(2026, 11, 22, 9, tzinfo=UTC), "Closed")),
          hist(2, (datetime(2026, 11, 1, tzinfo=UTC), "New"), (datetime(2026, 11, 20, 9, tzinfo=UTC), "Closed")),
          hist(3, (datetime(2026, 11, 1, tzinfo=UTC), "New"), (datetime(2026, 11, 20, 23, tzinfo=UTC), "Closed")),
          hist(4, (datetime(2026, 11, 1, tzinfo=UTC), "New"), (datetime(2026, 11, 23, 9, tzinfo=UTC), "Closed"))]
    from flowtui.metrics import analyse
    a = analyse(hs, STATES, FlowPolicy(history_days=7), AS_OF)
    # days 11-16 … 11-22 → [0, 0, 0, 0, 2, 0, 1]
    assert fc.daily_samples(a.live, AS_OF, FlowPolicy(history_days=7)) == [0, 0, 0, 0, 2, 0, 1]


def test_how_many_with_constant_throughput_is_exact():
    # 7 days of history, one completion each day: every trial of 10 days sums to exactly 10.
    doc = build_forecast(one_per_day(7), STATES, FlowPolicy(history_days=7, trials=500), as_of=AS_OF, days=10)
    assert doc["mode"] == "how_many" and doc["target"] == 10 and doc["reason"] is None
    assert doc["results"] == [{"confidence": c, "items": 10} for c in (50, 70, 85, 95)]
    assert list(doc) == ["schema", "as_of", "history_days", "trials", "seed", "mode", "target", "results", "reason"]


def test_when_with_constant_throughput_is_exact():
    # One per day → 5 items take exactly 5 days; day 1 is 11-24, so day 5 is 11-28.
    doc = build_forecast(one_per_day(7), STATES, FlowPolicy(history_days=7, trials=500), as_of=AS_OF, items=5)
    assert doc["results"] == [{"confidence": c, "days": 5, "date": "2026-11-28"} for c in (50, 70, 85, 95)]


def test_too_little_history_gives_no_numbers():
    # 4 completions in the history (< 5): not enough data, no results.
    doc = build_forecast(one_per_day(4), STATES, FlowPolicy(history_days=30), as_of=AS_OF, items=3)
    assert doc["results"] == []
    assert doc["reason"] == "not enough data: 4 completions in the last 30 days (at least 5 needed)"


def test_fixed_seed_is_reproducible_and_results_are_ordered():
    # Alternating 0 and 3 completions a day (sum 6 ≥ 5); a 4-day trial totals between 0 and 12.
    samples = [0, 3, 0, 3]
    a = fc.how_many(samples, 4, 2000, seed=7)
    assert a == fc.how_many(samples, 4, 2000, seed=7)
    items = [r["items"] for r in a]
    assert items == sorted(items, reverse=True)      # more confidence → fewer items promised
    assert all(0 <= k <= 12 and k % 3 == 0 for k in items)
    w = fc.when(samples, 9, 2000, seed=7, today=AS_OF.date())
    days = [r["days"] for r in w]
    assert days == sorted(days) and all(d >= 3 for d in days)  # at best 3 + 3 + 3 in 3 days
    # The 95% answer of "how many" is below the 50% answer for such a spread (0/3 per day).
    assert items[-1] < items[0]


def test_when_beyond_ten_years_is_reported_without_a_date():
    # 5 completions in 3650 days: 500 items need ~365,000 days → beyond MAX_DAYS.
    samples = [1] * 5 + [0] * 3645
    out = fc.when(samples, 500, 20, seed=1, today=AS_OF.date())
    assert out[-1] == {"confidence": 95, "days": None, "date": None}


def test_bad_targets():
    with pytest.raises(UsageError):
        build_forecast([], STATES, FlowPolicy(), as_of=AS_OF, items=None, days=None)
    with pytest.raises(UsageError):
        fc.how_many([1] * 7, 0, 10, 1)


def test_outcome_lists_behind_the_answers():
    # Constant one a day: every 4-day total is 4; 3 items always take 3 days.
    assert fc.how_many_totals([1] * 7, 4, 50, seed=2) == [4] * 50
    assert fc.when_days([1] * 7, 3, 50, seed=2) == [3] * 50
    # Same seed → the same sorted outcomes as the answers are read from.
    totals = fc.how_many_totals([0, 3, 0, 3, 1], 5, 300, seed=4)
    assert [r["items"] for r in fc.how_many([0, 3, 0, 3, 1], 5, 300, seed=4)] == [
        int(fc.percentile(totals, 100 - c)) for c in fc.CONFIDENCES]
