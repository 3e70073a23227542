"""Mapping ADO error responses onto flowtui's error types (reference §1.4, §2, §8).

Errors are recognised by the `TFnnnnnn` / `VSnnnnnn` code in the message or by `typeKey`, never by
the whole message. Bodies may start with a UTF-8 BOM, be `text/plain`, or be empty with the text in
the URL-encoded `x-tfs-serviceerror` header. Every message built here names the URL or project and
what to do; none contains the PAT (the client scrubs it once more before raising). Text taken from
the server (messages, the x-tfs-serviceerror header, a redirect's Location) passes through
`flowtui.text.clean`: no control character or terminal escape reaches an error message.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

import httpx

from flowtui.errors import AdoError, ApiVersionError, AuthError, NotFoundError
from flowtui.text import clean

_SIGN_IN_HINTS = ("signin", "sign-in", "login", "_signin", "microsoftonline", "live.com", "vssps", "oauth", "auth")
_VERSION = r"\d+\.\d+(?:-preview(?:\.\d+)?)?"


class ResultLimitError(AdoError):
    """WIQL matched more work items than the server's cap (VS402337): slice the query."""


class RouteNotFoundError(NotFoundError):
    """The server has no such route (an older server, or a wrong collection URL)."""


class PreviewRequiredError(AdoError):
    """The resource exists on this server only as a -preview version."""


class ConnectionFailure(AdoError):
    """DNS or TLS failure: the server cannot be reached at all, retrying will not help."""


class Retryable(Exception):
    """Internal: a failure the retry loop may try again (429, 5xx, timeouts, resets)."""

    def __init__(self, kind: str, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind  # "throttled" | "transient" | "payload"
        self.message = message
        self.status = status
        self.retry_after = retry_after


def decode_body(response: httpx.Response) -> str:
    """The body as text, decoded as UTF-8 with an optional BOM stripped (undecodable bytes replaced)."""
    return response.content.decode("utf-8-sig", errors="replace").lstrip("\ufeff")


def server_message(response: httpx.Response) -> tuple[str, str]:
    """(message, typeKey) from an error response: JSON envelope, plain text, or x-tfs-serviceerror."""
    text = decode_body(response).strip()
    message, type_key = "", ""
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            raw = body.get("message")
            message = raw if isinstance(raw, str) else ""
            key = body.get("typeKey")
            type_key = key if isinstance(key, str) else ""
    elif text and not text.lstrip().startswith("<"):
        message = text
    if not message:
        header = response.headers.get("x-tfs-serviceerror")
        if header:
            message = unquote(header.replace("+", " "))
    return clean(" ".join(message.split())[:500]), clean(type_key[:200])


def is_sign_in_redirect(response: httpx.Response) -> bool:
    """True for a 3xx whose Location points at an interactive sign-in page."""
    location = response.headers.get("location", "").lower()
    return any(hint in location for hint in _SIGN_IN_HINTS)


def auth_error(org_url: str, why: str) -> AuthError:
    """The one sentence for a rejected PAT."""
    return AuthError(
        f"Azure DevOps at {org_url} rejected the personal access token ({why}); "
        "run `flowtui auth set` to store a valid PAT with Work Items (read) and Code (read) scopes."
    )


def supported_version(message: str, requested: str) -> str | None:
    """The api-version named by an 'out of range' error ('... this server supports is 6.0.')."""
    lowered = message.lower()
    if "out of range" not in lowered and "not supported" not in lowered and "supports" not in lowered:
        return None
    tail = re.search(r"supports?\s+(?:is\s+)?(?:version\s+)?(" + _VERSION + ")", message, re.IGNORECASE)
    if tail:
        return tail.group(1)
    found = [v for v in re.findall(_VERSION, message) if v != requested]
    return found[-1] if found else None


def map_error(
    response: httpx.Response,
    *,
    org_url: str,
    project: str | None,
    api_version: str,
) -> Exception:
    """The exception for a non-success response (a Retryable for the ones worth retrying)."""
    status = response.status_code
    url = _display_url(response)
    message, type_key = server_message(response)
    code = _code(message)
    if status == 401:
        why = "HTTP 401"
        if code == "TF400813":
            why = "HTTP 401: the token lacks permission or scope"
        return auth_error(org_url, why)
    if status == 203:
        return auth_error(org_url, "HTTP 203 with a sign-in page")
    if 300 <= status < 400:
        if is_sign_in_redirect(response) or not response.headers.get("location"):
            return auth_error(org_url, f"HTTP {status} redirect to a sign-in page")
        return AdoError(
            f"{url} redirected to {clean(response.headers['location'][:300])}; check the organization URL ({org_url})."
        )
    if status == 403:
        return AuthError(
            f"Azure DevOps at {org_url} refused access to {url} (HTTP 403{': ' + message if message else ''}); "
            "check the PAT's scopes and run `flowtui auth set`."
        )
    if status == 429:
        return Retryable("throttled", f"{url} throttled the request (HTTP 429{': ' + code if code else ''})", status=429)
    if status == 503 and ("TF24668" in message or "TF24668" in response.headers.get("x-tfs-serviceerror", "")):
        return AdoError(f"The organization at {org_url} is stopped or deactivated (TF24668); ask its administrator.")
    if status in (500, 502, 503, 504):
        return Retryable("transient", f"{url} answered HTTP {status}{': ' + message if message else ''}", status=status)
    if status in (405, 501):
        return RouteNotFoundError(f"{url} is not supported by this server (HTTP {status}).")
    if status == 400 or status == 404:
        supported = supported_version(message, api_version) if ("range" in message.lower() or "VersionOutOfRange" in type_key) else None
        if supported:
            return ApiVersionError(
                f"{org_url} supports REST api-version {supported} at most, not {api_version}.",
                supported=supported,
            )
        if "preview" in message.lower() and ("-preview" in message or "preview flag" in message.lower()):
            return PreviewRequiredError(f"{url} is a preview resource on this server: {message}")
        if code == "VS402337" or "SizeLimitExceeded" in type_key:
            return ResultLimitError(f"The query matched more work items than the server allows ({message}).")
        if code == "TF200016" or "ProjectDoesNotExist" in type_key or code == "VS800075":
            name = project or "?"
            return NotFoundError(
                f"Project {name!r} does not exist in {org_url}, or the PAT cannot see it; "
                "check `ado.projects` (names are spelled as in Azure DevOps)."
            )
        if code == "TF401019" or "RepositoryNotFound" in type_key:
            return NotFoundError(f"A Git repository of project {project!r} was not found in {org_url} ({message}).")
        if status == 404:
            if "controller" in message.lower() or not type_key:
                return RouteNotFoundError(
                    f"{url} was not found (HTTP 404); check the organization URL {org_url}"
                    f"{' and project ' + repr(project) if project else ''}, or the server is too old for this API."
                )
            return NotFoundError(f"{url} was not found (HTTP 404: {message}).")
        return AdoError(f"Azure DevOps rejected the request to {url} (HTTP 400: {message or 'no detail'}).")
    return AdoError(f"Azure DevOps answered HTTP {status} for {url}{': ' + message if message else ''}.")


def _code(message: str) -> str:
    match = re.search(r"\b((?:TF|VS)\d{5,})\b", message)
    return match.group(1) if match else ""


def _display_url(response: httpx.Response) -> str:
    """The request URL without its query string (kept short; never carries credentials)."""
    parts = urlsplit(str(response.request.url))
    return clean(f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}")
