"""Percentile bands and the in-memory sort of the flow columns (values chosen by hand)."""

from __future__ import annotations

from flowtui.reporting.item_columns import PAST, WITHIN, FlowColumns, ItemNumbers, band_of

LINES = (("p50", 3.0), ("p85", 8.0), ("p95", 12.0))


def test_band_is_the_highest_line_reached() -> None:
    assert [band_of(d, LINES) for d in (0.5, 3.0, 7.9, 8.0, 30.0)] == ["<p50", "≥p50", "≥p50", "≥p85", "≥p95"]
    assert band_of(5.0, ()) == ""


def _n(age: float | None, sle: str = "") -> ItemNumbers:
    return ItemNumbers(age, None, None, 0.0, None, sle, "")


def test_sort_ids_puts_items_without_a_number_last_both_ways() -> None:
    cols = FlowColumns({1: _n(5.0, PAST), 2: _n(None), 3: _n(9.0, PAST), 4: _n(5.0, WITHIN)}, 85, 4.0, LINES)
    assert cols.sort_ids([1, 2, 3, 4, 9], "age", descending=True) == [3, 1, 4, 2, 9]
    assert cols.sort_ids([1, 2, 3, 4, 9], "age", descending=False) == [1, 4, 3, 2, 9]
    assert cols.sort_ids([1, 2, 3, 4], "sle", descending=True) == [1, 3, 4, 2]
