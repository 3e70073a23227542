"""Payload parsing: identities, tags, dates, sentinels, missing fields, thread review times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flowtui.ado import parse


def test_identity_forms() -> None:
    obj = parse.identity({"displayName": "Jane Doe", "id": "G-1", "uniqueName": "jane@x.com", "descriptor": "aad.x"})
    assert (obj.id, obj.display_name, obj.unique_name, obj.is_container) == ("G-1", "Jane Doe", "jane@x.com", False)
    text = parse.identity("Jane Doe <jane@x.com>")
    assert (text.display_name, text.unique_name) == ("Jane Doe", "jane@x.com")
    old = parse.identity({"id": "G-2", "uniqueName": "John Roe <john@x.com>"})  # old includeIdentityRef form
    assert (old.id, old.display_name, old.unique_name) == ("G-2", "John Roe", "john@x.com")
    bare = parse.identity("CONTOSO\\build")
    assert bare.display_name == "CONTOSO\\build" and bare.unique_name is None
    team = parse.identity({"displayName": "[P]\\Team", "id": "T", "isContainer": True})
    assert team.is_container
    assert parse.identity(None) is None and parse.identity({}) is None and parse.identity("") is None


def test_tags_split_on_semicolons_and_drop_empties() -> None:
    assert parse.tags("client; sample;teamservices; ;") == ("client", "sample", "teamservices")
    assert parse.tags("") == ()
    assert parse.tags(None) == ()
    assert parse.tags([{"name": "a"}, "b"]) == ("a", "b")


def _entry(**fields: object) -> dict:
    base = {"System.State": "Active", "System.ChangedDate": "2026-03-31T18:36:26.397Z", "System.WorkItemType": "Bug"}
    base.update(fields)
    return {"id": 7, "rev": 3, "fields": {k: v for k, v in base.items() if v is not None}}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-31T18:36:26Z", datetime(2026, 3, 31, 18, 36, 26, tzinfo=UTC)),
        ("2026-03-31T18:36:26.4Z", datetime(2026, 3, 31, 18, 36, 26, 400000, tzinfo=UTC)),
        ("2026-03-31T18:36:26.8234796Z", datetime(2026, 3, 31, 18, 36, 26, 823479, tzinfo=UTC)),  # 7 digits truncated
        ("2026-03-31T18:36:26.397+00:00", datetime(2026, 3, 31, 18, 36, 26, 397000, tzinfo=UTC)),
        ("2026-03-31T20:36:26+02:00", datetime(2026, 3, 31, 18, 36, 26, tzinfo=UTC)),
    ],
)
def test_revision_changed_date_in_every_form(raw: str, expected: datetime) -> None:
    parsed = parse.revision(_entry(**{"System.ChangedDate": raw}), "P")
    assert parsed.revision.changed_at == expected and parsed.item.changed_at == expected


def test_revision_fields_sentinels_and_defaults() -> None:
    parsed = parse.revision(_entry(**{
        "System.Tags": "Blocked; ui",
        "Microsoft.VSTS.CMMI.Blocked": "Yes",
        "System.ChangedBy": {"displayName": "Jane", "id": "G", "uniqueName": "j@x"},
        "System.AssignedTo": "Bob Smith <bob@x.com>",
        "Microsoft.VSTS.Common.ClosedDate": "9999-01-01T00:00:00Z",
        "Microsoft.VSTS.Common.Priority": 2,
        "Microsoft.VSTS.Scheduling.StoryPoints": 3.0,
    }), "P")
    rev, item = parsed.revision, parsed.item
    assert (rev.work_item_id, rev.rev, rev.state, rev.tags, rev.blocked, rev.changed_by) == (7, 3, "Active", ("Blocked", "ui"), True, "Jane")
    assert item.assigned_to == "Bob Smith" and item.closed_at is None and item.priority == 2 and item.story_points == 3.0
    # CreatedDate missing: falls back to the ChangedDate; Title missing: empty
    assert item.created_at == item.changed_at and item.title == "" and item.project == "P"


def test_revision_ids_from_fields_when_top_level_missing() -> None:
    parsed = parse.revision({"fields": {"System.Id": "12", "System.Rev": 4, "System.State": "New",
                                        "System.ChangedDate": "2026-01-01T00:00:00Z"}}, "P")
    assert (parsed.item.id, parsed.item.rev) == (12, 4)


@pytest.mark.parametrize("entry", [
    {"id": 1, "rev": 1, "fields": {"System.State": "New"}},  # no ChangedDate
    {"id": 1, "rev": 1, "fields": {"System.State": "New", "System.ChangedDate": "0001-01-01T00:00:00"}},  # sentinel
    {"id": 1, "rev": 1, "fields": {"System.ChangedDate": "2026-01-01T00:00:00Z"}},  # no State
    {"rev": 1, "fields": {}},  # no id
    "garbage",
])
def test_unusable_revisions_raise_bad_payload(entry: object) -> None:
    with pytest.raises(parse.BadPayload):
        parse.revision(entry, "P")


def test_pull_request_parsing_tolerates_missing_fields() -> None:
    raw = {
        "pullRequestId": 7, "status": "completed", "title": "T",
        "repository": {"id": "R1", "name": "repo", "project": {"name": "P", "lastUpdateTime": "0001-01-01T00:00:00"}},
        "createdBy": {"displayName": "Ann", "id": "A1", "uniqueName": "ann@x"},
        "creationDate": "2023-02-01T01:14:59.8234796Z", "closedDate": "2023-02-01T01:18:36.2721262Z",
        "reviewers": [{"displayName": "Rev", "id": "R-1", "vote": 10, "isRequired": True},
                      {"displayName": "Team", "id": "T-1", "vote": 0, "isContainer": True},
                      {"displayName": "Rev", "id": "R-1", "vote": 10}],  # a duplicate is dropped
    }
    pr, people = parse.pull_request(raw, "contoso", "P")
    assert pr.uid == "R1-7" and pr.author_id == "A1" and pr.merge_status is None and pr.description is None
    assert pr.closed_at == datetime(2023, 2, 1, 1, 18, 36, 272126, tzinfo=UTC)
    assert [(r.user_id, r.vote, r.is_required, r.is_container) for r in pr.reviewers] == [("R-1", 10, True, False), ("T-1", 0, False, True)]
    assert [p.id for p in people] == ["A1", "R-1", "T-1"]
    with pytest.raises(parse.BadPayload):
        parse.pull_request({"pullRequestId": 8, "repository": {"id": "R1"}}, "contoso", "P")  # no creationDate


def test_review_times_from_threads() -> None:
    author = "A1"
    threads = [
        {"id": 1, "publishedDate": "2026-01-01T10:00:00Z", "comments": [  # author's own comment: ignored
            {"id": 1, "author": {"id": "A1"}, "commentType": "text", "publishedDate": "2026-01-01T10:00:00Z"}]},
        {"id": 2, "publishedDate": "2026-01-01T11:00:00Z", "comments": [  # deleted: ignored
            {"id": 1, "author": {"id": "B"}, "commentType": "text", "isDeleted": True, "publishedDate": "2026-01-01T11:00:00Z"}]},
        {"id": 3, "publishedDate": "2026-01-01T12:00:00Z", "comments": [  # system comment: ignored
            {"id": 1, "author": {"id": "SVC", "isContainer": True}, "commentType": "system", "publishedDate": "2026-01-01T12:00:00Z"}]},
        {"id": 4, "publishedDate": "2026-01-01T13:30:00.5Z", "comments": [
            {"id": 1, "author": {"id": "B"}, "commentType": "text", "publishedDate": "2026-01-01T13:30:00.5Z"},
            {"id": 2, "author": {"id": "C"}, "commentType": "text", "publishedDate": "2026-01-01T14:00:00Z"}]},
        {"id": 5, "publishedDate": "2026-01-01T15:00:00Z", "properties": {
            "CodeReviewThreadType": {"$type": "System.String", "$value": "VoteUpdate"},
            "CodeReviewVoteResult": {"$type": "System.Int32", "$value": -5},
            "CodeReviewVotedByTfId": {"$type": "System.String", "$value": "B"}}, "comments": []},
        {"id": 6, "publishedDate": "2026-01-01T16:00:00Z", "properties": {
            "CodeReviewThreadType": {"$value": "VoteUpdate"}, "CodeReviewVoteResult": {"$value": "10"},
            "CodeReviewVotedByTfId": {"$value": "C"}}},
        {"id": 7, "publishedDate": "2026-01-01T09:00:00Z", "properties": {  # the author's own approval: ignored
            "CodeReviewThreadType": {"$value": "VoteUpdate"}, "CodeReviewVoteResult": {"$value": 10},
            "CodeReviewVotedByTfId": {"$value": "a1"}}},
    ]
    comment, vote, approval = parse.review_times(threads, author)
    assert comment == datetime(2026, 1, 1, 13, 30, 0, 500000, tzinfo=UTC)
    assert vote == datetime(2026, 1, 1, 15, 0, tzinfo=UTC)  # the -5 "waiting" is the first vote
    assert approval == datetime(2026, 1, 1, 16, 0, tzinfo=UTC)  # the first vote of 5 or 10


@pytest.mark.parametrize("raw", [
    "2026-03-31T18:36:26Z", "2026-03-31T18:36:26.1Z", "2026-03-31T18:36:26.8234796Z", "2026-03-31T18:36Z",
    "9999-01-01T00:00:00Z", "0001-01-01T00:00:00", "2026-03-31T18:36:26.397+00:00", "2026-02-30T10:00:00Z",
    "2026-03-31 18:36:26Z", "not a date Z", "", None, 17,
])
def test_fast_date_path_agrees_with_the_shared_parser(raw: object) -> None:
    from flowtui.timeutil import parse_ado_datetime

    assert parse.when(raw) == parse_ado_datetime(raw)


def test_pull_request_with_odd_shapes_is_stored_with_what_is_known() -> None:
    raw = {"pullRequestId": "9", "repository": {"id": "R"}, "creationDate": "2026-01-01T00:00:00Z",
           "isDraft": "false", "reviewers": ["Jo Bloggs <jo@x.com>", {"displayName": "Al", "id": "AL", "isRequired": "true", "vote": "-5"}]}
    pr, people = parse.pull_request(raw, "org", "P")
    assert pr.pull_request_id == 9 and pr.author_id == "unknown" and pr.is_draft is False
    assert [(r.user_id, r.vote, r.is_required) for r in pr.reviewers] == [("jo@x.com", 0, False), ("AL", -5, True)]
    assert [p.id for p in people] == ["jo@x.com", "AL"]  # no placeholder identity for the missing author
