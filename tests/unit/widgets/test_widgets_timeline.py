"""The timeline bar of a work item's life, glyph by glyph."""

from __future__ import annotations

from flowtui.widgets.timeline import legend, timeline_bar


def test_bar_cells_take_the_step_in_force_at_their_start() -> None:
    # created (todo) at 0, doing at 2, wait at 5, done at 8; end 10; 5 cells of 2 s each start at
    # 0, 2, 4, 6, 8 → todo, doing, doing, wait, done
    steps = [(0.0, "todo", False, False), (2.0, "doing", False, False), (5.0, "doing", True, False),
             (8.0, "done", False, False)]
    bar = timeline_bar(steps, 10.0, 5)
    assert bar.plain == "███▒█"
    styles = [str(s.style) for s in bar.spans]
    assert styles == ["blue", "yellow", "yellow", "dark_orange", "green"]


def test_blocked_wins_and_degenerate_inputs() -> None:
    # blocked from 1 to 3 (cells start at 0, 1, 2, 3 with end 4 and width 4): todo, ╳, ╳, doing
    steps = [(0.0, "todo", False, False), (1.0, "doing", False, True), (3.0, "doing", False, False)]
    assert timeline_bar(steps, 4.0, 4).plain == "█╳╳█"
    assert timeline_bar([], 4.0, 4).plain == ""
    assert timeline_bar(steps, 0.0, 3).plain == "███"  # end before start: every cell shows creation
    assert "blocked" in legend().plain
