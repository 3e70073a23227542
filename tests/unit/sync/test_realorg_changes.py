"""Deleted, restored, moved and retyped items between two syncs give the store of a fresh sync.
Every sync here runs on SQLite and on a real PostgreSQL (tests/conftest.py's `store_targets`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from flowtui.demo.faults import Faults
from flowtui.store import open_store

from .realorg_helpers import SANDBOX, histories_by_id, real_sim, report, run


def _same(data: dict) -> dict:
    """The dump without what the threads window decides: a PR that closed exactly at the edge of
    "the last N days" has its review times read by the earlier sync and not by the later one."""
    out = dict(data)
    out["prs"] = [replace(p, first_comment_at=None, first_vote_at=None, first_approval_at=None) for p in data["prs"]]
    return out


def _pick(sim, project: str, *, skip: set[int]) -> int:
    """A live item of `project` with a few revisions, not in `skip`."""
    for w in sorted(sim.org.work_items.values(), key=lambda w: w.id):
        if w.project.name == project and not w.is_deleted and w.id not in skip and len(w.revisions) >= 3:
            return w.id
    raise AssertionError(f"no item to pick in {project}")


def test_deletes_restores_moves_and_type_changes_between_syncs_equal_a_fresh_sync(tmp_path: Path, store_targets) -> None:  # noqa: ANN001
    inc_store, fresh_store, fresh2_store = store_targets("inc"), store_targets("fresh"), store_targets("fresh2")
    sim = real_sim()
    org = sim.org
    web, platform = "Fabrikam Web", "Contoso Platform"
    first, first_data, path = run(tmp_path, sim, target=inc_store)
    assert first.status == "success"
    in_bin = sorted(w.id for w in org.work_items.values() if w.is_deleted)
    assert in_bin  # the org starts with items in the recycle bin: never stored as live items
    assert not set(in_bin) & {w.id for w in first_data["items"]}

    org.advance(hours=24)
    used: set[int] = set()
    deleted = _pick(sim, web, skip=used); used.add(deleted)
    org.delete_item(deleted)
    restored = in_bin[0]
    org.restore_item(restored)
    moved = _pick(sim, web, skip=used); used.add(moved)
    org.move_item(moved, platform)
    moved_out = _pick(sim, platform, skip=used); used.add(moved_out)
    org.move_item(moved_out, SANDBOX)
    retyped = _pick(sim, web, skip=used); used.add(retyped)
    org.change_type(retyped, "Bug" if org.work_items[retyped].type.name != "Bug" else "Task")

    second, inc_data, _ = run(tmp_path, sim, target=inc_store)
    fresh, fresh_data, _ = run(tmp_path, sim, target=fresh_store)
    assert second.status == fresh.status == "success"
    assert _same(inc_data) == _same(fresh_data)

    got = histories_by_id(inc_data)
    assert deleted not in got and moved_out not in got
    assert got[moved][0].project == platform
    assert [r[1] for r in got[moved][1]] == list(range(1, len(org.work_items[moved].revisions) + 1))  # whole history
    assert got[retyped][0].type == org.work_items[retyped].type.name
    window_ms = int((org.now - timedelta(days=365)).timestamp() * 1000)
    # restored: back with its whole history when it is open or changed since the history start, else
    # (finished before it) not kept, as a sync from that start would not have it either
    item = org.work_items[restored]
    assert (restored in got) == (item.latest.t >= window_ms or item.is_open)
    if restored in got:
        assert [r[1] for r in got[restored][1]] == list(range(1, len(item.revisions) + 1))
    assert second.projects[web].deleted == 1 and second.projects[web].restored + second.projects[platform].restored == 1

    with open_store(path) as store:
        health = store.history_health()
        kept = store.work_item(deleted)
        assert kept is not None and kept.is_deleted  # flagged, not erased
        out = store.work_item(moved_out)
        assert out is not None and out.project == SANDBOX  # kept, out of the reports
        assert health.moved >= 2 and health.type_changed >= 1 and health.moved_out == 1
        assert health.restored == 1 and health.deleted >= 1
    findings = {e["code"]: e["count"] for e in report(path, org.now, None)["data_health"]}
    assert findings["history.deleted"] == health.deleted and findings["history.moved_out"] == 1
    assert findings["history.restored"] == 1 and findings["history.type_changed"] == health.type_changed

    # moving it back brings it back, with the revisions written while it was away
    org.move_item(moved_out, platform)
    org.restore_item(deleted)
    third, back_data, _ = run(tmp_path, sim, target=inc_store)
    again, fresh_again, _ = run(tmp_path, sim, target=fresh2_store)
    assert _same(back_data) == _same(fresh_again)
    got = histories_by_id(back_data)
    assert moved_out in got and deleted in got



def test_per_project_streams_when_the_org_stream_is_missing_complete_moves_and_deletes(tmp_path: Path, store_targets) -> None:  # noqa: ANN001
    """A server without the organization-level stream: per-project streams, moves backfilled."""
    inc_store, fresh_store = store_targets("inc"), store_targets("fresh")
    sim = real_sim(Faults(no_org_revisions=True))
    org = sim.org
    web, platform = "Fabrikam Web", "Contoso Platform"
    run(tmp_path, sim, target=inc_store)
    org.advance(hours=24)
    deleted = _pick(sim, web, skip=set())
    org.delete_item(deleted)
    moved = _pick(sim, web, skip={deleted})
    org.move_item(moved, platform)
    second, inc_data, _ = run(tmp_path, sim, target=inc_store)
    fresh, fresh_data, _ = run(tmp_path, sim, target=fresh_store)
    assert second.status == fresh.status == "success"
    assert _same(inc_data) == _same(fresh_data)
    got = histories_by_id(inc_data)
    assert deleted not in got and got[moved][0].project == platform
    assert second.backfilled == 1  # the moved item's history was re-read once
    # the organization stream was asked on the first run only, then remembered as missing
    assert sum(1 for _, path, status in sim.request_log
               if path.endswith("/_apis/wit/reporting/workitemrevisions") and status == 404) == 2  # inc + fresh
