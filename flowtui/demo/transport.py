"""`SimulatedAdo`: an in-process httpx transport that answers the ADO REST routes.

Use it as `httpx.Client(transport=sim.transport)` or `httpx.AsyncClient(transport=sim.transport)`.
Each request goes through, in order: scripted/random faults, the stopped-org check, the route table
(unknown → 404 text/plain), authentication (Basic with the PAT), scope checks, api-version
negotiation, throttling, the route handler, then payload faults (malformed body, BOM) and latency.
Headers and bodies are deterministic for a given org and request sequence.
"""

from __future__ import annotations

import asyncio
import base64
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from email.utils import format_datetime
from urllib.parse import quote, unquote, urlsplit

import httpx

from flowtui.demo import realities, routes_core, routes_git, routes_wit
from flowtui.demo.faults import Faults
from flowtui.demo.generator import SimulatedOrg
from flowtui.demo.request import Req, negotiate_version
from flowtui.demo.wire import SIGNIN_HTML, ApiError, PlainError, dumps

# (method, pattern after "_apis", scope, route name, handler); scope: org | project | either | team
_ROUTES: tuple[tuple[str, tuple[str, ...], str, str, Callable], ...] = (
    ("GET", ("projects",), "org", "projects", routes_core.projects),
    ("GET", ("projects", "{id}"), "org", "project", routes_core.project),
    ("GET", ("git", "repositories"), "either", "repositories", routes_core.repositories),
    ("GET", ("wit", "workitemtypes"), "project", "workitemtypes", routes_core.work_item_types),
    ("GET", ("wit", "workitemtypes", "{type}"), "project", "workitemtype", routes_core.work_item_type),
    ("GET", ("wit", "workitemtypes", "{type}", "states"), "project", "workitemtype_states",
     routes_core.states),
    ("GET", ("wit", "reporting", "workitemrevisions"), "either", "reporting_revisions",
     routes_wit.reporting_revisions),
    ("POST", ("wit", "reporting", "workitemrevisions"), "either", "reporting_revisions",
     routes_wit.reporting_revisions),
    ("POST", ("wit", "wiql"), "team", "wiql", routes_wit.wiql),
    ("POST", ("wit", "workitemsbatch"), "either", "workitemsbatch", routes_wit.workitems_batch),
    ("GET", ("wit", "workitems"), "either", "workitems", routes_wit.workitems_list),
    ("GET", ("wit", "workitems", "{id}"), "either", "workitem", routes_wit.workitem_single),
    ("GET", ("wit", "workitems", "{id}", "updates"), "either", "workitem_updates", routes_wit.updates),
    ("GET", ("wit", "workitems", "{id}", "revisions"), "either", "workitem_revisions", routes_wit.revisions),
    ("GET", ("wit", "recyclebin"), "either", "recyclebin", realities.recycle_bin),
    ("GET", ("wit", "recyclebin", "{id}"), "either", "recyclebin_item", realities.recycle_bin_item),
    ("GET", ("git", "pullrequests"), "either", "pullrequests", routes_git.pull_requests),
    ("GET", ("git", "pullrequests", "{id}"), "either", "pullrequest", routes_git.pull_request),
    ("GET", ("git", "repositories", "{repo}", "pullrequests"), "either", "pullrequests",
     routes_git.pull_requests),
    ("GET", ("git", "repositories", "{repo}", "pullrequests", "{id}"), "either", "pullrequest",
     routes_git.pull_request),
    ("GET", ("git", "repositories", "{repo}", "pullrequests", "{id}", "threads"), "either",
     "pullrequest_threads", routes_git.threads),
)
_GIT_ROUTES = {"repositories", "pullrequests", "pullrequest", "pullrequest_threads"}
_STATUS_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout"}


class _Transport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The object handed to httpx; delegates to its SimulatedAdo."""

    def __init__(self, sim: SimulatedAdo) -> None:
        self._sim = sim

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        result, delay = self._sim._process(request)
        if delay > 0:
            (self._sim.faults.sleep or time.sleep)(delay)
        if isinstance(result, Exception):
            raise result
        return result

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        result, delay = self._sim._process(request)
        if delay > 0:
            if self._sim.faults.sleep is not None:
                self._sim.faults.sleep(delay)
            else:
                await asyncio.sleep(delay)
        if isinstance(result, Exception):
            raise result
        return result


class SimulatedAdo:
    """A simulated Azure DevOps collection serving `org` over an in-process httpx transport.

    pat: the only PAT accepted (Basic auth, any user name). faults: knobs (default healthy).
    clock: epoch seconds for the throttle window and X-RateLimit-Reset (default time.time).
    base_url: the collection URL (default "https://dev.azure.com/{org.name}"); only its path
    matters for routing, URLs in responses reuse the incoming request's scheme/host/port.
    """

    def __init__(self, org: SimulatedOrg, *, pat: str = "demo-pat", faults: Faults | None = None,
                 clock: Callable[[], float] | None = None, base_url: str | None = None) -> None:
        self.org = org
        self.pat = pat
        self.faults = faults if faults is not None else Faults()
        self.clock = clock or time.time
        self.base_url = (base_url or f"https://dev.azure.com/{org.name}").rstrip("/")
        self._prefix = [s for s in urlsplit(self.base_url).path.split("/") if s]
        self.request_log: list[tuple[str, str, int]] = []
        self._counts: Counter[str] = Counter()
        self._n = 0
        self._rng = random.Random(f"faults:{self.faults.seed}")
        self._rule_left = [r.count for r in self.faults.rules]
        self._usage: deque[tuple[float, float]] = deque()
        self._session = str(uuid.UUID(int=random.Random(f"{org.seed}:session").getrandbits(128), version=4))
        self._lock = threading.Lock()
        self.transport = _Transport(self)

    def counts_by_route(self) -> dict[str, int]:
        """Requests received per route name (see `flowtui.demo.faults` for the names)."""
        return dict(sorted(self._counts.items()))

    @property
    def request_count(self) -> int:
        return self._n

    # ---- pipeline ------------------------------------------------------------------------
    def _process(self, request: httpx.Request) -> tuple[httpx.Response | Exception, float]:
        with self._lock:  # clients may share one transport across threads
            return self._process_locked(request)

    def _process_locked(self, request: httpx.Request) -> tuple[httpx.Response | Exception, float]:
        self._n += 1
        n = self._n
        path = request.url.path
        route, handler, params = self._match(request)
        self._counts[route] += 1
        hdrs = self._base_headers(n)
        delay = 0.0
        f = self.faults
        if f.latency_s and (not f.latency_routes or route in f.latency_routes):
            delay += f.latency_s
        try:
            fault = self._scripted_fault(n, route)
            if fault is not None and fault[0] == "hang":
                result = httpx.ReadTimeout("The read operation timed out (simulated hang)", request=request)
                delay += self._hang_delay(request)
            elif fault is not None:
                result = self._fault_result(fault[0], fault[1], request, hdrs)
            else:
                result = self._serve(request, route, handler, params, hdrs)
                if isinstance(result, tuple):
                    result, extra_delay = result
                    delay += extra_delay
                if f.ok_retry_after is not None and (not f.ok_retry_after_routes or route in f.ok_retry_after_routes):
                    if isinstance(result, httpx.Response) and result.status_code == 200:
                        result.headers["retry-after"] = f.ok_retry_after
        except (PlainError, ApiError) as exc:
            result = self._error_response(exc, hdrs)
        status = result.status_code if isinstance(result, httpx.Response) else 0
        self.request_log.append((request.method, path, status))
        return result, delay

    def _match(self, request: httpx.Request) -> tuple[str, Callable | None, dict[str, str]]:
        segs = [unquote(s) for s in request.url.raw_path.split(b"?")[0].decode().split("/") if s]
        if [s.lower() for s in segs[:len(self._prefix)]] != [s.lower() for s in self._prefix]:
            return "unknown", None, {}
        segs = segs[len(self._prefix):]
        low = [s.lower() for s in segs]
        if "_apis" not in low:
            return "unknown", None, {}
        cut = low.index("_apis")
        head, rest = segs[:cut], segs[cut + 1:]
        for method, pattern, scope, name, handler in _ROUTES:
            if method != request.method or len(pattern) != len(rest):
                continue
            params: dict[str, str] = {}
            for pat, seg in zip(pattern, rest):
                if pat.startswith("{"):
                    params[pat[1:-1]] = seg
                elif pat != seg.lower():
                    break
            else:
                allowed = {"org": (0,), "project": (1,), "either": (0, 1), "team": (0, 1, 2)}[scope]
                if len(head) not in allowed:
                    continue
                if head:
                    params["project"] = head[0]
                return name, handler, params
        return "unknown", None, {}

    def _serve(self, request: httpx.Request, route: str, handler: Callable | None,
               params: dict[str, str], hdrs: dict[str, str]):
        f = self.faults
        if f.org_stopped:
            return self._fault_result("tf24668", None, request, hdrs)
        if handler is None or (route == "workitemsbatch" and f.no_workitemsbatch) or (
                route == "reporting_revisions" and f.no_org_revisions and "project" not in params):
            raise PlainError(404, f"The controller for path '{request.url.path}' was not found or does "
                                  "not implement IController.")
        auth = self._check_auth(request, hdrs)
        if auth is not None:
            return auth
        if route in f.forbidden_routes:
            raise ApiError(401, "TF400813: The user 'a3f7c9e1-1b2d-4c5e-8f90-123456789abc' is not "
                                "authorized to access this resource.", "UnauthorizedRequestException",
                           "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, "
                           "Microsoft.TeamFoundation.Framework.Server")
        version = negotiate_version(request, f.max_api_version)
        if f.states_preview_only and route == "workitemtype_states" and "-preview" not in version.lower():
            raise ApiError(400, f'The requested version "{version}" of the resource is under preview. The '
                                '-preview flag must be supplied in the api-version for such requests. For '
                                f'example: "{version}-preview"', "VssInvalidPreviewVersionException")
        extra_delay = self._throttle(hdrs)
        req = Req(self, request, params, version, route in _GIT_ROUTES, route)
        reply = handler(req)
        payload, extra = reply if isinstance(reply, tuple) else (reply, {})
        hdrs.update(extra)
        hdrs["content-type"] = f"application/json; charset=utf-8; api-version={version}"
        if route in f.malformed_routes:
            body = dumps(payload)[: max(12, len(dumps(payload)) // 3)]
        else:
            body = dumps(payload)
        if f.bom:
            body = b"\xef\xbb\xbf" + body
        return httpx.Response(200, headers=hdrs, content=body, request=request), extra_delay

    # ---- pieces --------------------------------------------------------------------------
    def _base_headers(self, n: int) -> dict[str, str]:
        rng = random.Random(f"{self.org.seed}:activity:{n}")
        activity = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        user = self.org.people[0] if self.org.people else None
        hdrs = {
            "cache-control": "no-cache", "pragma": "no-cache", "expires": "-1",
            "x-tfs-processid": "5c0b8d1e-7a7b-4f3f-9a58-3f0c1f3d2b11", "activityid": activity,
            "x-tfs-session": self._session, "x-vss-e2eid": activity,
            "x-vss-senderdeploymentid": "e2c3a0f4-8a87-4c5c-9f6c-64b4c8a2e0b3",
            "x-content-type-options": "nosniff", "x-frame-options": "SAMEORIGIN",
            "strict-transport-security": "max-age=31536000; includeSubDomains",
            "x-cache": "CONFIG_NOCACHE",
            # the server's clock (the org's `now`), whatever the client's clock says
            "date": format_datetime(self.org.now, usegmt=True),
        }
        if user is not None:
            hdrs["x-vss-userdata"] = f"{user.id}:{user.unique_name}"
        return hdrs

    def _check_auth(self, request: httpx.Request, hdrs: dict[str, str]) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        ok = False
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
                ok = decoded.partition(":")[2] == self.pat
            except (ValueError, UnicodeDecodeError):
                ok = False
        if ok:
            return None
        mode = self.faults.bad_pat_mode
        if mode is None:
            suppress = request.headers.get("x-tfs-fedauthredirect", "").lower() == "suppress"
            mode = "401_empty" if suppress else "203_html"
        if mode == "401_empty":
            hdrs["www-authenticate"] = 'Basic realm="https://tfsprodweu5.app.visualstudio.com/"'
            hdrs["content-length"] = "0"
            return httpx.Response(401, headers=hdrs, content=b"", request=request)
        if mode == "302_signin":
            reply_to = quote(str(request.url), safe="")
            hdrs["location"] = ("https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com"
                                f"&reply_to={reply_to}&redirect=1")
            hdrs["content-type"] = "text/html; charset=utf-8"
            return httpx.Response(302, headers=hdrs, content=b"", request=request)
        hdrs["content-type"] = "text/html; charset=utf-8"
        return httpx.Response(203, headers=hdrs, content=SIGNIN_HTML.encode(), request=request)

    def _hang_delay(self, request: httpx.Request) -> float:
        """How long a "hang" fault holds `request`: hang_s, at most the client's read timeout."""
        timeout = (request.extensions.get("timeout") or {}).get("read")
        hold = max(0.0, self.faults.hang_s)
        return min(hold, float(timeout)) if isinstance(timeout, (int, float)) else hold

    def _scripted_fault(self, n: int, route: str) -> tuple[str, float | str | None] | None:
        f = self.faults
        for i, rule in enumerate(f.rules):
            if rule.nth is not None and rule.nth == n:
                return rule.kind, rule.retry_after
            if rule.route is not None and rule.route == route and self._rule_left[i] != 0:
                self._rule_left[i] -= 1
                return rule.kind, rule.retry_after
        if f.random_rate > 0:
            roll = self._rng.random()
            kind = self._rng.choice(f.random_kinds)
            if roll < f.random_rate:
                return kind, None
        return None

    def _fault_result(self, kind: str, retry_after: float | str | None, request: httpx.Request,
                      hdrs: dict[str, str]) -> httpx.Response | Exception:
        ra = retry_after if retry_after is not None else self._retry_after()
        if kind == "connect_error":
            return httpx.ConnectError("[Errno 111] Connection refused (simulated)", request=request)
        if kind == "reset":
            return httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                             request=request)
        if kind == "read_timeout":
            return httpx.ReadTimeout("The read operation timed out (simulated)", request=request)
        if kind == "malformed":
            hdrs["content-type"] = "application/json; charset=utf-8; api-version=7.1"
            return httpx.Response(200, headers=hdrs, content=b'{"count":3,"value":[{"id":',
                                  request=request)
        if kind == "html":
            hdrs["content-type"] = "text/html; charset=utf-8"
            return httpx.Response(200, headers=hdrs, content=SIGNIN_HTML.encode(), request=request)
        if kind == "429":
            hdrs.update(self._rate_headers(0.0))
            hdrs["x-ratelimit-remaining"] = "0"
            hdrs["retry-after"] = _num(ra)
            raise ApiError(429, "TF400733: The request has been canceled: Request was blocked due to "
                                "exceeding usage of resource 'WorkItemTrackingResource' in namespace "
                                "'User'.", "RequestBlockedException",
                           "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, "
                           "Microsoft.TeamFoundation.Framework.Server", headers=hdrs)
        if kind == "tf24668":
            name = self.org.name
            exc = ApiError(503, f"TF24668: The following team project collection is stopped: {name}. "
                                "Start the collection and then try again. Administrator Reason: The "
                                "organization has been disabled.", "VssServiceException",
                           "Microsoft.VisualStudio.Services.Common.VssServiceException, "
                           "Microsoft.VisualStudio.Services.Common", headers=hdrs)
            return self._error_response(exc, hdrs, bom=True)
        status = int(kind)
        if status == 503:
            hdrs["retry-after"] = _num(ra)
        raise ApiError(status, f"VS800069: This service is currently not available "
                               f"({_STATUS_TEXT[status]}, simulated). Please try again later.",
                       "ServiceUnavailableException" if status == 503 else "VssServiceException",
                       headers=hdrs)

    def _retry_after(self) -> float | str:
        """The Retry-After of throttle answers: the raw `retry_after_text` knob, else retry_after_s."""
        f = self.faults
        return f.retry_after_text if f.retry_after_text is not None else f.retry_after_s

    def _rate_headers(self, usage: float) -> dict[str, str]:
        f = self.faults
        limit = f.rate_limit if f.rate_limit is not None else 200.0
        remaining = max(0.0, limit - usage)
        return {"x-ratelimit-resource": "ATCPU", "x-ratelimit-limit": _num(limit),
                "x-ratelimit-remaining": _num(remaining),
                "x-ratelimit-reset": str(int(self.clock() + f.window_s))}

    def _throttle(self, hdrs: dict[str, str]) -> float:
        """Apply the TSTU budget: headers near the limit, delayed 200s, then 429 TF400733."""
        f = self.faults
        if f.rate_limit is None:
            return 0.0
        now = self.clock()
        while self._usage and self._usage[0][0] <= now - f.window_s:
            self._usage.popleft()
        usage = sum(c for _, c in self._usage)
        if usage >= f.rate_limit * f.block_ratio:
            self._raise_429(hdrs, usage)
        self._usage.append((now, f.request_cost))
        if usage >= f.rate_limit:
            hdrs.update(self._rate_headers(usage))
            hdrs["x-ratelimit-remaining"] = "0"
            hdrs["retry-after"] = _num(self._retry_after())
            hdrs["x-ratelimit-delay"] = f"{f.throttle_delay_s:.3f}"
            return f.throttle_delay_s if f.throttle_sleep else 0.0
        if usage >= 0.8 * f.rate_limit:
            hdrs.update(self._rate_headers(usage))
        return 0.0

    def _raise_429(self, hdrs: dict[str, str], usage: float) -> None:
        hdrs.update(self._rate_headers(usage))
        hdrs["x-ratelimit-remaining"] = "0"
        hdrs["retry-after"] = _num(self._retry_after())
        raise ApiError(429, "TF400733: The request has been canceled: Request was blocked due to "
                            "exceeding usage of resource 'ATCPU' in namespace 'User'.",
                       "RequestBlockedException",
                       "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, "
                       "Microsoft.TeamFoundation.Framework.Server", headers=hdrs)

    def _error_response(self, exc: PlainError | ApiError, hdrs: dict[str, str], *,
                        bom: bool = False) -> httpx.Response:
        if isinstance(exc, PlainError):
            hdrs["content-type"] = "text/plain; charset=utf-8"
            hdrs["x-tfs-serviceerror"] = quote(exc.text, safe="")
            return httpx.Response(exc.status, headers=hdrs, content=exc.text.encode())
        hdrs.update(exc.headers)
        hdrs["content-type"] = "application/json; charset=utf-8"
        hdrs["x-tfs-serviceerror"] = quote(exc.message, safe="")
        body = dumps(exc.body())
        if bom or self.faults.bom:
            body = b"\xef\xbb\xbf" + body
        return httpx.Response(exc.status, headers=hdrs, content=body)


def _num(value: float | str) -> str:
    """A header number: integral values without a fraction ("1"), others as given ("0.5"); text as is."""
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)
