"""Shared pieces of the real-organization tests: a small org with realities, syncs, comparable reports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flowtui.demo.faults import Faults
from flowtui.demo.generator import generate_org
from flowtui.demo.transport import SimulatedAdo
from flowtui.metrics.policy import FlowPolicy
from flowtui.reporting import load_inputs, report_from
from flowtui.store import open_store
from flowtui.sync import run_sync

from .helpers import FakeTime, dump, make_settings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SANDBOX = "Sandbox 001"


def real_sim(faults: Faults | None = None) -> SimulatedAdo:
    """The tiny org with its realities, plus one idle project that is never synced (a move target)."""
    org = generate_org(seed=11, size="tiny", now=NOW, realities=True, extra_empty_projects=1)
    return SimulatedAdo(org, faults=faults)


def synced_projects(sim: SimulatedAdo) -> list[str]:
    return [p.name for p in sim.org.projects if p.name != SANDBOX]


def run(tmp_path: Path, sim: SimulatedAdo, *, since: date | None = None, now: datetime | None = None,
        full: bool = False, target: Path | str | None = None) -> tuple[Any, dict[str, Any], Path | str]:
    """One sync of the synced projects into `target` (else `tmp_path/store.sqlite`); returns (summary, dump,
    the store's path or URL)."""
    settings = make_settings(tmp_path, sim.base_url, synced_projects(sim), target=target)
    fake = FakeTime()
    with open_store(settings.store_target) as store:
        summary = run_sync(settings, store, pat=sim.pat, transport=sim.transport, sleep=fake.sleep,
                           clock=fake.clock, now=now or sim.org.now, since=since, full=full)
        return summary, dump(store), settings.store_target


def report(path: Path | str, as_of: datetime, window_from: date) -> dict[str, Any]:
    """The metrics report of a store (as `flowtui metrics --format json`), minus the sync-run facts."""
    with open_store(path) as store:
        out = report_from(load_inputs(store, FlowPolicy(), as_of=as_of, window_from=window_from)).as_document()
    return _strip_runs(out)


def _strip_runs(value: Any) -> Any:
    """Drop what describes the sync runs (times, request counts), not the organization's data."""
    if isinstance(value, dict):
        return {k: _strip_runs(v) for k, v in value.items()
                if k not in ("last_sync", "last_success", "sync", "runs", "generated_at", "sync_runs")}
    if isinstance(value, list):
        return [_strip_runs(v) for v in value]
    return value


def histories_by_id(data: dict[str, Any]) -> dict[int, tuple[Any, list[Any]]]:
    """item id -> (snapshot, its revisions) from a `dump`."""
    revs: dict[int, list[Any]] = {}
    for r in data["revisions"]:
        revs.setdefault(r[0], []).append(r)
    return {w.id: (w, revs.get(w.id, [])) for w in data["items"]}
