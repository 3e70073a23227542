"""The realities knob of the simulated org: old history, stale WIP, moves, type changes, the recycle
bin, and the server's clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx

from flowtui.demo import SimulatedAdo, generate_org
from flowtui.demo.processes import COMPLETED, REMOVED
from flowtui.demo.worktime import DAY_MS

from .conftest import NOW, V

Build = Callable[..., tuple[SimulatedAdo, httpx.Client]]


def _real():
    return generate_org(7, "tiny", now=NOW, realities=True, extra_empty_projects=1)


def test_realities_add_history_older_than_the_default_start_with_stale_wip_and_long_runners() -> None:
    plain, org = generate_org(7, "tiny", now=NOW), _real()
    year_ago = org.now_ms - 365 * DAY_MS
    old = [w for w in org.work_items.values() if w.created_ms < org.now_ms - 400 * DAY_MS]
    assert old and not [w for w in plain.work_items.values() if w.created_ms < year_ago]
    assert min(w.created_ms for w in old) < org.now_ms - 700 * DAY_MS  # about two years of history
    stale = [w for w in old if w.is_open and w.latest.t < year_ago]
    long_runners = [w for w in old if w.latest.t >= year_ago and w.category in (COMPLETED, REMOVED)]
    assert len(stale) >= 2 and len(long_runners) >= 2
    assert all(year_ago - w.latest.t > 0 for w in stale)  # unchanged for more than a year


def test_moves_and_type_changes_are_revisions_that_change_team_project_and_type() -> None:
    org = _real()
    moved = [w for w in org.work_items.values() if len({r.proj.name for r in w.revisions}) > 1]
    retyped = [w for w in org.work_items.values() if len({r.wit.name for r in w.revisions}) > 1]
    assert moved and retyped
    item = moved[0]
    first, last = item.revisions[0].fields, item.revisions[-1].fields
    assert first["System.TeamProject"] != last["System.TeamProject"] == item.project.name
    assert retyped[0].revisions[-1].fields["System.WorkItemType"] == retyped[0].type.name


def test_project_stream_drops_a_moved_item_from_its_old_project_and_shows_it_in_the_new(client_for: Build) -> None:
    org = _real()
    item = next(w for w in org.work_items.values() if w.project.name == "Fabrikam Web" and not w.is_deleted)
    rev = org.move_item(item.id, "Contoso Platform")
    _, client = client_for(org)

    def ids_revs(project: str) -> list[tuple[int, int]]:
        body = client.post(f"/{project}/_apis/wit/reporting/workitemrevisions", params=V, json={}).json()
        return [(v["id"], v["rev"]) for v in body["values"]]

    assert not [r for i, r in ids_revs("Fabrikam Web") if i == item.id]
    assert [r for i, r in ids_revs("Contoso Platform") if i == item.id] == [rev.rev]
    org_level = client.post("/_apis/wit/reporting/workitemrevisions", params=V, json={}).json()["values"]
    assert [v["rev"] for v in org_level if v["id"] == item.id] == list(range(1, rev.rev + 1))  # whole history
    # the per-item revisions route has every revision, each with the project it was written in
    revs = client.get(f"/_apis/wit/workitems/{item.id}/revisions", params={**V, "$top": 200}).json()["value"]
    assert [r["fields"]["System.TeamProject"] for r in revs][-2:] == ["Fabrikam Web", "Contoso Platform"]


def test_recycle_bin_lists_deleted_items_which_disappear_everywhere_else_until_restored(client_for: Build) -> None:
    org = _real()
    item = next(w for w in org.work_items.values() if w.project.name == "Fabrikam Web" and not w.is_deleted)
    org.delete_item(item.id)
    _, client = client_for(org)
    listed = client.get("/Fabrikam Web/_apis/wit/recyclebin", params=V).json()
    assert item.id in [r["id"] for r in listed["value"]] and listed["count"] == len(listed["value"])
    one = client.get(f"/Fabrikam Web/_apis/wit/recyclebin/{item.id}", params=V).json()
    assert (one["id"], one["project"]) == (item.id, "Fabrikam Web") and "deletedDate" in one
    assert client.get(f"/_apis/wit/workitems/{item.id}/revisions", params=V).status_code == 404
    query = {"query": f"SELECT [System.Id] FROM WorkItems WHERE [System.Id] = {item.id}"}
    assert client.post("/Fabrikam Web/_apis/wit/wiql", params=V, json=query).json()["workItems"] == []
    org.restore_item(item.id)
    assert item.id not in [r["id"] for r in client.get("/Fabrikam Web/_apis/wit/recyclebin", params=V).json()["value"]]
    assert client.get(f"/_apis/wit/workitems/{item.id}/revisions", params=V).status_code == 200
    assert client.get(f"/Fabrikam Web/_apis/wit/recyclebin/{item.id}", params=V).status_code == 404


def test_date_header_is_the_servers_clock_and_moves_with_the_org(client_for: Build) -> None:
    org = _real()
    _, client = client_for(org)
    assert parsedate_to_datetime(client.get("/_apis/projects", params=V).headers["date"]) == NOW
    org.advance(hours=5)
    assert parsedate_to_datetime(client.get("/_apis/projects", params=V).headers["date"]) == NOW + timedelta(hours=5)
