"""Calendar arithmetic in the configured IANA time zone: days, ISO weeks, months, windows.

Instants are aware datetimes (UTC) or POSIX seconds; a *day* is a local date in `tz`. The start of a
day is local midnight converted to an instant, so DST days are 23 or 25 hours long. ISO weeks start
on Monday and are labelled `YYYY-Www` with the ISO year (2026-12-31 is in 2026-W53; 2027-01-01 too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flowtui.errors import UsageError

#: Days in the default window (SPEC §7.8: the 90 days ending on as_of's date).
DEFAULT_WINDOW_DAYS = 90


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The local calendar date of an instant."""
    return instant.astimezone(tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `day` as an aware UTC instant."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def day_start_ts(day: date, tz: ZoneInfo) -> float:
    """Local midnight of `day` as POSIX seconds."""
    return datetime.combine(day, time(), tzinfo=tz).timestamp()


def iso_week(day: date) -> str:
    """The ISO week label `YYYY-Www` of a date."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(day: date) -> date:
    """The Monday of the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())


def month_label(day: date) -> str:
    """The month label `YYYY-MM`."""
    return f"{day.year}-{day.month:02d}"


def days_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last` inclusive (empty when first > last)."""
    count = (last - first).days + 1
    return [first + timedelta(days=i) for i in range(max(0, count))]


@dataclass(frozen=True)
class Window:
    """The reporting window: completion dates `first..last` inclusive, in `tz`.

    `start_ts`/`end_ts` are POSIX seconds of local midnight of `first` and of the day after `last`
    (an exclusive upper bound). `days` are the window's dates up to as_of's date (days after as_of
    have no data and are left out of per-day averages and daily series).
    """

    first: date
    last: date
    tz: ZoneInfo
    as_of: datetime

    @property
    def start_ts(self) -> float:
        return day_start_ts(self.first, self.tz)

    @property
    def end_ts(self) -> float:
        return day_start_ts(self.last + timedelta(days=1), self.tz)

    @property
    def days(self) -> list[date]:
        return days_between(self.first, min(self.last, local_date(self.as_of, self.tz)))

    def contains_day(self, day: date) -> bool:
        return self.first <= day <= self.last


def resolve_window(
    as_of: datetime, tz: ZoneInfo, window_from: date | None = None, window_to: date | None = None
) -> Window:
    """The window from --from/--to: default the 90 days ending on as_of's local date.

    With only --from, the window ends on as_of's date; with only --to, it is the 90 days ending then.
    A window whose first day is after its last raises UsageError.
    """
    last = window_to or local_date(as_of, tz)
    first = window_from or last - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    if first > last:
        raise UsageError(
            f"--from {first.isoformat()} is after --to {last.isoformat()}; give dates as YYYY-MM-DD with from <= to."
        )
    return Window(first, last, tz, as_of)


def complete_weeks(as_of: datetime, tz: ZoneInfo, count: int) -> list[date]:
    """Mondays of the last `count` complete ISO weeks before as_of (oldest first).

    A week is complete when its end (the next Monday's local midnight) is at or before as_of.
    """
    today = local_date(as_of, tz)
    monday = week_monday(today)  # the week holding as_of never ends at or before as_of
    return [monday - timedelta(days=7 * (count - i)) for i in range(count)]
