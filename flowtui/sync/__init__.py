"""Sync orchestration: ADO → store, with cursors, progress callbacks and a run record. No Textual.

`run_sync` is imported on first use: it pulls in the HTTP stack (httpx, tenacity), which commands
such as `flowtui metrics` never need but would otherwise pay for at start-up via `flowtui.sync.progress`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowtui.sync.progress import ProjectCounts, SyncProgress, SyncSummary

if TYPE_CHECKING:
    from flowtui.sync.engine import run_sync

__all__ = ["ProjectCounts", "SyncProgress", "SyncSummary", "run_sync"]


def __getattr__(name: str) -> Any:
    if name == "run_sync":
        from flowtui.sync.engine import run_sync

        return run_sync
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
