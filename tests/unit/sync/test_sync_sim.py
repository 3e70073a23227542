"""run_sync against the simulated ADO: ground truth, incremental, resumable, faults, old servers.

The tests that prove what a sync writes take `store_target`/`store_targets` (tests/conftest.py) and run
on SQLite and on a real PostgreSQL; the ones about the wire (throttling, PAT modes, BOM) stay on SQLite."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from flowtui.demo.faults import FaultRule, Faults
from flowtui.demo.generator import generate_org
from flowtui.demo.transport import SimulatedAdo
from flowtui.errors import AuthError
from flowtui.store import open_store
from flowtui.sync import run_sync

from .helpers import FakeTime, dump, make_settings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
WIRE_MS = timedelta(milliseconds=3)  # thread dates go over the wire on the 0/3/7 ms grid


def make_sim(faults: Faults | None = None, fake: FakeTime | None = None, **kw) -> SimulatedAdo:
    org = generate_org(seed=7, size="tiny", now=NOW)
    return SimulatedAdo(org, faults=faults, clock=fake.clock if fake else None, **kw)


def sync(tmp_path: Path, sim: SimulatedAdo, *, fake: FakeTime | None = None, transport=None, projects=None,
         target: Path | str | None = None, **kw):
    fake = fake or FakeTime()
    names = projects or [p.name for p in sim.org.projects]
    settings = make_settings(tmp_path, sim.base_url, names, target=target)
    kw.setdefault("now", sim.org.now)
    with open_store(settings.store_target) as store:
        summary = run_sync(settings, store, pat=sim.pat, transport=transport or sim.transport,
                           sleep=fake.sleep, clock=fake.clock, **kw)
        return summary, dump(store), store


def assert_matches_truth(sim: SimulatedAdo, data: dict, *, closed_after: datetime | None = None) -> None:
    org = sim.org
    truth = sorted(org.histories(), key=lambda h: h.item.id)
    assert data["items"] == [h.item for h in truth]
    assert data["revisions"] == sorted((r.work_item_id, r.rev, r.changed_at, r.state, r.from_state, r.changed_by, r.tags, r.blocked)
                                       for h in truth for r in h.revisions)
    want = {p.uid: p for p in org.domain_pull_requests() if closed_after is None or p.closed_at >= closed_after}
    got = {p.uid: p for p in data["prs"]}
    assert set(got) == set(want)
    for uid, pr in want.items():
        stored = got[uid]
        # PR lists cut descriptions to 400 characters (reference §7.1); one request per PR is not spent on it
        assert replace(stored, reviewers=(), first_comment_at=None, first_vote_at=None, first_approval_at=None) == \
            replace(pr, reviewers=(), description=pr.description[:400])
        assert set(stored.reviewers) == set(pr.reviewers)
    assert sorted(data["categories"], key=lambda c: (c.project, c.work_item_type, c.state)) == \
        sorted(org.state_categories(), key=lambda c: (c.project, c.work_item_type, c.state))


def _close(a: datetime | None, b: datetime | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= WIRE_MS)


def test_first_sync_stores_exactly_the_simulated_org(tmp_path: Path, store_target: Path | str) -> None:
    sim = make_sim()
    summary, data, _ = sync(tmp_path, sim, target=store_target)
    assert summary.status == "success" and summary.warnings == []
    assert_matches_truth(sim, data)
    org = sim.org
    live = org.items_of()
    # counts by hand from the ground truth: non-deleted items and all their revisions
    assert summary.work_items == len(live) and summary.revisions == sum(len(w.revisions) for w in live)
    assert summary.pull_requests == len(org.prs_of(status="completed"))
    # a sample by hand: the first item's latest revision against the stored snapshot
    sample = live[0]
    stored = next(i for i in data["items"] if i.id == sample.id)
    assert (stored.title, stored.state, stored.rev, stored.type) == (sample.latest.title, sample.state, len(sample.revisions), sample.type.name)
    # review times for PRs closed in the last 90 days (pr_threads_days), within wire precision
    recent = [p for p in org.prs_of(status="completed") if p.closed > NOW - timedelta(days=90)]
    assert recent
    by_uid = {p.uid: p for p in data["prs"]}
    for pr in recent:
        got = by_uid[pr.uid]
        assert _close(got.first_comment_at, pr.first_comment_at())
        assert _close(got.first_vote_at, pr.first_vote_at())
        assert _close(got.first_approval_at, pr.first_vote_at(approvals_only=True))


def test_incremental_sync_picks_up_exactly_the_changes_and_unchanged_costs_at_most_3(
        tmp_path: Path, store_target: Path | str) -> None:
    sim = make_sim()
    sync(tmp_path, sim, target=store_target)
    change = sim.org.advance(hours=48)
    assert change.new_revision_count > 0 and change.completed_pr_ids
    summary, data, _ = sync(tmp_path, sim, target=store_target)
    assert summary.status == "success"
    assert summary.revisions == change.new_revision_count  # only the new revisions came down the stream
    assert_matches_truth(sim, data)
    before = sim.request_count
    again, same, _ = sync(tmp_path, sim, target=store_target, now=sim.org.now + timedelta(minutes=30))
    assert same == data
    assert all(p.requests <= 3 for p in again.projects.values()), {k: p.requests for k, p in again.projects.items()}
    assert sim.request_count - before == again.requests <= 3 * len(sim.org.projects)


def _paged_sim(**faults) -> SimulatedAdo:
    return make_sim(Faults(revisions_default_page=40, **faults))


def test_cancel_between_pages_and_rerun_equals_uninterrupted(tmp_path: Path, store_targets) -> None:  # noqa: ANN001
    _, whole, _ = sync(tmp_path, _paged_sim(), target=store_targets("whole"))
    sim = _paged_sim()
    pages: list[object] = []
    cut = store_targets("cut")
    summary, partial, store = sync(tmp_path, sim, target=cut, cancel=lambda: len(pages) >= 3,
                                   progress=lambda e: pages.append(e) if e.stage == "work_items" else None)
    assert summary.status == "cancelled"
    assert 0 < len(partial["revisions"]) < len(whole["revisions"])
    summary, resumed, _ = sync(tmp_path, sim, target=cut)
    assert summary.status == "success"
    assert resumed == whole


def test_fatal_error_after_page_n_then_rerun_equals_uninterrupted(tmp_path: Path, store_targets) -> None:  # noqa: ANN001
    _, whole, _ = sync(tmp_path, _paged_sim(), target=store_targets("whole"))
    # requests 6..11 all fail: request 6 and its five retries, so that project gives up mid-stream
    sim = _paged_sim(rules=[FaultRule("503", nth=n) for n in range(6, 12)])
    cut = store_targets("cut")
    summary, partial, _ = sync(tmp_path, sim, target=cut)
    assert summary.status == "failed" and summary.error_project is not None
    assert len(partial["revisions"]) < len(whole["revisions"])
    with open_store(cut) as store:
        assert store.sync_runs(1)[0].status == "failed"
    summary, resumed, _ = sync(tmp_path, sim, target=cut)
    assert summary.status == "success"
    assert resumed == whole


def test_429_503_resets_and_timeouts_are_survived_with_nothing_lost(tmp_path: Path) -> None:
    fake = FakeTime()
    kinds = ("429", "503", "500", "502", "504", "reset", "read_timeout", "connect_error", "malformed")
    scripted = [FaultRule("429", nth=3, retry_after=7), FaultRule("503", route="pullrequests", count=3),
                FaultRule("reset", nth=9), FaultRule("malformed", route="reporting_revisions", count=1)]
    sim = make_sim(Faults(rules=scripted, random_rate=0.3, random_kinds=kinds, seed=11, retry_after_s=2,
                          revisions_default_page=100), fake)
    summary, data, _ = sync(tmp_path, sim, fake=fake)
    assert summary.status == "success", summary.first_error
    assert_matches_truth(sim, data)
    statuses = [status for _, _, status in sim.request_log]
    assert statuses.count(429) >= 1 and statuses.count(503) >= 3
    # the 429 asked for 7 s and each 503 for 2 s (Retry-After): at least 7 + 3 × 2 = 13 s held back
    assert summary.throttled_seconds >= 13
    assert summary.requests == sim.request_count  # every attempt, retries included, is counted


def test_rate_limit_budget_with_retry_after_on_200_and_429(tmp_path: Path) -> None:
    fake = FakeTime()
    sim = make_sim(Faults(rate_limit=10, window_s=30, retry_after_s=5, revisions_default_page=50), fake)
    summary, data, _ = sync(tmp_path, sim, fake=fake)
    assert summary.status == "success", summary.first_error
    assert_matches_truth(sim, data)
    assert summary.throttled_seconds >= 5


def test_old_server_version_fallback_and_client_side_pr_window(tmp_path: Path) -> None:
    sim = make_sim(Faults.old_server("6.0"))
    since = date(2026, 9, 15)
    summary, data, _ = sync(tmp_path, sim, since=since)
    assert summary.status == "success" and summary.api_version == "6.0"
    cut = datetime(2026, 9, 15, tzinfo=UTC)
    want = {p.uid for p in sim.org.domain_pull_requests() if p.closed_at >= cut}
    assert {p.uid for p in data["prs"]} == want
    assert want != {p.uid for p in sim.org.domain_pull_requests()}  # the window really cut some out
    versions = [line for line in sim.request_log if line[2] == 400]
    assert len(versions) == 1  # one out-of-range answer, then 6.0 for the rest of the run


class _NoReporting(httpx.BaseTransport):
    """Hides the reporting revisions route, as a server without it would (404 text/plain)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "reporting/workitemrevisions" in request.url.path.lower():
            return httpx.Response(404, text="The controller for path was not found or does not implement IController.")
        return self.inner.handle_request(request)


def test_fallback_path_without_the_stream_and_without_workitemsbatch(tmp_path: Path, store_target: Path | str) -> None:
    sim = make_sim(Faults.old_server("6.0"))
    summary, data, _ = sync(tmp_path, sim, transport=_NoReporting(sim.transport), since=date(2026, 1, 1),
                            target=store_target)
    assert summary.status == "success", summary.first_error
    counts = sim.counts_by_route()
    assert counts["wiql"] >= 2 and counts["workitems"] >= 2 and counts["workitem_updates"] == len(sim.org.items_of())
    truth = sorted(sim.org.histories(), key=lambda h: h.item.id)
    assert data["items"] == [h.item for h in truth]
    assert data["revisions"] == sorted((r.work_item_id, r.rev, r.changed_at, r.state, r.from_state, r.changed_by, r.tags, r.blocked)
                                       for h in truth for r in h.revisions)


@pytest.mark.parametrize("mode", ["401_empty", "203_html", "302_signin"])
def test_rejected_pat_modes(tmp_path: Path, mode: str, store_target: Path | str) -> None:
    sim = make_sim(Faults(bad_pat_mode=mode), pat="right-pat")
    settings = make_settings(tmp_path, sim.base_url, ["Fabrikam Web"], target=store_target)
    with open_store(settings.store_target) as store:
        with pytest.raises(AuthError) as info:
            run_sync(settings, store, pat="wrong-pat", transport=sim.transport, now=NOW)
        assert "flowtui auth set" in str(info.value) and "wrong-pat" not in str(info.value)
        assert store.sync_runs(1)[0].status == "failed" and store.count_work_items() == 0
        assert store.organizations() == [] and store.projects() == []  # nothing but the failed run record
    # the project list (a 401 there may only mean a missing project scope) and the first work item
    # route: each asked once, never retried
    assert [path.rsplit("/_apis/", 1)[1] for _, path, _ in sim.request_log] == ["projects", "wit/workitemtypes"]


def test_unknown_project_is_named_and_others_still_sync(tmp_path: Path) -> None:
    sim = make_sim()
    summary, data, _ = sync(tmp_path, sim, projects=["No Such Project", "Fabrikam Web"])
    assert summary.status == "failed" and summary.error_project == "No Such Project"
    assert "'No Such Project'" in summary.first_error
    assert summary.projects["Fabrikam Web"].status == "success" and data["revisions"]


def test_malformed_thread_payloads_are_warnings_not_crashes(tmp_path: Path) -> None:
    sim = make_sim(Faults(malformed_routes=("pullrequest_threads",)))
    summary, data, _ = sync(tmp_path, sim)
    assert summary.status == "success"
    assert summary.warnings and all("threads of pull request" in w for w in summary.warnings)
    assert_matches_truth(sim, data)


def test_bom_on_every_body_is_accepted(tmp_path: Path) -> None:
    sim = make_sim(Faults(bom=True))
    summary, data, _ = sync(tmp_path, sim)
    assert summary.status == "success"
    assert_matches_truth(sim, data)


def test_full_resync_rereads_everything_and_converges(tmp_path: Path, store_target: Path | str) -> None:
    sim = make_sim()
    first, data, _ = sync(tmp_path, sim, target=store_target)
    threads_before = sim.counts_by_route()["pullrequest_threads"]
    full, again, _ = sync(tmp_path, sim, target=store_target, full=True)
    assert full.status == "success"
    assert full.revisions == first.revisions and full.pull_requests == first.pull_requests  # everything re-read
    assert sim.counts_by_route()["pullrequest_threads"] == 2 * threads_before  # threads re-read too
    assert again == data


def test_states_served_only_as_preview_are_read_with_the_preview_flag(tmp_path: Path) -> None:
    sim = make_sim(Faults.old_server("6.0", states_preview_only=True))
    summary, data, _ = sync(tmp_path, sim)
    assert summary.status == "success", summary.first_error
    assert summary.api_version == "6.0"  # the preview flag is used for the states route only
    refused = [path for _, path, status in sim.request_log if status == 400 and path.endswith("/states")]
    assert len(refused) == 1  # learnt once, then every states request carries -preview.1
    assert sorted(data["categories"], key=lambda c: (c.project, c.work_item_type, c.state)) == \
        sorted(sim.org.state_categories(), key=lambda c: (c.project, c.work_item_type, c.state))


def test_pat_without_project_scope_still_syncs_and_looks_projects_up_only_once(
        tmp_path: Path, store_target: Path | str) -> None:
    sim = make_sim(Faults(forbidden_routes=("projects", "project")))
    summary, data, _store = sync(tmp_path, sim, target=store_target)
    assert summary.status == "success", summary.first_error
    assert_matches_truth(sim, data)
    with open_store(store_target) as store:
        assert sorted(p.name for p in store.projects()) == sorted(p.name for p in sim.org.projects)
    before = sim.counts_by_route().get("projects", 0)
    assert before == 1  # asked once (401 TF400813), then the projects were synced by name
    sync(tmp_path, sim, target=store_target, now=sim.org.now + timedelta(minutes=5))
    assert sim.counts_by_route().get("projects", 0) == before  # not asked again once stored
