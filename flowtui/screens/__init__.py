"""The screens, one per module; the App builds them lazily as Textual modes (see `flowtui.app.FlowApp.MODES`).

Names are re-exported lazily (PEP 562) so importing one screen does not import every other one.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "DashboardScreen": "flowtui.screens.dashboard",
    "SyncScreen": "flowtui.screens.sync",
    "SettingsScreen": "flowtui.screens.settings",
    "HelpScreen": "flowtui.screens.help",
    "ErrorModal": "flowtui.screens.modals",
    "ExportPrompt": "flowtui.screens.modals",
    "ConfirmModal": "flowtui.screens.modals",
    "WorkItemsScreen": "flowtui.screens.work_items",
    "PullRequestsScreen": "flowtui.screens.pull_requests",
    "FlowScreen": "flowtui.screens.flow",
    "ForecastScreen": "flowtui.screens.forecast",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'flowtui.screens' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
