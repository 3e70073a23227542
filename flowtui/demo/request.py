"""The request context handed to route handlers, and api-version negotiation (reference §1.2)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from flowtui.demo.model import SimProject
from flowtui.demo.wire import ApiError
from flowtui.demo.worktime import dt_to_ms
from flowtui.timeutil import parse_ado_datetime

if TYPE_CHECKING:
    from flowtui.demo.faults import Faults
    from flowtui.demo.org import OrgData

_VERSION = re.compile(r"^(\d+)\.(\d+)(-preview(?:\.\d+)?)?$", re.IGNORECASE)
_PREVIEW_AHEAD = {"7.1": "7.2"}  # cloud: 7.2 exists only as -preview


def _vtuple(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def negotiate_version(request: httpx.Request, cap: str) -> str:
    """The api-version to answer with, or an ApiError (400) for a missing/out-of-range version."""
    version = request.url.params.get("api-version")
    if version is None:
        accept = request.headers.get("accept", "")
        match = re.search(r"api-version=([0-9A-Za-z.\-]+)", accept)
        version = match.group(1) if match else None
    if not version:
        if request.method != "GET":
            raise ApiError(400, f'No api-version was supplied for the "{request.method}" request. The '
                                'version must be supplied either as part of the Accept header (e.g. '
                                '"application/json; api-version=1.0") or as a query parameter (e.g. '
                                '"?api-version=1.0").', "VssVersionNotSpecifiedException",
                           "Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, "
                           "Microsoft.VisualStudio.Services.WebApi")
        return cap
    match = _VERSION.match(version.strip())
    if not match:
        raise ApiError(400, f"The api-version '{version}' is not valid. Supported formats are "
                            "'{major}.{minor}' and '{major}.{minor}-preview'.", "VssInvalidApiVersionException")
    asked = (int(match.group(1)), int(match.group(2)))
    preview = match.group(3) is not None
    limit = _vtuple(cap)
    ahead = _PREVIEW_AHEAD.get(cap)
    if asked > limit:
        if ahead and asked == _vtuple(ahead):
            if preview:
                return version
            raise ApiError(400, f'The requested version "{version}" of the resource is under preview. '
                                'The -preview flag must be supplied in the api-version for such requests. '
                                f'For example: "{version}-preview"', "VssInvalidPreviewVersionException")
        raise ApiError(400, f"The requested REST API version of {asked[0]}.{asked[1]} is out of range for "
                            f"this server. The latest REST API version this server supports is {cap}.",
                       "VssVersionOutOfRangeException",
                       "Microsoft.VisualStudio.Services.WebApi.VssVersionOutOfRangeException, "
                       "Microsoft.VisualStudio.Services.WebApi")
    return version


class Server(Protocol):
    """What a request context reads from the simulated server (`flowtui.demo.transport.SimulatedAdo`)."""

    @property
    def org(self) -> OrgData: ...

    @property
    def faults(self) -> Faults: ...

    @property
    def _prefix(self) -> list[str]: ...


class Req:
    """What a handler needs: the org, knobs, params, query (case-insensitive keys), body, base URL."""

    def __init__(self, sim: Server, request: httpx.Request, params: dict[str, str],
                 version: str, git: bool, route: str = "") -> None:
        self.sim = sim
        self.route = route  # the route name (see `flowtui.demo.faults`)
        self.org = sim.org
        self.faults = sim.faults
        self.request = request
        self.method = request.method
        self.params = params
        self.version = version
        url = request.url
        port = f":{url.port}" if url.port else ""
        prefix = "/" + "/".join(sim._prefix) if sim._prefix else ""
        self.base = f"{url.scheme}://{url.host}{port}{prefix}"
        self.query: dict[str, str] = {}
        for key, value in url.params.multi_items():
            self.query.setdefault(key.lower(), value)
        self.project: SimProject | None = None
        segment = params.get("project")
        if segment is not None:
            self.project = self.org.project(segment)
            if self.project is None:
                if git:
                    raise ApiError(404, f"VS800075: The project with id 'vstfs:///Classification/"
                                        f"TeamProject/{segment}' does not exist, or you do not have "
                                        "permission to access it.", "ProjectDoesNotExistException",
                                   "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistException, "
                                   "Microsoft.TeamFoundation.Core.WebApi")
                raise ApiError(404, f"TF200016: The following project does not exist: {segment}. Verify "
                                    "that the name of the project is correct and that the project exists "
                                    "on the specified Azure DevOps Server.",
                               "ProjectDoesNotExistWithNameException",
                               "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, "
                               "Microsoft.TeamFoundation.Core.WebApi")

    def q(self, name: str, default: str | None = None) -> str | None:
        """A query parameter by case-insensitive name."""
        return self.query.get(name.lower(), default)

    def q_int(self, name: str, default: int | None = None, minimum: int = 0) -> int | None:
        raw = self.q(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, f"The value '{raw}' is not valid for {name}.", "ArgumentException") from None
        if value < minimum:
            raise ApiError(400, f"The value of {name} must be at least {minimum}.",
                           "ArgumentOutOfRangeException")
        return value

    def skip(self) -> int:
        """`$skip`, or 0 when the `ignore_skip_routes` knob makes this route ignore it."""
        if self.route in self.faults.ignore_skip_routes:
            return 0
        return self.q_int("$skip", 0) or 0

    def q_bool(self, name: str, default: bool = False) -> bool:
        raw = self.q(name)
        if raw is None:
            return default
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise ApiError(400, f"The value '{raw}' is not valid for {name}.", "ArgumentException")

    def q_time(self, name: str) -> int | None:
        """A date-time query parameter as epoch ms (400 when unparsable)."""
        raw = self.q(name)
        if raw is None or raw == "":
            return None
        return parse_time(raw, name)

    def json(self) -> Any:
        """The JSON body (utf-8, BOM tolerated); 400 when missing or malformed."""
        text = self.request.content.decode("utf-8-sig", errors="replace").strip()
        if not text:
            raise ApiError(400, "VS402317: The request body is missing or empty.", "ArgumentNullException")
        try:
            return json.loads(text)
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON.", "ArgumentException") from None

    def scoped_project_name(self) -> str:
        """The project segment for URLs written back (GUID, as the real service writes)."""
        return self.project.id if self.project else ""


def parse_time(raw: str, name: str) -> int:
    """Parse an ISO date-time to epoch ms, or raise ApiError 400."""
    text = raw.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    parsed = parse_ado_datetime(text)
    if parsed is None:
        raise ApiError(400, f"The value '{raw}' of parameter {name} is not a valid date-time.",
                       "ArgumentException")
    return dt_to_ms(parsed)
