"""The pure helpers of the PagedTable: fitting cells to fixed widths."""

from __future__ import annotations

from flowtui.widgets.paged_table import Column, fit, format_row


def test_fit_pads_and_crops_with_an_ellipsis() -> None:
    assert fit("ab", 4) == "ab  "
    assert fit("abcd", 4) == "abcd"
    assert fit("abcdef", 4) == "abc…"  # 3 characters + the ellipsis = 4 cells
    assert fit("abc", 0) == ""


def test_format_row_puts_one_space_around_each_cell() -> None:
    columns = [Column("ID", "id", 3), Column("Title", "title", 5)]
    # " " + "12 " + " " + " " + "Hell…" + " "
    assert format_row(("12", "Hello world"), columns) == " 12   Hell… "
