"""Pull request list, single PR and threads routes."""

from __future__ import annotations

import re

import pytest

from flowtui.demo import Faults, SimulatedAdo, generate_org
from flowtui.timeutil import parse_ado_datetime

from .conftest import NOW, V, make_client

PRS = "/Fabrikam Web/_apis/git/pullrequests"
SEVEN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")


@pytest.fixture(scope="module")
def default_org():
    return generate_org(7, "default", now=NOW)


@pytest.fixture
def c(default_org):
    sim = SimulatedAdo(default_org)
    with make_client(sim) as client:
        yield client


def _completed(org) -> list:
    return sorted(org.prs_of("Fabrikam Web", "completed"), key=lambda p: -p.pull_request_id)


def test_default_status_is_active(default_org, c) -> None:
    got = c.get(PRS, params=V).json()
    expected = sorted((p.pull_request_id for p in default_org.prs_of("Fabrikam Web", "active")), reverse=True)
    assert [p["pullRequestId"] for p in got["value"]] == expected
    assert {p["status"] for p in got["value"]} == {"active"}


def test_top_defaults_to_101_and_skip_pages(default_org, c) -> None:
    completed = _completed(default_org)
    assert len(completed) > 202
    first = c.get(PRS, params={**V, "searchCriteria.status": "completed"}).json()
    assert first["count"] == 101
    assert [p["pullRequestId"] for p in first["value"]] == [p.pull_request_id for p in completed[:101]]
    seen = []
    skip = 0
    while True:
        page = c.get(PRS, params={**V, "searchCriteria.status": "completed", "$top": "100",
                                  "$skip": str(skip)}).json()["value"]
        seen += [p["pullRequestId"] for p in page]
        if len(page) < 100:
            break
        skip += 100
    assert seen == [p.pull_request_id for p in completed]


def test_list_item_shape(default_org, c) -> None:
    items = c.get(PRS, params={**V, "searchCriteria.status": "all", "$top": "1000"}).json()["value"]
    by_id = {p.pull_request_id: p for p in default_org.prs_of("Fabrikam Web")}
    long_desc = [i for i in items if len(by_id[i["pullRequestId"]].description) > 400]
    assert long_desc and all(len(i["description"]) == 400 for i in long_desc)
    for item in items:
        pr = by_id[item["pullRequestId"]]
        assert SEVEN.match(item["creationDate"])
        assert parse_ado_datetime(item["creationDate"]) == pr.creation
        assert item["repository"]["project"]["lastUpdateTime"] == "0001-01-01T00:00:00"
        assert item["repository"]["project"]["state"] == "unchanged"
        assert "_links" not in item
        if pr.status == "abandoned":
            assert "mergeStatus" not in item and "closedBy" not in item and SEVEN.match(item["closedDate"])
            assert "lastMergeCommit" not in item
        if pr.status == "completed":
            assert item["mergeStatus"] == "succeeded" and parse_ado_datetime(item["closedDate"]) == pr.closed
            assert item["lastMergeCommit"]["author"]["date"].endswith("Z")
        if pr.status == "active":
            assert "closedDate" not in item
        votes = {r["id"]: r["vote"] for r in item["reviewers"]}
        assert votes == {r.identity.id: r.vote for r in pr.reviewers}
    groups = [r for i in items for r in i["reviewers"] if r.get("isContainer")]
    assert groups and all(g["uniqueName"].startswith("vstfs:///Classification/TeamProject/") for g in groups)
    assert any(r.get("isRequired") for i in items for r in i["reviewers"])
    assert all(r["isRequired"] is True for i in items for r in i["reviewers"] if "isRequired" in r)
    assert all(i["isDraft"] == by_id[i["pullRequestId"]].is_draft for i in items)


def test_closed_time_range(default_org, c) -> None:
    lo, hi = "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"
    lo_dt, hi_dt = parse_ado_datetime(lo), parse_ado_datetime(hi)
    got = c.get(PRS, params={**V, "searchCriteria.status": "completed",
                             "searchCriteria.queryTimeRangeType": "closed", "searchCriteria.minTime": lo,
                             "searchCriteria.maxTime": hi, "$top": "1000"}).json()["value"]
    expected = [p.pull_request_id for p in _completed(default_org) if lo_dt <= p.closed <= hi_dt]
    assert expected and [p["pullRequestId"] for p in got] == expected


def test_old_server_ignores_time_range(default_org) -> None:
    sim = SimulatedAdo(default_org, faults=Faults.old_server("7.0"))
    with make_client(sim) as c:
        got = c.get(PRS, params={"api-version": "7.0", "searchCriteria.status": "completed",
                                 "searchCriteria.queryTimeRangeType": "closed",
                                 "searchCriteria.minTime": "2026-11-20T00:00:00Z", "$top": "1000"}).json()
    assert got["count"] == len(_completed(default_org))


def test_single_pr_and_bad_status(default_org, c) -> None:
    pr = _completed(default_org)[0]
    one = c.get(f"/Fabrikam Web/_apis/git/pullrequests/{pr.pull_request_id}", params=V).json()
    assert one["description"] == pr.description and "_links" in one
    assert one["repository"]["project"]["state"] == "wellFormed"
    assert c.get("/Fabrikam Web/_apis/git/pullrequests/999999", params=V).status_code == 404
    assert c.get(PRS, params={**V, "searchCriteria.status": "merged"}).status_code == 400


def test_threads(default_org, c) -> None:
    prs = [p for p in _completed(default_org) if any(t.kind == "VoteUpdate" for t in p.threads)
           and p.first_comment_at() is not None]
    pr = prs[0]
    url = f"/Fabrikam Web/_apis/git/repositories/{pr.repository.name}/pullRequests/{pr.pull_request_id}/threads"
    data = c.get(url, params=V).json()
    assert data["count"] == len(pr.threads)
    votes = [t for t in data["value"] if t["properties"].get("CodeReviewThreadType", {}).get("$value") == "VoteUpdate"]
    assert votes
    v = votes[0]
    assert v["comments"][0]["commentType"] == "system" and v["comments"][0]["author"]["isContainer"] is True
    assert v["properties"]["CodeReviewVoteResult"]["$type"] == "System.String"
    assert v["identities"]["1"]["id"] == v["properties"]["CodeReviewVotedByTfId"]["$value"]
    assert "status" not in v
    text = next(t for t in data["value"] if t["comments"][0]["commentType"] == "text")
    assert text["status"] in ("active", "fixed", "closed")
    first = parse_ado_datetime(min(cm["publishedDate"] for t in data["value"] for cm in t["comments"]
                                   if cm["commentType"] == "text" and not cm.get("isDeleted")
                                   and cm["author"]["id"] != pr.created_by.id))
    assert first == pr.first_comment_at()
    # deleted comments keep their entry without content
    deleted = [(p, cm) for p in _completed(default_org)[:150] for t in p.threads for cm in t.comments if cm.is_deleted]
    p, cm = deleted[0]
    org_level = c.get(f"/_apis/git/repositories/{p.repository.id}/pullRequests/{p.pull_request_id}/threads",
                      params=V)
    by_name = c.get(f"/_apis/git/repositories/{p.repository.name}/pullRequests/{p.pull_request_id}/threads",
                    params=V)
    assert by_name.status_code == 404  # at org level the repository must be named by GUID
    body = c.get(f"/{p.project.name}/_apis/git/repositories/{p.repository.id}/pullRequests/"
                 f"{p.pull_request_id}/threads", params=V).json()
    assert org_level.json() == body
    gone = [x for t in body["value"] for x in t["comments"] if x.get("isDeleted")]
    assert gone and all("content" not in x for x in gone)
