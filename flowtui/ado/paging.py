"""The three paging styles of the ADO REST API (reference §1.3, §3.1, §6.3, §7.1).

1. `x-ms-continuationtoken` response header, passed back as `?continuationToken=` (projects).
2. A body with `continuationToken` / `nextLink` / `isLastBatch` (reporting revisions): the token is
   taken from `continuationToken`, else parsed out of `nextLink`; it is opaque and never built.
3. `$top` / `$skip` until a page comes back shorter than `$top` (PRs, updates, teams).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import parse_qs, urlsplit

from flowtui.errors import PayloadError

if TYPE_CHECKING:
    from flowtui.ado.client import AdoClient, AdoResponse

#: Safety net against a server that never ends a paged list (100k pages).
MAX_PAGES = 100_000


def envelope_values(data: Any, what: str) -> list[Any]:
    """The `value` list of a `{count, value}` envelope (key order and a missing count tolerated)."""
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        return data["value"]
    if isinstance(data, list):  # a bare array: tolerated, some proxies unwrap envelopes
        return data
    raise PayloadError(f"The answer for {what} is not a {{count, value}} list.")


def iter_token_pages(
    client: AdoClient, path: str, *, project: str | None = None, params: dict[str, Any] | None = None
) -> Iterator[list[Any]]:
    """Pages of a list paged by the `x-ms-continuationtoken` response header."""
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        query = dict(params or {})
        if token:
            query["continuationToken"] = token
        response = client.get(path, project=project, params=query)
        yield envelope_values(response.data, path)
        token = response.headers.get("x-ms-continuationtoken") or None
        if not token or token in seen:
            return
        seen.add(token)
    raise PayloadError(f"{path} never stopped paging.")


def iter_skip_pages(
    client: AdoClient,
    path: str,
    *,
    project: str | None = None,
    params: dict[str, Any] | None = None,
    top: int = 100,
) -> Iterator[list[Any]]:
    """Pages of a `$top`/`$skip` list, until a page is shorter than `$top`."""
    skip = 0
    for _ in range(MAX_PAGES):
        query = dict(params or {})
        query["$top"] = top
        query["$skip"] = skip
        page = envelope_values(client.get(path, project=project, params=query).data, path)
        yield page
        if len(page) < top:
            return
        skip += len(page)
    raise PayloadError(f"{path} never stopped paging.")


@dataclass(frozen=True)
class RevisionsBatch:
    """One batch of the reporting revisions stream."""

    values: list[Any]
    continuation_token: str | None
    is_last_batch: bool


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
