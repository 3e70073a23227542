"""The three paging styles of the ADO REST API (reference §1.3, §3.1, §6.3, §7.1), never trusted blindly.

1. `x-ms-continuationtoken` response header, passed back as `?continuationToken=` (projects).
2. A body with `continuationToken` / `nextLink` / `isLastBatch` (reporting revisions): the token is
   taken from `continuationToken`, else parsed out of `nextLink`; it is opaque and never built.
3. `$top` / `$skip` (PRs, updates, revisions, teams).

Rules every helper here enforces (SPEC §5 "Paging is never trusted blindly"):

- **A short page is not the end.** A `$top`/`$skip` list is read until an EMPTY page, or a page that
  brings no new ids — servers may cap page sizes below `$top`. A normal server therefore costs one
  extra (empty) request per list whose last page is short; a caller that knows when the list is
  complete (an item's latest rev was seen) passes `done=` and saves it.
- **Rows are de-duplicated by id** (`key=`; by default a dict's `id`, else its JSON text).
- **No progress stops within a few requests.** "A few" is `NO_PROGRESS_LIMIT` = 3: a repeated
  continuation token stops at once; a `$skip` list answering a FULL page with no new ids (the server
  ignored `$skip`) stops at once; a token list or stream that answers pages with no new rows while
  claiming more (empty batches with `isLastBatch: false` and a fresh token, the same rows again) stops
  on the 3rd such page in a row. Each stop is a `PagingError` naming the route and what the server did.
- **A request budget per listing** (`RequestBudget`, from `sync.max_requests_per_stream`) stops a
  server that keeps inventing new rows; `MAX_PAGES` is the last-resort bound without a budget.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Hashable, Iterable, Iterator
from urllib.parse import parse_qs, urlsplit

from flowtui.errors import PayloadError

if TYPE_CHECKING:
    from flowtui.ado.client import AdoClient, AdoResponse

#: Safety net against a server that never ends a paged list when no budget is given (100k pages).
MAX_PAGES = 100_000
#: "A few": this many pages in a row without new rows (while the server claims more) is an error.
NO_PROGRESS_LIMIT = 3
#: Default of `sync.max_requests_per_stream`: generous (50,000 pages of 200 revisions = 10M revisions).
DEFAULT_MAX_REQUESTS = 50_000

Key = Callable[[Any], Hashable]


class PagingError(PayloadError):
    """A paged list made no progress (repeated token, ignored `$skip`, endless empty batches) or ran over budget."""


@dataclass
class RequestBudget:
    """At most `limit` requests for one listing (`what` names it in the error)."""

    limit: int
    what: str
    used: int = 0

    def spend(self) -> None:
        """Count one request, or raise PagingError when the budget is already used up."""
        if self.used >= self.limit:
            raise PagingError(
                f"{self.what} was still not at its end after {self.limit} requests; stopped "
                "(raise sync.max_requests_per_stream if the project is really that large)."
            )
        self.used += 1


def _spend(budget: RequestBudget | None, count: int, what: str) -> None:
    if budget is not None:
        budget.spend()
    elif count >= MAX_PAGES:
        raise PagingError(f"{what} was still not at its end after {MAX_PAGES} pages; stopped.")


def route_name(path: str, project: str | None) -> str:
    """How an error names a paged route: `_apis/git/pullrequests of 'Fabrikam'`."""
    return f"{path} of {project!r}" if project else path


def shown_token(token: str) -> str:
    """A server token as an error may show it: short, quoted, control characters escaped."""
    return repr(token if len(token) <= 40 else token[:37] + "...")


def default_key(row: Any) -> Hashable:
    """A row's identity: a dict's scalar `id`, else its canonical JSON text."""
    if isinstance(row, dict):
        ident = row.get("id")
        if isinstance(ident, (str, int)) and not isinstance(ident, bool):
            return ("id", ident)
    try:
        return ("json", json.dumps(row, sort_keys=True, default=str))
    except (TypeError, ValueError, RecursionError):
        return ("repr", repr(row))


def revision_key(entry: Any) -> Hashable:
    """A reporting revision's identity: its (id, rev), read from the raw entry (even a malformed one)."""
    if isinstance(entry, dict):
        ident, rev = entry.get("id"), entry.get("rev")
        if isinstance(ident, (str, int)) and isinstance(rev, (str, int)) and not isinstance(ident, bool) and not isinstance(rev, bool):
            return ("rev", ident, rev)
    return default_key(entry)


@dataclass
class SeenRows:
    """The keys of the rows a listing has returned, to keep only new ones."""

    key: Key = default_key
    seen: set[Hashable] = field(default_factory=set)

    def new(self, page: Iterable[Any]) -> list[Any]:
        """The rows of `page` not seen before (also de-duplicated within the page)."""
        out = []
        for row in page:
            k = self.key(row)
            if k in self.seen:
                continue
            self.seen.add(k)
            out.append(row)
        return out


def envelope_values(data: Any, what: str) -> list[Any]:
    """The `value` list of a `{count, value}` envelope (key order and a missing count tolerated)."""
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return data["value"]
    if isinstance(data, list):  # a bare array: tolerated, some proxies unwrap envelopes
        return data
    raise PayloadError(f"The answer for {what} is not a {{count, value}} list.")


def iter_token_pages(
    client: AdoClient,
    path: str,
    *,
    project: str | None = None,
    params: dict[str, Any] | None = None,
    key: Key = default_key,
    budget: RequestBudget | None = None,
) -> Iterator[list[Any]]:
    """New rows, page by page, of a list paged by the `x-ms-continuationtoken` response header.

    Ends when a page carries no token. A token seen before is a PagingError at once; pages without
    new rows that still carry a token are a PagingError on the `NO_PROGRESS_LIMIT`-th in a row.
    """
    what = route_name(path, project)
    token: str | None = None
    tokens: set[str] = set()
    rows = SeenRows(key)
    stalled = 0
    for count in range(MAX_PAGES + 1):
        _spend(budget, count, what)
        query = dict(params or {})
        if token:
            query["continuationToken"] = token
        response = client.get(path, project=project, params=query)
        fresh = rows.new(envelope_values(response.data, path))
        yield fresh
        token = response.headers.get("x-ms-continuationtoken") or None
        if not token:
            return
        if token in tokens:
            raise PagingError(f"{what} repeated the continuation token {shown_token(token)}; stopped after {count + 1} requests.")
        tokens.add(token)
        stalled = 0 if fresh else stalled + 1
        if stalled >= NO_PROGRESS_LIMIT:
            raise PagingError(
                f"{what} answered {stalled} pages in a row with no new rows while offering a next page; stopped."
            )
    raise PagingError(f"{what} never stopped paging.")  # pragma: no cover - _spend raises first


@dataclass
class PageSize:
    """The largest page a `$top`/`$skip` list has served (kept by the caller across runs).

    Servers cap page sizes at a fixed number, so a page shorter than one this list has already
    served is its last: no confirming request is needed. Until a list has shown its size, a short
    page proves nothing.
    """

    largest: int = 0


def iter_skip_pages(
    client: AdoClient,
    path: str,
    *,
    project: str | None = None,
    params: dict[str, Any] | None = None,
    top: int = 100,
    key: Key = default_key,
    budget: RequestBudget | None = None,
    done: Callable[[], bool] | None = None,
    page_size: PageSize | None = None,
) -> Iterator[list[Any]]:
    """New rows, page by page, of a `$top`/`$skip` list, until an empty page or one with no new ids.

    A page shorter than `$top` is not the end (servers cap page sizes): the next `$skip` is asked —
    unless it is also shorter than a page this list has already served (`page_size`, updated here).
    A page with no new ids means the server ignored `$skip`: a PagingError at once when that page is
    full or `done()` says rows are still missing; otherwise it is the end (the whole, short list came
    back again — indistinguishable from a capped server ignoring `$skip`, so callers that can tell
    pass `done`). `done()`, asked after each page is consumed, also lets a caller that knows the list
    is complete stop without the confirming request.
    """
    what = route_name(path, project)
    skip = 0
    rows = SeenRows(key)
    for count in range(MAX_PAGES + 1):
        _spend(budget, count, what)
        query = dict(params or {})
        query["$top"] = top
        query["$skip"] = skip
        page = envelope_values(client.get(path, project=project, params=query).data, path)
        if not page:
            return
        fresh = rows.new(page)
        if not fresh:
            if len(page) >= top or (done is not None and not done()):
                raise PagingError(
                    f"{what} ignored $skip: asked for the rows after {skip}, it sent {len(page)} rows "
                    "already received; stopped."
                )
            return
        known = page_size.largest if page_size is not None else 0
        if page_size is not None:
            page_size.largest = max(known, len(page))
        yield fresh
        if done is not None and done():
            return
        if len(page) < min(known, top):
            return  # shorter than a page this server already sent: not a cap, the end
        skip += len(page)
    raise PagingError(f"{what} never stopped paging.")  # pragma: no cover - _spend raises first


@dataclass(frozen=True)
class RevisionsBatch:
    """One batch of the reporting revisions stream."""

    values: list[Any]
    continuation_token: str | None
    is_last_batch: bool


class StreamGuard:
    """Follows the continuation tokens of one reporting revisions stream and stops it when it stalls.

    `advance(batch, sent)` returns the token of the next batch, or None at the end; it raises
    PagingError for a batch that claims more without a token, repeats a token of this run, or is the
    `NO_PROGRESS_LIMIT`-th batch in a row with no new revisions (empty, or the same (id, rev) pairs
    as the last few batches). A batch that hands back the token it was sent with no values is the end
    (nothing follows that position). Memory stays small: tokens of this run and the keys of the last
    `NO_PROGRESS_LIMIT` batches only; the request budget bounds what this cannot see.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.tokens: set[str] = set()
        self.recent: deque[set[Hashable]] = deque(maxlen=NO_PROGRESS_LIMIT)
        self.stalled = 0
        self.batches = 0

    def advance(self, batch: RevisionsBatch, sent: str | None) -> str | None:
        """The token to send next (None: the stream is done), or PagingError."""
        self.batches += 1
        current = {revision_key(entry) for entry in batch.values}
        fresh = any(all(k not in old for old in self.recent) for k in current)
        self.recent.append(current)
        if batch.is_last_batch:
            return None
        token = batch.continuation_token
        if not token:
            raise PagingError(f"{self.what} has more batches but gave no continuation token; stopped.")
        if token == sent and not batch.values:
            return None
        if token == sent or token in self.tokens:
            raise PagingError(
                f"{self.what} repeated the continuation token {shown_token(token)}; stopped after {self.batches} requests."
            )
        self.tokens.add(token)
        self.stalled = 0 if fresh else self.stalled + 1
        if self.stalled >= NO_PROGRESS_LIMIT:
            raise PagingError(
                f"{self.what} answered {self.stalled} batches in a row with no new revisions while saying more "
                "follow (isLastBatch false); stopped."
            )
        return token


def read_revisions_batch(response: AdoResponse) -> RevisionsBatch:
    """Decode a `{values, nextLink, continuationToken, isLastBatch}` body."""
    data = response.data
    if not isinstance(data, dict):
        raise PayloadError("The reporting revisions answer is not a JSON object.")
    values = data.get("values")
    if values is None:
        values = data.get("value", [])
    if not isinstance(values, list):
        raise PayloadError("The reporting revisions answer has no `values` list.")
    token = data.get("continuationToken")
    if not isinstance(token, str) or not token:
        token = token_from_link(data.get("nextLink"))
    last = data.get("isLastBatch")
    if isinstance(last, str):
        last = last.strip().lower() == "true"
    if last is None:
        # Without the flag, an empty batch or one offering no further link or token is the last.
        last = not values or (not data.get("nextLink") and not data.get("continuationToken"))
    return RevisionsBatch(values, token, bool(last))


def token_from_link(link: Any) -> str | None:
    """The `continuationToken` query parameter of a nextLink URL, if any."""
    if not isinstance(link, str) or not link:
        return None
    for key, values in parse_qs(urlsplit(link).query, keep_blank_values=False).items():
        if key.lower() == "continuationtoken" and values:
            return values[0]
    return None
