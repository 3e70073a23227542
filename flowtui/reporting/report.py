"""The typed metrics report (SPEC §7.8): what crosses from the reporting core to the CLI, the views
and the export, instead of a `dict[str, Any]` read through string keys.

`MetricsReport.from_document` wraps the engine's document (`metrics.build_report`); `to_json()`
writes exactly the bytes `flowtui metrics --format json` always wrote (same keys, same order, same
rounding), and `as_document()` gives the plain document back for the CSV and table renderers.
Sections whose keys depend on the policy or the data (percentiles, states, trend series) stay
ordered mappings inside a typed section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from flowtui.metrics import dumps

Number = float | int | None


def _plain(obj: Any) -> dict[str, Any]:
    """A section as its JSON object: its fields in declaration order (`from_` is written `from`)."""
    return {f.name.rstrip("_"): _value(getattr(obj, f.name)) for f in fields(obj)}


def _value(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return value.as_json() if hasattr(value, "as_json") else _plain(value)
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _value(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ReportWindow:
    """The completion window: first and last local day (ISO dates) and the time zone."""

    from_: str
    to: str
    timezone: str


@dataclass(frozen=True)
class ReportFilters:
    """The filters the report was computed under (echoed)."""

    projects: tuple[str, ...]
    types: tuple[str, ...]
    area: str | None


@dataclass(frozen=True)
class ReportPolicy:
    """The flow policy switches that change the numbers."""

    cycle_start: str
    resolved_is_done: bool


@dataclass(frozen=True)
class Counts:
    """Items by bucket at as_of, and how many completed in the window."""

    items: int
    todo: int
    doing: int
    done: int
    removed: int
    completed_in_window: int


@dataclass(frozen=True)
class Durations:
    """n, then mean, the policy's percentiles (`p50`…) and max, in days, in that order."""

    n: int
    stats: Mapping[str, Number]

    def get(self, key: str) -> Number:
        """One statistic by name (`"mean"`, `"p85"`, `"max"`); None when the policy has no such percentile."""
        return self.stats.get(key)

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, **self.stats}


@dataclass(frozen=True)
class WeekCount:
    """Completions in one ISO week of the window."""

    week: str
    count: int


@dataclass(frozen=True)
class Throughput:
    """Completions in the window: total, per day and per ISO week."""

    total: int
    per_day: float | None
    weekly: tuple[WeekCount, ...]


@dataclass(frozen=True)
class Wip:
    """Work in progress now (by state) and its daily mean over the window."""

    current: int
    by_state: Mapping[str, int]
    daily_mean: float | None


@dataclass(frozen=True)
class FlowEfficiency:
    """Mean and median flow efficiency (0–1) of the window's completions, or why there is none."""

    mean: float | None
    median: float | None
    reason: str | None


@dataclass(frozen=True)
class Bottleneck:
    """The doing state with the largest share of time, its share and p85 dwell (days)."""

    state: str | None
    share: float | None
    p85_days: float | None


@dataclass(frozen=True)
class LittlesLaw:
    """Little's law: average WIP ÷ throughput per day, against the measured cycle time."""

    avg_wip: float | None
    throughput_per_day: float | None
    avg_cycle_time_days: float | None
    implied_cycle_time_days: float | None
    ratio: float | None


@dataclass(frozen=True)
class Sle:
    """The service level expectation: the policy's cycle-time percentile, in days."""

    percentile: int
    days: float | None


@dataclass(frozen=True)
class Trends:
    """The 12-week series: `weeks` (ISO week labels) and each series by name, in report order."""

    weeks: tuple[str, ...]
    series: Mapping[str, tuple[Number, ...]]

    def __getitem__(self, name: str) -> tuple[Number, ...]:
        return self.weeks if name == "weeks" else self.series[name]

    def as_json(self) -> dict[str, Any]:
        return {"weeks": list(self.weeks), **{k: list(v) for k, v in self.series.items()}}


@dataclass(frozen=True)
class P50P90:
    """A count and its p50 / p90."""

    n: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class ReviewerLoad:
    """One reviewer's votes on the window's PRs."""

    user: str
    voted: int
    approved: int
    rejected: int


@dataclass(frozen=True)
class PullRequestStats:
    """The pull requests completed in the window."""

    completed_in_window: int
    cycle_time_hours: P50P90
    first_review_hours: P50P90
    merged_without_approval: int
    reviewers: tuple[ReviewerLoad, ...]


@dataclass(frozen=True)
class HealthFinding:
    """One data-health finding: a stable code, how many, and a sentence (server text inside)."""

    code: str
    count: int
    message: str


@dataclass(frozen=True)
class MetricsReport:
    """The SPEC §7.8 report, typed. Field order is the JSON key order."""

    schema: str
    as_of: str
    window: ReportWindow
    filters: ReportFilters
    policy: ReportPolicy
    counts: Counts
    lead_time_days: Durations
    cycle_time_days: Durations
    age_days: Durations
    throughput: Throughput
    wip: Wip
    flow_efficiency: FlowEfficiency
    blocked_days_total: float | None
    time_in_state_days: Mapping[str, Mapping[str, float | None]]
    bottleneck: Bottleneck
    littles_law: LittlesLaw
    sle: Sle
    trends: Trends
    pull_requests: PullRequestStats
    data_health: tuple[HealthFinding, ...]

    @property
    def no_data(self) -> bool:
        """True when the store holds nothing to report on (the `no_data` health finding)."""
        return any(h.code == "no_data" for h in self.data_health)

    def as_document(self) -> dict[str, Any]:
        """The plain JSON document (dicts and lists), keys in report order."""
        return _plain(self)

    def to_json(self) -> str:
        """The report as `flowtui metrics --format json` prints it (2-space indent, UTF-8, newline)."""
        return dumps(self.as_document())

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> MetricsReport:
        """Type the engine's document (`metrics.build_report`)."""
        w, f, p, t, pr = doc["window"], doc["filters"], doc["policy"], doc["throughput"], doc["pull_requests"]
        trends = doc["trends"]
        return cls(
            schema=doc["schema"],
            as_of=doc["as_of"],
            window=ReportWindow(w["from"], w["to"], w["timezone"]),
            filters=ReportFilters(tuple(f["projects"]), tuple(f["types"]), f["area"]),
            policy=ReportPolicy(p["cycle_start"], p["resolved_is_done"]),
            counts=Counts(**doc["counts"]),
            lead_time_days=_durations(doc["lead_time_days"]),
            cycle_time_days=_durations(doc["cycle_time_days"]),
            age_days=_durations(doc["age_days"]),
            throughput=Throughput(t["total"], t["per_day"], tuple(WeekCount(**x) for x in t["weekly"])),
            wip=Wip(**doc["wip"]),
            flow_efficiency=FlowEfficiency(**doc["flow_efficiency"]),
            blocked_days_total=doc["blocked_days_total"],
            time_in_state_days=doc["time_in_state_days"],
            bottleneck=Bottleneck(**doc["bottleneck"]),
            littles_law=LittlesLaw(**doc["littles_law"]),
            sle=Sle(**doc["sle"]),
            trends=Trends(tuple(trends["weeks"]), {k: tuple(v) for k, v in trends.items() if k != "weeks"}),
            pull_requests=PullRequestStats(
                pr["completed_in_window"], P50P90(**pr["cycle_time_hours"]), P50P90(**pr["first_review_hours"]),
                pr["merged_without_approval"], tuple(ReviewerLoad(**r) for r in pr["reviewers"]),
            ),
            data_health=tuple(HealthFinding(**h) for h in doc["data_health"]),
        )


def _durations(row: Mapping[str, Any]) -> Durations:
    return Durations(row["n"], {k: v for k, v in row.items() if k != "n"})


__all__ = [
    "Bottleneck", "Counts", "Durations", "FlowEfficiency", "HealthFinding", "LittlesLaw", "MetricsReport", "P50P90",
    "PullRequestStats", "ReportFilters", "ReportPolicy", "ReportWindow", "ReviewerLoad", "Sle", "Throughput", "Trends",
    "WeekCount", "Wip",
]
