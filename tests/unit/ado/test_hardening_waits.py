"""Issue #10, family "waits": every wait is bounded by one budget per run, and a cancel interrupts it.

Driven through the real AdoClient (httpx.MockTransport or the simulated ADO) and the real `run_sync`.
Fake sleep/clock wherever the test is about the budget (so nothing waits); real sleep and
`time.monotonic` where the test is about how fast a cancel lands (generous margins).
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowtui.ado import AdoClient, WaitBudget, WaitBudgetExceeded, parse_retry_after
from flowtui.demo.faults import FaultRule, Faults
from flowtui.demo.generator import generate_org
from flowtui.demo.transport import SimulatedAdo
from flowtui.errors import AdoError, SyncCancelled, ThrottledError, TransientError
from flowtui.store import open_store
from flowtui.sync import run_sync
from flowtui.sync.progress import STAGE_THROTTLED, SyncProgress

from flowtui.config import Settings, load_settings

from .helpers import ORG, PAT, FakeTime, error_body, json_response, make_client

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
OK = {"count": 0, "value": []}
#: Retry-After values no budget can pay for: absurd, non-finite, negative, unparsable, far-future dates.
BAD_RETRY_AFTER = [
    "1000000000",
    "inf",
    "-inf",
    "nan",
    "-5",
    "soon",
    "1e9",
    "9" * 40,  # 1e40 seconds: finite, absurd
    "9" * 400,  # too long to be a header value
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sat, 01 Jan 10000 00:00:00 GMT",  # not a representable date
    "Wed, 21 Oct 2026 25:61:00 GMT",
]
#: a cancel must land within this many seconds (the brief says "about one second")
CANCEL_BOUND_S = 2.0


def make_settings(tmp_path: Path, org_url: str, projects: list[str], **values: Any) -> Settings:
    """Settings from flags only (no config file, no environment); `sync__max_wait_s=10` sets sync.max_wait_s."""
    flags: dict[str, Any] = {"ado.org_url": org_url, "ado.projects": projects}
    flags.update({k.replace("__", "."): v for k, v in values.items()})
    return load_settings(config=tmp_path / "absent.toml", db=tmp_path / "store.sqlite", flags=flags, env={})


def throttled(raw: str) -> httpx.Response:
    return json_response(429, error_body("TF400733: The request has been canceled"), headers={"Retry-After": raw})


# ---- parsing --------------------------------------------------------------------------------


def test_retry_after_parsing_never_raises_and_distrusts_bad_values() -> None:
    now = datetime(2026, 10, 21, 7, 27, 30, tzinfo=UTC)
    assert parse_retry_after("12", now=now) == 12.0
    assert parse_retry_after(" 2.5 ", now=now) == 2.5
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now=now) == 0.0  # in the past
    assert parse_retry_after(None) is None and parse_retry_after("  ") is None  # absent: no wait asked
    # year 9999 is a real date: 7,973 years and a bit ahead, finite but far beyond any budget
    far = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now=now)
    assert far is not None and 7973 * 365 * 86400 < far < 7975 * 366 * 86400
    for raw in ("inf", "-inf", "nan", "-5", "soon", "1e9", "9" * 400, "Sat, 01 Jan 10000 00:00:00 GMT",
                "1_000", "0x10", "+5"):
        assert parse_retry_after(raw, now=now) == math.inf, raw


def test_wait_budget_counts_overlapping_waits_once() -> None:
    fake = FakeTime()
    budget = WaitBudget(10, clock=fake.clock)
    budget.reserve(6, "a")  # [0, 6]: 6 s
    budget.reserve(6, "b")  # another worker, same instant: already covered
    assert budget.spent_s == 6
    fake.now += 3
    budget.reserve(6, "c")  # [3, 9]: adds 3 s past 6
    assert budget.spent_s == 9
    budget.reserve(5, "d")  # [3, 8]: inside what is reserved
    assert budget.spent_s == 9 and budget.remaining() == 1
    with pytest.raises(WaitBudgetExceeded) as info:
        budget.reserve(8, "e")  # [3, 11]: would add 2 s, only 1 s is left
    assert budget.spent_s == 9  # nothing charged for a refused wait
    assert "1 s left" in info.value.message and "sync.max_wait_s = 10" in info.value.message
    with pytest.raises(WaitBudgetExceeded):
        budget.reserve(math.inf, "f")


# ---- the client -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", BAD_RETRY_AFTER)
def test_bad_retry_after_on_429_gives_up_at_once_with_one_sentence(raw: str) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return throttled(raw)

    fake = FakeTime()
    client = make_client(handler, fake, max_total_wait_s=600)
    with pytest.raises(ThrottledError) as info:
        client.get("_apis/projects")
    assert len(calls) == 1 and fake.sleeps == []  # neither slept nor retried early
    message = str(info.value)
    assert "wait budget" in message and "\n" not in message and PAT not in message
    assert client.throttled_seconds == 0.0  # a pause nobody could wait is not reported as waited


@pytest.mark.parametrize("raw", BAD_RETRY_AFTER)
def test_bad_retry_after_on_200_keeps_the_answer_and_stops_before_the_next_request(raw: str) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response(200, OK, headers={"Retry-After": raw})

    fake = FakeTime()
    client = make_client(handler, fake)
    assert client.get("_apis/projects").data == OK  # the data that came with it is good
    with pytest.raises(ThrottledError) as info:
        client.get("_apis/projects")
    assert len(calls) == 1 and fake.sleeps == []
    assert "wait budget" in str(info.value)


def test_the_budget_is_shared_by_every_request_of_the_client() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return throttled("60") if len(calls) in (1, 3) else json_response(200, OK)

    fake = FakeTime()
    client = make_client(handler, fake, max_total_wait_s=100)
    client.get("_apis/projects")  # 429 Retry-After 60 → waits 60 s of the 100 s
    assert fake.sleeps == [60.0]
    with pytest.raises(ThrottledError):
        client.get("_apis/projects")  # 429 Retry-After 60 again: only 40 s are left
    assert fake.sleeps == [60.0] and len(calls) == 3


def test_5xx_backoff_draws_from_the_same_budget() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(503, error_body("busy"))

    fake = FakeTime()
    client = make_client(handler, fake, max_attempts=50, max_total_wait_s=20)
    with pytest.raises(TransientError):
        client.get("_apis/projects")
    # backoffs 1, 2, 4, 8 (+ jitter ≤ 0.5, 1, 1, 1) = 15..18.5 s; the next (≥ 16 s) would pass 20 s
    assert len(fake.sleeps) == 4 and sum(fake.sleeps) <= 20


def _run_and_cancel(call: Any, stop: Any, after_s: float = 0.3) -> tuple[BaseException | None, float]:
    """Run `call()` in a thread, call `stop()` after `after_s`; returns (its exception, seconds from stop to end)."""
    outcome: list[BaseException] = []

    def worker() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    time.sleep(after_s)
    stopped = time.monotonic()
    stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    return (outcome[0] if outcome else None), time.monotonic() - stopped


def test_cancel_interrupts_a_throttle_wait_within_a_second() -> None:
    flag = threading.Event()
    client = AdoClient(ORG, PAT, transport=httpx.MockTransport(lambda r: throttled("30")), cancel=flag.is_set)
    error, took = _run_and_cancel(lambda: client.get("_apis/projects"), flag.set)
    assert isinstance(error, SyncCancelled) and took < CANCEL_BOUND_S


def test_cancel_interrupts_a_retry_backoff_within_a_second() -> None:
    flag = threading.Event()
    client = AdoClient(ORG, PAT, transport=httpx.MockTransport(lambda r: json_response(503, error_body("busy"))),
                       cancel=flag.is_set, max_backoff_s=30)
    # let the backoff grow to 8 s and more: 1 + 2 + 4 s of real waiting would pass 6 s
    error, took = _run_and_cancel(lambda: client.get("_apis/projects"), flag.set, after_s=1.5)
    assert isinstance(error, SyncCancelled) and took < CANCEL_BOUND_S


@pytest.mark.parametrize("how", ["cancel", "close"])
def test_cancel_or_close_abandons_a_hanging_request_within_a_second(how: str) -> None:
    org = generate_org(seed=7, size="tiny", now=NOW)
    sim = SimulatedAdo(org, faults=Faults(rules=[FaultRule("hang", route="projects", count=-1)], hang_s=20))
    flag = threading.Event()
    client = AdoClient(sim.base_url, sim.pat, transport=sim.transport, cancel=flag.is_set, timeout_s=30)
    error, took = _run_and_cancel(lambda: client.get("_apis/projects"), flag.set if how == "cancel" else client.close)
    assert took < CANCEL_BOUND_S  # not the 20 s the server holds the request
    assert isinstance(error, SyncCancelled if how == "cancel" else AdoError)
    assert sim.request_count == 1


def test_a_request_that_never_completes_times_out_in_total(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtui.ado import client as client_module

    monkeypatch.setattr(client_module, "TOTAL_TIMEOUT_FACTOR", 0.5)  # 0.5 × timeout_s 1 s = 0.5 s in all
    release = threading.Event()

    def dripping(request: httpx.Request) -> httpx.Response:
        release.wait(10)  # a server that keeps the exchange going past every per-read timeout
        return json_response(200, OK)

    client = AdoClient(ORG, PAT, transport=httpx.MockTransport(dripping), timeout_s=1, max_attempts=1)
    started = time.monotonic()
    with pytest.raises(TransientError) as info:
        client.get("_apis/projects")
    release.set()
    assert time.monotonic() - started < 3.0
    assert "timed out" in str(info.value)


# ---- run_sync: one budget per run, across projects ----------------------------------------------


class PerProject429(httpx.BaseTransport):
    """The simulated ADO, except that each project's first revisions request gets a 429 with `raw`."""

    def __init__(self, sim: SimulatedAdo, raw: dict[str, str]) -> None:
        self.sim, self.raw, self.hit = sim, dict(raw), {name: 0 for name in raw}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = httpx.URL(str(request.url)).path
        for name, raw in self.raw.items():
            if f"/{name}/_apis/wit/reporting/workitemrevisions" in path:
                self.hit[name] += 1
                if self.hit[name] == 1:
                    return throttled(raw)
        return self.sim.transport.handle_request(request)


def _sim(faults: Faults | None = None) -> SimulatedAdo:
    return SimulatedAdo(generate_org(seed=7, size="tiny", now=NOW), faults=faults)


def _sync(tmp_path: Path, sim: SimulatedAdo, transport: httpx.BaseTransport, fake: FakeTime | None, **settings: Any):
    names = [p.name for p in sim.org.projects]
    cfg = make_settings(tmp_path, sim.base_url, names, **settings)
    kwargs: dict[str, Any] = {"sleep": fake.sleep, "clock": fake.clock} if fake else {}
    store = open_store(cfg.db_path)
    started = time.monotonic()
    try:
        summary = run_sync(cfg, store, pat=sim.pat, transport=transport, now=sim.org.now, **kwargs)
        return summary, store.sync_runs(1)[0].status, store.count_work_items(), time.monotonic() - started, names
    finally:
        store.close()


def test_the_budget_is_one_per_run_across_projects(tmp_path: Path) -> None:
    sim = _sim(Faults(no_org_revisions=True))  # per-project streams: one 429 per project
    names = [p.name for p in sim.org.projects]
    assert len(names) == 2
    fake = FakeTime()
    transport = PerProject429(sim, {names[0]: "6", names[1]: "6"})
    # (no PR threads stage: B's unpaid 429 pause would rightly stop A's thread requests too)
    summary, status, _, _, _ = _sync(tmp_path, sim, transport, fake, sync__max_wait_s=10, sync__pr_threads_days=0)
    # project A waits its 6 s; project B's 6 s no longer fit in the 4 s left of the run's 10 s
    assert fake.sleeps == [6.0]
    assert summary.projects[names[0]].status == "success"
    assert summary.projects[names[1]].status == "failed"
    assert "wait budget" in (summary.projects[names[1]].error or "")
    assert summary.status == "failed" and status == "failed"


def test_a_pause_one_project_gave_up_on_does_not_make_the_next_sleep(tmp_path: Path) -> None:
    sim = _sim(Faults(no_org_revisions=True))  # per-project streams: one 429 per project
    names = [p.name for p in sim.org.projects]
    fake = FakeTime()
    transport = PerProject429(sim, {names[0]: "1000"})  # more than the 600 s budget
    summary, status, _, took, _ = _sync(tmp_path, sim, transport, fake)
    assert fake.sleeps == []  # nobody slept through the 1000 s pause
    assert summary.projects[names[0]].status == "failed"
    b = summary.projects[names[1]]
    assert b.status == "failed" and "wait budget" in (b.error or "")
    assert b.requests == 0  # B did not send into a server that asked for silence
    assert status == "failed" and took < 20


@pytest.mark.parametrize("raw", ["1000000000", "inf", "-5", "soon", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_run_with_bad_retry_after_on_429_fails_within_the_budget(tmp_path: Path, raw: str) -> None:
    sim = _sim(Faults(rules=[FaultRule("429", route="reporting_revisions", count=-1)], retry_after_text=raw))
    fake = FakeTime()
    summary, status, _, took, names = _sync(tmp_path, sim, sim.transport, fake)
    assert fake.sleeps == [] and took < 20
    assert summary.status == "failed" and status == "failed"
    assert all(summary.projects[n].status == "failed" for n in names)
    assert "wait budget" in (summary.first_error or "") and "\n" not in (summary.first_error or "")


@pytest.mark.parametrize("raw", ["1000000000", "inf", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_run_with_bad_retry_after_on_200_keeps_the_committed_pages(tmp_path: Path, raw: str) -> None:
    sim = _sim(Faults(ok_retry_after=raw, ok_retry_after_routes=("reporting_revisions",)))
    fake = FakeTime()
    summary, status, items, took, _ = _sync(tmp_path, sim, sim.transport, fake)
    assert fake.sleeps == [] and took < 20
    assert summary.status == "failed" and status == "failed"
    assert "wait budget" in (summary.first_error or "")
    assert items > 0  # the revisions page that came with the header is stored


def test_cancel_during_a_long_throttle_wait_keeps_committed_pages(tmp_path: Path) -> None:
    sim = _sim(Faults(no_org_revisions=True))  # per-project streams: one 429 per project
    names = [p.name for p in sim.org.projects]
    transport = PerProject429(sim, {names[1]: "30"})  # the second project is told to wait 30 s
    cfg = make_settings(tmp_path, sim.base_url, names)
    flag = threading.Event()
    marks: dict[str, float] = {}

    def progress(event: SyncProgress) -> None:
        if event.stage == STAGE_THROTTLED and "cancel" not in marks:
            marks["cancel"] = time.monotonic()
            threading.Timer(0.2, flag.set).start()

    with open_store(cfg.db_path) as store:
        summary = run_sync(cfg, store, pat=sim.pat, transport=transport, now=sim.org.now,
                           progress=progress, cancel=flag.is_set)
        took = time.monotonic() - marks["cancel"]
        assert summary.status == "cancelled" and store.sync_runs(1)[0].status == "cancelled"
        assert summary.projects[names[0]].status == "success"
        assert store.count_work_items() > 0  # the first project's pages stay
    assert took < 0.2 + CANCEL_BOUND_S  # not the 30 s the server asked for
