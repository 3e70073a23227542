"""Terminal cell widths: CJK and emoji take two cells, so tables and chart labels measure cells, not len().

Each expected value is worked out by hand: 日, 本, 語, 🚀 and 🐛 are 2 cells each; ASCII is 1.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.cells import cell_len

from flowtui.domain import PullRequest, Reviewer
from flowtui.reporting.pull_requests import detail, vote_label
from flowtui.text import crop, fit, pad
from flowtui.widgets.charts import dot_columns, frame
from flowtui.widgets.paged_table import Column, format_row

TITLES = ["Fix login", "日本語のタイトルを修正する", "🚀 Launch 🐛 fix", "ascii title that is far too long", "🚀 Launch 🐛"]
COLUMNS = [Column("ID", "id", 5), Column("Title", "title", 12), Column("State", "state", 6)]


def test_fit_measures_cells() -> None:
    assert fit("日本語", 6) == "日本語"  # exactly 6 cells
    assert fit("日本語", 8) == "日本語  "  # 6 cells + 2 spaces
    assert fit("日本語", 5) == "日本…"  # 4 cells of text + the ellipsis
    assert fit("日本語", 4) == "日 …"  # 本 would end at cell 4, leaving no room for …; a space fills the gap
    assert fit("🚀go", 4) == "🚀go"
    assert fit("🚀go", 3) == "🚀…"
    assert fit("x", 0) == ""


def test_crop_and_pad_measure_cells() -> None:
    assert crop("日本語", 4) == "日本"
    assert crop("日本語", 3) == "日 "  # a split wide character becomes a space, keeping the width
    assert crop("abc", 5) == "abc"
    assert pad("日本", 6) == "日本  "
    assert pad("日本", 6, "right") == "  日本"
    assert pad("日本語の", 4) == "日本語の"  # never cut


def test_table_rows_with_cjk_and_emoji_titles_keep_the_columns_aligned() -> None:
    lines = [format_row((str(i), title, "Done"), COLUMNS) for i, title in enumerate(TITLES)]
    # every line is (5 + 2) + (12 + 2) + (6 + 2) = 29 cells wide
    assert [cell_len(line) for line in lines] == [29] * 5
    # the State column starts after 7 + 14 = 21 cells plus its leading space, on every line
    assert [cell_len(line[: line.index("Done")]) for line in lines] == [22] * 5
    # 11 cells for text: 日本語のタ is 10, イ would end at 12, so a space fills cell 11, then …
    assert lines[1] == " 1      日本語のタ …  Done   "
    # "🚀 Launch " is 10 cells, 🐛 would end at 12: a space, then …
    assert lines[2] == " 2      🚀 Launch  …  Done   "
    # "🚀 Launch 🐛" is 2 + 1 + 6 + 1 + 2 = 12 cells: it fits exactly, no padding
    assert lines[4] == " 4      🚀 Launch 🐛  Done   "


def test_chart_x_labels_with_wide_names_start_under_their_columns() -> None:
    # label_width 5 + the axis = 6 cells, then columns of 6 cells: labels start at cells 6, 12, 18,
    # each cropped to col_width − 1 = 5 cells ("進行中🚀" → "進行" + a space where 中 would split).
    lines = dot_columns([("新建", [1]), ("進行中🚀", [2]), ("Done", [3])], col_width=6, height=2)
    axis = lines[-1].plain
    assert axis == "      新建  進行  Done"
    assert cell_len(axis[: axis.index("Done")]) == 18


def test_frame_skips_a_label_that_would_touch_the_previous_one_and_measures_wide_ones() -> None:
    rows = [[None] * 14]  # plot 14 cells wide; labels may use cells 6..19
    # "日本語" (6 cells) at column 0 → cells 6–11; "ab" at column 5 → cell 11: overlaps, skipped;
    # "末尾" (4 cells) at column 13 is moved left to 14 − 4 = 10 → cell 16, after a gap: kept.
    lines = frame(rows, y_max=1, label_width=5, x_labels=[(0, "日本語"), (5, "ab"), (13, "末尾")])
    assert lines[-1].plain == " " * 6 + "日本語" + " " * 4 + "末尾"


def test_pr_detail_aligns_votes_after_wide_reviewer_names() -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    pr = PullRequest("r-1", 1, "org", "Web", "r", "repo", "a", "Alice", "T", "completed", at, at, reviewers=(
        Reviewer("r-1", "u1", "山田 太郎", 10), Reviewer("r-1", "u2", "Bob 🐛", -10), Reviewer("r-1", "u3", "Carol", 0),
    ))
    lines = detail(pr).plain.splitlines()
    for vote, name in ((10, "山田 太郎"), (-10, "Bob 🐛"), (0, "Carol")):
        line = next(line for line in lines if line.startswith(f"  {name}"))
        # two spaces + the name padded to 24 cells + one space: the vote starts at cell 27 on every row
        assert cell_len(line[: line.index(vote_label(vote))]) == 27


async def test_paged_table_renders_wide_titles_in_aligned_columns() -> None:
    """The real widget in a tiny app: every rendered line is exactly the widget's width in cells and
    the State column starts at the same cell on every row."""
    from textual.app import App, ComposeResult

    from flowtui.widgets.paged_table import PagedTable

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield PagedTable(COLUMNS)

    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(PagedTable)
        table.set_rows([(str(i), t, "Done") for i, t in enumerate(TITLES)], [str(i) for i in range(len(TITLES))])
        await pilot.pause()
        strips = [table.render_line(y) for y in range(1 + len(TITLES))]
        width = table.scrollable_content_region.width
        assert [s.cell_length for s in strips] == [width] * (1 + len(TITLES))
        texts = [s.text for s in strips[1:]]
        assert [cell_len(t[: t.index("Done")]) for t in texts] == [22] * len(TITLES)
