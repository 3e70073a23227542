"""The httpx client for the ADO REST API: auth, error mapping, retries, shared throttling.

One `AdoClient` per sync run. It owns a pooled `httpx.Client` (Basic auth ":"+PAT,
`X-TFS-FedAuthRedirect: Suppress`, no redirects, proxies from the environment, TLS verification
against the roots `flowtui.ado.tls` picks), a `Throttle` shared by all worker threads, a semaphore bounding the
requests in flight, and request/throttle counters. Retries follow SPEC §5 with tenacity: 429,
500/502/503 (not TF24668)/504, timeouts and connection errors, exponential backoff with jitter,
`Retry-After` honoured (seconds or HTTP date, also on 200), a cap on each backoff and on the total
waited; 4xx are never retried. An "api-version out of range" answer is retried once at the named
version, which the client then keeps (`client.api_version`). A 2xx body that is not JSON is asked for
once more, then raised as PayloadError. A Retry-After is always honoured in full: when it is longer
than what is left of the run's wait budget (`WaitBudget`, shared by every worker and project of the
run), the client gives up at once (ThrottledError) rather than retrying early or sleeping through it.

`close()` or the `cancel` callback ends any wait and abandons any request in flight within
`interrupt.POLL_S`; a request taking over `TOTAL_TIMEOUT_FACTOR` × `timeout_s` in all is a timeout.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from flowtui.ado.errors import (
    ConnectionFailure,
    PreviewRequiredError,
    Retryable,
    auth_error,
    decode_body,
    map_error,
)
from flowtui.ado.interrupt import Interrupt
from flowtui.ado.server_clock import ServerClock
from flowtui.ado.throttle import Throttle, WaitBudget, parse_retry_after
from flowtui.ado.tls import ssl_context
from flowtui.errors import (
    ApiVersionError,
    ConfigError,
    FlowtuiError,
    PayloadError,
    ThrottledError,
    TransientError,
)
from flowtui.orgurl import validate_org_url
from flowtui.text import clean

log = logging.getLogger("flowtui.ado")

_DNS_HINTS = ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution", "no address associated")
_TLS_HINTS = ("certificate", "ssl", "tls")
#: A body that is not JSON is asked for this many times in all (it is usually cut short in transit).
PAYLOAD_ATTEMPTS = 2
#: One request may take at most this many times `timeout_s` in all (connect, send and every read).
TOTAL_TIMEOUT_FACTOR = 3


@dataclass(frozen=True)
class AdoResponse:
    """A decoded JSON response: the parsed body and the response headers."""

    data: Any
    headers: httpx.Headers
    status: int
    url: str


class AdoClient:
    """A pooled, throttle-aware, retrying client for one ADO organization or collection."""

    def __init__(
        self,
        org_url: str,
        pat: str,
        *,
        api_version: str = "7.1",
        timeout_s: float = 30,
        verify_tls: bool = True,
        ca_bundle: str = "",
        trust_store: str = "certifi",
        transport: httpx.BaseTransport | None = None,
        max_concurrency: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_wait: Callable[[float, str], None] | None = None,
        max_attempts: int = 6,
        max_backoff_s: float = 60.0,
        max_total_wait_s: float = 600.0,
        wait_budget: WaitBudget | None = None,
        cancel: Callable[[], bool] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """`wait_budget` is the run's shared total wait allowance (default: `max_total_wait_s` for this
        client alone); `cancel` is polled during waits and requests, and stops them when it returns True."""
        self.org_url = validate_org_url(org_url)
        self._pat = pat or ""
        self._api_version = api_version
        self._version_lock = threading.Lock()
        self._preview_resources: set[tuple[int, str]] = set()
        self.timeout_s = timeout_s
        self.max_concurrency = max(1, int(max_concurrency))
        self.max_attempts = max(1, max_attempts)
        self.max_backoff_s = max_backoff_s
        self.budget = wait_budget if wait_budget is not None else WaitBudget(max_total_wait_s, clock=clock)
        self.max_total_wait_s = self.budget.total_s
        self._rng = rng or random.Random()
        self._interrupt = Interrupt(cancel, closed_message=f"The connection to {self.org_url} was closed (the sync stopped).")
        injected = None if sleep is time.sleep else sleep  # tests inject a fake one

        def interruptible_sleep(seconds: float) -> None:
            self._interrupt.sleep(seconds, injected)

        self.throttle = Throttle(sleep=interruptible_sleep, clock=clock, on_wait=on_wait, budget=self.budget)
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._count_lock = threading.Lock()
        self.requests = 0
        self.server_clock = ServerClock()
        self._http = httpx.Client(
            auth=httpx.BasicAuth("", self._pat),
            headers={
                "X-TFS-FedAuthRedirect": "Suppress",
                "X-VSS-ForceMsaPassThrough": "true",
                "Accept": "application/json",
                "User-Agent": "flowtui",
            },
            timeout=httpx.Timeout(timeout_s),
            verify=ssl_context(verify_tls=verify_tls, ca_bundle=ca_bundle, trust_store=trust_store) if transport is None else True,
            transport=transport,
            trust_env=transport is None,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency),
        )

    # -- public state -------------------------------------------------------------------------

    @property
    def api_version(self) -> str:
        """The api-version in use: the configured one, or the lower one a server asked for."""
        return self._api_version

    @property
    def throttled_seconds(self) -> float:
        """Seconds spent waiting because the server throttled (Retry-After, 429, low budget)."""
        return self.throttle.throttled_seconds

    @property
    def on_wait(self) -> Callable[[float, str], None] | None:
        """Called as on_wait(seconds, reason) before every throttle or retry wait."""
        return self.throttle.on_wait

    @on_wait.setter
    def on_wait(self, callback: Callable[[float, str], None] | None) -> None:
        self.throttle.on_wait = callback

    def close(self) -> None:
        """Close the connection pool and cut short any throttle or retry wait or request in progress."""
        self._interrupt.set()
        self._http.close()

    def __enter__(self) -> AdoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -----------------------------------------------------------------------------

    def url(self, path: str, project: str | None = None) -> str:
        """`{collection}[/{project}]/{path}` with the project name percent-encoded."""
        base = self.org_url
        if project:
            base += "/" + quote(project, safe="")
        return f"{base}/{path.lstrip('/')}"

    def get(self, path: str, *, project: str | None = None, params: dict[str, Any] | None = None) -> AdoResponse:
        """GET a JSON resource (see `request`)."""
        return self.request("GET", path, project=project, params=params)

    def post(
        self, path: str, *, project: str | None = None, params: dict[str, Any] | None = None, body: Any = None
    ) -> AdoResponse:
        """POST a JSON body and read a JSON answer (see `request`)."""
        return self.request("POST", path, project=project, params=params, body=body)

    def request(
        self,
        method: str,
        path: str,
        *,
        project: str | None = None,
        params: dict[str, Any] | None = None,
        body: Any = None,
    ) -> AdoResponse:
        """Send one logical request with retries; raises flowtui.errors types on failure."""
        url = self.url(path, project)
        version_retried = False
        resource = _resource_key(path)
        preview: str | None = None
        if resource in self._preview_resources:
            preview = self._api_version.split("-")[0] + "-preview.1"
        try:
            while True:
                version = preview or self._api_version
                query = {k: v for k, v in (params or {}).items() if v is not None}
                query["api-version"] = version
                try:
                    return self._with_retries(method, url, query, body, project)
                except ApiVersionError as exc:
                    if version_retried or not exc.supported or exc.supported == version:
                        raise
                    version_retried = True
                    with self._version_lock:
                        log.info("server supports api-version %s at most; using it from now on", exc.supported)
                        self._api_version = exc.supported
                except PreviewRequiredError:
                    if preview is not None:
                        raise
                    preview = self._api_version.split("-")[0] + "-preview.1"
                    self._preview_resources.add(resource)  # remembered: no second 400 for this route
        except FlowtuiError as exc:
            raise self._scrubbed(exc) from None

    def _with_retries(self, method: str, url: str, query: dict[str, Any], body: Any, project: str | None) -> AdoResponse:
        budget_stop: list[float] = []  # the wait that the run's budget could not pay for, if that stopped us
        retrying = Retrying(
            retry=retry_if_exception_type(Retryable),
            stop=lambda state: self._stop(state, budget_stop),
            wait=self._wait,
            sleep=lambda _seconds: None,  # the waits happen in _before_sleep / the throttle gate
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, method, url, query, body, project)
        except Retryable as exc:
            if exc.kind == "payload":
                raise PayloadError(exc.message) from None
            if budget_stop and (exc.kind == "throttled" or self.throttle.remaining_pause() > 0
                                or not math.isfinite(budget_stop[0])):
                what = f"after {exc.message}"
                raise self.budget.exceeded(budget_stop[0], what) from None
            if exc.kind == "throttled":
                raise ThrottledError(
                    f"Azure DevOps kept throttling requests to {_short(url)}; gave up after the retry budget "
                    f"({exc.message}). Committed data is kept; run `flowtui sync` again later."
                ) from None
            raise TransientError(
                f"Azure DevOps at {self.org_url} kept failing ({exc.message}); gave up after the retry budget. "
                "Committed data is kept; run `flowtui sync` again later."
            ) from None

    def _attempt(self, method: str, url: str, query: dict[str, Any], body: Any, project: str | None) -> AdoResponse:
        self._interrupt.raise_if_set()
        self.throttle.gate()
        self._interrupt.raise_if_set()
        with self._slots:
            with self._count_lock:
                self.requests += 1
            try:
                response = self._interrupt.call(
                    lambda: self._http.request(
                        method,
                        url,
                        params=query,
                        content=None if body is None else json.dumps(body).encode("utf-8"),
                        headers={"Content-Type": "application/json; charset=utf-8"} if body is not None else None,
                    ),
                    deadline_s=TOTAL_TIMEOUT_FACTOR * self.timeout_s,
                    on_deadline=lambda: httpx.ReadTimeout(f"no answer within {TOTAL_TIMEOUT_FACTOR * self.timeout_s:g} s"),
                )
            except httpx.TimeoutException:
                raise Retryable("transient", f"{_short(url)} timed out after {self.timeout_s:g} s") from None
            except httpx.ConnectError as exc:
                raise self._connect_failure(url, exc) from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise Retryable("transient", f"connection to {_short(url)} failed ({type(exc).__name__})") from None
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise ConfigError(f"Cannot request {_short(url)}: {exc}; check the organization URL.") from None
            except httpx.ProxyError as exc:
                raise ConnectionFailure(
                    f"The HTTP proxy refused the connection to {self.org_url} ({exc}); check HTTPS_PROXY / NO_PROXY."
                ) from None
            except httpx.RequestError as exc:  # anything else in transit (decoding, protocol): retry
                raise Retryable("transient", f"request to {_short(url)} failed ({type(exc).__name__})") from None
        log.debug("%s %s -> %s", method, _short(url), response.status_code)
        self.throttle.observe(response.headers)
        self.server_clock.observe(response.headers)
        status = response.status_code
        if 200 <= status < 300 and status != 203:
            return AdoResponse(self._json(response), response.headers, status, str(response.request.url))
        error = map_error(response, org_url=self.org_url, project=project, api_version=str(query.get("api-version")))
        if isinstance(error, Retryable):
            error.retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise error

    def _json(self, response: httpx.Response) -> Any:
        """Parse a 2xx body (BOM tolerated); an HTML sign-in page means the PAT was rejected."""
        text = decode_body(response)
        content_type = response.headers.get("content-type", "").lower()
        stripped = text.strip()
        if not stripped:
            if response.status_code == 204:
                return None
            raise PayloadError(f"{_short(str(response.request.url))} returned an empty body where JSON was expected.")
        if "html" in content_type or stripped.startswith("<"):
            raise auth_error(self.org_url, f"HTTP {response.status_code} with an HTML sign-in page")
        try:
            return json.loads(stripped)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
            # Often a body cut short in transit: tried once more, then reported as a PayloadError.
            raise Retryable(
                "payload",
                f"{_short(str(response.request.url))} returned a body that is not JSON "
                f"(Content-Type {clean(content_type[:100]) or 'missing'}).",
            ) from None

    def _connect_failure(self, url: str, exc: httpx.ConnectError) -> Exception:
        text = str(exc).lower()
        host = urlsplit(url).hostname or url
        if any(hint in text for hint in _DNS_HINTS):
            return ConnectionFailure(f"Cannot resolve the host {host!r} of {self.org_url} (DNS failure); check the organization URL and your network.")
        if any(hint in text for hint in _TLS_HINTS):
            return ConnectionFailure(
                f"TLS verification failed for {self.org_url}; set `ado.ca_bundle` to your corporate CA bundle "
                "or check the proxy (HTTPS_PROXY)."
            )
        return Retryable("transient", f"cannot connect to {host} ({type(exc).__name__})")

    # -- tenacity hooks -----------------------------------------------------------------------

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and exc.kind == "throttled":
            if exc.retry_after is not None:
                return max(exc.retry_after, self.throttle.remaining_pause())
            return max(min(30.0, self.max_backoff_s), self.throttle.remaining_pause())
        backoff = min(self.max_backoff_s, 2.0 ** (state.attempt_number - 1))
        # a 5xx may carry Retry-After too: never come back before it says
        return max(backoff + self._rng.uniform(0, min(1.0, backoff / 2)), self.throttle.remaining_pause())

    def _stop(self, state: RetryCallState, budget_stop: list[float]) -> bool:
        if state.attempt_number >= self.max_attempts:
            return True
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and exc.kind == "payload" and state.attempt_number >= PAYLOAD_ATTEMPTS:
            return True
        if not self.budget.fits(state.upcoming_sleep):  # the run's budget, shared by every worker and project
            budget_stop.append(state.upcoming_sleep)
            return True
        return False

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        seconds = state.upcoming_sleep
        if isinstance(exc, Retryable) and exc.kind == "throttled":
            # The shared gate sleeps before the next attempt, so every worker pauses together.
            self.throttle.pause(seconds - self.throttle.remaining_pause())
            log.info("throttled (%s); resuming in %.0f s", exc.message, seconds)
            return
        log.info("%s; retrying in %.1f s", exc, seconds)
        self.throttle.wait(seconds, "retrying")

    def _scrubbed(self, exc: FlowtuiError) -> FlowtuiError:
        """The same error with the PAT (and its Basic form) blanked out of message and detail."""
        secrets = [s for s in (self._pat, _basic(self._pat)) if s and len(s) >= 4]
        for secret in secrets:
            exc.message = exc.message.replace(secret, "***")
            if exc.detail:
                exc.detail = exc.detail.replace(secret, "***")
        exc.args = (exc.message,)
        return exc


def _resource_key(path: str) -> tuple[int, str]:
    """A route's shape without its ids/names: (segment count, last segment), e.g. (5, "states")."""
    segments = [s for s in path.split("?")[0].split("/") if s]
    return len(segments), (segments[-1].lower() if segments else "")


def _basic(pat: str) -> str:
    import base64

    return base64.b64encode(f":{pat}".encode()).decode() if pat else ""


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"
