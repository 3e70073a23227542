"""Sync orchestration: ADO → store, with cursors, progress callbacks and a run record. No Textual."""

from __future__ import annotations

from flowtui.sync.engine import run_sync
from flowtui.sync.progress import ProjectCounts, SyncProgress, SyncSummary

__all__ = ["ProjectCounts", "SyncProgress", "SyncSummary", "run_sync"]
