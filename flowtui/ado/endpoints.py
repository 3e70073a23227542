"""Endpoint functions: one per ADO REST resource the sync reads (reference §3–§7).

They return raw JSON objects (dicts); `flowtui.ado.parse` turns them into domain dataclasses.
Every list is paged; every id list is chunked under the server caps (200 ids per batch, 20,000
WIQL results). Project-scoped routes are used throughout (cheaper, and what 7.1 declares).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeGuard
from collections.abc import Callable, Hashable, Iterator
from urllib.parse import quote

from flowtui.ado.errors import ResultLimitError
from flowtui.ado.paging import (
    PageSize,
    PagingError,
    RequestBudget,
    RevisionsBatch,
    default_key,
    envelope_values,
    iter_skip_pages,
    iter_token_pages,
    read_revisions_batch,
)
from flowtui.errors import NotFoundError, PayloadError
from flowtui.timeutil import parse_ado_datetime, to_utc

if TYPE_CHECKING:
    from flowtui.ado.client import AdoClient

#: Fields read from the reporting revisions stream and from work item batches.
REVISION_FIELDS: tuple[str, ...] = (
    "System.Id",
    "System.Rev",
    "System.TeamProject",
    "System.WorkItemType",
    "System.Title",
    "System.State",
    "System.AssignedTo",
    "System.AreaPath",
    "System.IterationPath",
    "System.Tags",
    "System.CreatedDate",
    "System.ChangedDate",
    "System.ChangedBy",
    "System.IsDeleted",
    "Microsoft.VSTS.Common.ActivatedDate",
    "Microsoft.VSTS.Common.ClosedDate",
    "Microsoft.VSTS.Common.Priority",
    "Microsoft.VSTS.Scheduling.StoryPoints",
    "Microsoft.VSTS.Scheduling.Effort",
    "Microsoft.VSTS.CMMI.Blocked",
)

BATCH_LIMIT = 200
WIQL_SLICE = 19_999
PR_PAGE = 100
#: Bound on the WIQL keyset slices of one pass (19,999 ids each: far beyond any real project).
MAX_SLICES = 10_000


def _iso(value: datetime) -> str:
    value = to_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # microseconds: no rounding at either bound


def iso_instant(value: datetime) -> str:
    """An instant as the API's query parameters and WIQL literals (with timePrecision) take it."""
    return _iso(value)


def list_projects(client: AdoClient, *, budget: RequestBudget | None = None) -> list[dict[str, Any]]:
    """Every well-formed project of the collection (paged by x-ms-continuationtoken)."""
    out: list[dict[str, Any]] = []
    for page in iter_token_pages(client, "_apis/projects", params={"stateFilter": "wellFormed"}, budget=budget):
        out.extend(p for p in page if isinstance(p, dict))
    return out


def get_project(client: AdoClient, name: str) -> dict[str, Any]:
    """One project by name or id (404 TF200016 → NotFoundError naming it)."""
    data = client.get(f"_apis/projects/{quote(name, safe='')}", project=None).data
    if not isinstance(data, dict):
        raise PayloadError(f"The answer for project {name!r} is not a JSON object.")
    return data


def get_project_checked(client: AdoClient, name: str) -> dict[str, Any]:
    """`get_project`, with an unknown project reported by name even when the route 404s bare."""
    try:
        return get_project(client, name)
    except NotFoundError:
        raise NotFoundError(
            f"Project {name!r} does not exist in {client.org_url}, or the PAT cannot see it; check `ado.projects`."
        ) from None


def work_item_types(client: AdoClient, project: str) -> list[dict[str, Any]]:
    """The work item types of a project."""
    data = client.get("_apis/wit/workitemtypes", project=project).data
    return [t for t in envelope_values(data, f"work item types of {project}") if isinstance(t, dict)]


def work_item_type_states(client: AdoClient, project: str, type_name: str) -> list[dict[str, Any]]:
    """The states of one work item type, with their categories."""
    path = f"_apis/wit/workitemtypes/{quote(type_name, safe='')}/states"
    data = client.get(path, project=project).data
    return [s for s in envelope_values(data, f"states of {type_name}") if isinstance(s, dict)]


def reporting_revisions(
    client: AdoClient,
    project: str | None,
    *,
    continuation_token: str | None = None,
    fields: tuple[str, ...] = REVISION_FIELDS,
    types: list[str] | None = None,
    start: datetime | None = None,
    max_page_size: int | None = None,
) -> RevisionsBatch:
    """One batch of the reporting revisions stream (POST with an explicit field list); `project`
    None reads the organization-level stream (every project; moved items and type changes stay in it)."""
    params: dict[str, Any] = {}
    if continuation_token:
        params["continuationToken"] = continuation_token
    elif start is not None:
        params["startDateTime"] = _iso(start)
    if max_page_size:
        params["$maxPageSize"] = max_page_size
    body: dict[str, Any] = {
        "fields": list(fields),
        "includeIdentityRef": True,
        "includeDeleted": False,
        "includeTagRef": False,
        "includeLatestOnly": False,
    }
    if types:
        body["types"] = list(types)
    response = client.post("_apis/wit/reporting/workitemrevisions", project=project, params=params, body=body)
    return read_revisions_batch(response)


def wiql_ids(
    client: AdoClient, project: str, where: str, *, slice_size: int = WIQL_SLICE, budget: RequestBudget | None = None,
    on_as_of: Callable[[datetime], None] | None = None,
) -> Iterator[list[int]]:
    """Work item ids matching `where`, in id order, sliced by id keyset under the result cap.

    Each slice asks for `[System.Id] > last ORDER BY [System.Id]` with `$top`; a server that still
    answers VS402337 gets the slice halved. A slice shorter than `$top` is the end (WIQL returns every
    match up to `$top`); a full slice with no id above `last` means the server ignored the keyset
    condition: PagingError at once. `on_as_of` is called with each answer's `asOf` (the server's time
    when that query ran) when the server sends one.
    """
    last = 0
    size = slice_size
    for _ in range(MAX_SLICES):
        if budget is not None:
            budget.spend()
        query = (
            "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"
            f" AND [System.Id] > {last}{' AND ' + where if where else ''} ORDER BY [System.Id] ASC"
        )
        try:
            data = client.post(
                "_apis/wit/wiql", project=project, params={"timePrecision": "true", "$top": size}, body={"query": query}
            ).data
        except ResultLimitError:
            if size <= 1:
                raise
            size //= 2
            continue
        if not isinstance(data, dict) or not isinstance(data.get("workItems", []), list):
            raise PayloadError("The WIQL answer has no `workItems` list.")
        as_of = parse_ado_datetime(data.get("asOf")) if isinstance(data.get("asOf"), str) else None
        if on_as_of is not None and as_of is not None:
            on_as_of(as_of)
        rows = data.get("workItems", [])
        ids = sorted({int(w["id"]) for w in rows if isinstance(w, dict) and _is_int(w.get("id"))})
        ids = [i for i in ids if i > last]
        if not ids and len(rows) >= size:
            raise PagingError(
                f"The WIQL query of {project!r} ignored its [System.Id] > {last} condition: it sent {len(rows)} "
                "ids already received; stopped."
            )
        if ids:
            yield ids
            last = ids[-1]
        if len(rows) < size:
            return
    raise PagingError(f"The WIQL query of {project!r} was still not at its end after {MAX_SLICES} slices; stopped.")


def work_items_batch(
    client: AdoClient, project: str, ids: list[int], *, fields: tuple[str, ...] = REVISION_FIELDS, use_get: bool = False
) -> list[dict[str, Any]]:
    """Work items by id in chunks of ≤200 (workitemsbatch, or GET workitems?ids= on old servers)."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), BATCH_LIMIT):
        chunk = ids[start : start + BATCH_LIMIT]
        if use_get:
            data = client.get(
                "_apis/wit/workitems",
                project=project,
                params={"ids": ",".join(map(str, chunk)), "fields": ",".join(fields), "errorPolicy": "omit"},
            ).data
        else:
            data = client.post(
                "_apis/wit/workitemsbatch",
                project=project,
                body={"ids": chunk, "fields": list(fields), "errorPolicy": "omit"},
            ).data
        out.extend(w for w in envelope_values(data, "work items") if isinstance(w, dict))
    return out


def work_item_updates(
    client: AdoClient,
    project: str,
    work_item_id: int,
    *,
    top: int = 200,
    last_rev: int | None = None,
    budget: RequestBudget | None = None,
) -> list[dict[str, Any]]:
    """Every update (delta) of one work item, paged with $top/$skip until an empty page.

    `last_rev` (the item's current rev, when known) ends the list as soon as that rev was seen, so
    an item with fewer than `top` updates costs one request, not two.
    """
    path = f"_apis/wit/workitems/{int(work_item_id)}/updates"
    return _rows_up_to_rev(client, path, project, top=top, last_rev=last_rev, budget=budget, key=default_key)


def work_item_revisions(
    client: AdoClient,
    project: str,
    work_item_id: int,
    *,
    top: int = 200,
    last_rev: int | None = None,
    budget: RequestBudget | None = None,
) -> list[dict[str, Any]]:
    """Every revision (full snapshot) of one work item, paged with $top/$skip (reference §6.1).

    Rows are told apart by their `rev` (every revision carries the item's `id`). `last_rev` (the
    item's current rev, when known) ends the list as soon as that rev was seen, so an item with
    fewer than `top` revisions costs one request, not two.
    """
    path = f"_apis/wit/workitems/{int(work_item_id)}/revisions"
    return _rows_up_to_rev(client, path, project, top=top, last_rev=last_rev, budget=budget, key=_rev_key)


def _rows_up_to_rev(
    client: AdoClient, path: str, project: str, *, top: int, last_rev: int | None, budget: RequestBudget | None,
    key: Callable[[Any], Hashable],
) -> list[dict[str, Any]]:
    """The object rows of one item's `$top`/`$skip` list (updates or revisions, each with a `rev`),
    ending as soon as `last_rev` was seen when it is known."""
    out: list[dict[str, Any]] = []
    highest = 0

    def done() -> bool:
        return last_rev is not None and highest >= last_rev

    for page in iter_skip_pages(client, path, project=project, top=top, key=key, budget=budget, done=done):
        for row in page:
            if isinstance(row, dict):
                out.append(row)
                rev = row.get("rev")
                if _is_int(rev):
                    highest = max(highest, int(rev))
    return out


def _rev_key(row: Any) -> Hashable:
    """A revision's identity within one item's list: its `rev` (else the whole row)."""
    if isinstance(row, dict) and _is_int(row.get("rev")):
        return ("rev", int(row["rev"]))
    return default_key(row)


def recycle_bin_ids(client: AdoClient, project: str) -> list[int]:
    """Ids of the project's deleted work items (one request: shallow references, no paging)."""
    data = client.get("_apis/wit/recyclebin", project=project).data
    return sorted({int(r["id"]) for r in envelope_values(data, f"recycle bin of {project}")
                   if isinstance(r, dict) and _is_int(r.get("id"))})


def repositories(client: AdoClient, project: str) -> list[dict[str, Any]]:
    """The Git repositories of a project."""
    data = client.get("_apis/git/repositories", project=project).data
    return [r for r in envelope_values(data, f"repositories of {project}") if isinstance(r, dict)]


def completed_pull_requests(
    client: AdoClient, project: str, min_time: datetime, max_time: datetime, *, budget: RequestBudget | None = None,
    page_size: PageSize | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Pages of completed PRs closed in [min_time, max_time), deduplicated by repository and id.

    The time range is sent to the server once for the whole window; `closedDate` is filtered again
    here for servers (before 7.1) that ignore the range parameters. Pages are read until an empty
    one (a server may cap pages below `$top`) or one shorter than a page the list already served
    (`page_size`, kept by the caller across runs), so a normal server costs ⌈PRs / 100⌉ requests
    once the list has shown a page size, and one more before.
    """
    params = {
        "searchCriteria.status": "completed",
        "searchCriteria.queryTimeRangeType": "closed",
        "searchCriteria.minTime": _iso(min_time),
        "searchCriteria.maxTime": _iso(max_time),
        "searchCriteria.includeLinks": "false",
    }
    pages = iter_skip_pages(
        client, "_apis/git/pullrequests", project=project, params=params, top=PR_PAGE, key=_pr_key, budget=budget,
        page_size=page_size,
    )
    for page in pages:
        kept: list[dict[str, Any]] = []
        for pr in page:
            if not isinstance(pr, dict):
                continue
            if not _is_int(pr.get("pullRequestId")):
                kept.append(pr)  # passed on so the parser counts it as a skipped, warned payload
                continue
            if str(pr.get("status", "completed")).lower() != "completed":
                continue
            closed = parse_ado_datetime(pr.get("closedDate"))
            if closed is not None and not (min_time <= closed < max_time):
                continue
            kept.append(pr)
        yield kept


def _pr_key(pr: Any) -> Hashable:
    """A PR's identity in a list: (repository id, pull request id); other rows by content."""
    if isinstance(pr, dict) and _is_int(pr.get("pullRequestId")):
        repo = raw if isinstance(raw := pr.get("repository"), dict) else {}
        return ("pr", str(repo.get("id", "")), int(pr["pullRequestId"]))
    return default_key(pr)


def pull_request_threads(client: AdoClient, project: str, repository_id: str, pull_request_id: int) -> list[dict[str, Any]]:
    """Every thread of one PR (no paging on this route)."""
    path = f"_apis/git/repositories/{quote(repository_id, safe='')}/pullRequests/{int(pull_request_id)}/threads"
    data = client.get(path, project=project).data
    return [t for t in envelope_values(data, "PR threads") if isinstance(t, dict)]


def _is_int(value: Any) -> TypeGuard[int]:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().isdigit()
