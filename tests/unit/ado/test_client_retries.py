"""AdoClient retries and shared throttling (SPEC §5), with a fake sleep so nothing waits."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from flowtui.ado import Throttle, parse_retry_after
from flowtui.errors import ThrottledError, TransientError

from .helpers import FakeTime, error_body, json_response, make_client

OK = {"count": 0, "value": []}


def scripted(*responses: httpx.Response | Exception):
    """A handler answering the scripted responses in order, then 200 OK; records the requests."""
    queue = list(responses)
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if queue:
            item = queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        return json_response(200, OK)

    return handler, calls


def test_429_with_retry_after_seconds_waits_exactly_that_and_counts_it() -> None:
    handler, calls = scripted(json_response(429, error_body("TF400733: The request has been canceled"), headers={"Retry-After": "7"}))
    fake = FakeTime()
    events: list[tuple[float, str]] = []
    client = make_client(handler, fake, on_wait=lambda s, why: events.append((s, why)))
    assert client.get("_apis/projects").data == OK
    assert len(calls) == 2
    assert fake.sleeps == [7.0]
    assert client.throttled_seconds == 7.0
    assert client.requests == 2
    assert events == [(7.0, "throttled")]


def test_retry_after_as_http_date_is_honoured() -> None:
    when = datetime.now(UTC) + timedelta(seconds=20)
    handler, calls = scripted(json_response(429, {}, headers={"Retry-After": format_datetime(when, usegmt=True)}))
    fake = FakeTime()
    client = make_client(handler, fake)
    client.get("_apis/projects")
    assert len(calls) == 2
    # the date has whole-second precision, so the wait is between 18 and 20 seconds
    assert len(fake.sleeps) == 1 and 18.0 <= fake.sleeps[0] <= 20.0


def test_parse_retry_after_forms() -> None:
    now = datetime(2026, 10, 21, 7, 27, 30, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now=now) == 30.0  # 07:28:00 - 07:27:30
    assert parse_retry_after("Wed, 21 Oct 2026 07:27:00 GMT", now=now) == 0.0  # in the past: no wait
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after("soon") == math.inf  # present but unparsable: no budget can pay for it (issue #10)
    assert parse_retry_after(None) is None


def test_retry_after_on_a_200_pauses_the_next_request() -> None:
    handler, calls = scripted(json_response(200, OK, headers={"Retry-After": "5"}))
    fake = FakeTime()
    client = make_client(handler, fake)
    client.get("_apis/projects")
    assert fake.sleeps == []  # the first answer was fine
    client.get("_apis/projects")
    assert fake.sleeps == [5.0] and len(calls) == 2
    assert client.throttled_seconds == 5.0


def test_503_burst_is_survived_with_exponential_backoff() -> None:
    handler, calls = scripted(*(json_response(503, error_body("busy")) for _ in range(3)))
    fake = FakeTime()
    client = make_client(handler, fake)
    assert client.get("_apis/projects").data == OK
    assert len(calls) == 4
    # backoff 1, 2, 4 s plus jitter of at most half the step (capped at 1 s)
    assert 1.0 <= fake.sleeps[0] <= 1.5 and 2.0 <= fake.sleeps[1] <= 3.0 and 4.0 <= fake.sleeps[2] <= 5.0


@pytest.mark.parametrize("exc", [httpx.ReadError("connection reset by peer"), httpx.ConnectError("Connection refused"),
                                 httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("peer closed")])
def test_connection_resets_and_timeouts_are_retried(exc: Exception) -> None:
    handler, calls = scripted(exc)
    client = make_client(handler)
    assert client.get("_apis/projects").data == OK
    assert len(calls) == 2


def test_persistent_503_gives_up_with_transient_error_after_the_attempt_budget() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response(503, error_body("busy"))

    fake = FakeTime()
    with pytest.raises(TransientError) as info:
        make_client(handler, fake, max_attempts=4).get("_apis/projects")
    assert len(calls) == 4 and len(fake.sleeps) == 3
    assert "dev.azure.com/contoso" in str(info.value)


def test_persistent_429_gives_up_with_throttled_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response(429, error_body("TF400733: blocked"), headers={"Retry-After": "3"})

    fake = FakeTime()
    with pytest.raises(ThrottledError):
        make_client(handler, fake, max_attempts=5).get("_apis/projects")
    assert len(calls) == 5
    assert fake.sleeps == [3.0, 3.0, 3.0, 3.0]


def test_retry_after_longer_than_the_total_cap_gives_up_without_waiting() -> None:
    handler, calls = scripted(json_response(429, {}, headers={"Retry-After": "1000"}))
    fake = FakeTime()
    with pytest.raises(ThrottledError):
        make_client(handler, fake, max_total_wait_s=600).get("_apis/projects")
    assert len(calls) == 1 and fake.sleeps == []


def test_total_wait_cap_bounds_backoff() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return json_response(502, {})

    fake = FakeTime()
    with pytest.raises(TransientError):
        make_client(handler, fake, max_attempts=100, max_total_wait_s=10).get("_apis/projects")
    # waits ~1 + ~2 + ~4 = 7..8.5 s; the next (~8 s) would pass 10 s, so 4 requests in all
    assert len(calls) == 4 and sum(fake.sleeps) <= 10


def test_one_retry_after_pauses_every_worker() -> None:
    fake = FakeTime()
    throttle = Throttle(sleep=fake.sleep, clock=fake.clock)
    throttle.observe(httpx.Headers({"Retry-After": "10"}))
    assert throttle.gate() == 10.0  # worker A
    assert throttle.gate() == 0.0  # the pause is over once the clock moved on
    throttle.pause(4)
    waits = [throttle.gate(), throttle.gate()]
    assert waits == [4.0, 0.0]
    assert throttle.throttled_seconds == 14.0


def test_low_rate_limit_budget_spaces_requests() -> None:
    fake = FakeTime()
    throttle = Throttle(sleep=fake.sleep, clock=fake.clock, slow_interval_s=1.0)
    throttle.observe(httpx.Headers({"X-RateLimit-Remaining": "9", "X-RateLimit-Limit": "100"}))  # 9 < 10 % of 100
    assert [throttle.gate(), throttle.gate(), throttle.gate()] == [0.0, 1.0, 1.0]
    throttle.observe(httpx.Headers({"X-RateLimit-Remaining": "10", "X-RateLimit-Limit": "100"}))  # exactly 10 %: fine
    assert throttle.gate() == 0.0


def test_requests_in_flight_never_exceed_max_concurrency() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return json_response(200, OK)

    client = make_client(handler, max_concurrency=2)
    threads = [threading.Thread(target=client.get, args=("_apis/projects",)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client.requests == 8
    assert state["peak"] == 2


def test_throttled_seconds_count_a_shared_pause_once_for_all_workers() -> None:
    fake = FakeTime()
    throttle = Throttle(sleep=lambda s: None, clock=fake.clock)  # workers wait "in parallel": clock does not move
    throttle.pause(6)
    assert [throttle.gate() for _ in range(4)] == [6.0, 6.0, 6.0, 6.0]  # four workers each hold 6 s
    throttle.pause(4)  # inside the current pause: adds nothing
    fake.now += 5
    throttle.pause(4)  # 1 s left, extended to 4 s from now: +3 s
    assert throttle.throttled_seconds == 9.0  # 6 + 3, not 4 × 6


def test_503_with_retry_after_waits_at_least_that_long() -> None:
    handler, calls = scripted(json_response(503, error_body("busy"), headers={"Retry-After": "9"}))
    fake = FakeTime()
    client = make_client(handler, fake)
    client.get("_apis/projects")
    assert len(calls) == 2
    assert sum(fake.sleeps) == 9.0  # backoff would be ~1 s; the server asked for 9 s


def test_close_cuts_a_throttle_wait_short() -> None:
    from flowtui.ado import AdoClient
    from flowtui.errors import AdoError

    from .helpers import ORG, PAT

    client = AdoClient(ORG, PAT, transport=httpx.MockTransport(
        lambda r: json_response(429, error_body("TF400733: blocked"), headers={"Retry-After": "30"})))  # real sleep
    outcome: list[BaseException] = []

    def worker() -> None:
        try:
            client.get("_apis/projects")
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    started = time.monotonic()
    thread.start()
    time.sleep(0.2)
    client.close()
    thread.join(timeout=5)
    assert not thread.is_alive() and time.monotonic() - started < 5  # not the 30 s the server asked for
    assert outcome and isinstance(outcome[0], AdoError)


def test_spacing_waits_of_parallel_workers_count_as_wall_time() -> None:
    fake = FakeTime()
    throttle = Throttle(sleep=lambda s: None, clock=fake.clock, slow_interval_s=1.0)  # the clock stands still
    throttle.observe(httpx.Headers({"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "200"}))
    waits = [throttle.gate() for _ in range(4)]  # four workers reserve slots 0, 1, 2, 3 s ahead
    assert waits == [0.0, 1.0, 2.0, 3.0]
    assert throttle.throttled_seconds == 3.0  # requests held back until 3 s from now: 3 s, not 1 + 2 + 3
