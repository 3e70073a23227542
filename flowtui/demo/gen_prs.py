"""Pull requests, reviewers, votes and (lazily built) threads.

PR creation times follow the working calendar; a PR lives a lognormal number of work hours, ends
completed (≈90 %) or abandoned, and is still active when its end lies after `now` (a quarter of the
active ones are drafts). Reviewers are team members, sometimes required, sometimes with the team
group (`isContainer`) as a reviewer; votes are −10/−5/0/5/10 with a vote history (a −5 that later
becomes 10). Threads are built on first access from a per-PR seed, so 50,000 PRs cost nothing until
someone reads their threads, and the result is the same whichever order they are read in.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from flowtui.demo.gen_workitems import lognormal, make_title
from flowtui.demo.model import SimComment, SimIdentity, SimPullRequest, SimRepository, SimReviewer, SimThread
from flowtui.demo.worktime import WORKDAY_S, WorkCalendar, dt_to_ms, ms_to_dt, snap_ms

_BRANCH_WORDS = ("login", "search", "export", "billing", "audit", "cache", "upload", "webhook", "report",
                 "profile", "invoice", "session")
_COMMENTS = ("Could we add a test for the empty case?", "Nit: naming.", "Looks good to me.",
             "Why not reuse the existing helper here?", "This will break on older clients.",
             "Please add a comment explaining the retry.", "Done, thanks!", "Good catch, fixed.",
             "Can you split this into two commits?", "Is this behind a feature flag?")
_FILES = ("/src/api/handlers.py", "/src/web/app.ts", "/src/core/cache.cs", "/README.md",
          "/src/jobs/export.py", "/tests/test_billing.py")


def _desc(rng: random.Random) -> str:
    base = "This change " + rng.choice(("adds", "fixes", "refactors", "removes")) + " " + \
        rng.choice(_BRANCH_WORDS) + " handling."
    if rng.random() < 0.2:  # long descriptions exercise the 400-character list truncation
        base += "\n\n" + " ".join(f"Step {i}: update the {rng.choice(_BRANCH_WORDS)} module."
                                  for i in range(1, rng.randint(12, 30)))
    return base


def _grid(value: datetime) -> datetime:
    """Thread dates are WIT-style: millisecond precision on the 0/3/7 grid."""
    return ms_to_dt(snap_ms(dt_to_ms(value)))


def _micro(ms: int, rng: random.Random) -> datetime:
    return ms_to_dt(ms) + timedelta(microseconds=rng.randrange(0, 1000))


def build_pr(rng: random.Random, repo: SimRepository, cal: WorkCalendar, now_ms: int, w: float,
             pr_id: int = 0) -> SimPullRequest | None:
    """One PR created at work position `w` (None when after `now`); id assigned by the caller."""
    created_ms = cal.to_ms(w)
    if created_ms > now_ms:
        return None
    project = repo.project
    members = project.members
    author = rng.choice(members)
    life = lognormal(rng, 0.7 * WORKDAY_S, 1.1) if rng.random() > 0.05 else lognormal(rng, 20 * WORKDAY_S, 0.8)
    end_ms = cal.to_ms(w + life)
    abandoned = rng.random() < 0.09
    creation = _micro(created_ms, rng)
    status = "active" if end_ms > now_ms else ("abandoned" if abandoned else "completed")
    closed = _micro(end_ms, rng) if status != "active" else None
    if closed is not None and closed <= creation:
        closed = creation + timedelta(seconds=rng.randint(30, 600), microseconds=rng.randrange(1000) * 1000)
    word = rng.choice(_BRANCH_WORDS)
    pr = SimPullRequest(
        pull_request_id=pr_id, repository=repo, created_by=author, creation=creation, status=status,
        title=make_title(rng, project.process.types[0]), description=_desc(rng),
        source_ref=f"refs/heads/feature/{word}-{rng.randint(100, 999)}", target_ref=repo.default_branch,
        is_draft=status == "active" and rng.random() < 0.25, closed=closed,
        closed_by=author if status == "completed" and rng.random() < 0.7 else (
            rng.choice(members) if status == "completed" else None),
        merge_status={"completed": "succeeded", "abandoned": None}.get(
            status, rng.choice(("succeeded", "succeeded", "succeeded", "conflicts", "queued"))),
        labels=("feature",) if rng.random() < 0.1 else (),
        merge_strategy=rng.choice(("noFastForward", "squash", "squash", "rebase")),
        commit_seed=rng.getrandbits(64),
    )
    _add_reviewers(rng, pr, author, members, project.team)
    return pr


def _add_reviewers(rng: random.Random, pr: SimPullRequest, author: SimIdentity,
                   members: tuple[SimIdentity, ...], team: SimIdentity) -> None:
    others = [m for m in members if m.id != author.id]
    people = rng.sample(others, min(len(others), rng.choice((1, 2, 2, 3))))
    reviewers = [SimReviewer(p, is_required=rng.random() < 0.3) for p in people]
    group = SimReviewer(team, is_required=rng.random() < 0.5) if rng.random() < 0.4 else None
    start = pr.creation
    end = pr.closed or (pr.creation + timedelta(hours=rng.uniform(1, 30)))
    span = max((end - start).total_seconds(), 60.0)

    def when(lo: float, hi: float) -> datetime:
        return start + timedelta(seconds=span * rng.uniform(lo, hi), microseconds=rng.randrange(1000))

    if pr.status == "completed":
        approvers = reviewers if rng.random() < 0.3 else reviewers[:1]
        if rng.random() < 0.03:
            approvers = []  # merged without approval
        for r in approvers:
            if rng.random() < 0.12:
                r.vote_history.append((when(0.05, 0.4), -5))
            r.vote_history.append((when(0.45, 0.98), 10 if rng.random() < 0.8 else 5))
    elif pr.status == "abandoned":
        roll = rng.random()
        if reviewers and roll < 0.4:
            reviewers[0].vote_history.append((when(0.1, 0.9), -10))
        elif reviewers and roll < 0.6:  # waiting for the author, who gave up
            reviewers[0].vote_history.append((when(0.1, 0.9), -5))
    else:
        for r in reviewers:
            roll = rng.random()
            if roll < 0.25:
                r.vote_history.append((when(0.1, 0.9), 5 if roll < 0.15 else -5))
    for r in reviewers:
        if r.vote_history:
            r.vote = r.vote_history[-1][1]
    if group is not None:
        voters = [r for r in reviewers if r.vote]
        if voters:
            voters[0].voted_for = (group.identity,)
            group.vote = voters[0].vote
    pr.reviewers = reviewers + ([group] if group else [])


def make_thread_factory(org_seed: int, service: SimIdentity) -> Callable[[SimPullRequest], list[SimThread]]:
    """A function building a PR's threads deterministically from (org seed, PR id)."""

    def build(pr: SimPullRequest) -> list[SimThread]:
        rng = random.Random(f"{org_seed}:threads:{pr.pull_request_id}")
        threads: list[SimThread] = []
        people = [r.identity for r in pr.reviewers if not r.identity.is_container]

        def system(at: datetime, kind: str, content: str, props: dict) -> None:
            props = {"CodeReviewThreadType": {"$type": "System.String", "$value": kind}, **props}
            tid = len(threads) + 1
            threads.append(SimThread(tid, at, kind, [SimComment(1, 0, service, content, at, "system")],
                                     None, props))

        names = ", ".join(r.identity.display_name for r in pr.reviewers)
        if names:
            system(_grid(pr.creation + timedelta(seconds=2)), "ReviewersUpdate",
                   f"{pr.created_by.display_name} added {names} as reviewers",
                   {"CodeReviewReviewersUpdatedNumAdded": {"$type": "System.Int32",
                                                           "$value": len(pr.reviewers)}})
        events: list[tuple[datetime, str, object]] = []
        for r in pr.reviewers:
            for at, vote in r.vote_history:
                events.append((at, "vote", (r.identity, vote)))
        end = pr.closed or (pr.creation + timedelta(hours=8))
        span = max((end - pr.creation).total_seconds(), 60.0)
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4)) if people else 0):
            at = pr.creation + timedelta(seconds=span * rng.uniform(0.02, 0.9))
            events.append((at, "text", rng.choice(people)))
        if rng.random() < 0.3:
            events.append((pr.creation + timedelta(seconds=span * rng.uniform(0.2, 0.8)), "push", None))
        events.sort(key=lambda e: e[0])
        for at, kind, data in events:
            at = _grid(at)
            if kind == "vote":
                who, vote = data
                system(at, "VoteUpdate", f"{who.display_name} voted {vote}", {
                    "CodeReviewVoteResult": {"$type": "System.String", "$value": str(vote)},
                    "CodeReviewVotedByIdentity": {"$type": "System.String", "$value": "1"},
                    "CodeReviewVotedByTfId": {"$type": "System.String", "$value": who.id},
                })
                threads[-1].identities = {"1": who}
            elif kind == "push":
                system(at, "RefUpdate", f"{pr.created_by.display_name} updated the pull request",
                       {"CodeReviewRefUpdatedByIdentity": {"$type": "System.String", "$value": "1"}})
                threads[-1].identities = {"1": pr.created_by}
            else:
                author = data
                comments = [SimComment(1, 0, author, rng.choice(_COMMENTS), at, "text")]
                if rng.random() < 0.4:
                    reply_at = _grid(at + timedelta(minutes=rng.randint(5, 300), milliseconds=rng.randint(0, 999)))
                    comments.append(SimComment(2, 1, pr.created_by, rng.choice(_COMMENTS), reply_at, "text"))
                if rng.random() < 0.12:  # a deleted comment keeps its entry but loses its content
                    c = comments[-1]
                    comments[-1] = SimComment(c.id, c.parent_comment_id, c.author, None, c.published,
                                              "text", True)
                file_path = rng.choice(_FILES) if rng.random() < 0.5 else None
                status = rng.choice(("active", "fixed", "closed")) if pr.status != "active" else "active"
                threads.append(SimThread(len(threads) + 1, at, "text", comments, status, {}, file_path))
        return threads

    return build
