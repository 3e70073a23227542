"""Completed pull requests by closed time (their threads are read in `flowtui.sync.threads`).

The window runs from an explicit `--since`, else the stored watermark minus one hour, else
`sync.since`, else 365 days back — to now, as ONE paged query ($top=100/$skip, read until an empty
page, within the `sync.max_requests_per_stream` budget) rather than a request per day. Pages commit
as they arrive (PRs, reviewers with stale ones removed, authors and reviewers as identities,
repositories); the watermark, an instant, advances once the window is
done, and never backwards. An explicit `--since` later than the stored watermark does not move the
watermark either, so no gap can open.

Descriptions are stored as the PR list returns them (cut to 400 characters by the service): fetching
every PR singly for its full text would cost one request per PR, against the SPEC §12 budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flowtui.ado import endpoints, parse
from flowtui.ado.paging import PageSize
from flowtui.domain import Identity, PullRequest, Repository
from flowtui.sync.context import SyncContext
from flowtui.sync.progress import STAGE_PULL_REQUESTS

STREAM = "git.pullrequests"
OVERLAP = timedelta(hours=1)


def pr_window(ctx: SyncContext, project: str, *, since: datetime | None, default_start: datetime) -> tuple[datetime, bool]:
    """(window start, whether the watermark may advance to now when the window is done)."""
    cursor = None if ctx.full else ctx.store.get_cursor(ctx.org, project, STREAM)  # --full ignores it
    stored = cursor.watermark if cursor else None
    if since is not None:
        return since, stored is None or since <= stored
    if stored is not None:
        return stored - OVERLAP, True
    return default_start, True


def known_page_size(ctx: SyncContext, project: str) -> PageSize:
    """The largest PR page this project's list has served, kept in the cursor's value (`page=N`)."""
    cursor = ctx.store.get_cursor(ctx.org, project, STREAM)
    value = cursor.value if cursor else ""
    size = value[len("page="):] if value.startswith("page=") else ""
    return PageSize(int(size) if size.isdigit() else 0)


def sync_pull_requests(ctx: SyncContext, project: str, *, since: datetime | None, default_start: datetime) -> None:
    """Every completed PR of the project closed in the missing window."""
    start, advance = pr_window(ctx, project, since=since, default_start=default_start)
    end = ctx.server_now()  # the server's clock: a client clock ahead would skip PRs
    if start >= end:
        return
    repos_done: set[str] = set()
    if ctx.full or not any(r.project == project and r.organization == ctx.org for r in ctx.store.repositories()):
        repos = [r for r in (parse.repository(raw, project, ctx.org) for raw in endpoints.repositories(ctx.client, project)) if r]
        with ctx.store.transaction():
            ctx.store.upsert_repositories(repos)
        repos_done.update(r.id for r in repos)
    budget = ctx.request_budget(f"The pull request list of {project!r}")
    page_size = known_page_size(ctx, project)
    for page in endpoints.completed_pull_requests(ctx.client, project, start, end, budget=budget, page_size=page_size):
        ctx.check_cancel()
        write_pr_page(ctx, project, page, repos_done)
        ctx.emit(STAGE_PULL_REQUESTS, "pull_requests", done=ctx.counts.pull_requests,
                 message=f"{ctx.counts.pull_requests} pull requests")
    if advance:
        with ctx.store.transaction():
            ctx.store.set_cursor(ctx.org, project, STREAM, f"page={page_size.largest}" if page_size.largest else "",
                                 watermark=end, force=ctx.full)


def write_pr_page(ctx: SyncContext, project: str, page: Sequence[object], repos_done: set[str]) -> None:
    """Parse one page of PRs and commit it (PRs, reviewers, identities, new repositories) in one transaction.

    A malformed entry is one counted warning (`parse.BadPayload`); only the store can fail the page.
    """
    prs: list[PullRequest] = []
    people: dict[str, Identity] = {}
    repos_seen: dict[str, Repository] = {}
    for raw in page:
        try:
            pr, identities = parse.pull_request(raw, ctx.org, project)
        except parse.BadPayload as exc:
            ctx.warn(str(exc))
            continue
        prs.append(pr)
        for person in identities:
            people.setdefault(person.id, person)
        repo = parse.repository(raw.get("repository") if isinstance(raw, dict) else None, project, ctx.org)
        if repo is not None and repo.id not in repos_done:
            repos_seen[repo.id] = repo
    with ctx.store.transaction():
        ctx.store.upsert_repositories(list(repos_seen.values()))
        ctx.store.upsert_identities(list(people.values()))
        ctx.store.upsert_pull_requests(prs)
    repos_done.update(repos_seen)
    ctx.counts.pull_requests += len(prs)
    ctx.counts.reviewers += sum(len(p.reviewers) for p in prs)
