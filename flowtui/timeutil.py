"""Parsing and formatting of the date strings Azure DevOps sends, and UTC helpers.

ADO sends ISO 8601 with 0–7 fractional digits, usually ending in `Z`, sometimes `+00:00`, and two
sentinels: `9999-01-01T00:00:00Z` ("current revision") and `0001-01-01T00:00:00` (no zone, .NET
DateTime.MinValue). Both sentinels parse to None. Every datetime flowtui keeps is timezone-aware UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:[.,](?P<frac>\d{1,9}))?(?P<tz>Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_ado_datetime(value: object) -> datetime | None:
    """Parse an ADO date string to an aware UTC datetime; None for sentinels, empty or garbage.

    Accepts 0–9 fractional digits (truncated to microseconds), `Z`, `+00:00`/`+0000` offsets, and
    strings with no zone (read as UTC).
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _ISO.match(text)
    if not match:
        return None
    if match["date"].startswith(("9999-", "0001-")):
        return None
    frac = (match["frac"] or "")[:6].ljust(6, "0")
    tz = match["tz"] or "+00:00"
    if tz in ("Z", "z"):
        tz = "+00:00"
    elif ":" not in tz:
        tz = f"{tz[:3]}:{tz[3:]}"
    clock = match["time"] if match["time"].count(":") == 2 else match["time"] + ":00"
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{clock}.{frac}{tz}")
    except ValueError:
        return None
    return parsed.astimezone(UTC)


def to_utc(value: datetime) -> datetime:
    """Return `value` as aware UTC (naive values are taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_wit_datetime(value: datetime) -> str:
    """Format like ADO work-item-tracking dates: ≤3 fractional digits, trailing zeros dropped.

    Milliseconds are rounded down onto the SQL `datetime` 0/3/7 grid the real service shows.
    """
    value = to_utc(value)
    ms = value.microsecond // 1000
    ms = ms - ms % 10 + _grid_digit(ms % 10)
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    if ms == 0:
        return base + "Z"
    return f"{base}.{ms:03d}".rstrip("0") + "Z"


def _grid_digit(last: int) -> int:
    return 0 if last < 3 else 3 if last < 7 else 7


def format_pr_datetime(value: datetime) -> str:
    """Format like ADO Git dates: exactly 7 fractional digits (.NET ticks) and `Z`."""
    value = to_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond:06d}0Z"


def format_utc_z(value: datetime) -> str:
    """ISO 8601 UTC with `Z` and no fraction: the form flowtui writes in JSON and CSV."""
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    """The current instant, aware UTC (the one place the wall clock is read; tests inject as_of)."""
    return datetime.now(UTC)


#: The dates flowtui accepts from a user (flags, `sync.since`): wide enough for any real history, narrow
#: enough that day arithmetic (windows, overlaps, a year of trends) can never leave `datetime`'s range.
MIN_USER_DAY = date(1970, 1, 1)
MAX_USER_DAY = date(2199, 12, 31)
USER_DAY_RANGE = f"{MIN_USER_DAY.isoformat()} to {MAX_USER_DAY.isoformat()}"


def user_day_in_range(value: date) -> bool:
    """True when a date given by the user lies in MIN_USER_DAY..MAX_USER_DAY."""
    return MIN_USER_DAY <= value <= MAX_USER_DAY
