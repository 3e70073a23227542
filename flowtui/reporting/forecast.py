"""The Monte Carlo forecast behind the Forecast view (no widgets).

The numbers come from `metrics.build_forecast` (SPEC §7.12). The view also draws the distribution
of trial outcomes: `trial_outcomes` takes them from the engine's own `how_many_totals` /
`when_days` (same samples, seed and draws), so the histogram shows exactly the trials whose
percentiles fill the table. A unit test checks that their percentiles equal the engine's answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flowtui.domain import ItemFilter
from flowtui.metrics import Analysis, FlowPolicy, build_forecast
from flowtui.metrics import forecast as fc
from flowtui.reporting.flow import shared_analysis
from flowtui.reporting.loader import load_inputs
from flowtui.store import Store

#: Largest horizon / target the view accepts: the engine's bounds (ten years of days; a generous item count).
MAX_DAYS = fc.MAX_TARGET_DAYS
MAX_ITEMS = fc.MAX_TARGET_ITEMS


@dataclass(frozen=True)
class ForecastRun:
    """One forecast: the engine's document and the sorted trial outcomes (empty: not enough data)."""

    document: dict[str, Any]
    outcomes: list[int]


def trial_outcomes(samples: Sequence[int], *, trials: int, seed: int, days: int | None = None,
                   items: int | None = None) -> list[int]:
    """Sorted per-trial totals (how many in `days`) or day counts (when `items` are done): the
    engine's own trials, so the histogram shows exactly what the confidence table summarises."""
    if days is not None:
        return fc.how_many_totals(samples, days, trials, seed)
    return fc.when_days(samples, items or 0, trials, seed)


def load_analysis(store: Store, policy: FlowPolicy, as_of: datetime, version: int | None = None,
                  item_filter: ItemFilter | None = None) -> Analysis:
    """Every item derived once at as_of (reused by every forecast until the data changes); with a
    data `version`, the analysis shared with the Flow view. `item_filter` narrows the items sampled."""
    if version is not None:
        return shared_analysis(store, policy, as_of, version, item_filter)
    return load_inputs(store, policy, item_filter, as_of=as_of, with_prs=False).analysis


def run_forecast(analysis: Analysis, *, days: int | None = None, items: int | None = None) -> ForecastRun:
    """The engine's forecast for one question, plus the outcomes for the histogram."""
    policy = analysis.policy
    document = build_forecast(None, [], policy, as_of=analysis.as_of, days=days, items=items, analysis=analysis)
    if document["reason"] is not None:
        return ForecastRun(document, [])
    samples = fc.daily_samples(analysis.live, analysis.as_of, policy)
    return ForecastRun(document, trial_outcomes(samples, trials=policy.trials, seed=policy.seed, days=days, items=items))


__all__ = ["Analysis", "MAX_DAYS", "MAX_ITEMS", "ForecastRun", "load_analysis", "run_forecast", "trial_outcomes"]
