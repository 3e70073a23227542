"""Builders for hand-made work item histories and pull requests used by the metrics tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowtui.domain import PullRequest, Reviewer, Revision, StateCategory, WorkItem, WorkItemHistory

#: Monday 2026-11-02 00:00 UTC (ISO week 2026-W45).
T0 = datetime(2026, 11, 2, tzinfo=UTC)

STATES = [
    StateCategory("P", "Story", name, cat)
    for name, cat in [
        ("New", "Proposed"), ("Active", "InProgress"), ("Review", "InProgress"),
        ("Resolved", "Resolved"), ("Closed", "Completed"), ("Removed", "Removed"),
    ]
]


def at(days: float, hours: float = 0) -> datetime:
    """T0 plus a number of days (and hours)."""
    return T0 + timedelta(days=days, hours=hours)


def hist(item_id: int, *moves: tuple, project: str = "P", wtype: str = "Story",
         area: str = "P\\Team") -> WorkItemHistory:
    """A history from (when, state) or (when, state, tags) or (when, state, tags, blocked) tuples.

    The first move is the creation; every move becomes one revision (rev 1, 2, …).
    """
    revs = []
    prev = None
    for rev, move in enumerate(moves, start=1):
        when, state = move[0], move[1]
        tags = tuple(move[2]) if len(move) > 2 else ()
        blocked = bool(move[3]) if len(move) > 3 else False
        revs.append(Revision(item_id, rev, when, state, prev, "someone", tags, blocked))
        prev = state
    last = moves[-1]
    item = WorkItem(item_id, project, wtype, f"item {item_id}", last[1], moves[0][0], last[0], len(moves),
                    area_path=area, tags=tuple(last[2]) if len(last) > 2 else ())
    return WorkItemHistory(item, tuple(revs))


def pr(n: int, created: datetime, closed: datetime | None, *, votes: dict[str, int] | None = None,
       status: str = "completed", project: str = "P", first_comment: datetime | None = None,
       first_vote: datetime | None = None, first_approval: datetime | None = None,
       author: str = "a1", groups: dict[str, int] | None = None) -> PullRequest:
    """A pull request with reviewers named by user id (display name = id upper-cased)."""
    uid = f"repo-{n}"
    reviewers = tuple(Reviewer(uid, u, u.upper(), v) for u, v in (votes or {}).items())
    reviewers += tuple(Reviewer(uid, g, g, v, is_container=True) for g, v in (groups or {}).items())
    return PullRequest(uid, n, "org", project, "repo", "Repo", author, author.upper(), f"PR {n}", status,
                       created, closed, first_comment_at=first_comment, first_vote_at=first_vote,
                       first_approval_at=first_approval, reviewers=reviewers)
