"""`run_sync`: one sync run over the configured projects, recorded in the store.

Per project: (1) work item types and their states → categories (first sync / --full, and for any
type whose state is new), (2) the reporting revisions stream — the organization-level stream,
read once in the first project's stage for every project (`flowtui.sync.org_stream`), or the
project's own stream on servers without it — (3) complete histories: stale WIP, the recycle bin,
backfill (`flowtui.sync.history`), (4) completed PRs over the missing window; then, once for all
projects, (5) threads of recent PRs. A project that fails marks the run
failed and the next project still runs; committed pages are never rolled back. A rejected PAT, an
unreachable host (DNS/TLS) or a store failure stops the whole run. The run record is opened first and always closed with
`failed` or `cancelled` unless every project succeeded, so a crash never leaves "success" behind.
Opening it takes the store's writer lock (`flowtui.store.runs`): a second sync of the same store is
refused with the holder's pid, host, start time and command, and records left `running` by a killed
process are marked `interrupted`; closing it releases the lock.

Waits: the run has one wait budget (`sync.max_wait_s`) shared by every project and worker, so a
throttled run ends within it; `cancel` is polled by the client during every wait and request, so a
cancel (or Ctrl+C) stops the run within about a second, keeping every committed page.

Cursors (the revisions continuation token, the PR watermark) only move forward; `full=True` ignores
them, re-reads everything from the history start (and every recent PR's threads) and then stores
the new cursors as they come, even when that moves a watermark back. `since` is the history start
of a first sync (default `sync.since`, else 365 days back) and, for pull requests, an explicit
window start that never moves the stored watermark backwards. "Now" for every window and
watermark is the server's clock (`SyncContext.server_now`); `now` is the client's own clock.

When `ado.projects` is empty, every project of the collection is synced.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from collections.abc import Callable

from flowtui.ado import endpoints
from flowtui.ado.errors import ConnectionFailure, RouteNotFoundError
from flowtui.config import Settings, organization_name
from flowtui.domain import Organization, Project
from flowtui.errors import AdoError, AuthError, ConfigError, FlowtuiError, NotFoundError, StoreError, SyncCancelled
from flowtui.orgurl import validate_org_url
from flowtui.store import Store
from flowtui.sync.connection import NO_ORG_URL, make_client
from flowtui.sync.context import SyncContext
from flowtui.sync.progress import (
    STAGE_FINISHED,
    STAGE_PROJECT_DONE,
    STAGE_PROJECT_FAILED,
    STAGE_START,
    ProjectCounts,
    SyncProgress,
    SyncSummary,
)
from flowtui.sync.pull_requests import sync_pull_requests
from flowtui.sync.threads import sync_threads
from flowtui.sync.history import complete_history
from flowtui.sync.org_stream import sync_project_work_items
from flowtui.timeutil import to_utc, utc_now

log = logging.getLogger("flowtui.sync")

ONLY_CHOICES = ("work-items", "prs")
_FATAL = (AuthError, ConnectionFailure, StoreError, ConfigError)


def run_sync(
    settings: Settings,
    store: Store,
    *,
    pat: str,
    transport: Any = None,
    progress: Callable[[SyncProgress], object] | None = None,
    cancel: Callable[[], bool] | None = None,
    full: bool = False,
    since: date | None = None,
    only: str | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> SyncSummary:
    """Sync the configured projects into `store`; returns the summary (status success|failed|cancelled).

    `transport` is an httpx transport (the simulated ADO in demo mode and tests); None = the network.
    Raises AuthError / ConnectionFailure / StoreError / ConfigError (after recording the run as
    failed) when nothing more can be done; KeyboardInterrupt is recorded as cancelled and re-raised.
    """
    if only is not None and only not in ONLY_CHOICES:
        raise ConfigError(f"--only {only!r} is not valid; allowed: work-items, prs.")
    if not settings.org_url:
        raise ConfigError(NO_ORG_URL)
    org_url = validate_org_url(settings.org_url)
    org = organization_name(org_url)
    run_now = to_utc(now) if now is not None else utc_now()
    started = clock()
    client = make_client(
        settings,
        org_url,
        pat,
        transport,
        sleep=sleep,
        clock=clock,
        max_total_wait_s=settings.sync.max_wait_s,  # one budget for the whole run, every project
        cancel=cancel,  # polled during every wait and request: a cancel lands within a fraction of a second
    )
    try:
        run_id = store.start_run(org)
    except BaseException:
        client.close()
        raise
    if store.interrupted_runs:
        log.info("%d earlier sync run(s) had been interrupted", store.interrupted_runs)
    summary = SyncSummary(run_id=run_id, status="running")
    log.info("sync run %d started: %s, projects %s, store %s%s", run_id, org_url, ", ".join(settings.projects) or "(all)",
             store.path, " (full)" if full else "")
    ctx = SyncContext(settings, store, client, org, org_url, run_now, summary, full=full, progress_cb=progress, cancel_cb=cancel)
    client.on_wait = ctx.on_wait
    since_dt = datetime(since.year, since.month, since.day, tzinfo=UTC) if since else None
    try:
        ctx.emit(STAGE_START, message=f"syncing {org_url}")
        ctx.projects = _project_names(ctx)
        for project in ctx.projects:
            _sync_project(ctx, project, since_dt=since_dt, only=only)
        if only in (None, "prs") and settings.sync.pull_requests:
            _sync_threads(ctx)
        summary.status = "failed" if summary.first_error else "success"
    except SyncCancelled:
        summary.status = "cancelled"
    except KeyboardInterrupt:
        client.close()  # stop the other workers' waits and requests before recording the run
        _finish(ctx, "cancelled", started, clock)
        raise
    except FlowtuiError as exc:
        summary.first_error = summary.first_error or exc.message
        summary.error_project = summary.error_project or (ctx.project or None)
        _finish(ctx, "failed", started, clock)
        raise
    except Exception as exc:
        summary.first_error = summary.first_error or f"internal error: {type(exc).__name__}: {exc}"
        _finish(ctx, "failed", started, clock)
        raise
    finally:
        client.close()
    _finish(ctx, summary.status, started, clock)
    return summary


def _project_names(ctx: SyncContext) -> list[str]:
    """The configured projects, or every project of the collection when none is configured."""
    configured = list(ctx.settings.projects)
    if configured:
        return configured
    raw = endpoints.list_projects(ctx.client, budget=ctx.request_budget("The project list"))
    projects = [Project(id=str(p.get("id", "")), name=str(p["name"]), organization=ctx.org) for p in raw if p.get("name")]
    with ctx.store.transaction():
        ctx.store.upsert_organization(Organization(url=ctx.org_url, name=ctx.org))
        ctx.store.upsert_projects(projects)
    return sorted(p.name for p in projects)


def _sync_project(ctx: SyncContext, project: str, *, since_dt: datetime | None, only: str | None) -> None:
    ctx.project = project
    ctx.counts = ctx.summary.projects.setdefault(project, ProjectCounts())  # the org stream may have counted
    ctx.item_ids = set()
    requests_before = ctx.client.requests
    settings = ctx.settings
    try:
        ctx.check_cancel()
        stored = _ensure_project(ctx, project)
        if only in (None, "work-items"):
            start = since_dt or _default_start(settings, ctx.server_now())
            sync_project_work_items(ctx, project, start=start)
            complete_history(ctx, project, start=start)
        if only in (None, "prs") and settings.sync.pull_requests:
            sync_pull_requests(ctx, project, since=since_dt, default_start=_default_start(settings, ctx.server_now()))
        if not stored:
            _store_project(ctx, project, "")
        ctx.counts.status = "success"
        ctx.emit(STAGE_PROJECT_DONE, message=f"{project}: {ctx.counts.work_items} work items, "
                 f"{ctx.counts.revisions} revisions, {ctx.counts.pull_requests} pull requests")
    except SyncCancelled:
        ctx.counts.status = "cancelled"
        raise
    except _FATAL as exc:
        _record_failure(ctx, project, exc)
        raise
    except AdoError as exc:
        _record_failure(ctx, project, exc)
    finally:
        ctx.counts.requests = ctx.client.requests - requests_before


def _sync_threads(ctx: SyncContext) -> None:
    """Threads of recent PRs, once for every project whose sync succeeded (stage 4)."""
    ok = [name for name, counts in ctx.summary.projects.items() if counts.status == "success"]
    requests_before = ctx.client.requests
    try:
        failures = sync_threads(ctx, ok, days=ctx.settings.sync.pr_threads_days)
    finally:
        ctx.project = ""
        ctx.summary.thread_requests = ctx.client.requests - requests_before
    for project, exc in failures.items():
        ctx.counts = ctx.summary.projects[project]
        _record_failure(ctx, project, exc)


def _record_failure(ctx: SyncContext, project: str, exc: FlowtuiError) -> None:
    ctx.counts.status = "failed"
    ctx.counts.error = exc.message
    if ctx.summary.first_error is None:
        ctx.summary.first_error = exc.message
        ctx.summary.error_project = project
    log.warning("project %s failed: %s", project, exc.message)
    ctx.emit(STAGE_PROJECT_FAILED, message=f"{project}: {exc.message}")


def _ensure_project(ctx: SyncContext, project: str) -> bool:
    """Look the project up once (first sync or --full): an unknown name fails here, by name.

    The collection's project list is read once per run (one request for up to 100 projects); a
    server without the list route gets `GET _apis/projects/{name}`. A PAT without the project-read
    scope (401/403 on these routes) is not an error here: the work item routes then report an
    unknown project (TF200016) by name themselves. Returns False when the project row is still to
    be written (with an unknown id) once the project's sync has succeeded.
    """
    known = {p.name for p in ctx.store.projects() if p.organization == ctx.org}
    if project in known and not ctx.full:
        return True
    if ctx.project_lookup_denied:
        return False
    try:
        raw = _lookup_project(ctx, project)
    except AuthError as exc:
        log.info("projects cannot be looked up (%s); their ids stay unknown", exc.message)
        ctx.project_lookup_denied = True
        return False
    _store_project(ctx, project, str(raw.get("id", "")))
    return True


def _store_project(ctx: SyncContext, project: str, project_id: str) -> None:
    with ctx.store.transaction():
        ctx.store.upsert_organization(Organization(url=ctx.org_url, name=ctx.org))
        ctx.store.upsert_projects([Project(id=project_id, name=project, organization=ctx.org)])


def _lookup_project(ctx: SyncContext, project: str) -> dict[str, object]:
    if ctx.project_index is None:
        try:
            listed = endpoints.list_projects(ctx.client, budget=ctx.request_budget("The project list"))
            ctx.project_index = {str(p["name"]).lower(): p for p in listed if p.get("name")}
        except RouteNotFoundError:
            ctx.project_index = {}
    if not ctx.project_index:
        return endpoints.get_project_checked(ctx.client, project)
    raw = ctx.project_index.get(project.lower())
    if raw is None:
        raise NotFoundError(
            f"Project {project!r} does not exist in {ctx.org_url}, or the PAT cannot see it; check `ado.projects` "
            "(names are spelled as in Azure DevOps)."
        )
    return raw


def _default_start(settings: Settings, now: datetime) -> datetime:
    text = settings.sync.since
    if text:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return now - timedelta(days=365)


def _finish(ctx: SyncContext, status: str, started: float, clock: Callable[[], float]) -> None:
    summary = ctx.summary
    summary.status = status
    summary.requests = ctx.client.requests
    summary.throttled_seconds = ctx.client.throttled_seconds
    summary.elapsed_s = max(0.0, clock() - started)
    summary.api_version = ctx.client.api_version
    try:
        ctx.store.finish_run(
            summary.run_id,
            status=status,
            work_items=summary.work_items,
            revisions=summary.revisions,
            pull_requests=summary.pull_requests,
            requests=summary.requests,
            throttled_seconds=summary.throttled_seconds,
            warnings=ctx.warning_count,
            first_error=summary.first_error,
            error_project=summary.error_project,
        )
    except StoreError as exc:
        if status == "success":
            raise
        # The run's own error is the one to report; its record stays `running` until the next
        # start marks it `interrupted` (the writer lock was released all the same).
        log.warning("the run record could not be closed: %s", exc.message)
    log.info("sync run %d %s in %.1f s: %d work items, %d revisions, %d pull requests, %d requests, "
             "%.0f s throttled, %d warnings%s", summary.run_id, status, summary.elapsed_s, summary.work_items,
             summary.revisions, summary.pull_requests, summary.requests, summary.throttled_seconds,
             ctx.warning_count, f"; first error: {summary.first_error}" if summary.first_error else "")
    ctx.project = ""
    ctx.emit(STAGE_FINISHED, message=f"sync {status}: {summary.work_items} work items, {summary.revisions} revisions, "
             f"{summary.pull_requests} pull requests, {summary.requests} requests")
