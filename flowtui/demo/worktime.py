"""A working-time calendar: weekly rhythm with quiet weekends and a year-end holiday gap.

The generator draws every duration in *work seconds* (one weekday = 10 working hours = 36,000 s)
and maps positions on that axis to real instants. Weekdays carry a full 10-hour capacity spread over
08:00–18:00 UTC; weekend days carry 1% of it (a few stray edits, 10:00–16:00 UTC); the holiday gap
(24 December – 1 January inclusive) carries none. The mapping is monotone, so ordering in work time
is ordering in real time. Times are integer milliseconds since the Unix epoch, snapped onto the SQL
`datetime` 0/3/7 millisecond grid the real service shows (reference §9).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta

DAY_MS = 86_400_000
WORKDAY_S = 36_000.0  # capacity of one weekday, in work seconds
_WEEKEND_CAPACITY = WORKDAY_S * 0.01
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def snap_ms(ms: int) -> int:
    """Round milliseconds down onto the 0/3/7 grid (last digit 0, 3 or 7)."""
    last = ms % 10
    return ms - last + (0 if last < 3 else 3 if last < 7 else 7)


def ms_to_dt(ms: int) -> datetime:
    """Epoch milliseconds to an aware UTC datetime (exact)."""
    return _EPOCH + timedelta(milliseconds=ms)


def dt_to_ms(value: datetime) -> int:
    """Aware (or naive-UTC) datetime to epoch milliseconds, truncating sub-millisecond digits."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return delta.days * DAY_MS + delta.seconds * 1000 + delta.microseconds // 1000


def is_holiday(day: date) -> bool:
    """The year-end gap: 24 December to 1 January inclusive."""
    return (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)


class WorkCalendar:
    """Maps work-second positions to real epoch milliseconds over [first_day, last_day]."""

    def __init__(self, first_day: date, last_day: date) -> None:
        self.first_day = first_day
        self._day_start_ms: list[int] = []
        self._window_ms: list[tuple[int, int]] = []  # (offset of window start, window length)
        self._cum: list[float] = [0.0]
        self._cap: list[float] = []
        day = first_day
        while day <= last_day:
            start = dt_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
            if is_holiday(day):
                cap, window = 0.0, (8 * 3_600_000, 10 * 3_600_000)
            elif day.weekday() >= 5:
                cap, window = _WEEKEND_CAPACITY, (10 * 3_600_000, 6 * 3_600_000)
            else:
                cap, window = WORKDAY_S, (8 * 3_600_000, 10 * 3_600_000)
            self._day_start_ms.append(start)
            self._window_ms.append(window)
            self._cap.append(cap)
            self._cum.append(self._cum[-1] + cap)
            day += timedelta(days=1)

    @property
    def total(self) -> float:
        """Total work seconds the calendar spans."""
        return self._cum[-1]

    def to_ms(self, work_s: float) -> int:
        """The real instant (epoch ms, on the 0/3/7 grid) at work position `work_s`.

        Positions past the end map linearly beyond the last day (they are cut by the caller).
        """
        if work_s >= self._cum[-1]:
            extra = work_s - self._cum[-1]
            return snap_ms(self._day_start_ms[-1] + DAY_MS + int(extra * 1000 * 2.4))
        if work_s <= 0:
            work_s = 0.0
        idx = bisect_right(self._cum, work_s) - 1
        while self._cap[idx] == 0.0:  # never land inside a holiday: move to the next open day
            idx += 1
        offset = (work_s - self._cum[idx]) / self._cap[idx]
        win_start, win_len = self._window_ms[idx]
        return snap_ms(self._day_start_ms[idx] + win_start + int(offset * win_len))

    def from_ms(self, ms: int) -> float:
        """The work position of a real instant (inverse of `to_ms`, clamped into open windows)."""
        idx = (ms - self._day_start_ms[0]) // DAY_MS
        if idx < 0:
            return 0.0
        if idx >= len(self._cap):
            return self._cum[-1]
        win_start, win_len = self._window_ms[idx]
        within = ms - self._day_start_ms[idx] - win_start
        frac = min(max(within / win_len, 0.0), 1.0)
        return self._cum[idx] + frac * self._cap[idx]
