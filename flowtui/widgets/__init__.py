"""Reusable widgets. TUI-shell: the KPI table, the sync progress panel and the status bar (every
screen yields a `StatusBar()` at the top); TUI-views: terminal charts (`flowtui.widgets.charts`)."""

from __future__ import annotations

from flowtui.widgets.kpi_table import Kpi, KpiTable, sparkline
from flowtui.widgets.status_bar import StatusBar
from flowtui.widgets.sync_progress import SyncBoard, SyncProgressPanel

__all__ = ["Kpi", "KpiTable", "StatusBar", "SyncBoard", "SyncProgressPanel", "sparkline"]
