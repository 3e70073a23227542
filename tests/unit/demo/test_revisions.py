"""Reporting revisions: paging, tokens, filters, identity forms, incremental resume."""

from __future__ import annotations

import pytest

from flowtui.timeutil import parse_ado_datetime

from .conftest import V

URL = "/Fabrikam Web/_apis/wit/reporting/workitemrevisions"
FIELDS = ["System.Id", "System.Rev", "System.State", "System.ChangedDate", "System.AssignedTo",
          "System.Tags", "System.WorkItemType"]


def _drain(c, *, page: int, body: dict | None = None, token: str | None = None) -> tuple[list, str, int]:
    """POST pages until isLastBatch; returns (values, last token, requests made)."""
    values, calls = [], 0
    while True:
        params = {**V, "$maxPageSize": str(page)}
        if token:
            params["continuationToken"] = token
        r = c.post(URL, params=params, json=body if body is not None else {"fields": FIELDS})
        assert r.status_code == 200, r.text
        data = r.json()
        calls += 1
        values += data["values"]
        token = data["continuationToken"]
        if data["isLastBatch"]:
            return values, token, calls


def test_paging_returns_every_project_revision_once_in_watermark_order(org, client_for) -> None:
    _, c = client_for(org)
    proj = org.project("Fabrikam Web")
    expected = [(r.item.id, r.rev) for r in proj.revisions if not r.item.is_deleted]
    values, _, calls = _drain(c, page=50)
    assert [(v["id"], v["rev"]) for v in values] == expected
    # every page but the last is full: ceil(visible / 50) calls, + 1 when hidden revisions trail
    assert calls in (-(-len(expected) // 50), -(-len(expected) // 50) + 1)


def test_page_shape_and_next_link(org, client_for) -> None:
    _, c = client_for(org)
    r = c.get(URL, params={**V, "$maxPageSize": "5", "fields": "System.Id,System.State"})
    data = r.json()
    assert list(data) == ["values", "nextLink", "continuationToken", "isLastBatch"]
    assert len(data["values"]) == 5 and data["isLastBatch"] is False
    assert set(data["values"][0]) == {"id", "rev", "fields"}
    assert set(data["values"][0]["fields"]) == {"System.Id", "System.State"}
    link = data["nextLink"]
    assert link.startswith("https://dev.azure.com/contoso-demo/Fabrikam%20Web/_apis/wit/reporting/workItemRevisions?")
    assert f"continuationToken={data['continuationToken']}" in link and "api-version=7.1" in link
    assert "fields=System.Id%2CSystem.State" in link or "fields=System.Id,System.State" in link
    # following nextLink gives the next page
    nxt = c.get(link).json()
    assert nxt["values"][0]["rev"] is not None and nxt["values"] != data["values"]


def test_values_match_ground_truth_fields(org, client_for) -> None:
    _, c = client_for(org)
    values, _, _ = _drain(c, page=1000, body={})
    proj = org.project("Fabrikam Web")
    truth = {(r.item.id, r.rev): r.fields for r in proj.revisions if not r.item.is_deleted}
    assert {(v["id"], v["rev"]): v["fields"] for v in values} == truth
    # identity strings by default, null fields omitted, WIT dates parse
    some = next(v for v in values if "System.AssignedTo" in v["fields"])["fields"]
    assert some["System.AssignedTo"].endswith("@contoso.com>")
    assert all(v is not None for v in some.values())
    assert parse_ado_datetime(some["System.ChangedDate"]) is not None
    assert any("System.AssignedTo" not in v["fields"] for v in values)


def test_identity_refs_on_request(org, client_for) -> None:
    _, c = client_for(org)
    data = c.post(URL, params=V, json={"fields": ["System.ChangedBy"], "includeIdentityRef": True}).json()
    ref = data["values"][0]["fields"]["System.ChangedBy"]
    assert {"displayName", "id", "uniqueName", "url", "imageUrl", "descriptor"} <= set(ref)
    get = c.get(URL, params={**V, "fields": "System.ChangedBy", "includeIdentityRef": "true"}).json()
    assert get["values"] == data["values"]


def test_get_and_post_agree(org, client_for) -> None:
    _, c = client_for(org)
    post = c.post(URL, params={**V, "$maxPageSize": "20"}, json={"fields": FIELDS}).json()
    get = c.get(URL, params={**V, "$maxPageSize": "20", "fields": ",".join(FIELDS)}).json()
    assert post["values"] == get["values"] and post["continuationToken"] == get["continuationToken"]


def test_resume_after_last_batch_returns_only_new_revisions(org, client_for) -> None:
    _, c = client_for(org)
    _, token, _ = _drain(c, page=1000)
    again = c.post(URL, params={**V, "continuationToken": token}, json={"fields": FIELDS}).json()
    assert again["values"] == [] and again["isLastBatch"] is True and again["continuationToken"] == token
    before = org.max_watermark
    org.advance(72, seed=5)
    proj = org.project("Fabrikam Web")
    expected = [(r.item.id, r.rev) for r in proj.revisions if r.watermark > before and not r.item.is_deleted]
    assert expected
    new, _, calls = _drain(c, page=1000, token=token)
    assert [(v["id"], v["rev"]) for v in new] == expected and calls == 1


def test_types_latest_only_and_deleted_filters(org, client_for) -> None:
    _, c = client_for(org)
    proj = org.project("Fabrikam Web")
    bugs, _, _ = _drain(c, page=1000, body={"fields": FIELDS, "types": ["Bug"]})
    assert bugs and {v["fields"]["System.WorkItemType"] for v in bugs} == {"Bug"}
    latest, _, _ = _drain(c, page=1000, body={"fields": FIELDS, "includeLatestOnly": True})
    live = [w for w in org.items_of("Fabrikam Web")]
    assert sorted((v["id"], v["rev"]) for v in latest) == sorted((w.id, w.latest.rev) for w in live)
    deleted = [w for w in org.work_items.values() if w.is_deleted and w.project is proj]
    with_deleted, _, _ = _drain(c, page=1000, body={"fields": FIELDS, "includeDeleted": True})
    assert len(with_deleted) == len(proj.revisions)
    assert len(with_deleted) - len(_drain(c, page=1000)[0]) == sum(len(w.revisions) for w in deleted)


def test_start_date_time(org, client_for) -> None:
    _, c = client_for(org)
    proj = org.project("Fabrikam Web")
    cut = proj.revisions[len(proj.revisions) // 2].changed_at
    data = c.get(URL, params={**V, "startDateTime": cut.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                              "$maxPageSize": "10000"}).json()
    expected = [(r.item.id, r.rev) for r in proj.revisions if r.t >= int(cut.timestamp() * 1000)
                and not r.item.is_deleted]
    assert [(v["id"], v["rev"]) for v in data["values"]] == expected
    both = c.get(URL, params={**V, "startDateTime": "2026-01-01T00:00:00Z", "continuationToken": "1;1;1"})
    assert both.status_code == 400


@pytest.mark.parametrize("token", ["abc", "1;2", "-5;1;1"])
def test_bad_token_is_400(org, client_for, token) -> None:
    _, c = client_for(org)
    r = c.get(URL, params={**V, "continuationToken": token})
    assert r.status_code == 400 and r.json()["eventId"] == 3200


def test_unknown_field_is_400(org, client_for) -> None:
    _, c = client_for(org)
    r = c.post(URL, params=V, json={"fields": ["System.Nope"]})
    assert r.status_code == 400 and r.json()["message"].startswith("TF51535")


def test_org_level_stream_covers_all_projects(org, client_for) -> None:
    _, c = client_for(org)
    data = c.get("/_apis/wit/reporting/workitemrevisions", params={**V, "$maxPageSize": "10000"}).json()
    assert len(data["values"]) == sum(1 for r in org.revisions if not r.item.is_deleted)
    assert data["nextLink"].startswith("https://dev.azure.com/contoso-demo/_apis/wit/reporting/")
