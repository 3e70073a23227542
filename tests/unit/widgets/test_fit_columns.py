"""`fit_columns`: which table columns an 80-column terminal shows (expected widths worked out by hand)."""

from __future__ import annotations

from flowtui.widgets.paged_table import Column, fit_columns

#: The work items table's columns: 6+12+12+7+40+16+10 = 103 cells, plus 2 of padding each = 117.
COLS = [Column("ID", "id", 6), Column("Type", "type", 12), Column("State", "state", 12), Column("Bucket", "bucket", 7),
        Column("Title", "title", 40), Column("Assigned to", "assigned_to", 16), Column("Changed", "changed_at", 10)]
DROP = ("bucket", "changed_at", "assigned_to")


def shown(width: int) -> list[tuple[str, int]]:
    return [(c.key, c.width) for _, c in fit_columns(COLS, width, flexible="title", drop_order=DROP)]


def test_everything_fits_wide_or_before_layout() -> None:
    full = [(c.key, c.width) for c in COLS]
    assert shown(117) == full and shown(200) == full and shown(0) == full


def test_eighty_columns_shrink_the_title_then_drop_in_order_then_give_the_title_the_rest() -> None:
    # 78 cells: title 40→16 (117→93), bucket goes (→84), changed_at goes (→72); 6 spare → title 22
    assert shown(78) == [("id", 6), ("type", 12), ("state", 12), ("title", 22), ("assigned_to", 16)]


def test_indexes_point_into_the_full_rows() -> None:
    assert [i for i, _ in fit_columns(COLS, 78, flexible="title", drop_order=DROP)] == [0, 1, 2, 4, 5]


def test_too_narrow_even_after_dropping_keeps_the_rest_and_scrolls() -> None:
    # 40 cells: every droppable column goes and 8+14+14+18 = 54 still does not fit; the title stays at 16
    assert shown(40) == [("id", 6), ("type", 12), ("state", 12), ("title", 16)]


def test_a_small_overflow_only_shrinks_the_title() -> None:
    # 110 cells: 7 too many; the title shrinks to 16 (→93), nothing is dropped, and takes back 17 → 33
    assert shown(110) == [("id", 6), ("type", 12), ("state", 12), ("bucket", 7), ("title", 33),
                          ("assigned_to", 16), ("changed_at", 10)]
