"""Complete histories whatever the history start: backfill of items first seen mid-history, stale WIP.
Every sync here runs on SQLite and on a real PostgreSQL (tests/conftest.py's `store_targets`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flowtui.demo.processes import COMPLETED, REMOVED
from flowtui.demo.worktime import dt_to_ms, ms_to_dt
import pytest

from flowtui.store import open_store

from .realorg_helpers import SANDBOX, histories_by_id, real_sim, report, run


def late_sim_route(sim, route: str) -> int:
    """Requests of one route the simulator answered for the *first* sync made with it."""
    return sim.first_counts.get(route, 0)


def _began(sim) -> date:
    return ms_to_dt(min(w.created_ms for w in sim.org.work_items.values())).date()


def test_since_a_year_after_the_org_began_gives_the_metrics_and_items_of_a_sync_from_the_beginning(tmp_path: Path, store_targets) -> None:  # noqa: ANN001
    late_store, full_store = store_targets("late"), store_targets("full")
    sim = real_sim()
    org = sim.org
    began = _began(sim)
    since = began + timedelta(days=365)
    start_ms = dt_to_ms(datetime(since.year, since.month, since.day, tzinfo=UTC))
    # the org really has what the test is about: stale WIP and items started before the start
    live = [w for w in org.work_items.values() if not w.is_deleted and w.project.name != SANDBOX]
    stale = {w.id for w in live if w.is_open and w.latest.t < start_ms}
    mid = {w.id for w in live if w.created_ms < start_ms <= w.latest.t}
    assert len(stale) >= 2 and len(mid) >= 2

    late, late_data, late_path = run(tmp_path, sim, since=since, target=late_store)
    sim.first_counts = sim.counts_by_route()
    full, full_data, full_path = run(tmp_path, sim, since=began, target=full_store)
    assert late.status == full.status == "success"

    # every item open now or changed since the start: the same snapshot and every revision from rev 1
    late_h, full_h = histories_by_id(late_data), histories_by_id(full_data)
    wanted = {w.id for w in live if w.is_open or w.latest.t >= start_ms}
    assert wanted <= set(late_h)
    for item_id in sorted(wanted):
        assert late_h[item_id] == full_h[item_id], item_id
        assert [r[1] for r in late_h[item_id][1]] == list(range(1, len(org.work_items[item_id].revisions) + 1))
    # what the late sync does not have is exactly the items finished (or removed) before the start
    missing = set(full_h) - set(late_h)
    assert missing == {w.id for w in live if w.latest.t < start_ms and w.category in (COMPLETED, REMOVED)}

    # every metric of the report (as_of fixed, window from the start) is the same
    late_report, full_report = report(late_path, org.now, since), report(full_path, org.now, since)
    assert late_report["counts"]["items"] == full_report["counts"]["items"] - len(missing)
    for key in ("items", "done"):
        late_report["counts"].pop(key), full_report["counts"].pop(key)
    for rep in (late_report, full_report):  # what each sync had to do to complete histories differs, by design
        rep["data_health"] = [e for e in rep["data_health"] if not e["code"].startswith("history.")]
    assert late_report == full_report

    # the run summary counts the backfill and its requests: one revisions page per backfilled item (< 200
    # revisions each), one batch request per project for the current revs of its stale items (so each
    # item's list ends at its last rev, without an empty page), plus the states of a type first met in
    # an old revision (read once per run)
    assert late.stale_items == len(stale)
    assert late.backfilled == len(stale | mid) == late_sim_route(sim, "workitem_revisions")
    assert late_sim_route(sim, "workitemsbatch") == 2  # the two synced projects, each with stale items
    assert late.backfilled + 2 <= late.backfill_requests <= late.backfilled + 2 + 2
    with open_store(late_path) as store:
        health = store.history_health()
        assert (health.backfilled, health.stale_open, health.pending_backfill, health.incomplete) == (late.backfilled, len(stale), 0, ())


def test_backfill_is_resumable_a_kill_loses_nothing_and_repeats_nothing(tmp_path: Path, store_targets, monkeypatch) -> None:  # noqa: ANN001
    whole_store, cut_store = store_targets("whole"), store_targets("cut")
    sim = real_sim()
    since = _began(sim) + timedelta(days=365)
    whole_summary, whole, _ = run(tmp_path, sim, since=since, target=whole_store)

    cut = real_sim()
    seen: list[int] = []

    class Stop(Exception):
        pass

    # stop the run (as a kill would) after the second backfilled item of the first project
    from flowtui.sync import history

    original = history._backfill_one

    def one(ctx, project, item_id, *args):
        if len(seen) == 2:
            raise Stop
        original(ctx, project, item_id, *args)
        seen.append(item_id)

    monkeypatch.setattr(history, "_backfill_one", one)
    with pytest.raises(Stop):
        run(tmp_path, cut, since=since, target=cut_store)
    monkeypatch.undo()
    with open_store(cut_store) as store:
        assert store.history_health().backfilled == 2  # committed with their revisions
        pending = sum(len(store.pending_backfill(p.name)) for p in cut.org.projects)
        assert pending > 0
    before = cut.counts_by_route().get("workitem_revisions", 0)
    summary, resumed, _ = run(tmp_path, cut, since=since, target=cut_store)
    assert summary.status == "success" and resumed == whole
    # only the items still marked were read: nothing repeated
    # only what was not committed is read: 2 items before the kill + the rest after it = one uninterrupted run
    again = cut.counts_by_route()["workitem_revisions"] - before
    assert again == summary.backfilled == whole_summary.backfilled - 2 and again >= pending


def test_unchanged_sync_of_an_unchanged_org_stays_within_three_requests_per_project(tmp_path: Path, store_target: Path | str) -> None:
    sim = real_sim()
    run(tmp_path, sim, target=store_target)
    before = sim.request_count
    again, _, _ = run(tmp_path, sim, now=sim.org.now + timedelta(minutes=30), target=store_target)
    assert again.status == "success" and again.backfilled == 0 and again.stale_items == 0
    per_project = {name: p.requests for name, p in again.projects.items()}
    # the organization stream (1, in the first project's stage) + the recycle bin + the PR list
    assert all(n <= 3 for n in per_project.values()), per_project
    assert sim.request_count - before == again.requests == 1 + 2 * len(per_project)
