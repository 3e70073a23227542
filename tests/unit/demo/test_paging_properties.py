"""Property tests: any page size walks every revision / PR exactly once, in order."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowtui.demo import SimulatedAdo, generate_org

from .conftest import NOW, V, make_client

ORG = generate_org(7, "tiny", now=NOW)  # read-only here
SIM = SimulatedAdo(ORG)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=st.integers(min_value=1, max_value=400), project=st.sampled_from(["Fabrikam Web", "Contoso Platform"]))
def test_any_max_page_size_streams_every_revision_once(page: int, project: str) -> None:
    expected = [(r.item.id, r.rev) for r in ORG.project(project).revisions if not r.item.is_deleted]
    got, token, calls = [], None, 0
    with make_client(SIM) as c:
        while True:
            params = {**V, "$maxPageSize": str(page), **({"continuationToken": token} if token else {})}
            data = c.post(f"/{project}/_apis/wit/reporting/workitemrevisions", params=params,
                          json={"fields": ["System.Id"]}).json()
            calls += 1
            assert len(data["values"]) <= page
            got += [(v["id"], v["rev"]) for v in data["values"]]
            token = data["continuationToken"]
            if data["isLastBatch"]:
                break
    assert got == expected
    # pages are full until the end: ceil(visible revisions / page) requests, plus one when the last
    # full page is followed only by hidden (deleted) revisions; at least one request
    full = max(1, -(-len(expected) // page))
    assert calls in (full, full + 1)


@settings(max_examples=25, deadline=None)
@given(top=st.integers(min_value=1, max_value=30))
def test_any_top_pages_every_pr_once_newest_first(top: int) -> None:
    expected = sorted((p.pull_request_id for p in ORG.prs_of("Fabrikam Web")), reverse=True)
    got, skip = [], 0
    with make_client(SIM) as c:
        while True:
            page = c.get("/Fabrikam Web/_apis/git/pullrequests",
                         params={**V, "searchCriteria.status": "all", "$top": str(top), "$skip": str(skip)}).json()
            got += [p["pullRequestId"] for p in page["value"]]
            if page["count"] < top:
                break
            skip += top
    assert got == expected
