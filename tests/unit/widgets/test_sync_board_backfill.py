"""The Sync screen's board shows the backfill stage with its done / total."""

from __future__ import annotations

from flowtui.sync.progress import STAGE_BACKFILL, STAGE_PULL_REQUESTS, STAGE_WORK_ITEMS, SyncProgress
from flowtui.widgets.sync_progress import SyncBoard


def test_backfill_events_fill_their_own_row_and_end_when_the_pr_stream_starts() -> None:
    board = SyncBoard()
    board.start(["Web"], 0.0)
    board.apply(SyncProgress(STAGE_WORK_ITEMS, "Web", "work_items", done=120), 1.0)
    board.apply(SyncProgress(STAGE_BACKFILL, "Web", "backfill", done=3, total=7), 2.0)
    row = board.projects["Web"].streams["backfill"]
    assert (row.done, row.total, row.started, row.complete) == (3, 7, True, False)
    assert board.projects["Web"].streams["work_items"].complete  # the stream before it ended
    board.apply(SyncProgress(STAGE_PULL_REQUESTS, "Web", "pull_requests", done=1), 3.0)
    assert board.projects["Web"].streams["backfill"].complete
