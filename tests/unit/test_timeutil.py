"""ADO date strings: parsing every form the service sends, and formatting like WIT and Git do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowtui.timeutil import (
    format_pr_datetime,
    format_utc_z,
    format_wit_datetime,
    parse_ado_datetime,
    to_utc,
)


def _at(micro: int = 0) -> datetime:
    return datetime(2024, 3, 5, 10, 20, 30, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        ("2024-03-05T10:20:30Z", 0),  # 0 fractional digits
        ("2024-03-05T10:20:30.5Z", 500_000),  # .5 s = 500000 µs
        ("2024-03-05T10:20:30.12Z", 120_000),
        ("2024-03-05T10:20:30.123Z", 123_000),
        ("2024-03-05T10:20:30.1234Z", 123_400),
        ("2024-03-05T10:20:30.12345Z", 123_450),
        ("2024-03-05T10:20:30.123456Z", 123_456),
        ("2024-03-05T10:20:30.1234567Z", 123_456),  # 7th digit (100 ns) is below µs precision: dropped
        ("2024-03-05T10:20:30.9999999Z", 999_999),  # truncated, never rounded up into the next second
    ],
)
def test_parse_fractional_digits(text: str, micro: int) -> None:
    parsed = parse_ado_datetime(text)
    assert parsed == _at(micro)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05T10:20:30.25Z",
        "2024-03-05T10:20:30.25+00:00",
        "2024-03-05T10:20:30.25+0000",
        "2024-03-05T10:20:30.25",  # no zone: read as UTC
        "2024-03-05T12:20:30.25+02:00",  # 12:20 at +02:00 = 10:20 UTC
        "2024-03-05T07:50:30.25-0230",  # 07:50 at -02:30 = 10:20 UTC
    ],
)
def test_parse_zone_forms_all_give_the_same_utc_instant(text: str) -> None:
    parsed = parse_ado_datetime(text)
    assert parsed == _at(250_000)
    assert parsed is not None and parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "9999-01-01T00:00:00Z",  # "current revision" sentinel (revisedDate of the latest revision)
        "9999-01-01T00:00:00.000Z",
        "0001-01-01T00:00:00",  # .NET DateTime.MinValue, no zone
        "0001-01-01T00:00:00Z",
    ],
)
def test_parse_sentinels_are_none(text: str) -> None:
    assert parse_ado_datetime(text) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "not a date",
        "2024-13-05T10:20:30Z",  # month 13
        "2024-02-30T10:20:30Z",  # 30 February
        "2024-03-05T25:20:30Z",  # hour 25
        "2024-03-05T10:20:30Zjunk",
        "2024-03-05T10:20:30+2",
        None,
        20240305,
        datetime(2024, 3, 5, tzinfo=UTC),  # not a string
    ],
)
def test_parse_garbage_is_none(value: object) -> None:
    assert parse_ado_datetime(value) is None


@pytest.mark.parametrize(
    ("micro", "expected"),
    [
        (0, "2024-03-05T10:20:30Z"),  # no fraction at all
        (100_000, "2024-03-05T10:20:30.1Z"),  # 100 ms -> ".100" -> trailing zeros dropped -> ".1"
        (450_000, "2024-03-05T10:20:30.45Z"),  # 450 ms -> ".45"
        (123_000, "2024-03-05T10:20:30.123Z"),  # last ms digit 3 is on the 0/3/7 grid
        (125_999, "2024-03-05T10:20:30.123Z"),  # 125 ms: digit 5 -> down to 3 -> 123
        (129_000, "2024-03-05T10:20:30.127Z"),  # 129 ms: digit 9 -> down to 7 -> 127
        (997_000, "2024-03-05T10:20:30.997Z"),
        (7_000, "2024-03-05T10:20:30.007Z"),  # 7 ms keeps its leading zeros
        (2_999, "2024-03-05T10:20:30Z"),  # 2 ms: digit 2 -> 0 -> 0 ms -> no fraction
        (999, "2024-03-05T10:20:30Z"),  # below 1 ms
    ],
)
def test_format_wit_datetime(micro: int, expected: str) -> None:
    text = format_wit_datetime(_at(micro))
    assert text == expected
    fraction = text[len("2024-03-05T10:20:30"):-1].lstrip(".")
    assert len(fraction) <= 3 and not fraction.endswith("0")


def test_format_wit_datetime_converts_to_utc_and_reads_naive_as_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_wit_datetime(datetime(2024, 3, 5, 12, 20, 30, 123_000, tzinfo=plus_two)) == "2024-03-05T10:20:30.123Z"
    assert format_wit_datetime(datetime(2024, 3, 5, 10, 20, 30)) == "2024-03-05T10:20:30Z"


@pytest.mark.parametrize(
    ("micro", "expected"),
    [
        (123_456, "2024-03-05T10:20:30.1234560Z"),  # 6 µs digits + a 0 for the 100-ns tick
        (0, "2024-03-05T10:20:30.0000000Z"),
        (5, "2024-03-05T10:20:30.0000050Z"),
        (999_999, "2024-03-05T10:20:30.9999990Z"),
    ],
)
def test_format_pr_datetime_has_seven_digits(micro: int, expected: str) -> None:
    assert format_pr_datetime(_at(micro)) == expected


def test_format_utc_z_and_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_utc_z(datetime(2024, 3, 5, 12, 20, 30, 999_999, tzinfo=plus_two)) == "2024-03-05T10:20:30Z"
    assert to_utc(datetime(2024, 3, 5, 10, 20, 30)) == _at()
    assert to_utc(datetime(2024, 3, 5, 12, 20, 30, tzinfo=plus_two)).tzinfo == UTC


_instants = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.just(UTC))


@settings(max_examples=60, deadline=None)
@given(_instants)
def test_pr_format_round_trips_exactly(value: datetime) -> None:
    assert parse_ado_datetime(format_pr_datetime(value)) == value


@settings(max_examples=60, deadline=None)
@given(_instants)
def test_wit_format_round_trips_within_the_grid(value: datetime) -> None:
    parsed = parse_ado_datetime(format_wit_datetime(value))
    assert parsed is not None
    # rounded down to whole ms (< 1 ms lost), then down onto the 0/3/7 grid: the largest step is a
    # last digit 6 -> 3 (3 ms), so the loss is < 1 + 3 = 4 ms
    assert timedelta(0) <= value - parsed < timedelta(milliseconds=4)
    assert (parsed.microsecond // 1000) % 10 in (0, 3, 7) and parsed.microsecond % 1000 == 0
