"""The simulator's paging-misbehaviour knobs, on the wire: each does what it says and stays bounded."""

from __future__ import annotations

import pytest

from flowtui.demo import Faults, SimulatedAdo

from .conftest import V, make_client

PRS = "/Fabrikam Web/_apis/git/pullrequests"
REVS = "/Fabrikam Web/_apis/wit/reporting/workitemrevisions"


def _prs(client, **params) -> list[int]:
    page = client.get(PRS, params={**V, "searchCriteria.status": "all", **params}).json()
    return [p["pullRequestId"] for p in page["value"]]


def test_pr_page_cap_caps_whatever_top_asks(org) -> None:
    with make_client(SimulatedAdo(org, faults=Faults(pr_page_cap=4))) as c:
        assert len(_prs(c, **{"$top": "100"})) == 4
        assert len(_prs(c)) == 4  # the default $top (101) is capped too
    with make_client(SimulatedAdo(org)) as c:
        everything = _prs(c, **{"$top": "100"})
    with make_client(SimulatedAdo(org, faults=Faults(pr_page_cap=4))) as c:
        walked, skip = [], 0
        while page := _prs(c, **{"$top": "100", "$skip": str(skip)}):
            walked += page
            skip += len(page)
    assert walked == everything and len(everything) > 4


def test_ignored_skip_sends_the_first_page_again(org) -> None:
    with make_client(SimulatedAdo(org, faults=Faults(ignore_skip_routes=("pullrequests", "workitem_updates")))) as c:
        assert _prs(c, **{"$top": "3", "$skip": "3"}) == _prs(c, **{"$top": "3"})
        updates = "/Fabrikam Web/_apis/wit/workItems/3/updates"
        first = c.get(updates, params={**V, "$top": "1"}).json()["value"]
        again = c.get(updates, params={**V, "$top": "1", "$skip": "1"}).json()["value"]
        assert first == again and first[0]["rev"] == 1


def test_repeated_token_is_handed_back_still_claiming_more(org) -> None:
    sim = SimulatedAdo(org, faults=Faults(repeat_token_routes=("reporting_revisions", "projects"),
                                          revisions_default_page=10))
    with make_client(sim) as c:
        first = c.post(REVS, params=V, json={}).json()
        token = first["continuationToken"]
        again = c.post(REVS, params={**V, "continuationToken": token}, json={}).json()
        assert again["continuationToken"] == token and again["isLastBatch"] is False
        assert c.get("/_apis/projects", params={**V, "continuationToken": "1"}).headers["x-ms-continuationtoken"] == "1"


def test_endless_empty_batches_carry_fresh_tokens(org) -> None:
    sim = SimulatedAdo(org, faults=Faults(endless_empty_batches=True))
    with make_client(sim) as c:
        batch = c.post(REVS, params=V, json={}).json()
        assert batch["values"] and batch["isLastBatch"] is False  # the whole stream, then "more"
        tokens = {batch["continuationToken"]}
        for _ in range(5):
            batch = c.post(REVS, params={**V, "continuationToken": batch["continuationToken"]}, json={}).json()
            assert batch["values"] == [] and batch["isLastBatch"] is False
            tokens.add(batch["continuationToken"])
    assert len(tokens) == 6  # a fresh token every time


def test_demo_preset_caps_pr_pages() -> None:
    """`flowtui --demo` shows a PR list that caps page sizes below `$top` (nothing is lost; more requests)."""
    assert Faults.demo().pr_page_cap == 37


def test_bad_page_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="pr_page_cap"):
        Faults(pr_page_cap=0)
