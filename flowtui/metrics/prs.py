"""Pull request metrics (SPEC §7, "PR metrics"). Only completed PRs with a closed date count.

* PR cycle time = closed − created, in hours.
* First review = the earlier of the first human comment and the first vote (both from threads);
  PRs whose threads were never read have none and are left out of that statistic.
* A PR was approved when a reviewer's final vote is 10 or 5, or a thread recorded an approval;
  completed PRs with neither are "merged without approval".
* Reviewer load counts each person (group reviewers excluded) over the PRs: voted (vote ≠ 0),
  approved (10 or 5), rejected (−10), waiting (−5).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flowtui.domain import PullRequest
from flowtui.metrics.calendar import iso_week, local_date
from flowtui.metrics.stats import percentile

HOUR = 3600.0
APPROVE_VOTES = (10, 5)


def completed(prs: Iterable[PullRequest]) -> list[PullRequest]:
    """Completed PRs that have a closed date."""
    return [p for p in prs if p.status == "completed" and p.closed_at is not None]


def closed_between(prs: Iterable[PullRequest], lo: float, hi: float) -> list[PullRequest]:
    """Completed PRs closed in [lo, hi) (POSIX seconds)."""
    return [p for p in completed(prs) if p.closed_at is not None and lo <= p.closed_at.timestamp() < hi]


def cycle_hours(pr: PullRequest) -> float | None:
    """closed − created in hours (None when not closed); never negative."""
    if pr.closed_at is None:
        return None
    return max(0.0, (pr.closed_at - pr.created_at).total_seconds() / HOUR)


def hours_to(pr: PullRequest, when: datetime | None) -> float | None:
    """Hours from the PR's creation to `when` (first comment, first vote, first approval), never negative."""
    if when is None:
        return None
    return max(0.0, (when - pr.created_at).total_seconds() / HOUR)


def first_comment_hours(pr: PullRequest) -> float | None:
    """Hours to the first human comment (None when threads were not read or nobody commented)."""
    return hours_to(pr, pr.first_comment_at)


def first_vote_hours(pr: PullRequest) -> float | None:
    """Hours to the first vote of any kind."""
    return hours_to(pr, pr.first_vote_at)


def first_approval_hours(pr: PullRequest) -> float | None:
    """Hours to the first approving vote (10 or 5) recorded in the threads."""
    return hours_to(pr, pr.first_approval_at)


def first_review_hours(pr: PullRequest) -> float | None:
    """Hours from creation to the first human comment or first vote, whichever came first."""
    times = [t for t in (pr.first_comment_at, pr.first_vote_at) if t is not None]
    if not times:
        return None
    return max(0.0, (min(times) - pr.created_at).total_seconds() / HOUR)


def was_approved(pr: PullRequest) -> bool:
    """True when a reviewer's vote is 10 or 5 or the threads recorded an approval."""
    return pr.first_approval_at is not None or any(r.vote in APPROVE_VOTES for r in pr.reviewers)


def p50_p90(values: Sequence[float]) -> dict[str, float | int | None]:
    """{"n", "p50", "p90"} of values."""
    ordered = sorted(values)
    return {"n": len(ordered), "p50": percentile(ordered, 50), "p90": percentile(ordered, 90)}


@dataclass(frozen=True, slots=True)
class ReviewerLoad:
    """One person's reviewing over a set of PRs."""

    user_id: str
    name: str
    voted: int
    approved: int
    rejected: int
    waiting: int


def reviewer_load(prs: Iterable[PullRequest]) -> list[ReviewerLoad]:
    """Per reviewer (groups excluded): sorted by PRs voted on (most first), then name, then id."""
    acc: dict[str, list] = {}
    for pr in prs:
        for r in pr.reviewers:
            if r.is_container:
                continue
            row = acc.setdefault(r.user_id, [r.display_name, 0, 0, 0, 0])
            row[1] += r.vote != 0
            row[2] += r.vote in APPROVE_VOTES
            row[3] += r.vote == -10
            row[4] += r.vote == -5
    out = [ReviewerLoad(uid, v[0], v[1], v[2], v[3], v[4]) for uid, v in acc.items()]
    out.sort(key=lambda x: (-x.voted, x.name, x.user_id))
    return out


def weekly(prs: Iterable[PullRequest], weeks: Sequence[str], tz: ZoneInfo) -> list[dict[str, object]]:
    """Per ISO week label: PRs closed, cycle time p50/p90 hours, distinct authors and reviewers."""
    by_week: dict[str, list[PullRequest]] = {w: [] for w in weeks}
    for pr in completed(prs):
        label = iso_week(local_date(pr.closed_at, tz))  # type: ignore[arg-type]
        if label in by_week:
            by_week[label].append(pr)
    out = []
    for w in weeks:
        group = by_week[w]
        stats = p50_p90([h for p in group if (h := cycle_hours(p)) is not None])
        reviewers = {r.user_id for p in group for r in p.reviewers if not r.is_container}
        out.append({"week": w, "count": len(group), "cycle_time_p50_hours": stats["p50"],
                    "cycle_time_p90_hours": stats["p90"], "authors": len({p.author_id for p in group}),
                    "reviewers": len(reviewers)})
    return out


def closed_day(pr: PullRequest, tz: ZoneInfo) -> date | None:
    """The local date a PR closed."""
    return None if pr.closed_at is None else local_date(pr.closed_at, tz)
