"""Glyph-by-glyph tests of the pure chart renderers on tiny inputs (expected glyphs worked out by hand).

Braille reminder: a cell is U+2800 + bits; dot column 0 rows 0..3 = 0x01, 0x02, 0x04, 0x40;
dot column 1 rows 0..3 = 0x08, 0x10, 0x20, 0x80. Eighths: " ▁▂▃▄▅▆▇█"[n].
"""

from __future__ import annotations

from rich.text import Text

from flowtui.widgets.charts import (
    BrailleGrid,
    Mark,
    bin_counts,
    dot_columns,
    eighths,
    histogram,
    integer_bins,
    nice_max,
    run_chart,
    scale,
    scatter,
    stacked_columns,
)


def plain(lines: list[Text]) -> list[str]:
    return [line.plain for line in lines]


def styles_of(line: Text, start: int, end: int) -> set[str]:
    """The styles of the spans covering [start, end) of a line."""
    return {str(s.style) for s in line.spans if s.start < end and s.end > start}


def test_scale_rounds_half_up_and_clamps() -> None:
    # 4/8 · (8−1) = 3.5 → 4 (half up, not banker's 4 either way; 2.5 would show the difference)
    assert scale(4, 8, 8) == 4
    # 5/10 · (6−1) = 2.5 → 3 (banker's rounding would give 2)
    assert scale(5, 10, 6) == 3
    assert scale(99, 8, 8) == 7 and scale(-1, 8, 8) == 0
    assert scale(3, 0, 8) == 0  # an empty scale puts everything at the bottom


def test_eighths_keeps_small_bars_visible() -> None:
    # 1/100 · 16 = 0.16 → rounds to 0, but a non-zero value gets one eighth
    assert eighths(1, 100, 2) == 1
    assert eighths(0, 100, 2) == 0
    # 4/5 · 16 = 12.8 → 13
    assert eighths(4, 5, 2) == 13


def test_nice_max() -> None:
    assert [nice_max(v) for v in (0, 3, 4, 7, 10, 12.3, 26)] == [1.0, 5.0, 5.0, 10.0, 10.0, 20.0, 50.0]


def test_braille_grid_dots() -> None:
    grid = BrailleGrid(2, 1)
    grid.plot(0, 0)  # cell 0: 0x01
    grid.plot(1, 3)  # cell 0: + 0x80 → 0x81
    grid.plot(2, 2)  # cell 1: 0x04
    grid.plot(9, 9)  # outside: ignored
    cells = grid.cells("x")
    assert cells == [[(chr(0x2881), "x"), (chr(0x2804), "x")]]


def test_scatter_points_marks_and_axes() -> None:
    # 2×2 cells = 4×8 dots, y 0..8, x 0..2.
    # (0, 0): x dot round(0·3)=0, y level 0 → dot row 7 → cell (row 1, col 0), bit 0x40 → ⡀
    # (1, 4): x dot round(1/2·3 = 1.5) = 2, level round(4/8·7 = 3.5) = 4 → dot row 3 → cell (0, 1) bit 0x40
    # (2, 8): x dot 3, level 7 → dot row 0 → cell (0, 1) bit 0x08; together 0x48 → ⡈
    # p50 at 4: level 4 → dot row 3 → row 0: the empty cell (0, 0) shows ┄, then the label.
    lines = scatter([(0, 0), (1, 4), (2, 8)], width=2, height=2, x_range=(0, 2), y_max=8,
                    marks=[Mark("p50", 4, "green")], x_labels=("a", ""))
    assert plain(lines) == [
        "    8┤┄⡈ p50 4.0",
        "    0┤⡀ ",
        "     └──",
        "      a",
    ]
    assert styles_of(lines[0], 6, 7) == {"green"}  # the mark line takes the mark's style


def test_scatter_default_y_max_covers_the_marks() -> None:
    # max(y) = 3, mark 12 → nice_max(12) = 20 on the top label
    lines = scatter([(0, 3)], width=1, height=1, x_range=(0, 0), marks=[Mark("p95", 12)])
    assert lines[0].plain.startswith("   20┤")


def test_bin_counts() -> None:
    # [0, 10] in 5 bins of 2: 1→0, 1→0, 2→1, 3→1, 9→4, 10→clamped to 4, −1→clamped to 0
    assert bin_counts([1, 1, 2, 3, 9, 10, -1], 5, 0, 10) == [3, 2, 0, 0, 2]


def test_histogram_bars_pointer_and_legend() -> None:
    # bins of 2 over [0, 10]: 1, 1 → bin 0; 2, 3 → bin 1; 9 → bin 4: counts [2, 2, 0, 0, 1];
    # y top nice_max(2) = 2; height 2 = 16 eighths: 2 → 16 (█ in both rows); 1 → 8 (bottom row only)
    # p50 = 2.0 falls in bin ⌊2/10·5⌋ = 1 → ▲ under the second bar
    lines = histogram([1, 1, 2, 3, 9], width=5, height=2, hi=10, marks=[Mark("p50", 2.0, "green")])
    assert plain(lines) == [
        "    2┤██   ",
        "    0┤██  █",
        "     └─────",
        "       ▲   ",
        "      0",
        "      ▲ p50 2 d",
    ]


def test_histogram_with_lower_bound_and_wide_bars() -> None:
    # [10, 20] in 6 // 2 = 3 bins of 10/3: 10, 11 → bin 0; 15 → ⌊5/10·3⌋ = 1; 20 → clamped to bin 2.
    # counts [2, 1, 1]; y top nice_max(2) = 2; height 1 = 8 eighths: 2 → 8 █, 1 → 4 ▄. Bars 2 wide.
    # mark 17.5 → bin ⌊7.5/10·3⌋ = 2 → ▲ at cell 2·2 = 4.
    lines = histogram([10, 11, 15, 20], width=6, height=1, lo=10, hi=20, bar_width=2,
                      marks=[Mark("85%", 17.5, "red")], unit="items")
    assert plain(lines) == [
        "    2┤██▄▄▄▄",
        "     └──────",
        "          ▲ ",
        "      10",
        "      ▲ 85% 17.5 items",
    ]


def test_integer_bins() -> None:
    # 6..29 is 24 values; 66 cells → one bin per value, ⌊66/24⌋ = 2 cells each, 48 cells used, top 6 + 24 = 30
    assert integer_bins(6, 29, 66) == (30.0, 2, 48)
    # 0..99 is 100 values in 30 cells → k = ⌈100/30⌉ = 4 values per bin, ⌈100/4⌉ = 25 bins, top 0 + 25·4 = 100
    assert integer_bins(0, 99, 30) == (100.0, 1, 25)
    # every value lands in its own bin: 6 → bin 0, 29 → bin 23
    assert bin_counts([6, 29], 24, 6, 30) == [1] + [0] * 22 + [1]


def test_run_chart_bars_labels_and_mark() -> None:
    # top = nice_max(4) = 5; height 2 = 16 eighths: 1 → round(3.2) = 3 ▃; 2 → round(6.4) = 6 ▆;
    # 4 → round(12.8) = 13 → bottom █ and top 13 − 8 = 5 ▅. Bars 2 wide with a 1-cell gap.
    # mark 2 → 6 eighths → bottom row; its ┄ fills the empty gap cells of that row.
    lines = run_chart(["W1", "W2", "W3"], [1, 2, 4], height=2, marks=[Mark("avg", 2)])
    assert plain(lines) == [
        "    5┤      ▅▅ ",
        "    0┤▃▃┄▆▆┄██┄ avg 2.0",
        "     └─────────",
        "      W1 W2 W3",
    ]


def test_stacked_columns_cfd_cells() -> None:
    # top = nice_max(max total 4) = 5; 16 eighths per column.
    # col [1, 1, 0]: bounds 1→3, 2→6, 2→6: bottom cell ▃ layer0 on layer1; top cell empty
    # col [2, 1, 1]: bounds 6, 10, 13: bottom ▆ layer0 on layer1; top (base 8): layer1 to 10 → ▂ on layer2
    # col [0, 0, 4]: bounds 0, 0, 13: bottom █ layer2; top ▅ layer2 with nothing above
    lines = stacked_columns([[1, 1, 0], [2, 1, 1], [0, 0, 4]], height=2, styles=("a", "b", "c"))
    assert plain(lines) == ["    5┤ ▂▅", "    0┤▃▆█", "     └───"]
    assert styles_of(lines[0], 7, 8) == {"b on c"}
    assert styles_of(lines[0], 8, 9) == {"c"}
    assert styles_of(lines[1], 6, 7) == {"a on b"}


def test_dot_columns_aging_wip() -> None:
    # top = nice_max(max(10, 5)) = 10; 8 dot rows; columns 3 cells = 6 dots wide, spread 4, offset 1.
    # Active ages 1, 2, 3 → levels round(0.7)=1, round(1.4)=1, round(2.1)=2 → dot rows 6, 6, 5
    #   at dot x 1, 2, 3: cell 0 gets (1,6) → 0x20 ⠠; cell 1 gets (2,6) 0x04 + (3,5) 0x10 = 0x14 ⠔
    # Review age 10 → level 7 → dot row 0 at dot x 6+1 = 7 → cell 3, bit 0x08 ⠈
    # p85 = 5 → level round(3.5) = 4 → dot row 3 → row 0
    lines = dot_columns([("Active", [1, 2, 3]), ("Review", [10])], col_width=3, height=2, marks=[Mark("p85", 5)])
    assert plain(lines) == [
        "   10┤┄┄┄⠈┄┄ p85 5.0",
        "    0┤⠠⠔    ",
        "     └──────",
        "      Ac Re",
    ]


def test_empty_inputs_do_not_crash() -> None:
    assert plain(scatter([], width=2, height=1, x_range=(0, 1)))[0] == "    1┤  "
    assert plain(run_chart([], [], height=1))[0] == "    1┤"
    assert plain(stacked_columns([], height=1))[0] == "    1┤"
    assert len(histogram([], width=3, height=1)) == 4  # bars, axis, pointer, x labels (no legend)
