"""The metrics engine: pure functions over `flowtui.domain` records (no Peewee, Textual or httpx).

Entry points: `FlowPolicy.from_settings`, `analyse` (derive every item once), `build_report`
(SPEC §7.8), `build_forecast`, `dumps` (deterministic JSON), `explain_item` / `explain_lines`.
The building blocks live in submodules: buckets, calendar, stats, item_flow, flow, trends,
forecast, prs, health.
"""

from __future__ import annotations

from flowtui.metrics.buckets import BUCKETS, DOING, DONE, REMOVED, TODO, StateMap
from flowtui.metrics.explain import explain_item, explain_lines
from flowtui.metrics.item_flow import ItemFlow, Step, derive_item, derive_items
from flowtui.metrics.policy import FlowPolicy
from flowtui.metrics.report import (
    NO_DATA,
    Analysis,
    analyse,
    build_forecast,
    build_report,
    dumps,
    pr_cutoff,
    settle_cutoff,
    settled_states,
)
from flowtui.metrics.stats import percentile, summarize

__all__ = [
    "BUCKETS", "DOING", "DONE", "NO_DATA", "REMOVED", "TODO", "Analysis", "FlowPolicy", "ItemFlow",
    "StateMap", "Step", "analyse", "build_forecast", "build_report", "derive_item", "derive_items",
    "dumps", "explain_item", "explain_lines", "percentile", "pr_cutoff", "settle_cutoff", "settled_states", "summarize",
]
