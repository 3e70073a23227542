"""The headless sync display: fits 80 and 110 columns, bars only where a total is known, rate and
elapsed otherwise, a summary table that reads in a CI log, and server text kept as data."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from flowtui import demo_mode
from flowtui.cli import sync_cmd
from flowtui.cli.sync_display import Board, PlainDisplay, format_elapsed, format_rate, summary_renderable
from flowtui.config import load_settings
from flowtui.demo import Faults
from flowtui.store import open_store
from flowtui.sync import run_sync
from flowtui.sync.progress import ProjectCounts, SyncProgress, SyncSummary

ESC = "\x1b"
BAR = ("━", "─")


def _console(width: int, *, terminal: bool = True) -> Console:
    return Console(record=True, width=width, file=io.StringIO(), force_terminal=terminal, color_system="truecolor")


def _lines(console: Console) -> list[str]:
    return console.export_text(clear=False).splitlines()


def _tiny_settings(tmp_path: Path) -> object:
    flags, _ = demo_mode.demo_overrides("tiny")
    return load_settings(config=str(tmp_path / "none.toml"), db=str(tmp_path / "s.sqlite"), flags=flags, env={})


@pytest.mark.parametrize("width", [80, 110])
def test_every_frame_and_the_summary_fit_the_width_over_a_demo_sync(tmp_path: Path, width: int) -> None:
    settings = _tiny_settings(tmp_path)
    live = _console(width)
    display = sync_cmd.RichDisplay(console=live)
    frames = _console(width)

    def progress(event: SyncProgress) -> None:
        display.update(event)
        frames.print(display.board)  # the frame as it is after each event

    store = open_store(settings.db_path)
    try:
        with display:
            summary = run_sync(settings, store, pat=demo_mode.DEMO_PAT, progress=progress, now=demo_mode.demo_now(),
                               transport=demo_mode.demo_simulator("tiny", faults=Faults()).transport)
    finally:
        store.close()
    frames.print(display.board)
    last_frame = len(_lines(frames))
    assert sync_cmd._report(summary, frames) == 0
    lines = _lines(frames)
    assert all(cell_len(line) <= width for line in lines), max(lines, key=cell_len)
    assert not any("…" in line for line in lines)
    assert "…" not in live.export_text()  # the live display's own frames are laid out the same way
    final = lines[:last_frame][-7:]  # status, 4 project streams, threads, totals
    # Threads have a total: done/total and a full bar; the work items and PR pages have none: no bar.
    threads = next(line for line in final if "threads" in line)
    assert re.search(r" (\d+)/\1 PRs ", threads) and "100%" in threads
    for line in final:
        if " · work items" in line or " · pull requests" in line:
            assert not any(ch in line for ch in BAR), line
            assert line.startswith("✓ ")
    summary_lines = lines[last_frame:]
    assert summary_lines[0].startswith("sync success in 0:")
    total = next(line for line in summary_lines if line.startswith("total"))
    assert total.split() == ["total", f"{summary.work_items:,}", f"{summary.revisions:,}",
                             f"{summary.pull_requests:,}", f"{summary.requests:,}"]


def test_a_stream_without_a_total_shows_rate_and_elapsed_and_never_a_bar() -> None:
    now = {"t": 0.0}
    board = Board(clock=lambda: now["t"])
    now["t"] = 2.0
    board.apply(SyncProgress(stage="work_items", project="P", stream="work_items", done=100, requests=2))
    now["t"] = 10.0  # started at 0 (the previous event), 10 s later: 100 revisions / 10 s = 10/s
    line = board.render(80)[1].plain
    assert "100 revisions" in line and "10/s" in line and line.rstrip().endswith("0:10")
    assert not any(ch in line for ch in BAR)
    now["t"] = 20.0  # no new event: the count stays, nothing pulses
    assert not any(ch in board.render(80)[1].plain for ch in BAR)


def test_a_new_stage_with_a_total_gets_a_bar_without_being_declared() -> None:
    now = {"t": 0.0}
    board = Board(clock=lambda: now["t"])
    board.apply(SyncProgress(stage="work_items", project="P", stream="work_items", done=5))
    now["t"] = 3.0
    board.apply(SyncProgress(stage="backfill", project="P", stream="backfill", done=10, total=40))
    lines = [t.plain for t in board.render(80)]
    assert lines[1].startswith("✓ P · work items")  # the project moved on: its first stream is done
    assert "10/40 items" in lines[2] and " 25%" in lines[2] and "━" in lines[2]
    bar = lines[2].split("items", 1)[1].strip().split(" ")[0]
    assert bar.count("━") == round(len(bar) / 4)  # a quarter of the bar is filled


def test_long_and_hostile_project_names_stay_data_and_fit() -> None:
    hostile = "[bold]Mallory[/bold] 修复 🐛 \x1b[2J"
    long_name = "A project name that is really far too long for half of an eighty column line"
    board = Board(clock=lambda: 5.0)
    for name in (hostile, long_name):
        board.apply(SyncProgress(stage="work_items", project=name, stream="work_items", done=7))
    console = _console(80)
    console.print(board)
    summary = SyncSummary(run_id=1, status="success", projects={hostile: ProjectCounts(work_items=1),
                                                                 long_name: ProjectCounts(work_items=2)})
    console.print(summary_renderable(summary))
    text = console.export_text()
    lines = text.splitlines()
    assert all(cell_len(line) <= 80 for line in lines)
    assert "[bold]Mallory[/bold] 修复 🐛 \ufffd[2J" in text  # markup shown verbatim, ESC replaced
    assert ESC not in console.export_text(styles=False)
    # Only the board row of the over-long name is shortened; the summary folds it instead.
    assert sum("…" in line for line in lines) == 1
    assert set(long_name.split()) <= set(text.split())  # every word of it, folded over lines


def test_plain_lines_carry_elapsed_and_rate_or_percent() -> None:
    lines: list[str] = []
    clock = iter([10.0, 12.0, 13.0]).__next__
    display = PlainDisplay(lines.append, clock=clock)
    display.update(SyncProgress(stage="work_items", project="P", stream="work_items", done=0, requests=1,
                                message="0 revisions"))
    display.update(SyncProgress(stage="work_items", project="P", stream="work_items", done=100, requests=3,
                                message="100 revisions"))
    display.update(SyncProgress(stage="threads", stream="threads", done=3, total=12, requests=4,
                                message="threads of 3/12 pull requests"))
    display.update(SyncProgress(stage="finished", message="sync success"))  # left to the summary
    assert lines == ["sync: [P] 0 revisions (requests: 1, 0:00)\n",
                     "sync: [P] 100 revisions (requests: 3, 0:02, 50/s)\n",
                     "sync: threads of 3/12 pull requests (requests: 4, 0:00, 25%)\n"]


def test_formats() -> None:
    assert [format_elapsed(s) for s in (0, 7.9, 754, 3723)] == ["0:00", "0:07", "12:34", "1:02:03"]
    assert [format_rate(d, s) for d, s in ((300, 2.0), (7, 2.0), (5, 0.2), (12_000, 1.0))] == \
        ["150/s", "3.5/s", "", "12,000/s"]


def test_cli_without_a_tty_prints_plain_lines_and_a_summary_without_escapes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FLOWTUI_DEMO_SIZE", "tiny")
    monkeypatch.setenv("COLUMNS", "80")
    for var in ("FLOWTUI_ORG_URL", "FLOWTUI_PROJECTS", "FLOWTUI_DB", "FLOWTUI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(demo_mode, "demo_transport", lambda *a, **kw: demo_mode.demo_simulator("tiny", faults=Faults()).transport)
    parser = argparse.ArgumentParser(prog="flowtui")
    sync_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sync", "--demo", "--db", str(tmp_path / "d.sqlite"), "--config", str(tmp_path / "n.toml")])
    assert sync_cmd.run(args) == 0
    err = capsys.readouterr().err
    assert ESC not in err
    lines = err.splitlines()
    assert any(line.startswith("sync: [Fabrikam Web] ") for line in lines)
    start = next(i for i, line in enumerate(lines) if line.startswith("sync success in "))
    table = lines[start:]
    assert table[1].split() == ["project", "work", "items", "revisions", "PRs", "requests", "status"]
    assert all(len(line) <= 80 for line in table)
    assert any(line.split()[:2] == ["Fabrikam", "Web"] and line.split()[-1] == "success" for line in table)
