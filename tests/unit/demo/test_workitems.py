"""WIQL, workitemsbatch / workitems?ids= and per-item updates."""

from __future__ import annotations

from flowtui.demo import Faults
from flowtui.timeutil import parse_ado_datetime

from .conftest import V

WIQL = "/Fabrikam Web/_apis/wit/wiql"
TP = {**V, "timePrecision": "true"}


def _ids(r) -> list[int]:
    assert r.status_code == 200, r.text
    return [w["id"] for w in r.json()["workItems"]]


def test_wiql_project_filter_and_order(org, client_for) -> None:
    _, c = client_for(org)
    q = "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project ORDER BY [System.Id] DESC"
    r = c.post(WIQL, params=V, json={"query": q})
    expected = sorted((w.id for w in org.items_of("Fabrikam Web")), reverse=True)
    assert _ids(r) == expected
    body = r.json()
    assert body["queryType"] == "flat" and body["queryResultType"] == "workItem"
    assert body["asOf"] == "2026-11-23T12:00:00Z"
    assert body["sortColumns"] == [{"field": body["columns"][0], "descending": True}]
    assert body["workItems"][0]["url"] == f"https://dev.azure.com/contoso-demo/_apis/wit/workItems/{expected[0]}"


def test_wiql_without_project_clause_spans_the_org(org, client_for) -> None:
    _, c = client_for(org)
    r = c.post(WIQL, params=V, json={"query": "SELECT [System.Id] FROM WorkItems"})
    assert _ids(r) == sorted(w.id for w in org.items_of())
    assert "sortColumns" not in r.json()


def test_wiql_conditions(org, client_for) -> None:
    _, c = client_for(org)
    q = ("SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = 'Contoso Platform' AND "
         "[System.WorkItemType] IN ('Bug', 'Task') AND [System.State] <> 'Done' AND [System.Id] > 10 "
         "ORDER BY [System.Id]")
    expected = [w.id for w in org.items_of("Contoso Platform")
                if w.type.name in ("Bug", "Task") and w.state != "Done" and w.id > 10]
    assert _ids(c.post(WIQL, params=V, json={"query": q})) == expected


def test_wiql_dates_need_time_precision(org, client_for) -> None:
    _, c = client_for(org)
    q = ("SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '2026-11-01T06:00:00Z' "
         "ORDER BY [System.ChangedDate]")
    r = c.post(WIQL, params=V, json={"query": q})
    assert r.status_code == 400
    assert r.json()["message"].startswith("You cannot supply a time with the date when running a query "
                                          "using date precision.")
    assert r.json()["eventId"] == 3200
    cut = parse_ado_datetime("2026-11-01T06:00:00Z").timestamp() * 1000
    expected = sorted((w for w in org.items_of() if w.latest.t >= cut), key=lambda w: w.latest.t)
    assert _ids(c.post(WIQL, params=TP, json={"query": q})) == [w.id for w in expected]
    # date-only literal at day precision: whole days compare, so 06:00 changes count for 2026-11-01
    q_day = "SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '2026-11-01'"
    day_cut = parse_ado_datetime("2026-11-01T00:00:00Z").timestamp() * 1000
    assert set(_ids(c.post(WIQL, params=V, json={"query": q_day}))) == {
        w.id for w in org.items_of() if w.latest.t >= day_cut}


def test_wiql_cap_and_top(org, client_for) -> None:
    _, c = client_for(org, Faults(wiql_max_results=10))
    q = "SELECT [System.Id] FROM WorkItems ORDER BY [System.Id]"
    r = c.post(WIQL, params=V, json={"query": q})
    assert r.status_code == 400
    body = r.json()
    assert body["message"].startswith("VS402337: The number of work items returned exceeds the size limit of 10.")
    assert body["typeKey"] == "WorkItemTrackingQueryResultSizeLimitExceededException" and body["eventId"] == 3200
    assert _ids(c.post(WIQL, params={**V, "$top": "5"}, json={"query": q})) == [1, 2, 3, 4, 5]


def test_wiql_syntax_errors(org, client_for) -> None:
    _, c = client_for(org)
    assert c.post(WIQL, params=V, json={"query": "SELECT [System.Nope] FROM WorkItems"}).status_code == 400
    assert c.post(WIQL, params=V, json={"query": "SELEC x"}).status_code == 400
    r = c.post("/_apis/wit/wiql", params=V,
               json={"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"})
    assert r.status_code == 400  # @project needs a project in the URL


def test_batch_limits_and_conflicts(org, client_for) -> None:
    _, c = client_for(org)
    url = "/Fabrikam Web/_apis/wit/workitemsbatch"
    r = c.post(url, params=V, json={"ids": list(range(1, 202))})
    assert r.status_code == 400
    assert r.json()["message"] == "VS403474: You requested 201 work items which exceeds the limit of 200"
    r = c.post(url, params=V, json={"ids": [1], "fields": ["System.State"], "$expand": "all"})
    assert r.status_code == 400 and "can not be used with the fields parameter" in r.json()["message"]
    r = c.post(url, params=V, json={"ids": [1, 99999]})
    assert r.status_code == 404 and r.json()["message"].startswith("TF401232: Work item 99999")
    r = c.post(url, params=V, json={"ids": [1, 99999], "errorPolicy": "omit"})
    assert r.status_code == 200 and r.json()["count"] == 2 and r.json()["value"][1] is None


def test_batch_fields_identity_objects_and_as_of(org, client_for) -> None:
    _, c = client_for(org)
    item = max(org.items_of(), key=lambda w: len(w.revisions))
    url = "/Fabrikam Web/_apis/wit/workitemsbatch"
    r = c.post(url, params=V, json={"ids": [item.id], "fields": ["System.Id", "System.State", "System.ChangedBy"]})
    got = r.json()["value"][0]
    assert got["id"] == item.id and got["rev"] == item.latest.rev
    assert got["fields"]["System.State"] == item.state
    assert got["fields"]["System.ChangedBy"]["uniqueName"] == item.latest.changed_by.unique_name
    second = item.revisions[1]
    r = c.post(url, params=V, json={"ids": [item.id], "fields": ["System.State"],
                                    "asOf": second.fields["System.ChangedDate"]})
    assert r.json()["value"][0]["rev"] == 2 and r.json()["value"][0]["fields"]["System.State"] == second.state
    default = c.post(url, params=V, json={"ids": [item.id]}).json()["value"][0]["fields"]
    assert "System.Id" not in default and "System.Rev" not in default and "System.Title" in default


def test_get_workitems_ids(org, client_for) -> None:
    _, c = client_for(org)
    r = c.get("/_apis/wit/workitems", params={**V, "ids": "3,1", "fields": "System.Id,System.Title"})
    assert [w["id"] for w in r.json()["value"]] == [3, 1]
    too_many = ",".join(str(i) for i in range(1, 202))
    assert c.get("/_apis/wit/workitems", params={**V, "ids": too_many}).status_code == 400


def test_updates_revised_date_and_paging(org, client_for) -> None:
    _, c = client_for(org)
    item = max(org.items_of("Fabrikam Web"), key=lambda w: len(w.revisions))
    n = len(item.revisions)
    url = f"/Fabrikam Web/_apis/wit/workItems/{item.id}/updates"
    all_ups = c.get(url, params=V).json()
    assert all_ups["count"] == n and [u["rev"] for u in all_ups["value"]] == list(range(1, n + 1))
    first, second, last = all_ups["value"][0], all_ups["value"][1], all_ups["value"][-1]
    # revisedDate of update k is the ChangedDate of revision k+1; the last one is the 9999 sentinel
    assert first["revisedDate"] == item.revisions[1].fields["System.ChangedDate"]
    assert last["revisedDate"] == "9999-01-01T00:00:00Z"
    assert all("oldValue" not in v for v in first["fields"].values())
    assert second["fields"]["System.ChangedDate"] == {
        "oldValue": item.revisions[0].fields["System.ChangedDate"],
        "newValue": item.revisions[1].fields["System.ChangedDate"]}
    assert second["revisedBy"]["name"].endswith(">")
    page = c.get(url, params={**V, "$top": "2", "$skip": "1"}).json()
    assert [u["rev"] for u in page["value"]] == [2, 3]
    assert c.get("/Fabrikam Web/_apis/wit/workItems/99999/updates", params=V).status_code == 404


def test_updates_old_value_omitted_when_empty(org, client_for) -> None:
    _, c = client_for(org)
    # find a revision where AssignedTo went from nobody to somebody
    for item in org.items_of():
        for a, b in zip(item.revisions, item.revisions[1:]):
            if a.assigned_to is None and b.assigned_to is not None:
                ups = c.get(f"/_apis/wit/workItems/{item.id}/updates", params=V).json()["value"]
                change = ups[b.rev - 1]["fields"]["System.AssignedTo"]
                assert "oldValue" not in change and change["newValue"]["id"] == b.assigned_to.id
                return
    raise AssertionError("no unassigned -> assigned change in the tiny org")


def test_wiql_numeric_field_with_quoted_number_and_more_operators(org, client_for) -> None:
    _, c = client_for(org)
    quoted = "SELECT [System.Id] FROM WorkItems WHERE [System.Id] > '60' ORDER BY [System.Id]"
    # 68 items in the tiny org, minus deleted ones: ids 61..68 that are not deleted
    assert _ids(c.post(WIQL, params=V, json={"query": quoted})) == [w.id for w in org.items_of() if w.id > 60]
    q = ("SELECT [System.Id] FROM WorkItems WHERE [System.AreaPath] UNDER 'Fabrikam Web' AND "
         "([System.State] = 'Closed' OR [System.State] NOT IN ('New', 'Active')) AND [System.ChangedDate] >= @today - 90")
    cut = (org.now_ms // 86_400_000 - 90) * 86_400_000
    expected = [w.id for w in org.items_of() if w.latest.area_path.startswith("Fabrikam Web")
                and w.state not in ("New", "Active") and w.latest.t >= cut]
    assert expected and _ids(c.post(WIQL, params=V, json={"query": q})) == expected


def test_reporting_post_body_is_validated(org, client_for) -> None:
    _, c = client_for(org)
    url = "/Fabrikam Web/_apis/wit/reporting/workitemrevisions"
    assert c.post(url, params=V, json={"fields": "System.Id"}).status_code == 400
    assert c.post(url, params=V, json={"includeIdentityRef": "false"}).status_code == 400


def test_revisions_route_gives_full_snapshots(org, client_for) -> None:
    _, c = client_for(org)
    item = max(org.items_of("Fabrikam Web"), key=lambda w: len(w.revisions))
    data = c.get(f"/Fabrikam Web/_apis/wit/workItems/{item.id}/revisions", params={**V, "$top": "2", "$skip": "1"}).json()
    assert [r["rev"] for r in data["value"]] == [2, 3]
    assert data["value"][0]["fields"]["System.State"] == item.revisions[1].state
    assert data["value"][0]["url"].endswith(f"/_apis/wit/workItems/{item.id}/revisions/2")
