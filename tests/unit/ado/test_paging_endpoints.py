"""Paging helpers and endpoint functions against small scripted MockTransport servers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx
import pytest

from flowtui.ado import endpoints
from flowtui.ado.paging import iter_skip_pages
from flowtui.errors import PayloadError

from .helpers import error_body, json_response, make_client


def test_projects_follow_the_continuation_token_header() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("continuationToken")
        seen.append(token)
        if token is None:
            return json_response(200, {"value": [{"id": "1", "name": "A"}], "count": 1}, headers={"x-ms-continuationtoken": "tok-2"})
        return json_response(200, {"count": 1, "value": [{"id": "2", "name": "B"}]})

    names = [p["name"] for p in endpoints.list_projects(make_client(handler))]
    assert names == ["A", "B"] and seen == [None, "tok-2"]


def test_top_skip_paging_reads_past_a_short_page_until_an_empty_one() -> None:
    """A short page is not the end (servers cap page sizes): the list ends at the first empty page."""
    skips: list[int] = []
    rows = [{"n": i} for i in range(237)]

    def handler(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params["$skip"])
        skips.append(skip)
        assert request.url.params["$top"] == "100"
        page = rows[skip : skip + 100]
        return json_response(200, {"count": len(page), "value": page})

    pages = list(iter_skip_pages(make_client(handler), "_apis/x", project="P", top=100))
    assert skips == [0, 100, 200, 237]  # 100 + 100 + 37, then the empty page that proves the end
    assert sum(len(p) for p in pages) == 237


def test_revisions_token_taken_from_next_link_when_field_is_missing() -> None:
    bodies = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append((request.method, request.url.params.get("continuationToken"), json.loads(request.content)))
        return json_response(200, {
            "values": [{"id": 3, "rev": 8, "fields": {"System.State": "Done"}}],
            "nextLink": "https://dev.azure.com/contoso/_apis/wit/reporting/workItemRevisions?continuationToken=813%3B350%3B1&api-version=7.1",
            "isLastBatch": True,
        })

    batch = endpoints.reporting_revisions(make_client(handler), "P", continuation_token="700;1;1", types=["Bug"])
    assert batch.continuation_token == "813;350;1" and batch.is_last_batch
    method, token, body = bodies[0]
    assert method == "POST" and token == "700;1;1"
    assert body["includeIdentityRef"] is True and body["types"] == ["Bug"] and "System.ChangedDate" in body["fields"]


def test_revisions_without_values_list_is_payload_error() -> None:
    client = make_client(lambda r: json_response(200, {"values": "nope"}))
    with pytest.raises(PayloadError):
        endpoints.reporting_revisions(client, "P")


def test_completed_prs_use_one_window_and_filter_and_dedupe_client_side() -> None:
    """An old server ignores minTime/maxTime: PRs outside the window are dropped, repeats deduped."""
    window = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))

    def pr(n: int, closed: str) -> dict:
        return {"pullRequestId": n, "status": "completed", "repository": {"id": "r1", "name": "repo"},
                "creationDate": "2026-10-01T00:00:00Z", "closedDate": closed}

    inside = [pr(n, "2026-11-10T10:00:00.1234567Z") for n in range(100, 0, -1)]  # 100 PRs, ids 100..1
    queries = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(dict(request.url.params))
        skip = int(request.url.params["$skip"])
        if skip == 0:
            return json_response(200, {"count": 100, "value": inside})
        # second page: a repeat of PR 1, one closed before the window, one exactly at maxTime, one inside
        return json_response(200, {"count": 4, "value": [
            pr(1, "2026-11-10T10:00:00Z"), pr(500, "2026-10-31T23:59:59.9999999Z"),
            pr(501, "2026-11-23T00:00:00Z"), pr(502, "2026-11-22T23:59:59.9999999+00:00")]})

    pages = list(endpoints.completed_pull_requests(make_client(handler), "P", *window))
    ids = [p["pullRequestId"] for page in pages for p in page]
    assert len(ids) == 101 and 502 in ids and 500 not in ids and 501 not in ids  # 100 + PR 502
    # the third request (skip 104) gets the second page again: no new ids, a short page — the end
    assert [q["$skip"] for q in queries] == ["0", "100", "104"]
    q = queries[0]
    assert q["searchCriteria.status"] == "completed" and q["searchCriteria.queryTimeRangeType"] == "closed"
    assert q["searchCriteria.minTime"] == "2026-11-01T00:00:00.000000Z" and q["searchCriteria.maxTime"] == "2026-11-23T00:00:00.000000Z"


def test_wiql_is_sliced_by_id_keyset_and_halved_on_the_result_cap() -> None:
    all_ids = list(range(1, 46))  # 45 matching items
    posts = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        top = int(request.url.params["$top"])
        assert request.url.params["timePrecision"] == "true"
        posts.append(top)
        if top > 20:
            return json_response(400, error_body("VS402337: The number of work items returned exceeds the size limit of 20000.",
                                                 "WorkItemTrackingQueryResultSizeLimitExceededException", 3200))
        after = int(re.search(r"\[System.Id\] > (\d+)", query).group(1))
        ids = [i for i in all_ids if i > after][:top]
        return json_response(200, {"queryType": "flat", "workItems": [{"id": i, "url": "u"} for i in ids]})

    slices = list(endpoints.wiql_ids(make_client(handler), "P", "[System.ChangedDate] >= '2026-01-01T00:00:00Z'", slice_size=160))
    assert [i for s in slices for i in s] == all_ids
    # 160 → 80 → 40 → 20 refused/halved (3 errors), then 20 + 20 + 5 ids in three slices
    assert posts == [160, 80, 40, 20, 20, 20]


def test_work_items_batch_chunks_under_200_ids() -> None:
    sizes = []

    def handler(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["ids"]
        sizes.append(len(ids))
        return json_response(200, {"count": len(ids), "value": [{"id": i, "rev": 1, "fields": {}} for i in ids]})

    items = endpoints.work_items_batch(make_client(handler), "P", list(range(1, 451)))
    assert sizes == [200, 200, 50] and len(items) == 450


def test_work_items_get_fallback_sends_comma_separated_ids() -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.params["ids"]))
        return json_response(200, {"count": 0, "value": []})

    endpoints.work_items_batch(make_client(handler), "P", [5, 6, 7], use_get=True)
    assert seen == [("GET", "5,6,7")]
