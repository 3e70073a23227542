"""Reading a report's inputs from the store: the one path shared by `flowtui metrics`, `flowtui
forecast`, `flowtui export`, the dashboard and the flow / forecast views, so their numbers agree.

A report needs each item's history only while it can still change a number. An item that is done
(or removed) and unchanged since before `settle_cutoff` — the earliest of the window start, the
first trend week and the first forecast-history day — only adds to the counts, so by default such
items are counted in SQL instead of loaded (`every_item=False`): on a 100k-item store that is most
rows. Callers that list every item (the flow export, the CFD, `--explain`) pass `every_item=True`;
the report is identical either way (data health covers the same horizon in both cases).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from flowtui.domain import HistoryHealth, ItemFilter, PullRequest, StateCategory, SyncRun
from flowtui.metrics import Analysis, FlowPolicy, analyse, build_report, pr_cutoff, settle_cutoff, settled_states
from flowtui.reporting.report import MetricsReport
from flowtui.store import Store


@dataclass(frozen=True)
class ReportInputs:
    """Everything `build_report` needs, read once."""

    analysis: Analysis
    states: list[StateCategory]
    prs: list[PullRequest]
    runs: list[SyncRun]
    last_success: datetime | None
    item_filter: ItemFilter
    window_from: date | None
    window_to: date | None
    #: what the store knows about history completeness (data health)
    history: HistoryHealth | None = None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic collector while hundreds of thousands of small acyclic records are built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_inputs(
    store: Store,
    policy: FlowPolicy,
    item_filter: ItemFilter | None = None,
    *,
    as_of: datetime,
    window_from: date | None = None,
    window_to: date | None = None,
    with_prs: bool = True,
    every_item: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ReportInputs:
    """Read the store once and derive every item that can matter for a report at `as_of`.

    Items are read from the per-item facts derived at sync time (`Store.item_timelines`), never from
    the revisions; when the facts were derived under another blocked tag they are re-derived once
    first (`progress(done, total)` is called while that runs)."""
    f = item_filter or ItemFilter()
    store.ensure_facts(policy.blocked_tag, progress)
    with _gc_paused():
        states = store.state_categories(list(f.projects) or None)
        if every_item:
            histories = store.item_timelines(f, blocked_tag=policy.blocked_tag)
            settled: dict[str, int] = {}
        else:
            cutoff = settle_cutoff(policy, as_of, window_from, window_to)
            done_states = settled_states(states, policy)
            histories = store.item_timelines(f, blocked_tag=policy.blocked_tag, settled_before=cutoff,
                                             settled_states=done_states)
            settled = store.count_settled(f, settled_before=cutoff, settled_states=done_states)
        prs: list[PullRequest] = []
        if with_prs:
            since = pr_cutoff(policy, as_of, window_from, window_to)
            prs = store.pull_requests(f, closed_after=since - timedelta(microseconds=1))
        runs = store.sync_runs(20)
        last_success = store.last_successful_sync()
        history = store.history_health(list(f.projects))
        analysis = analyse(histories, states, policy, as_of, settled=settled)
    return ReportInputs(analysis, states, prs, runs, last_success, f, window_from, window_to, history)


def report_from(inputs: ReportInputs) -> MetricsReport:
    """The SPEC §7.8 report, typed, for inputs read by `load_inputs`."""
    with _gc_paused():
        return MetricsReport.from_document(build_report(
            None, inputs.states, inputs.prs, inputs.runs, inputs.analysis.policy, as_of=inputs.analysis.as_of,
            window_from=inputs.window_from, window_to=inputs.window_to, filters=inputs.item_filter,
            last_success=inputs.last_success, analysis=inputs.analysis, history=inputs.history,
        ))
