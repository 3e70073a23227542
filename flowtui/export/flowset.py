"""The flow set (SPEC §8): work_items.csv, transitions.csv, throughput_weekly.csv and metrics.json.

Every value comes from `flowtui.metrics` — the same analysis and report `flowtui metrics` prints for
the same filters, window and `--as-of`; nothing is re-derived here:

* `metrics.json` is the typed report's `to_json()` (the bytes `flowtui metrics --format json` prints).
* `throughput_weekly.csv` is the report's `throughput.weekly` (the weeks overlapping the window).
* `work_items.csv` has one row per item that exists at as_of and matches the filters (removed items
  included, with bucket `removed`), ordered by id; the window does not restrict it, so WIP and aging
  items are there too. `state` and `bucket` are as of as_of; title, assignee, paths and tags are the
  stored snapshot. Durations are the per-item values of the analysis in days, rounded to 3 decimals
  like the JSON report; `age_days` only for items in doing; `blocked_days` within
  started..completed (or as_of), 0.0 for items never started.
* `transitions.csv` lists every recorded state change (creation included, `from_state` empty) up to
  as_of of those items, ordered by work item id and rev, at the instant the metrics use: a revision
  whose ChangedDate is earlier than a previous one's is clamped to it (reported in data health), so
  cycle times recomputed from this file match work_items.csv. An item with no stored revisions has
  no rows here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from flowtui.config import Settings
from flowtui.domain import ItemFilter, PullRequest
from flowtui.export.powerbi import Table
from flowtui.metrics import Analysis, FlowPolicy
from flowtui.metrics.stats import round3
from flowtui.reporting import MetricsReport, load_inputs, report_from
from flowtui.store import Store

FLOW_HEADERS: dict[str, tuple[str, ...]] = {
    "work_items.csv": (
        "id", "project", "type", "title", "state", "bucket", "assigned_to", "area_path", "iteration_path", "tags",
        "created_at", "started_at", "completed_at", "lead_time_days", "cycle_time_days", "age_days", "blocked_days",
        "reopen_count",
    ),
    "transitions.csv": ("work_item_id", "rev", "changed_at", "from_state", "to_state", "changed_by"),
    "throughput_weekly.csv": ("week", "count"),
}
METRICS_JSON = "metrics.json"
FLOW_FILES: tuple[str, ...] = (*FLOW_HEADERS, METRICS_JSON)


@dataclass(frozen=True)
class FlowData:
    """The analysis (per item) and the §7.8 report, computed once for the whole flow set."""

    analysis: Analysis
    report: MetricsReport


def flow_data(
    store: Store,
    settings: Settings,
    item_filter: ItemFilter | None,
    *,
    as_of: datetime,
    window_from: date | None = None,
    window_to: date | None = None,
    policy: FlowPolicy | None = None,
    prs: list[PullRequest] | None = None,
) -> FlowData:
    """Read the store and derive the analysis and the report through `flowtui.reporting`, the path
    `flowtui metrics` uses, so the numbers agree for the same inputs.

    `policy` defaults to the settings' `[flow]` policy; the CLI passes the policy flags on top.
    `prs`: `store.pull_requests(item_filter)` when the caller has read them already.
    """
    policy = policy or FlowPolicy.from_settings(settings)
    # every_item: work_items.csv lists every item, so none may be left out as settled.
    inputs = load_inputs(store, policy, item_filter, as_of=as_of, window_from=window_from, window_to=window_to,
                         with_prs=prs is None, every_item=True)
    if prs is not None:
        inputs = replace(inputs, prs=prs)
    return FlowData(inputs.analysis, report_from(inputs))


def flow_tables(data: FlowData) -> list[Table]:
    """The three CSV tables of the flow set, in file order."""
    flows = sorted(data.analysis.flows, key=lambda fl: fl.item.id)
    items: list[tuple[object, ...]] = []
    transitions: list[tuple[object, ...]] = []
    for fl in flows:
        w = fl.item
        items.append((
            w.id, w.project, w.type, w.title, fl.state, fl.bucket, w.assigned_to, w.area_path, w.iteration_path,
            "; ".join(w.tags) or None, fl.created_at, fl.started_at, fl.completed_at, round3(fl.lead_days),
            round3(fl.cycle_days), round3(fl.age_days), round3(fl.blocked_days), fl.reopen_count,
        ))
        if fl.no_history:
            continue
        transitions.extend(
            (w.id, s.rev, s.at, s.from_state, s.state, s.changed_by) for s in fl.steps if s.is_transition
        )
    weekly = [(row.week, row.count) for row in data.report.throughput.weekly]
    return [
        Table("work_items.csv", FLOW_HEADERS["work_items.csv"], items),
        Table("transitions.csv", FLOW_HEADERS["transitions.csv"], transitions),
        Table("throughput_weekly.csv", FLOW_HEADERS["throughput_weekly.csv"], weekly),
    ]


__all__ = ["FLOW_FILES", "FLOW_HEADERS", "METRICS_JSON", "FlowData", "flow_data", "flow_tables"]
