"""PR threads → time to first human comment, first vote and first approval.

Run once per sync, after every project's pull requests: one store query finds the completed PRs
closed in the last `sync.pr_threads_days` whose threads were never read (all of them with --full),
then up to `max_concurrency` workers fetch threads across projects under the client's shared
throttle. Only the calling thread writes to the store, every `COMMIT_EVERY` PRs. Review times are
stored per PR uid, so thread ids (which restart at 1 in every PR) never collide. A PR whose threads
are gone or unreadable is a warning; any other failure marks that PR's project failed.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from flowtui.ado import endpoints, parse
from flowtui.ado.errors import ConnectionFailure
from flowtui.domain import PullRequest
from flowtui.errors import AdoError, AuthError, FlowtuiError, NotFoundError, PayloadError
from flowtui.sync.context import SyncContext
from flowtui.sync.progress import STAGE_THREADS

COMMIT_EVERY = 50
#: The collecting thread looks at the cancel flag at least this often while workers are busy (seconds).
CANCEL_POLL_S = 0.5
Row = tuple[str, datetime | None, datetime | None, datetime | None]


def sync_threads(ctx: SyncContext, projects: list[str], *, days: int) -> dict[str, FlowtuiError]:
    """Read the threads of recent PRs of `projects`; returns the failure per project (empty if none)."""
    failures: dict[str, FlowtuiError] = {}
    if days <= 0 or not projects:
        return failures
    after = ctx.server_now() - timedelta(days=days)
    candidates = ctx.store.pull_requests(closed_after=after) if ctx.full else ctx.store.prs_needing_threads(after)
    wanted = set(projects)
    queue = [p for p in candidates if p.project in wanted and p.organization == ctx.org]
    if not queue:
        return failures
    ctx.project = ""
    total, done = len(queue), 0
    rows: list[Row] = []
    workers = max(1, ctx.client.max_concurrency)
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flowtui-threads")
    futures: dict[Future[list[dict[str, object]]], PullRequest] = {}
    try:
        while queue or futures:
            while queue and len(futures) < workers * 2:
                pr = queue.pop(0)
                if pr.project in failures:
                    continue
                future = executor.submit(endpoints.pull_request_threads, ctx.client, pr.project, pr.repository_id,
                                         pr.pull_request_id)
                futures[future] = pr
            if not futures:
                break
            finished, _ = wait(futures, timeout=CANCEL_POLL_S, return_when=FIRST_COMPLETED)
            for future in finished:
                pr = futures.pop(future)
                try:
                    threads = future.result()
                except (NotFoundError, PayloadError) as exc:
                    ctx.warn(f"{pr.project}: threads of pull request {pr.pull_request_id} could not be read "
                             f"({exc.message}); skipped")
                    continue
                except (AuthError, ConnectionFailure):
                    raise
                except AdoError as exc:
                    failures.setdefault(pr.project, exc)
                    continue
                rows.append((pr.uid, *parse.review_times(threads, pr.author_id)))
                done += 1
                counts = ctx.summary.projects.get(pr.project)
                if counts is not None:
                    counts.threads += 1
            if len(rows) >= COMMIT_EVERY:
                _commit(ctx, rows)
            if finished:
                ctx.emit(STAGE_THREADS, "threads", done=done, total=total, message=f"threads of {done}/{total} pull requests")
            ctx.check_cancel()
        _commit(ctx, rows)
    except BaseException:
        # Do not wait for requests still in flight (they may sit in a throttle wait): closing the
        # client at the end of the run wakes and ends them. Keep what was read before stopping.
        executor.shutdown(wait=False, cancel_futures=True)
        _commit(ctx, rows)
        raise
    executor.shutdown(wait=True)
    return failures


def _commit(ctx: SyncContext, rows: list[Row]) -> None:
    if not rows:
        return
    with ctx.store.transaction():
        for uid, comment, vote, approval in rows:
            ctx.store.set_pr_review_times(uid, comment, vote, approval)
    rows.clear()
