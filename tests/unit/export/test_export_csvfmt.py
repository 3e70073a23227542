"""The CSV dialect: RFC 4180 quoting only when needed, LF, NULL as empty, float and date forms."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowtui.export.csvfmt import cell, encode_row, format_float, format_utc, write_rows
from flowtui.timeutil import format_utc_z


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ("a,b", '"a,b"'),  # comma
        ('say "hi"', '"say ""hi"""'),  # quote, doubled
        ("two\nlines", '"two\nlines"'),  # LF
        ("carriage\rreturn", '"carriage\rreturn"'),  # CR: csv.writer on 3.11 leaves this unquoted
        (" padded ", " padded "),  # spaces need no quotes
        ("tab\there", "tab\there"),
        ("semi;colon", "semi;colon"),
        ("ünï ✓", "ünï ✓"),
        ("", ""),
    ],
)
def test_field_is_quoted_exactly_when_needed(value: str, expected: str) -> None:
    assert encode_row(["x", value]) == f"x,{expected}\n"


def test_none_is_an_empty_field_and_a_lone_empty_field_is_quoted() -> None:
    assert encode_row([None, "a", None]) == ",a,\n"
    # A one-column row with an empty value would otherwise be a blank line, which readers skip.
    assert encode_row([None]) == '""\n'
    assert list(csv.reader(io.StringIO('""\n'))) == [[""]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.0, "1.0"), (1530.01, "1530.01"), (61.5, "61.5"), (10080.0, "10080.0"), (0.125, "0.125"),
     (1e16, "10000000000000000.0"), (1.5e-7, "0.00000015"), (-2.25, "-2.25")],
)
def test_floats_are_written_like_python_floats_never_in_exponent_form(value: float, expected: str) -> None:
    assert format_float(value) == expected


def test_cell_forms() -> None:
    assert cell(10) == "10"
    assert cell(-5) == "-5"
    assert cell(datetime(2026, 11, 3, 10, 30, 0, 300000, tzinfo=UTC)) == "2026-11-03T10:30:00Z"
    with pytest.raises(TypeError):
        cell(True)
    with pytest.raises(ValueError):
        cell(float("nan"))


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                               timezone(-timedelta(hours=8))])))
def test_fast_date_form_equals_format_utc_z(value: datetime) -> None:
    assert format_utc(value) == format_utc_z(value)
    assert format_utc(value.replace(tzinfo=None)) == format_utc_z(value.replace(tzinfo=None))  # naive = UTC


def test_write_rows_counts_data_rows_and_checks_width() -> None:
    out = io.StringIO()
    assert write_rows(out, ("a", "b"), [(1, "x"), (2, None)]) == 2
    assert out.getvalue() == "a,b\n1,x\n2,\n"
    with pytest.raises(ValueError):
        write_rows(io.StringIO(), ("a", "b"), [(1,)])


@given(st.lists(st.lists(st.text(), min_size=1, max_size=5), min_size=1, max_size=5))
def test_every_row_round_trips_through_the_csv_reader(rows: list[list[str]]) -> None:
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    text = "".join(encode_row(r) for r in rows)
    assert list(csv.reader(io.StringIO(text, newline=""))) == rows
