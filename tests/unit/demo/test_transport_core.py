"""Transport basics: auth failures, api-version, headers, errors, projects, types, states, repos."""

from __future__ import annotations

import httpx

from flowtui.demo import Faults, SimulatedAdo, generate_org

from .conftest import NOW, V, make_client


def test_success_headers_and_content_type(org, client_for) -> None:
    _, c = client_for(org)
    r = c.get("/_apis/projects", params=V)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8; api-version=7.1"
    assert r.headers["cache-control"] == "no-cache"
    for name in ("activityid", "x-vss-e2eid", "x-tfs-session"):
        assert len(r.headers[name]) == 36
    assert "retry-after" not in r.headers and "x-ratelimit-limit" not in r.headers


def test_bad_pat_with_suppress_is_401_empty(org, client_for) -> None:
    _, c = client_for(org, pat="wrong")
    r = c.get("/_apis/projects", params=V)
    assert r.status_code == 401 and r.content == b""
    assert r.headers["www-authenticate"].startswith("Basic realm=")
    assert r.headers["content-length"] == "0"


def test_bad_pat_without_suppress_is_203_html(org, client_for) -> None:
    _, c = client_for(org, pat="wrong", suppress=False)
    r = c.get("/_apis/projects", params=V)
    assert r.status_code == 203
    assert r.headers["content-type"].startswith("text/html")
    assert "Sign In" in r.text


def test_missing_auth_is_rejected_too(org) -> None:
    sim = SimulatedAdo(org)
    with httpx.Client(transport=sim.transport, base_url=sim.base_url,
                      headers={"X-TFS-FedAuthRedirect": "Suppress"}) as c:
        assert c.get("/_apis/projects", params=V).status_code == 401


def test_bad_pat_302_mode(org, client_for) -> None:
    _, c = client_for(org, Faults(bad_pat_mode="302_signin"), pat="wrong")
    r = c.get("/_apis/projects", params=V)
    assert r.status_code == 302 and "_signin" in r.headers["location"]


def test_post_without_api_version_is_400(org, client_for) -> None:
    _, c = client_for(org)
    r = c.post("/Fabrikam Web/_apis/wit/wiql", json={"query": "SELECT [System.Id] FROM WorkItems"})
    assert r.status_code == 400
    body = r.json()
    assert body["typeKey"] == "VssVersionNotSpecifiedException" and '"POST"' in body["message"]
    assert r.headers["content-type"] == "application/json; charset=utf-8"  # no api-version on errors


def test_get_without_api_version_gets_the_server_version(org, client_for) -> None:
    _, c = client_for(org, Faults(max_api_version="6.0"))
    r = c.get("/_apis/projects")
    assert r.headers["content-type"].endswith("api-version=6.0")


def test_version_out_of_range_names_the_supported_version(org, client_for) -> None:
    _, c = client_for(org, Faults.old_server("6.0"))
    r = c.get("/_apis/projects", params=V)
    assert r.status_code == 400
    body = r.json()
    assert body["typeKey"] == "VssVersionOutOfRangeException"
    assert "7.1 is out of range" in body["message"] and body["message"].endswith("supports is 6.0.")
    ok = c.get("/_apis/projects", params={"api-version": "6.0"})
    assert ok.status_code == 200 and ok.headers["content-type"].endswith("api-version=6.0")


def test_version_in_accept_header_and_preview(org, client_for) -> None:
    _, c = client_for(org)
    r = c.get("/_apis/projects", headers={"Accept": "application/json;api-version=7.0"})
    assert r.headers["content-type"].endswith("api-version=7.0")
    assert c.get("/_apis/projects", params={"api-version": "7.2"}).json()["typeKey"] == \
        "VssInvalidPreviewVersionException"
    assert c.get("/_apis/projects", params={"api-version": "7.2-preview.1"}).status_code == 200
    assert c.get("/_apis/projects", params={"api-version": "8.0"}).status_code == 400


def test_unknown_route_is_404_text_plain(org, client_for) -> None:
    _, c = client_for(org)
    r = c.get("/Fabrikam Web/_apis/wit/nothing", params=V)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    assert "was not found or does not implement IController" in r.text
    assert "IController" in httpx.URL("http://x/?" + "q=" + r.headers["x-tfs-serviceerror"]).params["q"]


def test_unknown_project_is_tf200016_and_unknown_repo_tf401019(org, client_for) -> None:
    _, c = client_for(org)
    r = c.get("/Nope/_apis/wit/workitemtypes", params=V)
    assert r.status_code == 404
    body = r.json()
    assert body["message"].startswith("TF200016: The following project does not exist: Nope.")
    assert body["typeKey"] == "ProjectDoesNotExistWithNameException" and body["eventId"] == 3000
    assert set(body) == {"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"}
    r = c.get("/Fabrikam Web/_apis/git/repositories/nope/pullRequests/1/threads", params=V)
    assert r.status_code == 404 and r.json()["message"].startswith("TF401019:")


def test_projects_paging_by_continuation_token(client_for) -> None:
    # 2 real projects + 150 sandboxes = 152: first page 100 with token, second page 52, no token.
    org = generate_org(7, "tiny", now=NOW, extra_empty_projects=150)
    _, c = client_for(org)
    first = c.get("/_apis/projects", params=V)
    assert first.json()["count"] == 100 and len(first.json()["value"]) == 100
    token = first.headers["x-ms-continuationtoken"]
    second = c.get("/_apis/projects", params={**V, "continuationToken": token})
    assert second.json()["count"] == 52 and "x-ms-continuationtoken" not in second.headers
    names = [p["name"] for p in first.json()["value"] + second.json()["value"]]
    assert len(set(names)) == 152
    top = c.get("/_apis/projects", params={**V, "$top": "1"})
    assert top.json()["count"] == 1 and top.headers["x-ms-continuationtoken"] == "1"


def test_project_shape(org, client_for) -> None:
    _, c = client_for(org)
    p = c.get("/_apis/projects", params=V).json()["value"][0]
    assert set(p) <= {"id", "name", "description", "url", "state", "revision", "visibility", "lastUpdateTime"}
    assert p["state"] == "wellFormed" and p["url"].startswith("https://dev.azure.com/contoso-demo/_apis/projects/")


def test_states_have_categories_including_custom(org, client_for) -> None:
    _, c = client_for(org)
    r = c.get("/Contoso Platform/_apis/wit/workitemtypes/Product Backlog Item/states", params=V)
    states = {s["name"]: s["category"] for s in r.json()["value"]}
    assert states == {"New": "Proposed", "Approved": "Proposed", "Committed": "InProgress",
                      "In Review": "InProgress", "Ready for Test": "Resolved", "Done": "Completed",
                      "Removed": "Removed"}
    assert r.json()["count"] == 7
    # project by GUID, lower-case type name
    pid = org.project("Fabrikam Web").id
    agile = c.get(f"/{pid}/_apis/wit/workitemtypes/user story/states", params=V).json()
    assert [s["name"] for s in agile["value"]] == ["New", "Active", "Resolved", "Closed", "Removed"]
    missing = c.get("/Fabrikam Web/_apis/wit/workitemtypes/Epic/states", params=V)
    assert missing.status_code == 404 and missing.json()["eventId"] == 3200


def test_work_item_types_and_repositories(org, client_for) -> None:
    _, c = client_for(org)
    types = c.get("/Fabrikam Web/_apis/wit/workitemtypes", params=V).json()
    assert [t["name"] for t in types["value"]] == ["User Story", "Bug", "Task"]
    assert types["value"][0]["states"][1] == {"name": "Active", "color": "007acc", "category": "InProgress"}
    repos = c.get("/Fabrikam Web/_apis/git/repositories", params=V).json()
    assert repos["count"] == 1 and repos["value"][0]["name"] == "fabrikam-web"
    assert c.get("/_apis/git/repositories", params=V).json()["count"] == 2


def test_urls_follow_the_request_host(org) -> None:
    sim = SimulatedAdo(org)
    with make_client(sim, base_url="http://127.0.0.1:8080/contoso-demo") as c:
        p = c.get("/_apis/projects", params=V).json()["value"][0]
    assert p["url"].startswith("http://127.0.0.1:8080/contoso-demo/_apis/projects/")


def test_server_collection_path(org) -> None:
    sim = SimulatedAdo(org, base_url="https://tfs.corp/tfs/DefaultCollection")
    with make_client(sim) as c:
        assert c.get("/_apis/projects", params=V).status_code == 200
    with httpx.Client(transport=sim.transport, auth=("", "demo-pat")) as c:
        assert c.get("https://tfs.corp/other/_apis/projects", params=V).status_code == 404


def test_request_log_and_counts(org, client_for) -> None:
    sim, c = client_for(org)
    c.get("/_apis/projects", params=V)
    c.get("/Nope/_apis/wit/workitemtypes", params=V)
    c.get("/_apis/bogus", params=V)
    assert sim.request_log == [("GET", "/contoso-demo/_apis/projects", 200),
                               ("GET", "/contoso-demo/Nope/_apis/wit/workitemtypes", 404),
                               ("GET", "/contoso-demo/_apis/bogus", 404)]
    assert sim.counts_by_route() == {"projects": 1, "unknown": 1, "workitemtypes": 1}


def test_states_preview_only_knob(org, client_for) -> None:
    _, c = client_for(org, Faults.old_server("6.0", states_preview_only=True))
    url = "/Fabrikam Web/_apis/wit/workitemtypes/Bug/states"
    r = c.get(url, params={"api-version": "6.0"})
    assert r.status_code == 400 and r.json()["typeKey"] == "VssInvalidPreviewVersionException"
    ok = c.get(url, params={"api-version": "6.0-preview.1"})
    assert ok.status_code == 200 and ok.headers["content-type"].endswith("api-version=6.0-preview.1")
