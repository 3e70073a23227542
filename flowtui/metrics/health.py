"""Data-health findings (SPEC §7.13): what in the data makes numbers doubtful, with counts.

Only findings with a non-zero count are listed, always in the order of `CODES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flowtui.domain import HistoryHealth, PullRequest, SyncRun
from flowtui.metrics.buckets import DONE, REMOVED
from flowtui.metrics.item_flow import ItemFlow
from flowtui.metrics.prs import completed

CODES = (
    "no_data", "unmapped_state", "done_without_doing", "reopened", "out_of_order", "no_history",
    "pr_without_reviewers", "sync_failed", "sync_throttled", "stale_data",
    # history completeness (what the sync knows, `history_findings`)
    "history.incomplete", "history.pending", "history.backfilled", "history.stale_wip", "history.deleted",
    "history.restored", "history.moved", "history.type_changed", "history.moved_out",
)
STALE_AFTER = timedelta(days=1)


def _names(values: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def findings(flows: Sequence[ItemFlow], pull_requests: Sequence[PullRequest], runs: Sequence[SyncRun],
             as_of: datetime, *, last_success: datetime | None = None,
             has_items: bool | None = None) -> list[dict[str, object]]:
    """[{"code", "count", "message"}] for every problem found.

    `runs` are the recent sync runs; `last_success` (when known) is the end of the last successful
    run, which may be older than every run in `runs`. `has_items` says whether the store holds any
    work item when `flows` is only a subset (the report's horizon); by default it is `bool(flows)`.
    """
    out: list[dict[str, object]] = []

    def add(code: str, count: int, message: str) -> None:
        if count:
            out.append({"code": code, "count": count, "message": message})

    if not (flows if has_items is None else has_items) and not pull_requests:
        add("no_data", 1, "no data yet — run sync")
    unmapped_set: set[tuple[str, str, str]] = set()
    skip: list[int] = []
    reopened: list[int] = []
    late: list[int] = []
    bare: list[int] = []
    for f in flows:  # one pass, plain attribute reads: this runs over every item
        if f.unmapped_states:
            unmapped_set.update((f.item.project, f.item.type, s) for s in f.unmapped_states)
        if f.out_of_order:
            late.append(f.item.id)
        if f.no_history:
            bare.append(f.item.id)
        if f.bucket == REMOVED:
            continue
        if f.bucket == DONE and f.started_step is None:
            skip.append(f.item.id)
        if f.reopen_steps:
            reopened.append(f.item.id)
    unmapped = sorted(unmapped_set)
    skip.sort()
    reopened.sort()
    late.sort()
    bare.sort()
    add("unmapped_state", len(unmapped),
        "states with no ADO category or override, counted as doing: "
        + _names([f"{p}/{t}/{s}" for p, t, s in unmapped]) + " (map them in [flow.state_overrides])")
    add("done_without_doing", len(skip),
        "items reached done without ever being in doing (no cycle time): " + _names([str(i) for i in skip]))
    add("reopened", len(reopened), "items were reopened after done: " + _names([str(i) for i in reopened]))
    add("out_of_order", len(late),
        "items have revisions whose date is earlier than a previous revision's (taken at the previous time): "
        + _names([str(i) for i in late]))
    add("no_history", len(bare), "items have no revisions stored (current state assumed since creation): "
        + _names([str(i) for i in bare]))
    lonely = sorted(p.uid for p in completed(pull_requests) if not p.reviewers)
    add("pr_without_reviewers", len(lonely), "completed pull requests had no reviewers: " + _names(lonely))
    # A run killed mid-way (marked `interrupted` at the next start) left its data as incomplete as a failed one.
    failed = [r for r in runs if r.status in ("failed", "interrupted")]
    interrupted = sum(1 for r in failed if r.status == "interrupted")
    add("sync_failed", len(failed), "recent sync runs failed"
        + (f" ({interrupted} interrupted)" if interrupted else "")
        + (f"; first error: {failed[0].first_error}" if failed and failed[0].first_error else ""))
    throttled = [r for r in runs if r.throttled_seconds > 0]
    add("sync_throttled", len(throttled), "recent sync runs were throttled for "
        f"{sum(r.throttled_seconds for r in throttled):.0f} s in total")
    if flows or pull_requests:
        ok = [r.finished_at for r in runs if r.status == "success" and r.finished_at is not None]
        last = max(ok + ([last_success] if last_success else []), default=None)
        if last is None:
            add("stale_data", 1, "no successful sync is recorded — run sync")
        elif as_of - last > STALE_AFTER:
            add("stale_data", 1, f"the last successful sync finished {last.strftime('%Y-%m-%d %H:%M')} UTC, "
                "more than a day before as_of — run sync")
    return out


def history_findings(h: HistoryHealth | None) -> list[dict[str, object]]:
    """Findings about history completeness: what was completed, and what could not be (with why).

    Informational entries (backfilled, stale WIP, deleted, restored, moved) say the numbers already
    account for them; `history.incomplete` and `history.pending` say they may not.
    """
    if h is None:
        return []
    out: list[dict[str, object]] = []

    def add(code: str, count: int, message: str) -> None:
        if count:
            out.append({"code": code, "count": count, "message": message})

    why = [f"{i}: {reason}" for i, reason in h.incomplete]
    add("history.incomplete", len(h.incomplete), "items whose history could not be completed: " + _names(why, 3))
    add("history.pending", h.pending_backfill,
        "items still wait for their earlier revisions (an interrupted sync) — run sync")
    add("history.backfilled", h.backfilled,
        "items started before the history start or moved in had their earlier revisions backfilled")
    add("history.stale_wip", h.stale_open,
        "open items unchanged since before the history start were found and stored (stale WIP)")
    add("history.deleted", h.deleted, "items are in the Azure DevOps recycle bin: kept, left out of every number")
    add("history.restored", h.restored, "items were restored from the recycle bin and count again")
    add("history.moved", h.moved, "items moved between synced projects count in their new project, whole history")
    add("history.type_changed", h.type_changed, "items changed type: they count as their latest type")
    add("history.moved_out", h.moved_out,
        "items moved to a project or type that is not synced: kept, left out of every number")
    return out
