"""The reporting core: everything a surface (CLI, dashboard, views, exports) shows is computed here.

UI-free by contract (import-linter). `loader` reads a report's inputs from the store once.
"""

from __future__ import annotations

from flowtui.metrics import FlowPolicy
from flowtui.reporting.loader import ReportInputs, load_inputs, report_from
from flowtui.reporting.report import MetricsReport

__all__ = ["FlowPolicy", "MetricsReport", "ReportInputs", "load_inputs", "report_from"]
