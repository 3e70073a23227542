"""Percentiles, ISO weeks across year ends, months and time-zone day boundaries."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowtui.errors import UsageError
from flowtui.metrics import FlowPolicy, analyse
from flowtui.metrics import flow as fm
from flowtui.metrics.calendar import complete_weeks, day_start, iso_week, resolve_window
from flowtui.metrics.stats import percentile, summarize

from metrics_helpers import STATES, hist


def test_percentile_by_hand():
    xs = [1.0, 2.0, 3.0, 4.0]
    assert percentile(xs, 50) == 2.5             # h = 3·0.5 = 1.5 → 2 + 0.5·1
    assert percentile(xs, 85) == pytest.approx(3.55)  # h = 2.55 → 3 + 0.55·1
    assert percentile(xs, 95) == pytest.approx(3.85)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    assert summarize([2.0, 4.0], [50]) == {"n": 2, "mean": 3.0, "p50": 3.0, "max": 4.0}


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=40), st.integers(1, 99))
def test_percentile_matches_statistics_inclusive(values, p):
    ordered = sorted(values)
    expected = statistics.quantiles(ordered, n=100, method="inclusive")[p - 1]
    assert percentile(ordered, p) == pytest.approx(expected, rel=1e-9, abs=1e-6)


def _closed(item_id, when):
    return hist(item_id, (datetime(2026, 12, 1, tzinfo=UTC), "New"), (datetime(2026, 12, 2, tzinfo=UTC), "Active"),
                (when, "Closed"))


def test_iso_week_53_and_year_boundary():
    assert iso_week(date(2026, 12, 31)) == "2026-W53"
    assert iso_week(date(2027, 1, 3)) == "2026-W53"   # Sunday of the same ISO week
    assert iso_week(date(2027, 1, 4)) == "2027-W01"
    hs = [_closed(1, datetime(2026, 12, 28, 9, tzinfo=UTC)), _closed(2, datetime(2027, 1, 1, 9, tzinfo=UTC)),
          _closed(3, datetime(2027, 1, 3, 9, tzinfo=UTC)), _closed(4, datetime(2027, 1, 4, 9, tzinfo=UTC))]
    a = analyse(hs, STATES, FlowPolicy(), datetime(2027, 1, 10, tzinfo=UTC))
    # 12-28, 01-01, 01-03 are in 2026-W53; 01-04 in 2027-W01. Months: Dec 1, Jan 3.
    assert fm.throughput(a.live, ZoneInfo("UTC"), "week") == {"2026-W53": 3, "2027-W01": 1}
    assert fm.throughput(a.live, ZoneInfo("UTC"), "month") == {"2026-12": 1, "2027-01": 3}
    window = resolve_window(a.as_of, ZoneInfo("UTC"), date(2026, 12, 30), date(2027, 1, 4))
    # 12-30..01-04 touches W53 (two completions inside: 01-01, 01-03) and W01 (01-04).
    assert fm.weekly_counts(a.live, window) == [("2026-W53", 2), ("2027-W01", 1)]


def test_day_boundary_in_utc_plus_2():
    h = _closed(1, datetime(2026, 12, 9, 23, 30, tzinfo=UTC))
    a = analyse([h], STATES, FlowPolicy(), datetime(2026, 12, 20, tzinfo=UTC))
    assert fm.throughput(a.live, ZoneInfo("UTC"), "day") == {"2026-12-09": 1}
    assert fm.throughput(a.live, ZoneInfo("Africa/Johannesburg"), "day") == {"2026-12-10": 1}


def test_dst_day_start_and_complete_weeks():
    berlin = ZoneInfo("Europe/Berlin")
    # 2026-10-25 is the autumn DST change in Berlin: midnight is 22:00 UTC the day before (UTC+2).
    assert day_start(date(2026, 10, 25), berlin) == datetime(2026, 10, 24, 22, tzinfo=UTC)
    assert day_start(date(2026, 10, 26), berlin) == datetime(2026, 10, 25, 23, tzinfo=UTC)
    # as_of on Monday 2026-11-23 00:00 UTC: the week 11-16..22 has just ended, so it is the last complete one.
    weeks = complete_weeks(datetime(2026, 11, 23, tzinfo=UTC), ZoneInfo("UTC"), 12)
    assert weeks[-1] == date(2026, 11, 16) and weeks[0] == date(2026, 8, 31)
    # One second earlier, that week is still running.
    assert complete_weeks(datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC), ZoneInfo("UTC"), 1) == [date(2026, 11, 9)]


def test_window_defaults_and_errors():
    tz = ZoneInfo("UTC")
    as_of = datetime(2026, 11, 23, 12, tzinfo=UTC)
    w = resolve_window(as_of, tz)
    assert (w.first, w.last) == (date(2026, 8, 26), date(2026, 11, 23))   # 90 days inclusive
    only_to = resolve_window(as_of, tz, None, date(2026, 10, 31))
    assert only_to.first == date(2026, 8, 3)                             # 10-31 − 89 days
    with pytest.raises(UsageError):
        resolve_window(as_of, tz, date(2026, 11, 2), date(2026, 11, 1))
