"""The seeded generator: determinism, realism features and `advance`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowtui.demo import SIZES, generate_org
from flowtui.demo.worktime import is_holiday, ms_to_dt

from .conftest import NOW


@pytest.fixture(scope="module")
def default_org():
    """The default-size org, generated once for the read-only tests of this module."""
    return generate_org(7, "default", now=NOW)


def _fingerprint(org) -> list:
    return [(r.item.id, r.rev, r.watermark, r.t, r.state, r.changed_by.id, r.tags, r.title)
            for r in org.revisions] + [
        (p.pull_request_id, p.status, p.creation, p.closed, [(r.identity.id, r.vote) for r in p.reviewers])
        for p in org.pull_requests.values()]


def test_same_seed_and_now_give_the_same_org() -> None:
    a, b = generate_org(7, "tiny", now=NOW), generate_org(7, "tiny", now=NOW)
    assert _fingerprint(a) == _fingerprint(b)
    assert [p.id for p in a.projects] == [p.id for p in b.projects]


def test_other_seed_or_now_changes_the_org() -> None:
    base = _fingerprint(generate_org(7, "tiny", now=NOW))
    assert _fingerprint(generate_org(8, "tiny", now=NOW)) != base
    assert _fingerprint(generate_org(7, "tiny", now=NOW + timedelta(days=1))) != base


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown size"):
        generate_org(7, "huge", now=NOW)


def test_tiny_org_shape(org) -> None:
    # tiny: 2 projects x 34 planned items (all created before now) = 68; 22 PRs planned.
    assert [p.process.name for p in org.projects] == ["Agile", "Contoso Flow"]
    assert 50 <= len(org.work_items) <= 80
    assert 15 <= len(org.pull_requests) <= 25
    assert sorted(org.work_items) == list(range(1, len(org.work_items) + 1))
    assert SIZES["large"].projects * SIZES["large"].items_per_project == 100_000


def test_revisions_are_consistent(org) -> None:
    # Watermarks are 1..N in org order, in time order, and each item's revisions are 1..n and
    # strictly increasing in ChangedDate, never after now; rev 1's ChangedDate is CreatedDate.
    assert [r.watermark for r in org.revisions] == list(range(1, len(org.revisions) + 1))
    assert [r.t for r in org.revisions] == sorted(r.t for r in org.revisions)
    for item in org.work_items.values():
        assert [r.rev for r in item.revisions] == list(range(1, len(item.revisions) + 1))
        times = [r.t for r in item.revisions]
        assert times == sorted(set(times))
        assert times[0] == item.created_ms and times[-1] <= org.now_ms
        assert all(t % 10 in (0, 3, 7) for t in times)  # the 0/3/7 ms grid


def test_every_state_belongs_to_its_type(org) -> None:
    for item in org.work_items.values():
        for rev in item.revisions:
            assert item.type.category_of(rev.state) is not None, (item, rev.state)


def _transitions(item) -> list[tuple[str, str]]:
    out, prev = [], None
    for rev in item.revisions:
        cat = item.type.category_of(rev.state)
        if prev is not None and cat != prev:
            out.append((prev, cat))
        prev = cat
    return out


def test_default_org_has_the_messy_histories_metrics_must_survive(default_org) -> None:
    org = default_org
    items = list(org.work_items.values())
    trans = {w.id: _transitions(w) for w in items}
    reopened = [i for i, t in trans.items() if ("Completed", "InProgress") in t]
    backward = [i for i, t in trans.items() if ("InProgress", "Proposed") in t or ("Resolved", "InProgress") in t]
    skipped = [i for i, t in trans.items() if ("Proposed", "Completed") in t]
    removed = [w for w in items if w.category == "Removed"]
    blocked_tag = [w for w in items if any("Blocked" in r.tag_list for r in w.revisions)
                   and "Blocked" not in w.latest.tag_list]
    blocked_field = [w for w in items if any(r.blocked for r in w.revisions)]
    in_review = [w for w in items if any(r.state == "In Review" for r in w.revisions)]
    ready_test = [w for w in items if any(r.state == "Ready for Test" for r in w.revisions)]
    non_state = [w for w in items if any(a.state == b.state and a.assigned_to != b.assigned_to
                                         for a, b in zip(w.revisions, w.revisions[1:]))]
    deleted = [w for w in items if w.is_deleted]
    for name, group in (("reopened", reopened), ("backward", backward), ("skipped", skipped),
                        ("removed", removed), ("blocked tag", blocked_tag), ("blocked field", blocked_field),
                        ("In Review", in_review), ("Ready for Test", ready_test),
                        ("assignee-only change", non_state), ("deleted", deleted)):
        assert len(group) >= 5, name


def test_quiet_weekends_and_holiday_gap(default_org) -> None:
    org = default_org
    days = [ms_to_dt(r.t) for r in org.revisions]
    weekend = sum(d.weekday() >= 5 for d in days)
    # weekdays carry 100 capacity units each, weekend days 1: weekend share is about 2/502 = 0.4 %
    assert 0 < weekend < len(days) * 0.02
    assert not any(is_holiday(d.date()) for d in days)


def test_prs_have_statuses_reviewers_votes_and_threads(org, default_org) -> None:
    prs = list(org.pull_requests.values())
    assert {p.status for p in prs} == {"active", "completed", "abandoned"}
    assert any(p.is_draft for p in prs)
    for p in prs:
        assert all(r.vote in (-10, -5, 0, 5, 10) for r in p.reviewers)
        if p.status == "abandoned":
            assert p.merge_status is None and p.closed_by is None and p.closed is not None
        if p.status == "completed":
            assert p.closed > p.creation and p.merge_status == "succeeded"
        if p.status == "active":
            assert p.closed is None
    dprs = list(default_org.pull_requests.values())
    assert any(r.identity.is_container for p in dprs for r in p.reviewers)
    assert any(r.is_required for p in dprs for r in p.reviewers)
    assert {r.vote for p in dprs for r in p.reviewers} == {-10, -5, 0, 5, 10}
    kinds = {t.kind for p in dprs[:200] for t in p.threads}
    assert {"VoteUpdate", "ReviewersUpdate", "text"} <= kinds
    assert any(c.is_deleted and c.content is None for p in dprs[:200] for t in p.threads for c in t.comments)
    # A VoteUpdate thread exists for every vote in a reviewer's history.
    for p in dprs[:100]:
        votes = sorted(str(v) for r in p.reviewers if not r.identity.is_container for _, v in r.vote_history)
        seen = sorted(t.properties["CodeReviewVoteResult"]["$value"] for t in p.threads if t.kind == "VoteUpdate")
        assert votes == seen


def test_threads_are_the_same_whatever_the_read_order() -> None:
    a, b = generate_org(7, "tiny", now=NOW), generate_org(7, "tiny", now=NOW)
    ids = sorted(a.pull_requests)
    first = [[(t.id, t.kind, t.published) for t in a.pull_requests[i].threads] for i in ids]
    second = {i: [(t.id, t.kind, t.published) for t in b.pull_requests[i].threads] for i in reversed(ids)}
    assert first == [second[i] for i in ids]


def test_advance_adds_revisions_items_and_prs_after_the_old_clock(org) -> None:
    before_wm, before_items = org.max_watermark, len(org.work_items)
    summary = org.advance(48, seed=1)
    assert summary.old_now == NOW and summary.new_now == NOW + timedelta(hours=48) == org.now
    new = [r for r in org.revisions if r.watermark > before_wm]
    assert len(new) == summary.new_revision_count > 0
    assert all(NOW < r.changed_at <= summary.new_now for r in new)
    assert set(summary.new_work_item_ids) == set(range(before_items + 1, len(org.work_items) + 1))
    assert summary.new_work_item_ids  # at least one new item per project
    assert {r.item.id for r in new} == set(summary.changed_work_item_ids) | set(summary.new_work_item_ids)
    assert summary.new_pr_ids and set(summary.new_pr_ids) <= set(summary.completed_pr_ids)
    for pid in summary.completed_pr_ids:
        pr = org.pull_requests[pid]
        assert pr.status == "completed" and NOW < pr.closed <= summary.new_now


def test_advance_is_deterministic() -> None:
    a, b = generate_org(7, "tiny", now=NOW), generate_org(7, "tiny", now=NOW)
    assert a.advance(24, seed=3) == b.advance(24, seed=3)
    assert _fingerprint(a) == _fingerprint(b)


def test_histories_match_domain_records(org) -> None:
    hist = {h.item.id: h for h in org.histories()}
    assert len(hist) == sum(not w.is_deleted for w in org.work_items.values())
    some = next(iter(hist.values()))
    item = org.work_items[some.item.id]
    assert [r.state for r in some.revisions] == [r.state for r in item.revisions]
    assert some.revisions[0].from_state is None
    assert some.item.created_at == item.created_at


def test_fast_wit_date_equals_timeutil_formatting() -> None:
    import random

    from flowtui.demo.model import wit_date
    from flowtui.timeutil import format_wit_datetime

    rng = random.Random(1)
    samples = [0, 1, 2, 3, 6, 7, 9, 10, 999, 1000, 86_399_999, 1_795_000_000_000]
    samples += [rng.randrange(0, 4_102_444_800_000) for _ in range(5000)]
    for ms in samples:
        assert wit_date(ms) == format_wit_datetime(ms_to_dt(ms)), ms
