"""run_sync against a small independent fake: paging, cursors, fallback, warnings, failures.

The tests that prove what a sync writes take `store_target`/`store_targets` (tests/conftest.py) and run
on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from flowtui.errors import AuthError
from flowtui.store import open_store
from flowtui.sync import run_sync

from .helpers import FakeTime, dump, make_settings
from .mini_server import ORG_URL, MiniAdo, rev

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ORG = "Coll"  # organization name taken from https://ado.example.test/tfs/Coll


def revisions() -> list:
    return [
        rev(1, 1, "New", "2026-03-01T10:00:00Z", **{"System.ChangedBy": "Ann Lee <ann@x.com>"}),
        rev(2, 1, "New", "2026-03-02T10:00:00.1234567Z"),
        rev(1, 2, "Active", "2026-03-03T10:00:00.5+00:00", **{"System.Tags": "Blocked; ui", "System.ChangedBy": "Bob <bob@x.com>"}),
        rev(1, 3, "Closed", "2026-03-05T10:00:00Z", **{"Microsoft.VSTS.Common.ClosedDate": "2026-03-05T10:00:00Z"}),
        rev(2, 2, "Active", "2026-03-06T10:00:00Z", **{"Microsoft.VSTS.CMMI.Blocked": "Yes"}),
    ]


def pr(n: int, closed: str, reviewers: list[dict] | None = None) -> dict:
    return {"pullRequestId": n, "status": "completed", "title": f"PR {n}",
            "repository": {"id": "repo-1", "name": "main-repo", "project": {"name": "Proj", "lastUpdateTime": "0001-01-01T00:00:00"}},
            "createdBy": {"displayName": "Ann Lee", "id": "ann-id", "uniqueName": "ann@x.com"},
            "creationDate": "2026-11-01T09:00:00.1234567Z", "closedDate": closed,
            "reviewers": reviewers if reviewers is not None else [{"displayName": "Bob", "id": "bob-id", "vote": 10}]}


def sync(tmp_path: Path, server: MiniAdo, projects: list[str] | None = None, *, target: Path | str | None = None,
         **kwargs):
    settings = make_settings(tmp_path, ORG_URL, projects or ["Proj"], target=target)
    store = open_store(settings.store_target)
    fake = FakeTime()
    kwargs.setdefault("now", NOW)
    try:
        summary = run_sync(settings, store, pat="pat", transport=server.transport, sleep=fake.sleep, clock=fake.clock, **kwargs)
        return summary, dump(store), store.sync_runs(1)[0]
    finally:
        store.close()


def test_stream_pages_commit_history_and_an_unchanged_resync_costs_three_requests(tmp_path: Path, store_target: Path | str) -> None:
    server = MiniAdo(revisions(), [pr(7, "2026-11-20T10:00:00.1234567Z")])
    summary, data, run = sync(tmp_path, server, target=store_target)
    assert summary.status == "success" and run.status == "success"
    # the organization-level stream is asked once (404 here: remembered), then 5 revisions in pages of 2 → 3 batches
    assert sum("reporting" in line for line in server.log) == 1 + 3
    assert sum("/Proj/_apis/wit/reporting" in line for line in server.log) == 3
    assert [(r[0], r[1], r[3], r[4]) for r in data["revisions"]] == [
        (1, 1, "New", None), (1, 2, "Active", "New"), (1, 3, "Closed", "Active"), (2, 1, "New", None), (2, 2, "Active", "New")]
    item1 = data["items"][0]
    assert (item1.id, item1.rev, item1.state, item1.closed_at) == (1, 3, "Closed", datetime(2026, 3, 5, 10, tzinfo=UTC))
    r12 = data["revisions"][1]
    assert r12[2] == datetime(2026, 3, 3, 10, 0, 0, 500000, tzinfo=UTC) and r12[5] == "Bob" and r12[6] == ("Blocked", "ui")
    assert data["revisions"][4][7] is True  # Microsoft.VSTS.CMMI.Blocked = Yes
    assert [c.state for c in data["categories"]] == ["Active", "Closed", "New"]
    assert [(p.uid, [(r.user_id, r.vote) for r in p.reviewers]) for p in data["prs"]] == [("repo-1-7", [("bob-id", 10)])]
    assert summary.work_items == 2 and summary.revisions == 5 and summary.pull_requests == 1

    server.log.clear()
    second, again, _ = sync(tmp_path, server, now=NOW + timedelta(hours=2), target=store_target)
    # one revisions batch from the kept token + the recycle bin + one PR page + the empty page that
    # proves the PR list's end: this old server ignores the time range, so PR 7 comes back again on a
    # one-row page, and a list that never served a longer page cannot tell its end from a server that
    # caps pages at one row (SPEC §5: a short page is not the end). A server that honours the time
    # range answers an unchanged project in 3 (tests/unit/sync/test_realorg_history.py). No project,
    # type or state lookups, and no second probe of the organization-level stream.
    assert second.projects["Proj"].requests == 4, server.log
    assert again["revisions"] == data["revisions"] and again["items"] == data["items"]


def test_bad_entries_are_skipped_with_counted_warnings(tmp_path: Path, store_target: Path | str) -> None:
    entries = revisions()
    entries.insert(1, "garbage")
    entries.insert(2, {"id": 9, "rev": 1, "fields": {"System.State": "New"}})  # no ChangedDate
    bad_pr = {"pullRequestId": 8, "status": "completed", "repository": {"id": "repo-1"}}  # no creationDate
    summary, data, run = sync(tmp_path, MiniAdo(entries, [pr(7, "2026-11-20T10:00:00Z"), bad_pr]), target=store_target)
    assert summary.status == "success"
    assert len(summary.warnings) == 3 and run.warnings == 3 and summary.warning_count == 3
    assert any("work item 9" in w for w in summary.warnings)
    assert len(data["revisions"]) == 5 and [p.pull_request_id for p in data["prs"]] == [7]


def test_fallback_wiql_path_gives_the_same_history(tmp_path: Path, store_targets) -> None:  # noqa: ANN001
    a, b = store_targets("a"), store_targets("b")
    _, streamed, _ = sync(tmp_path, MiniAdo(revisions()), target=a)
    server = MiniAdo(revisions(), reporting=False)
    summary, fallback, _ = sync(tmp_path, server, target=b)
    assert summary.status == "success"
    assert any("WIQL" in w for w in summary.warnings)
    assert any(line.endswith("/wit/wiql") for line in server.log)
    assert fallback["revisions"] == streamed["revisions"]
    assert fallback["items"] == streamed["items"]


def test_unknown_project_fails_only_that_project(tmp_path: Path, store_target: Path | str) -> None:
    summary, data, run = sync(tmp_path, MiniAdo(revisions()), projects=["Nope", "Proj"], target=store_target)
    assert summary.status == "failed" and run.status == "failed"
    assert summary.error_project == "Nope" and "'Nope'" in summary.first_error
    assert run.error_project == "Nope"
    assert summary.projects["Proj"].status == "success" and len(data["revisions"]) == 5


def test_rejected_pat_raises_and_records_a_failed_run(tmp_path: Path, store_target: Path | str) -> None:
    settings = make_settings(tmp_path, ORG_URL, ["Proj"], target=store_target)
    store = open_store(settings.store_target)
    transport = httpx.MockTransport(lambda r: httpx.Response(401))
    with pytest.raises(AuthError, match="flowtui auth set"):
        run_sync(settings, store, pat="bad", transport=transport, now=NOW)
    assert store.sync_runs(1)[0].status == "failed"
    assert store.count_work_items() == 0
    store.close()


def test_pr_window_client_filter_and_stale_reviewer_removal(tmp_path: Path, store_target: Path | str) -> None:
    # the server ignores the time range: PR 5 closed long before the 365-day window is dropped
    server = MiniAdo([], [pr(6, "2026-11-23T11:30:00Z", [{"displayName": "Bob", "id": "bob-id", "vote": 10},
                                                        {"displayName": "Cy", "id": "cy-id", "vote": -5}]),
                          pr(5, "2025-01-01T00:00:00Z")])
    _, data, _ = sync(tmp_path, server, target=store_target)
    assert [p.pull_request_id for p in data["prs"]] == [6]
    assert sorted(r.user_id for r in data["prs"][0].reviewers) == ["bob-id", "cy-id"]
    server.prs[0]["reviewers"] = [{"displayName": "Bob", "id": "bob-id", "vote": 10}]
    # PR 6 closed within the hour before the watermark, so the next run re-reads and updates it
    _, data, _ = sync(tmp_path, server, now=NOW + timedelta(minutes=10), target=store_target)
    assert [r.user_id for r in data["prs"][0].reviewers] == ["bob-id"]


def test_explicit_since_never_moves_the_watermark_backwards(tmp_path: Path, store_target: Path | str) -> None:
    server = MiniAdo([], [pr(6, "2026-11-20T10:00:00Z")])
    sync(tmp_path, server, target=store_target)
    settings = make_settings(tmp_path, ORG_URL, ["Proj"], target=store_target)

    def watermark() -> datetime:
        with open_store(settings.store_target) as store:
            return store.get_cursor(ORG, "Proj", "git.pullrequests").watermark

    assert watermark() == NOW
    later = NOW + timedelta(days=1)
    sync(tmp_path, server, now=later, since=date(2026, 1, 1), target=store_target)  # an older explicit start: re-read, move forward
    assert watermark() == later
    sync(tmp_path, server, now=later + timedelta(days=5), since=date(2026, 11, 27), target=store_target)  # starts after the watermark
    assert watermark() == later  # not moved: the gap between them was never read


def test_threads_give_first_comment_vote_and_approval(tmp_path: Path, store_target: Path | str) -> None:
    threads = {7: [
        {"id": 1, "publishedDate": "2026-11-19T10:00:00Z", "comments": [
            {"id": 1, "author": {"id": "bob-id"}, "commentType": "text", "publishedDate": "2026-11-19T10:00:00.25Z"}]},
        {"id": 2, "publishedDate": "2026-11-19T12:00:00Z", "properties": {
            "CodeReviewThreadType": {"$type": "System.String", "$value": "VoteUpdate"},
            "CodeReviewVoteResult": {"$type": "System.Int32", "$value": 10},
            "CodeReviewVotedByTfId": {"$type": "System.String", "$value": "bob-id"}}, "comments": []},
    ]}
    _, data, _ = sync(tmp_path, MiniAdo([], [pr(7, "2026-11-20T10:00:00Z")], threads=threads), target=store_target)
    stored = data["prs"][0]
    assert stored.first_comment_at == datetime(2026, 11, 19, 10, 0, 0, 250000, tzinfo=UTC)
    assert stored.first_vote_at == stored.first_approval_at == datetime(2026, 11, 19, 12, tzinfo=UTC)


def test_cancel_between_pages_then_rerun_equals_an_uninterrupted_run(tmp_path: Path, store_targets) -> None:  # noqa: ANN001
    whole_store, cut = store_targets("whole"), store_targets("cut")
    _, whole, _ = sync(tmp_path, MiniAdo(revisions(), [pr(7, "2026-11-20T10:00:00Z")]), target=whole_store)
    server = MiniAdo(revisions(), [pr(7, "2026-11-20T10:00:00Z")])
    pages = []
    summary, partial, run = sync(tmp_path, server, cancel=lambda: len(pages) >= 1,
                                 progress=lambda e: pages.append(e) if e.stage == "work_items" else None, target=cut)
    assert summary.status == "cancelled" and run.status == "cancelled"
    assert len(partial["revisions"]) == 2  # exactly the first committed page
    summary, resumed, run = sync(tmp_path, server, target=cut)
    assert run.status == "success"
    assert resumed["revisions"] == whole["revisions"] and resumed["items"] == whole["items"] and resumed["prs"] == whole["prs"]


def test_crash_inside_a_page_leaves_no_success_and_rerun_converges(tmp_path: Path, store_targets, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    whole_store, cut = store_targets("whole"), store_targets("cut")
    _, whole, _ = sync(tmp_path, MiniAdo(revisions()), target=whole_store)
    from flowtui.store.store import Store

    original = Store.upsert_revisions
    calls = {"n": 0}

    def flaky(self, revs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return original(self, revs)

    monkeypatch.setattr(Store, "upsert_revisions", flaky)
    server = MiniAdo(revisions())
    with pytest.raises(RuntimeError):
        sync(tmp_path, server, target=cut)
    monkeypatch.setattr(Store, "upsert_revisions", original)
    with open_store(cut) as store:
        assert store.sync_runs(1)[0].status == "failed"
        # page 1 (item 1 rev 1, item 2 rev 1) kept; page 2 rolled back whole
        assert sorted((r.work_item_id, r.rev) for h in store.work_item_histories() for r in h.revisions) == [(1, 1), (2, 1)]
    _, resumed, _ = sync(tmp_path, server, target=cut)
    assert resumed["revisions"] == whole["revisions"] and resumed["items"] == whole["items"]


def test_full_may_move_the_watermark_back_and_an_empty_middle_batch_does_not_end_the_stream(tmp_path: Path, store_target: Path | str) -> None:
    server = MiniAdo(revisions(), [pr(6, "2026-11-20T10:00:00Z")], page=2)
    real = server.handle

    def with_gap(request):  # token 2 answers an empty, not-last batch that moves on to token 3... then the rest
        token = request.url.params.get("continuationToken")
        if "reporting" in request.url.path and token == "2":
            return httpx.Response(200, json={"values": [], "continuationToken": "2b", "isLastBatch": False})
        if "reporting" in request.url.path and token == "2b":
            request = httpx.Request(request.method, request.url.copy_set_param("continuationToken", "2"), content=request.content)
        return real(request)

    server.transport = httpx.MockTransport(with_gap)
    _, data, _ = sync(tmp_path, server, now=NOW + timedelta(days=2), target=store_target)
    assert len(data["revisions"]) == 5
    settings = make_settings(tmp_path, ORG_URL, ["Proj"], target=store_target)
    sync(tmp_path, server, now=NOW, full=True, target=store_target)  # an earlier "now" under --full: the watermark follows
    with open_store(settings.store_target) as store:
        assert store.get_cursor(ORG, "Proj", "git.pullrequests").watermark == NOW


def test_type_filter_is_sent_and_keeps_its_own_stream_cursor(tmp_path: Path, store_target: Path | str) -> None:
    server = MiniAdo(revisions())
    bodies: list[dict] = []
    inner = server.transport

    def spy(request: httpx.Request) -> httpx.Response:
        if "/Proj/_apis/wit/reporting" in request.url.path:  # the org-level probe filters types locally
            bodies.append(json.loads(request.content))
        return inner.handle_request(request)

    server.transport = httpx.MockTransport(spy)
    settings = make_settings(tmp_path, ORG_URL, ["Proj"], sync__work_item_types=["Bug"], target=store_target)
    with open_store(settings.store_target) as store:
        run_sync(settings, store, pat="p", transport=server.transport, now=NOW)
        assert all(b["types"] == ["Bug"] and b["includeIdentityRef"] is True for b in bodies)
        from flowtui.sync.work_items import stream_name

        assert stream_name(["Bug"]) != stream_name([])
        assert store.get_cursor(ORG, "Proj", stream_name(["Bug"])).value == "5"  # 5 revisions read
        assert store.get_cursor(ORG, "Proj", stream_name([])) is None


def test_progress_events_tell_the_story_in_order(tmp_path: Path) -> None:
    events = []
    sync(tmp_path, MiniAdo(revisions(), [pr(7, "2026-11-20T10:00:00Z")]), progress=events.append)
    stages = [e.stage for e in events]
    assert stages[0] == "start" and stages[-1] == "finished"
    done = [e.done for e in events if e.stage == "work_items"]
    assert done == [2, 4, 5]  # revisions after each page of 2
    assert [e.requests for e in events] == sorted(e.requests for e in events)
    # threads run once for all projects, after every project's work items and pull requests
    assert stages.index("work_items") < stages.index("pull_requests") < stages.index("project_done") < stages.index("threads")
    threads = [e for e in events if e.stage == "threads"]
    assert threads[-1].done == threads[-1].total == 1


def test_pat_never_reaches_logs_or_summary(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    secret = "very-secret-pat-123"
    settings = make_settings(tmp_path, ORG_URL, ["Nope", "Proj"])
    with open_store(settings.db_path) as store:
        summary = run_sync(settings, store, pat=secret, transport=MiniAdo(revisions()).transport, now=NOW)
        runs = store.sync_runs(1)
    assert summary.status == "failed"
    text = json.dumps(summary.to_json()) + repr(runs) + "".join(r.getMessage() for r in caplog.records)
    assert secret not in text
    assert caplog.records  # something was logged, and it was checked


def test_failing_thread_fetches_fail_the_project_but_keep_its_data(tmp_path: Path) -> None:
    server = MiniAdo(revisions(), [pr(7, "2026-11-20T10:00:00Z")])
    inner = server.transport

    def broken_threads(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/threads"):
            return httpx.Response(500, json={"message": "VS800069: unavailable", "typeKey": "X"})
        return inner.handle_request(request)

    server.transport = httpx.MockTransport(broken_threads)
    summary, data, run = sync(tmp_path, server)
    assert summary.status == "failed" and run.status == "failed" and summary.error_project == "Proj"
    assert summary.projects["Proj"].status == "failed" and "kept failing" in summary.first_error
    assert len(data["revisions"]) == 5 and [p.pull_request_id for p in data["prs"]] == [7]  # committed pages stay
    assert data["prs"][0].first_comment_at is None


def test_a_state_seen_only_in_history_refreshes_its_type_once(tmp_path: Path, store_target: Path | str) -> None:
    server = MiniAdo(revisions())
    sync(tmp_path, server, target=store_target)
    server.revisions += [rev(2, 3, "In Review", "2026-03-07T10:00:00Z"), rev(2, 4, "Closed", "2026-03-08T10:00:00Z")]
    server.log.clear()
    summary, data, _ = sync(tmp_path, server, now=NOW + timedelta(hours=1), target=store_target)
    # item 2 ends in the known "Closed", but passed through the unknown "In Review": its type is re-read once
    assert sum(line.endswith("/workitemtypes/Bug/states") for line in server.log) == 1
    assert summary.projects["Proj"].requests == 4  # revisions + states of Bug + recycle bin + PR page
    assert [r[3] for r in data["revisions"] if r[0] == 2] == ["New", "Active", "In Review", "Closed"]


def test_warnings_are_all_counted_but_at_most_100_listed(tmp_path: Path, store_target: Path | str) -> None:
    bad = [{"id": n, "rev": 1, "fields": {"System.State": "New"}} for n in range(100, 250)]  # 150 without ChangedDate
    summary, data, run = sync(tmp_path, MiniAdo(revisions() + bad, page=50), target=store_target)
    assert summary.status == "success" and len(data["revisions"]) == 5
    assert summary.warning_count == 150 and run.warnings == 150 and len(summary.warnings) == 100
