"""Hardening, paging family: every paged loop is bounded, and capped pages lose nothing.

The helpers are driven against small `httpx.MockTransport` servers that misbehave on purpose; each
test asserts the request count the helper needed to stop (at most a few) and the sentence it raised.
Sync-level and CLI-level tests of the same misbehaviours against the simulator live in
`tests/unit/sync/test_sync_paging.py`.
"""

from __future__ import annotations

import itertools
import json
import re

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowtui.ado import endpoints
from flowtui.ado.paging import (
    NO_PROGRESS_LIMIT,
    PageSize,
    PagingError,
    RequestBudget,
    RevisionsBatch,
    StreamGuard,
    iter_skip_pages,
    iter_token_pages,
)
from flowtui.errors import PayloadError

from .helpers import json_response, make_client


def _skip_server(rows: list[dict], caps: list[int], *, ignore_skip: bool = False):
    """A `$top/$skip` server whose page sizes cycle through `caps` (each capped by `$top`)."""
    calls: list[int] = []
    sizes = itertools.cycle(caps)

    def handler(request: httpx.Request) -> httpx.Response:
        skip = 0 if ignore_skip else int(request.url.params["$skip"])
        calls.append(skip)
        size = min(int(request.url.params["$top"]), next(sizes))
        page = rows[skip : skip + size]
        return json_response(200, {"count": len(page), "value": page})

    return handler, calls


# ---- $top / $skip -------------------------------------------------------------------------------
def test_capped_pages_lose_nothing_and_end_at_the_empty_page() -> None:
    rows = [{"id": i} for i in range(250)]
    handler, calls = _skip_server(rows, [37])
    got = [r["id"] for page in iter_skip_pages(make_client(handler), "_apis/x", top=100) for r in page]
    assert got == list(range(250))
    # 250 = 6 x 37 + 28: seven pages with rows, then the empty page that ends the list
    assert calls == [0, 37, 74, 111, 148, 185, 222, 250]


def test_a_page_shorter_than_one_the_list_served_is_its_end_without_a_confirming_request() -> None:
    rows = [{"id": i} for i in range(250)]
    handler, calls = _skip_server(rows, [37])
    size = PageSize()
    got = [r["id"] for page in iter_skip_pages(make_client(handler), "_apis/x", top=100, page_size=size) for r in page]
    # 250 = 6 x 37 + 28: the 28 is shorter than the 37 already served, so no empty page is asked for
    assert got == list(range(250)) and calls == [0, 37, 74, 111, 148, 185, 222] and size.largest == 37

    # a later run that knows the size: one short page is the whole list (an unchanged re-sync costs 1)
    handler, calls = _skip_server(rows[:5], [37])
    assert [len(p) for p in iter_skip_pages(make_client(handler), "_apis/x", top=100, page_size=size)] == [5]
    assert calls == [0]

    # a list that never showed its size: a short first page is confirmed by an empty one
    handler, calls = _skip_server(rows[:5], [37])
    fresh = PageSize()
    assert [len(p) for p in iter_skip_pages(make_client(handler), "_apis/x", top=100, page_size=fresh)] == [5]
    assert calls == [0, 5] and fresh.largest == 5


def test_ignored_skip_on_a_full_page_stops_at_the_second_request() -> None:
    rows = [{"id": i} for i in range(250)]
    handler, calls = _skip_server(rows, [100], ignore_skip=True)
    pages = iter_skip_pages(make_client(handler), "_apis/git/pullrequests", top=100)
    assert [r["id"] for r in next(pages)] == list(range(100))
    with pytest.raises(PagingError) as info:
        next(pages)
    assert len(calls) == 2
    assert "_apis/git/pullrequests ignored $skip" in info.value.message and "100 rows already received" in info.value.message


def test_ignored_skip_on_a_short_whole_list_is_its_end() -> None:
    """A server that ignores `$skip` but sent the whole list in one short page: nothing lost, no error."""
    rows = [{"id": i} for i in range(11)]
    handler, calls = _skip_server(rows, [100], ignore_skip=True)
    got = [r["id"] for page in iter_skip_pages(make_client(handler), "_apis/x", top=100) for r in page]
    assert got == list(range(11)) and len(calls) == 2


def test_overlapping_pages_are_deduplicated_by_id() -> None:
    """A list that shifts under the reader (a new row on top) repeats a row: kept once."""
    rows = [{"id": i} for i in range(5)]
    answers = iter([rows[0:2], [rows[1], rows[2]], rows[3:5], []])
    client = make_client(lambda r: json_response(200, {"value": next(answers)}))
    got = [r["id"] for page in iter_skip_pages(client, "_apis/x", top=2) for r in page]
    assert got == [0, 1, 2, 3, 4]


def test_updates_stop_when_the_items_last_rev_was_seen() -> None:
    """`done()` saves the confirming request when the caller knows the list is complete."""
    updates = [{"id": n, "rev": n, "fields": {}} for n in range(1, 6)]
    handler, calls = _skip_server(updates, [200])
    got = endpoints.work_item_updates(make_client(handler), "P", 9, last_rev=5)
    assert [u["rev"] for u in got] == [1, 2, 3, 4, 5] and calls == [0]
    handler, calls = _skip_server(updates, [200])
    endpoints.work_item_updates(make_client(handler), "P", 9)  # rev unknown: one more, empty page
    assert calls == [0, 5]


def test_capped_updates_ignoring_skip_fail_when_revs_are_missing() -> None:
    """Capped pages (5) and an ignored `$skip`: the item's rev (12) says rows are missing: an error."""
    updates = [{"id": n, "rev": n, "fields": {}} for n in range(1, 13)]
    handler, calls = _skip_server(updates, [5], ignore_skip=True)
    with pytest.raises(PagingError, match=r"_apis/wit/workitems/9/updates of 'P' ignored \$skip: asked for the rows after 5"):
        endpoints.work_item_updates(make_client(handler), "P", 9, last_rev=12)
    assert calls == [0, 0]
    handler, calls = _skip_server(updates, [5])  # capped only: every update, ⌈12 / 5⌉ requests
    got = endpoints.work_item_updates(make_client(handler), "P", 9, last_rev=12)
    assert [u["rev"] for u in got] == list(range(1, 13)) and calls == [0, 5, 10]


def test_pull_requests_ignoring_skip_fail_naming_the_route() -> None:
    from datetime import UTC, datetime

    prs = [{"pullRequestId": n, "status": "completed", "repository": {"id": "r"}, "closedDate": "2026-11-10T00:00:00Z"}
           for n in range(300, 0, -1)]
    handler, calls = _skip_server(prs, [100], ignore_skip=True)
    window = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
    seen: list[int] = []
    with pytest.raises(PagingError, match=r"_apis/git/pullrequests of 'P' ignored \$skip"):
        for page in endpoints.completed_pull_requests(make_client(handler), "P", *window):
            seen += [p["pullRequestId"] for p in page]
    assert len(calls) == 2 and seen == list(range(300, 200, -1))  # the first page was handed on


# ---- continuation-token header ------------------------------------------------------------------
def test_repeated_header_token_stops_at_once() -> None:
    calls: list[str | None] = []
    tokens = {None: "A", "A": "B", "B": "A"}  # A -> B -> A: a loop

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("continuationToken")
        calls.append(token)
        return json_response(200, {"value": [{"id": f"{token}-{len(calls)}"}]}, headers={"x-ms-continuationtoken": tokens[token]})

    with pytest.raises(PagingError) as info:
        list(iter_token_pages(make_client(handler), "_apis/projects"))
    assert calls == [None, "A", "B"]
    assert info.value.message == "_apis/projects repeated the continuation token 'A'; stopped after 3 requests."


def test_empty_pages_with_fresh_tokens_stop_within_a_few_requests() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        value = [{"id": "p1"}] if len(calls) == 1 else []
        return json_response(200, {"value": value}, headers={"x-ms-continuationtoken": f"t{len(calls)}"})

    with pytest.raises(PagingError, match="3 pages in a row with no new rows"):
        list(iter_token_pages(make_client(handler), "_apis/projects"))
    assert len(calls) == 1 + NO_PROGRESS_LIMIT  # one page of rows, then three empty ones


def test_request_budget_stops_a_server_that_never_ends() -> None:
    """Fresh rows and fresh tokens forever: only the budget can tell; it names the stream and the key."""
    counter = itertools.count()

    def handler(request: httpx.Request) -> httpx.Response:
        n = next(counter)
        return json_response(200, {"value": [{"id": n}]}, headers={"x-ms-continuationtoken": f"t{n}"})

    budget = RequestBudget(40, "The project list")
    with pytest.raises(PagingError) as info:
        list(iter_token_pages(make_client(handler), "_apis/projects", budget=budget))
    assert next(counter) == 40  # exactly the budget was spent
    assert "The project list was still not at its end after 40 requests" in info.value.message
    assert "sync.max_requests_per_stream" in info.value.message


def test_paging_error_is_a_payload_error() -> None:
    """So the sync fails the one project (AdoError) and goes on with the others."""
    assert issubclass(PagingError, PayloadError)


# ---- the reporting revisions stream -------------------------------------------------------------
def _revs(*keys: tuple[int, int]) -> list[dict]:
    return [{"id": i, "rev": r, "fields": {}} for i, r in keys]


def test_stream_guard_follows_a_healthy_stream() -> None:
    guard = StreamGuard("The revisions stream of 'P'")
    assert guard.advance(RevisionsBatch(_revs((1, 1), (1, 2)), "t1", False), None) == "t1"
    assert guard.advance(RevisionsBatch([], "t2", False), "t1") == "t2"  # one empty middle batch is fine
    assert guard.advance(RevisionsBatch(_revs((2, 1)), "t3", True), "t2") is None
    # the same token handed back with nothing in it: the end of the stream, not an error
    assert StreamGuard("s").advance(RevisionsBatch([], "t9", False), "t9") is None


def test_stream_guard_counts_a_batch_of_malformed_entries_as_progress() -> None:
    """Unparsable entries are warnings for the parser, not a stalled stream: they are new rows too."""
    guard = StreamGuard("s")
    sent = None
    for n in range(1, 6):
        sent = guard.advance(RevisionsBatch(["garbage", {"id": [n]}, n], f"t{n}", False), sent)
        assert sent == f"t{n}"


@pytest.mark.parametrize(
    ("script", "fragment"),
    [
        # the same token handed back with rows: the same batch forever
        ([([(1, 1)], "t1"), ([(1, 2)], "t1")], "repeated the continuation token 't1'; stopped after 2 requests"),
        # a token of an earlier batch (a loop of two)
        ([([(1, 1)], "t1"), ([(1, 2)], "t2"), ([(1, 3)], "t1")], "repeated the continuation token 't1'"),
        # empty, not-last batches with fresh tokens
        ([([(1, 1)], "t1"), ([], "t2"), ([], "t3"), ([], "t4")], "3 batches in a row with no new revisions"),
        # the same revisions again under fresh tokens
        ([([(1, 1)], "t1"), ([(1, 1)], "t2"), ([(1, 1)], "t3"), ([(1, 1)], "t4")], "3 batches in a row with no new revisions"),
        # two batches taking turns under fresh tokens
        ([([(1, 1)], "t1"), ([(1, 2)], "t2"), ([(1, 1)], "t3"), ([(1, 2)], "t4"), ([(1, 1)], "t5")],
         "3 batches in a row with no new revisions"),
        # more batches claimed without a token
        ([([(1, 1)], None)], "has more batches but gave no continuation token"),
    ],
)
def test_stream_guard_stops_a_stalled_stream_within_a_few_batches(script, fragment) -> None:
    guard = StreamGuard("The revisions stream of 'P'")
    sent = None
    with pytest.raises(PagingError) as info:
        for keys, token in script:
            sent = guard.advance(RevisionsBatch(_revs(*keys), token, False), sent)
    assert fragment in info.value.message and info.value.message.startswith("The revisions stream of 'P'")
    assert guard.batches == len(script) <= 2 + NO_PROGRESS_LIMIT


# ---- WIQL keyset ---------------------------------------------------------------------------------
def test_wiql_that_ignores_the_keyset_condition_stops_at_the_second_slice() -> None:
    posts = []

    def handler(request: httpx.Request) -> httpx.Response:
        posts.append(re.search(r"\[System.Id\] > (\d+)", json.loads(request.content)["query"]).group(1))
        return json_response(200, {"workItems": [{"id": i} for i in range(1, 11)]})  # always ids 1..10

    with pytest.raises(PagingError, match=r"ignored its \[System.Id\] > 10 condition"):
        list(endpoints.wiql_ids(make_client(handler), "P", "", slice_size=10))
    assert posts == ["0", "10"]


# ---- properties ----------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=400),
    top=st.integers(min_value=1, max_value=120),
    caps=st.lists(st.integers(min_value=1, max_value=150), min_size=1, max_size=6),
)
def test_skip_pages_return_every_row_once_whatever_the_page_sizes(total: int, top: int, caps: list[int]) -> None:
    rows = [{"id": i} for i in range(total)]
    handler, calls = _skip_server(rows, caps)
    got = [r["id"] for page in iter_skip_pages(make_client(handler), "_apis/x", top=top) for r in page]
    assert got == list(range(total))
    # every request but the last returned at least one row; the last one was the empty page
    assert len(calls) <= total + 1


@settings(max_examples=40, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=300),
    sizes=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=6),
)
def test_token_pages_return_every_row_once_whatever_the_page_sizes(total: int, sizes: list[int]) -> None:
    """Pages of any size, empty ones included (never three in a row), each row once."""
    rows = [{"id": i} for i in range(total)]
    pages: list[list[dict]] = []
    start, empties, cycle = 0, 0, itertools.cycle(sizes)
    while start < total or not pages:
        size = next(cycle)
        if size == 0 and empties == NO_PROGRESS_LIMIT - 1:
            size = 1  # a server that stalls three times in a row is the error case, tested above
        empties = empties + 1 if size == 0 else 0
        pages.append(rows[start : start + size])
        start += size
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        k = int(request.url.params.get("continuationToken", "0"))
        calls.append(k)
        headers = {"x-ms-continuationtoken": str(k + 1)} if k + 1 < len(pages) else {}
        return json_response(200, {"value": pages[k]}, headers=headers)

    got = [r["id"] for page in iter_token_pages(make_client(handler), "_apis/x") for r in page]
    assert got == list(range(total)) and calls == list(range(len(pages)))
