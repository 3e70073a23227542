"""Fault knobs and server-profile settings of the simulated ADO (reference §8, §10, §2.2).

`Faults()` is a healthy cloud server. Knobs: scripted faults on the Nth request or on a route,
seeded random faults, a TSTU-style throttle (X-RateLimit-* headers near the limit, Retry-After on a
200 while delayed, then 429 TF400733), a stopped organization (503 TF24668 with a BOM body), a BOM on
every JSON body, slow responses, malformed bodies on chosen routes, an "old server" profile, the
bad-PAT response style, the server limits (WIQL cap, ids per batch, page sizes) and paging
misbehaviour: a repeated continuation token, endless empty batches with `isLastBatch: false`, an
ignored `$skip`, PR pages capped below `$top`.

Hostile waits (issue #10): `retry_after_text` sends any raw Retry-After text ("1000000000", "inf",
"-5", "soon", "Fri, 31 Dec 9999 23:59:59 GMT") on injected 429/503 and throttle answers;
`ok_retry_after` sends one on successful answers (200) too; the fault kind "hang" is a request the
server never answers: the transport holds it for `hang_s` (at most the request's own read timeout,
so it always stops by itself) and then raises httpx.ReadTimeout.

Route names (used by `FaultRule.route`, `latency_routes`, `malformed_routes`, `forbidden_routes`
and `SimulatedAdo.counts_by_route`): projects, project, repositories, workitemtypes, workitemtype,
workitemtype_states, reporting_revisions, wiql, workitemsbatch, workitems, workitem,
workitem_updates, workitem_revisions, pullrequests, pullrequest, pullrequest_threads, unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

#: Fault kinds understood by FaultRule / random_kinds.
FAULT_KINDS = ("500", "502", "503", "504", "429", "tf24668", "connect_error", "reset", "read_timeout",
               "malformed", "html", "hang")


@dataclass(slots=True)
class FaultRule:
    """Fail the `nth` request overall (1-based), or the next `count` requests to `route`.

    kind: one of FAULT_KINDS. "connect_error" raises httpx.ConnectError, "reset" raises
    httpx.RemoteProtocolError, "read_timeout" raises httpx.ReadTimeout, "malformed" answers 200
    with a truncated JSON body, "html" answers 200 text/html (a proxy or sign-in page); the others
    answer with that status and the reference's error body.
    count = -1 means every matching request. retry_after: Retry-After on 429/503, seconds or the raw
    header text (any string, sent as is). "hang" holds the request `Faults.hang_s` (capped by the
    request's read timeout), then raises httpx.ReadTimeout.
    """

    kind: str
    nth: int | None = None
    route: str | None = None
    count: int = 1
    retry_after: float | str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if (self.nth is None) == (self.route is None):
            raise ValueError("a FaultRule needs exactly one of nth= or route=")


@dataclass(slots=True)
class Faults:
    """Every knob of the simulated server. Defaults: healthy cloud server at api-version 7.1."""

    # scripted and random faults
    rules: list[FaultRule] = field(default_factory=list)
    random_rate: float = 0.0  # probability that a request gets a random fault
    random_kinds: tuple[str, ...] = ("503",)
    seed: int = 0  # seeds the random-fault RNG (draws happen per request, in request order)
    retry_after_s: float = 1.0  # Retry-After on injected 429/503 and on throttle responses
    retry_after_text: str | None = None  # raw Retry-After text sent instead of retry_after_s (any string)
    ok_retry_after: str | None = None  # raw Retry-After text on every successful answer (200)
    ok_retry_after_routes: tuple[str, ...] = ()  # limit ok_retry_after to these routes (empty = all)
    hang_s: float = 30.0  # how long a "hang" fault holds a request (capped by the request's read timeout)
    # throttling (TSTU budget in a sliding window, measured with the transport's clock)
    rate_limit: float | None = None  # TSTUs per window; None disables throttling
    window_s: float = 300.0
    request_cost: float = 1.0
    block_ratio: float = 1.5  # usage >= rate_limit * block_ratio -> 429 TF400733
    throttle_delay_s: float = 0.25  # X-RateLimit-Delay announced in delayed mode
    throttle_sleep: bool = False  # actually sleep throttle_delay_s in delayed mode
    # organization / payload faults
    org_stopped: bool = False  # every request -> 503 TF24668 with a BOM body (permanent)
    bom: bool = False  # prefix every JSON body (success and error) with a UTF-8 BOM
    malformed_routes: tuple[str, ...] = ()  # these routes answer 200 with a truncated JSON body
    forbidden_routes: tuple[str, ...] = ()  # these routes answer 401 TF400813 (PAT lacks scope)
    latency_s: float = 0.0  # added to every response (or only latency_routes when set)
    latency_routes: tuple[str, ...] = ()
    sleep: Callable[[float], None] | None = None  # injectable sleep (default time/asyncio sleep)
    # authentication: None = 401 empty when `X-TFS-FedAuthRedirect: Suppress` is sent, else 203 HTML
    bad_pat_mode: str | None = None  # "401_empty" | "203_html" | "302_signin"
    # paging misbehaviour (SPEC §5 "Paging is never trusted blindly"); the server itself stays bounded
    repeat_token_routes: tuple[str, ...] = ()  # reporting_revisions / projects: a follow-up hands back the token it got
    endless_empty_batches: bool = False  # reporting revisions: at the end, empty not-last batches with fresh tokens
    ignore_skip_routes: tuple[str, ...] = ()  # pullrequests / workitem_updates / workitem_revisions ignore $skip
    pr_page_cap: int | None = None  # PR lists return at most this many per page, whatever $top asks (e.g. 37)
    # server profile
    max_api_version: str = "7.1"
    ignore_pr_time_range: bool = False  # pre-7.1 servers ignore searchCriteria min/maxTime
    no_workitemsbatch: bool = False  # tfs-4.1 has no POST workitemsbatch (-> 404)
    states_preview_only: bool = False  # Server 2019/2020: the states route needs "-preview.1"
    wiql_max_results: int = 20_000
    max_batch_ids: int = 200
    revisions_default_page: int = 1000  # reporting revisions page size without $maxPageSize
    revisions_max_page: int = 10_000
    updates_default_page: int = 200  # per-item updates without $top (also the maximum)
    projects_default_page: int = 100
    #: the organization-level revisions stream is missing (404): clients read per-project streams
    no_org_revisions: bool = False

    def __post_init__(self) -> None:
        for kind in self.random_kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault kind {kind!r}")
        if self.bad_pat_mode not in (None, "401_empty", "203_html", "302_signin"):
            raise ValueError(f"unknown bad_pat_mode {self.bad_pat_mode!r}")
        if self.pr_page_cap is not None and self.pr_page_cap < 1:
            raise ValueError("pr_page_cap must be at least 1")

    @classmethod
    def old_server(cls, version: str = "6.0", **overrides: object) -> Faults:
        """An Azure DevOps Server profile: api-version cap, no PR time range, no workitemsbatch."""
        return replace(cls(max_api_version=version, ignore_pr_time_range=True, no_workitemsbatch=True),
                       **overrides)

    @classmethod
    def demo(cls, seed: int = 0) -> Faults:
        """The `flowtui --demo` preset: an occasional 429 with a short Retry-After (0.5 s), and PR
        pages capped at 37 (below the client's `$top=100`, as some servers do: nothing may be lost)."""
        return cls(random_rate=0.03, random_kinds=("429",), seed=seed, retry_after_s=0.5, pr_page_cap=37)
