"""One bad entry is one warning: parsers and page writers raise nothing but `parse.BadPayload`.

Hand-picked hostile entries (a lone surrogate, an id of 10**30, `"reviewers": 5`, nesting where text
belongs) and hypothesis-generated ones (JSON-ish values from `st.recursive`, and mutations of real
simulator payloads) go through the parsers and through the page writers into a real store (SQLite and
PostgreSQL, tests/conftest.py's `store`);
a whole sync against the simulator with hostile entries spliced into its pages finishes with the
data and a warning count.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowtui.ado import parse
from flowtui.demo.generator import generate_org
from flowtui.demo.faults import Faults
from flowtui.demo.transport import SimulatedAdo
from flowtui.domain import WorkItem
from flowtui.store import open_store
from flowtui.sync import run_sync
from flowtui.sync.context import SyncContext
from flowtui.sync.progress import SyncSummary
from flowtui.sync.pull_requests import write_pr_page
from flowtui.sync.work_items import parse_entries, store_page

from .helpers import FakeTime, dump, make_settings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
GOOD_FIELDS = {"System.ChangedDate": "2026-01-02T03:04:05.12Z", "System.State": "Active", "System.Title": "t",
               "System.WorkItemType": "Bug", "System.CreatedDate": "2026-01-01T00:00:00Z"}


def good_revision(item_id: int = 1, rev: int = 1, **fields: Any) -> dict[str, Any]:
    return {"id": item_id, "rev": rev, "fields": {**GOOD_FIELDS, **fields}}


def good_pr(pr_id: int = 7, **overrides: Any) -> dict[str, Any]:
    pr = {"pullRequestId": pr_id, "repository": {"id": "r1", "name": "repo"}, "title": "T", "status": "completed",
          "creationDate": "2026-01-01T00:00:00Z", "closedDate": "2026-01-02T00:00:00Z",
          "createdBy": {"id": "a1", "displayName": "Ann", "uniqueName": "ann@x"},
          "reviewers": [{"id": "b1", "displayName": "Bob", "vote": 10}]}
    pr.update(overrides)
    return pr


# -- hand-picked entries ------------------------------------------------------------------------

@pytest.mark.parametrize("entry, entity", [
    (good_revision(10**30), None),                                  # beyond SQLite's 64-bit INTEGER
    ({"id": "12", "rev": 2**64, "fields": GOOD_FIELDS}, "12"),     # rev out of range
    (good_revision(-3), "-3"),                                      # ids are positive
    ({"id": 5, "rev": 1, "fields": {**GOOD_FIELDS, "System.State": {"x": [1]}}}, "5"),
    ({"id": 6, "rev": 1, "fields": {**GOOD_FIELDS, "System.ChangedDate": ["2026"]}}, "6"),
    ("not an object", None),
    ([good_revision()], None),
])
def test_a_broken_revision_is_one_bad_payload_naming_its_id(entry: Any, entity: str | None) -> None:
    with pytest.raises(parse.BadPayload) as caught:
        parse.revision(entry, "P")
    assert caught.value.entity == entity
    if entity:
        assert entity in str(caught.value)


def test_junk_in_optional_fields_is_dropped_and_text_is_cleaned() -> None:
    entry = good_revision(
        3, 2, **{"System.Title": "bad \ud800 title\x1b]0;pwned\x07", "System.Tags": {"nested": ["x"]},
                 "Microsoft.VSTS.Common.Priority": 10**30, "Microsoft.VSTS.Scheduling.StoryPoints": 1e308 * 10,
                 "System.AssignedTo": {"displayName": ["list"], "uniqueName": "j@x", "id": 5},
                 "Microsoft.VSTS.CMMI.Blocked": [[[]]], "System.AreaPath": "A\\B\x85C"},
    )
    item = parse.revision(entry, "P").item
    assert item.title == "bad \ufffd title\ufffd]0;pwned\ufffd"
    assert item.tags == ()
    assert item.priority is None and item.story_points is None
    assert item.assigned_to == "j@x"
    assert item.area_path == "A\\B\ufffdC"


@pytest.mark.parametrize("overrides, entity", [
    ({"reviewers": 5}, "7"),
    ({"reviewers": {"id": "x"}}, "7"),
    ({"pullRequestId": 10**30}, None),
    ({"pullRequestId": float("inf")}, None),
    ({"repository": "r1"}, "7"),
    ({"creationDate": 12}, "7"),
])
def test_a_broken_pull_request_is_one_bad_payload(overrides: dict[str, Any], entity: str | None) -> None:
    with pytest.raises(parse.BadPayload) as caught:
        parse.pull_request(good_pr(**overrides), "org", "P")
    assert caught.value.entity == entity


def test_pull_request_text_is_cleaned_and_descriptions_keep_lines() -> None:
    pr, people = parse.pull_request(good_pr(title="[UI] Fix\x1b[2J", description="a\r\nb\rc\td\x07",
                                            createdBy="Mallory [/oops] <m\udfff@x>",
                                            reviewers=[5, "x", {"id": 1, "displayName": "\x9b31m", "vote": "1e999"}]),
                                    "org", "P")
    assert pr.title == "[UI] Fix\ufffd[2J"
    assert pr.description == "a\nb\nc\td\ufffd"
    assert pr.author_name == "Mallory [/oops]" and pr.author_unique_name == "m\ufffd@x"
    assert [(r.display_name, r.vote) for r in pr.reviewers] == [("x", 0), ("\ufffd31m", 0)]
    assert all(p.display_name.isprintable() for p in people)


def test_review_times_skip_malformed_threads() -> None:
    threads = [5, {"comments": 5}, {"comments": [{"publishedDate": "2026-01-03T00:00:00Z", "author": {"id": "z"}}]},
               {"properties": {"CodeReviewThreadType": "VoteUpdate", "CodeReviewVoteResult": 10**40}}]
    comment, vote, approval = parse.review_times(threads, "a1")
    assert comment == datetime(2026, 1, 3, tzinfo=UTC) and vote is None and approval is None
    assert parse.review_times(5, "a1") == (None, None, None)  # type: ignore[arg-type]


# -- property tests: parsers ---------------------------------------------------------------------

_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
            | st.sampled_from(["\ud800", "2026-01-02T03:04:05Z", "9999-01-01T00:00:00Z", "[/oops]", "\x1b[31m", "1e999"]))
JSONISH = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                       max_leaves=12)
REV_KEYS = ["System.Id", "System.Rev", "System.ChangedDate", "System.State", "System.Title", "System.WorkItemType",
            "System.CreatedDate", "System.AssignedTo", "System.ChangedBy", "System.Tags", "System.AreaPath",
            "Microsoft.VSTS.Common.Priority", "Microsoft.VSTS.Scheduling.StoryPoints", "Microsoft.VSTS.CMMI.Blocked",
            "Microsoft.VSTS.Common.ClosedDate", "System.IsDeleted"]
PR_KEYS = ["pullRequestId", "repository", "title", "status", "creationDate", "closedDate", "createdBy", "reviewers",
           "description", "isDraft", "mergeStatus"]


def _mutated_revision(draw: st.DrawFn) -> Any:
    entry = good_revision(draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    for key in draw(st.lists(st.sampled_from(["id", "rev", "fields", *REV_KEYS]), max_size=4)):
        target = entry if key in ("id", "rev", "fields") else entry["fields"]
        if isinstance(target, dict):
            target[key] = draw(JSONISH)
    return entry


def _mutated_pr(draw: st.DrawFn) -> Any:
    pr = good_pr(draw(st.integers(1, 5)))
    for key in draw(st.lists(st.sampled_from(PR_KEYS + ["reviewers.0", "repository.id", "createdBy.id"]), max_size=4)):
        head, _, tail = key.partition(".")
        value = draw(JSONISH)
        if not tail:
            pr[head] = value
        elif isinstance(pr.get(head), dict):
            pr[head][tail] = value
        elif isinstance(pr.get(head), list) and pr[head]:
            pr[head][0] = value
    return pr


revision_entries = st.one_of(JSONISH, st.composite(_mutated_revision)())
pr_entries = st.one_of(JSONISH, st.composite(_mutated_pr)())


def _all_text_clean(value: Any) -> bool:
    if isinstance(value, str):
        return all(not (ord(c) < 32 and c not in "\n\t") and not 0x7F <= ord(c) <= 0x9F
                   and not 0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, (tuple, list)):
        return all(_all_text_clean(v) for v in value)
    if hasattr(value, "__slots__"):
        return all(_all_text_clean(getattr(value, name)) for name in value.__slots__)
    return True


@settings(max_examples=300, deadline=None)
@given(revision_entries)
def test_revision_parser_raises_only_bad_payload(entry: Any) -> None:
    try:
        parsed = parse.revision(entry, "P")
    except parse.BadPayload:
        return
    assert 0 < parsed.item.id < 2**63 and -(2**63) < parsed.item.rev < 2**63
    assert _all_text_clean(parsed.item) and _all_text_clean(parsed.revision)


@settings(max_examples=300, deadline=None)
@given(pr_entries)
def test_pull_request_parser_raises_only_bad_payload(entry: Any) -> None:
    try:
        pr, people = parse.pull_request(entry, "org", "P")
    except parse.BadPayload:
        return
    assert 0 < pr.pull_request_id < 2**63
    assert _all_text_clean(pr) and _all_text_clean(people)


# -- property tests: page writers into a real store, on SQLite and on PostgreSQL --------------------

class _NoClient:
    """The page writers never talk to the server; `requests` is read by progress events only."""

    requests = 0
    throttled_seconds = 0.0


def _context(store: Any, tmp: Path) -> SyncContext:
    return SyncContext(settings=make_settings(tmp, "https://dev.azure.com/org", ["P"]), store=store,
                       client=_NoClient(), org="org", org_url="https://dev.azure.com/org", now=NOW,  # type: ignore[arg-type]
                       summary=SyncSummary(run_id=0, status="running"), project="P")


@contextmanager
def _undone(store: Any) -> Iterator[None]:
    """Everything written inside is rolled back at the end (the store's own transactions become savepoints),
    so each example starts from the same empty store without a new file or database per example."""
    with store.db.atomic() as outer:
        yield
        outer.rollback()


# the fixtures are the same for every example: the store is emptied by `_undone` after each
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(revisions=st.lists(revision_entries, max_size=6), prs=st.lists(pr_entries, max_size=6))
def test_page_writers_store_good_entries_and_count_bad_ones(store: Any, tmp_path: Path, revisions: list[Any],
                                                            prs: list[Any]) -> None:
    assert store.count_work_items() == 0  # the previous example's writes were undone
    with _undone(store):
        ctx = _context(store, tmp_path)
        rows, items = parse_entries(ctx, "P", revisions + [good_revision(99, 1)])
        store_page(ctx, items, rows, cursor=("P", "stream", "token"))
        write_pr_page(ctx, "P", prs + [good_pr(99)], set())
        data = dump(store)
        assert 99 in {i.id for i in data["items"]} and "r1-99" in {p.uid for p in data["prs"]}
        bad_revisions = sum(1 for e in revisions if _raises(parse.revision, e, "P"))
        bad_prs = sum(1 for e in prs if _raises(parse.pull_request, e, "org", "P"))
        assert ctx.warning_count >= bad_revisions + bad_prs
        assert ctx.summary.warning_count == ctx.warning_count


def _raises(fn: Any, *args: Any) -> bool:
    try:
        fn(*args)
    except parse.BadPayload:
        return True
    return False


# -- a whole sync against the simulator with hostile entries in its pages --------------------------

HOSTILE_REVISIONS = [good_revision(10**30), good_revision(4242, 1, **{"System.Title": "lone \ud800"}),
                     {"id": 4343, "rev": 1, "fields": {"System.State": [{"deep": [[[]]]}]}}, 5]
HOSTILE_PRS = [good_pr(9901, reviewers=5), good_pr(10**30)]


def _hostile(sim: SimulatedAdo) -> httpx.MockTransport:
    """The simulator, with hostile entries appended to each project's first page of revisions and of PRs."""
    done: set[str] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        response = sim.transport.handle_request(request)
        path = request.url.path
        kind = "revisions" if "reporting/workitemrevisions" in path else "prs" if path.endswith("/pullrequests") else ""
        key = f"{kind}:{path}"
        if response.status_code != 200 or not kind or key in done:
            return response
        done.add(key)
        body = json.loads(response.read().decode("utf-8-sig"))
        list_key = "values" if kind == "revisions" else "value"
        hostile = HOSTILE_PRS
        if kind == "revisions":
            # item 4242 (good but for its title) goes to the first project only: the same id in two
            # projects' streams would be a move between them, not what this test is about
            first = not any(k.startswith("revisions:") for k in done - {key})
            hostile = [e for e in HOSTILE_REVISIONS if first or not (isinstance(e, dict) and e.get("id") == 4242)]
        body[list_key] = list(body[list_key]) + hostile
        text = json.dumps(body)  # `\ud800` stays a JSON escape, as a real server would send it
        return httpx.Response(200, headers={"content-type": "application/json"}, content=text.encode())

    return httpx.MockTransport(handler)


def test_sync_with_hostile_entries_finishes_with_data_and_warnings(
        tmp_path: Path, store_target: Path | str, caplog: pytest.LogCaptureFixture) -> None:
    org = generate_org(seed=7, size="tiny", now=NOW)
    sim = SimulatedAdo(org, faults=Faults(no_org_revisions=True))  # per-project streams: bad entries in each
    names = [p.name for p in org.projects]
    settings_ = make_settings(tmp_path, sim.base_url, names, target=store_target)
    fake = FakeTime()
    caplog.set_level(logging.WARNING, logger="flowtui.sync")
    with open_store(settings_.store_target) as store:
        summary = run_sync(settings_, store, pat=sim.pat, transport=_hostile(sim), sleep=fake.sleep, clock=fake.clock,
                           now=org.now)
        data = dump(store)
    assert summary.status == "success"
    # Per project: 3 bad revisions (id 10**30, 4343 without a state, the bare 5) + 2 bad PRs.
    # Item 4242 is stored: its lone surrogate became U+FFFD.
    assert summary.warning_count == 5 * len(names)
    ids = {i.id for i in data["items"]}
    assert 4242 in ids and 4343 not in ids
    titles = {i.id: i.title for i in data["items"]}
    assert titles[4242] == "lone \ufffd"
    assert len(data["items"]) == len({h.item.id for h in org.histories()} | {4242})
    assert {p.pull_request_id for p in data["prs"]} == {p.pull_request_id for p in org.domain_pull_requests()}
    assert any("pull request 9901" in w and "reviewers" in w for w in summary.warnings)
    assert sum("pull request 9901" in r.getMessage() for r in caplog.records) == len(names)
    # the next sync resumes past the page and goes on
    with open_store(settings_.store_target) as store:
        again = run_sync(settings_, store, pat=sim.pat, transport=sim.transport, sleep=fake.sleep, clock=fake.clock,
                         now=org.now)
    assert again.status == "success"


def test_summary_lists_warning_entities_with_work_item(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        ctx = _context(store, tmp_path)
        rows, items = parse_entries(ctx, "P", [good_revision(1), {"id": 77, "rev": 1, "fields": {"System.State": 5}}])
    assert [i.id for i in items] == [1] and isinstance(items[0], WorkItem)
    assert ctx.summary.warnings == ["P: work item 77 rev 1 has no valid System.ChangedDate and was skipped"]
