"""Work item tracking routes: reporting revisions, workitemsbatch / workitems, updates, WIQL.

Reporting revisions (reference §6.3): each revision carries a global watermark; the continuation
token is "{watermark};{id};{rev}" of the last revision scanned (opaque to clients); `isLastBatch` is
true when no later revision exists in scope; calling again with the last token returns only newer
revisions. Page size: `$maxPageSize`, default `Faults.revisions_default_page` (1000), capped at
`Faults.revisions_max_page` (10000) — the real defaults are undocumented.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any
from urllib.parse import quote, urlencode

from flowtui.demo.model import SimIdentity, SimRevision, SimWorkItem, WitTime, render_value, wit_date
from flowtui.demo.request import Req, parse_time
from flowtui.demo.wiql import run_wiql
from flowtui.demo.wire import CANONICAL, ApiError, PlainError, identity_ref

_INTERNAL = {"System.Id", "System.Rev", "System.Watermark", "System.RevisedDate", "System.IsDeleted"}


def canonical_fields(names: list[str]) -> list[str]:
    """Canonical reference names for `names` (case-insensitive); 400 TF51535 for an unknown one."""
    out = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        canon = CANONICAL.get(name.lower())
        if canon is None:
            raise ApiError(400, f"TF51535: Cannot find field {name}.",
                           "WorkItemTrackingFieldDefinitionNotFoundException", event_id=3200)
        out.append(canon)
    return out


def _split(raw: str | None) -> list[str]:
    return [p for p in (raw or "").split(",") if p.strip()]


def render_fields(rev: SimRevision, base: str, fields: list[str] | None, refs: bool,
                  internal: bool = True, cache: dict[str, Any] | None = None) -> dict[str, Any]:
    """A revision's fields: all (or `fields` only, in the revision's order), no null values.

    `cache` (identity id -> rendered IdentityRef) lets one response reuse identity objects.
    """
    raw = rev.raw_fields()
    wanted = set(fields) if fields is not None else None
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if wanted is not None:
            if key not in wanted:
                continue
        elif not internal and key in _INTERNAL:
            continue
        kind = type(value)
        if kind is WitTime:
            value = wit_date(value)
        elif kind is SimIdentity:
            if not refs:
                value = value.ref_string
            elif cache is not None:
                hit = cache.get(value.id)
                if hit is None:
                    hit = cache[value.id] = identity_ref(value, base)
                value = hit
            else:
                value = identity_ref(value, base)
        out[key] = value
    return out


# ---- reporting revisions -------------------------------------------------------------------
def reporting_revisions(req: Req) -> dict[str, Any]:
    """`GET|POST {org}[/{project}]/_apis/wit/reporting/workitemrevisions`."""
    if req.method == "POST":
        body = req.json()
        if not isinstance(body, dict):
            raise ApiError(400, "The filter body must be a JSON object.", "ArgumentException")
        fields = _str_list(body, "fields")
        types = _str_list(body, "types")
        refs = _flag(body, "includeIdentityRef")
        deleted = _flag(body, "includeDeleted")
        latest_only = _flag(body, "includeLatestOnly")
    else:
        fields = _split(req.q("fields")) or None
        types = _split(req.q("types")) or None
        refs = req.q_bool("includeIdentityRef")
        deleted = req.q_bool("includeDeleted")
        latest_only = req.q_bool("includeLatestOnly")
    field_list = canonical_fields(list(fields)) if fields else None
    type_set = {t.lower() for t in types} if types else None
    token = req.q("continuationToken")
    start_ms = req.q_time("startDateTime")
    if token and start_ms is not None:
        raise ApiError(400, "The startDateTime parameter cannot be combined with a continuation token.",
                       "ArgumentException", event_id=3200)
    after = _parse_token(token) if token else 0
    size = req.q_int("$maxPageSize", req.faults.revisions_default_page, minimum=1)
    size = min(size or req.faults.revisions_default_page, req.faults.revisions_max_page)
    revs, wms = (req.project.revisions, req.project.watermarks) if req.project else (req.org.revisions, None)
    i = bisect_right(wms, after) if wms is not None else after
    values: list[dict[str, Any]] = []
    cache: dict[str, Any] = {}
    last: SimRevision | None = None
    n = len(revs)
    while i < n and len(values) < size:
        rev = revs[i]
        i += 1
        last = rev
        item = rev.item
        if item.is_deleted and not deleted:
            continue
        if req.project is not None and item.project is not req.project:
            continue  # moved to another project: drops out of the project-scoped stream (reference §6.3)
        if type_set is not None and item.type.name.lower() not in type_set:
            continue
        if latest_only and rev is not item.revisions[-1]:
            continue
        if start_ms is not None and rev.t < start_ms:
            continue
        values.append({"id": item.id, "rev": rev.rev,
                       "fields": render_fields(rev, req.base, field_list, refs, cache=cache)})
    is_last = i >= n
    new_token = f"{last.watermark};{last.item.id};{last.rev}" if last is not None else (token or "0;0;0")
    if token and "reporting_revisions" in req.faults.repeat_token_routes:
        new_token, is_last = token, False  # the same token again, still claiming more
    elif is_last and req.faults.endless_empty_batches:
        wm, item_id, rev = (new_token.split(";") + ["0", "0"])[:3]
        new_token, is_last = f"{wm};{item_id};{int(rev) + 1}", False  # a fresh token, nothing behind it
    return {"values": values, "nextLink": _next_link(req, new_token), "continuationToken": new_token,
            "isLastBatch": is_last}


def _str_list(body: dict[str, Any], key: str) -> list[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, f"The value of '{key}' must be a list of strings.", "ArgumentException")
    return value


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise ApiError(400, f"The value of '{key}' must be true or false.", "ArgumentException")
    return value


def _parse_token(token: str) -> int:
    parts = token.split(";")
    try:
        wm = int(parts[0])
        if len(parts) != 3 or wm < 0:
            raise ValueError
        int(parts[1]), int(parts[2])
    except ValueError:
        raise ApiError(400, f"VS403424: The continuation token '{token}' is not valid.",
                       "InvalidContinuationTokenException", event_id=3200) from None
    return wm


def _next_link(req: Req, token: str) -> str:
    scope = f"/{quote(req.params['project'])}" if req.project else ""
    params = [("continuationToken", token)]
    for key, value in req.request.url.params.multi_items():
        if key.lower() not in ("continuationtoken", "startdatetime", "api-version"):
            params.append((key, value))
    params.append(("api-version", req.version))
    return f"{req.base}{scope}/_apis/wit/reporting/workItemRevisions?{urlencode(params, safe=';$,')}"


# ---- work items ---------------------------------------------------------------------------
def _item_json(req: Req, item: SimWorkItem, rev: SimRevision, fields: list[str] | None,
               expand: str) -> dict[str, Any]:
    url = f"{req.base}/{item.project.id}/_apis/wit/workItems/{item.id}"
    internal = expand in ("fields", "all")
    out: dict[str, Any] = {"id": item.id, "rev": rev.rev,
                           "fields": render_fields(rev, req.base, fields, True, internal=internal)}
    out["multilineFieldsFormat"] = {}
    if expand in ("relations", "all"):
        out["relations"] = []
    if expand in ("links", "all"):
        out["_links"] = {"self": {"href": url}, "workItemUpdates": {"href": f"{url}/updates"},
                         "workItemRevisions": {"href": f"{url}/revisions"},
                         "workItemComments": {"href": f"{url}/comments"},
                         "html": {"href": f"{req.base}/{item.project.id}/_workitems/edit/{item.id}"},
                         "workItemType": {"href": f"{req.base}/{item.project.id}/_apis/wit/workItemTypes/"
                                                  f"{quote(item.type.name)}"},
                         "fields": {"href": f"{req.base}/{item.project.id}/_apis/wit/fields"}}
    out["url"] = url
    return out


def _missing(item_id: int) -> ApiError:
    return ApiError(404, f"TF401232: Work item {item_id} does not exist, or you do not have permissions "
                         "to read it.", "WorkItemUnauthorizedAccessException",
                    "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemUnauthorizedAccessException, "
                    "Microsoft.TeamFoundation.WorkItemTracking.Server", event_id=3200)


def _fetch(req: Req, ids: list[Any], fields: list[str] | None, expand: str | None,
           as_of: int | None, policy: str) -> dict[str, Any]:
    limit = req.faults.max_batch_ids
    if len(ids) > limit:
        raise ApiError(400, f"VS403474: You requested {len(ids)} work items which exceeds the limit of {limit}",
                       "WorkItemTrackingQueryResultSizeLimitExceededException", event_id=3200)
    if not ids:
        raise ApiError(400, "VS403473: The list of work item ids is empty.", "ArgumentException", event_id=3200)
    exp = (expand or "none").lower()
    if exp not in ("none", "relations", "fields", "links", "all"):
        raise ApiError(400, f"The value '{expand}' is not valid for $expand.", "ArgumentException")
    if fields and exp != "none":
        raise ApiError(400, "The expand parameter can not be used with the fields parameter.",
                       "ConflictingParametersException", event_id=3200)
    if policy.lower() not in ("fail", "omit"):
        raise ApiError(400, f"The value '{policy}' is not valid for errorPolicy.", "ArgumentException")
    canon = canonical_fields(fields) if fields else None
    value: list[Any] = []
    for raw_id in ids:
        try:
            item_id = int(raw_id)
        except (TypeError, ValueError):
            raise ApiError(400, f"The value '{raw_id}' is not a valid work item id.", "ArgumentException") from None
        item = req.org.work_items.get(item_id)
        rev = None
        if item is not None and not item.is_deleted:
            rev = item.revision_as_of(as_of) if as_of is not None else item.revisions[-1]
        if rev is None or item is None:
            if policy.lower() == "omit":
                value.append(None)
                continue
            raise _missing(item_id)
        value.append(_item_json(req, item, rev, canon, exp))
    return {"count": len(value), "value": value}


def workitems_batch(req: Req) -> dict[str, Any]:
    """`POST {org}[/{project}]/_apis/wit/workitemsbatch`."""
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise ApiError(400, "VS403473: The request body must contain a list of ids.", "ArgumentException",
                       event_id=3200)
    as_of = parse_time(body["asOf"], "asOf") if body.get("asOf") else None
    return _fetch(req, body["ids"], body.get("fields") or None, body.get("$expand"), as_of,
                  body.get("errorPolicy") or "fail")


def workitems_list(req: Req) -> dict[str, Any]:
    """`GET {org}[/{project}]/_apis/wit/workitems?ids=…&fields=…&asOf=…&$expand=…&errorPolicy=…`."""
    ids = _split(req.q("ids"))
    if not ids:
        raise ApiError(400, "VS403473: The ids parameter is required.", "ArgumentNullException", event_id=3200)
    return _fetch(req, ids, _split(req.q("fields")) or None, req.q("$expand"), req.q_time("asOf"),
                  req.q("errorPolicy") or "fail")


def workitem_single(req: Req) -> dict[str, Any]:
    """`GET …/_apis/wit/workitems/{id}` (with `_links`, as single GETs have)."""
    item = _item_or_404(req)
    fields = _split(req.q("fields")) or None
    expand = (req.q("$expand") or "none").lower()
    if fields and expand != "none":
        raise ApiError(400, "The expand parameter can not be used with the fields parameter.",
                       "ConflictingParametersException", event_id=3200)
    as_of = req.q_time("asOf")
    rev = item.revision_as_of(as_of) if as_of is not None else item.revisions[-1]
    if rev is None:
        raise _missing(item.id)
    out = _item_json(req, item, rev, canonical_fields(fields) if fields else None,
                     "links" if expand == "none" else expand)
    return out


def _item_or_404(req: Req) -> SimWorkItem:
    raw = req.params["id"]
    try:
        item_id = int(raw)
    except ValueError:
        raise PlainError(404, f"The controller for path '{req.request.url.path}' was not found or does not "
                              "implement IController.") from None
    item = req.org.work_items.get(item_id)
    if item is None or item.is_deleted:
        raise _missing(item_id)
    return item


# ---- updates -------------------------------------------------------------------------------
def updates(req: Req) -> dict[str, Any]:
    """`GET …/_apis/wit/workItems/{id}/updates?$top=&$skip=` (deltas; revisedDate = supersede time)."""
    item = _item_or_404(req)
    limit = req.faults.updates_default_page
    top = min(req.q_int("$top", limit, minimum=1) or limit, limit)
    skip = req.skip()
    base = req.base
    ident = lambda i: identity_ref(i, base)  # noqa: E731
    url = f"{base}/{item.project.id}/_apis/wit/workItems/{item.id}/updates"
    value = []
    revs = item.revisions
    for idx in range(skip, min(skip + top, len(revs))):
        rev = revs[idx]
        new = rev.raw_fields()
        new.pop("System.IsDeleted", None)
        if idx == 0:
            fields = {k: {"newValue": render_value(v, ident)} for k, v in new.items()}
        else:
            old = revs[idx - 1].raw_fields()
            old.pop("System.IsDeleted", None)
            fields = {}
            for key in list(old) + [k for k in new if k not in old]:
                before, after = old.get(key), new.get(key)
                if before == after:
                    continue
                change: dict[str, Any] = {}
                if before is not None and before != "":
                    change["oldValue"] = render_value(before, ident)
                if after is not None:
                    change["newValue"] = render_value(after, ident)
                fields[key] = change
        revised = rev.revised_ms
        value.append({"id": rev.rev, "workItemId": item.id, "rev": rev.rev,
                      "revisedBy": identity_ref(rev.changed_by, base, with_name=True),
                      "revisedDate": wit_date(revised) if revised is not None else "9999-01-01T00:00:00Z",
                      "fields": fields, "url": f"{url}/{rev.rev}"})
    return {"count": len(value), "value": value}


def revisions(req: Req) -> dict[str, Any]:
    """`GET …/_apis/wit/workItems/{id}/revisions?$top=&$skip=&$expand=`: full snapshots per rev."""
    item = _item_or_404(req)
    limit = req.faults.updates_default_page
    top = min(req.q_int("$top", limit, minimum=1) or limit, limit)
    skip = req.skip()
    expand = (req.q("$expand") or "none").lower()
    if expand not in ("none", "relations", "fields", "links", "all"):
        raise ApiError(400, f"The value '{expand}' is not valid for $expand.", "ArgumentException")
    value = []
    for rev in item.revisions[skip: skip + top]:
        one = _item_json(req, item, rev, None, expand)
        one["url"] = f"{req.base}/{item.project.id}/_apis/wit/workItems/{item.id}/revisions/{rev.rev}"
        value.append(one)
    return {"count": len(value), "value": value}


# ---- WIQL ----------------------------------------------------------------------------------
def wiql(req: Req) -> dict[str, Any]:
    """`POST {org}[/{project}[/{team}]]/_apis/wit/wiql?$top=&timePrecision=`."""
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise ApiError(400, "VS402300: The query is missing.", "ArgumentException", event_id=3200)
    return run_wiql(req, body["query"], req.q_int("$top", None, minimum=1), req.q_bool("timePrecision"))
