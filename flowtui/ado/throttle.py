"""Waits of one sync run: the shared throttle, the run's wait budget and its stop signal.

ADO announces throttling with `Retry-After` (seconds or an HTTP date, on a 429 *or* on a 200 in
"delayed" mode) and warns in advance with `X-RateLimit-Remaining` / `X-RateLimit-Limit`
(reference §8). The throttle turns those headers into a shared "do not send before" instant and,
while the remaining budget is below 10 % of the limit, a minimum spacing between requests (0.25 s by
default, i.e. at most 4 requests a second across all workers) until a response says otherwise.
`throttled_seconds` is wall time: a pause several workers sit through together counts once.
Every worker calls `gate()` before it sends. Clock and sleep are injected so tests never wait.

Every wait is bounded (SPEC §5, §11):
- `parse_retry_after` never trusts the header: a non-finite, negative, absurdly large or unparsable
  value reads as "infinitely long" (`math.inf`), which no budget can pay for.
- `WaitBudget` is the run's total wait allowance (`sync.max_wait_s`), one per run and shared by every
  worker and project: each wait (throttle pause, low-budget spacing, retry backoff) reserves its wall
  time first; a wait that does not fit raises `WaitBudgetExceeded` at once instead of sleeping, so a
  pause that project A gave up on cannot make project B sleep through it.
- Every sleep goes through the run's stop signal (`flowtui.ado.interrupt`), so a cancel ends it.
"""

from __future__ import annotations

import math
import re
import threading
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from collections.abc import Callable, Mapping

from flowtui.errors import ThrottledError

#: Fraction of X-RateLimit-Limit under which requests are spaced out (SPEC §5).
LOW_BUDGET_FRACTION = 0.10
#: Retry-After texts longer than this are not parsed (a header is a number or a 29-character date).
_MAX_HEADER_CHARS = 64
_DELTA_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date).

    None when the header is absent or blank; `math.inf` when it is present but cannot be trusted
    (unparsable, non-finite, negative, or a date too far out to compute): callers treat that as a
    wait longer than any budget. A date in the past is 0.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > _MAX_HEADER_CHARS:
        return math.inf
    if _DELTA_SECONDS.fullmatch(text):
        seconds = float(text)
        return seconds if math.isfinite(seconds) else math.inf
    try:
        when = parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    except Exception:  # noqa: BLE001 - any parse or date-arithmetic failure means "cannot be trusted"
        return math.inf
    return max(0.0, seconds) if math.isfinite(seconds) else math.inf


def describe_seconds(seconds: float) -> str:
    """`12 s`, or `an unbounded time` for the infinite waits of untrustworthy headers."""
    return f"{seconds:.0f} s" if math.isfinite(seconds) else "an unbounded time"


class WaitBudgetExceeded(ThrottledError):
    """A wait was asked for that does not fit in what is left of the run's wait budget."""


class WaitBudget:
    """The total wall time one run may spend waiting, shared by every worker (thread-safe).

    Waits that overlap in time count once: the budget is charged the part of each wait that runs
    past every wait already reserved (the same wall-time rule as `throttled_seconds`).
    """

    def __init__(self, total_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        total = float(total_s)
        self.total_s = total if total >= 0 else 0.0  # inf = unlimited; NaN or negative = no waiting at all
        self._clock = clock
        self._lock = threading.Lock()
        self._horizon = -math.inf
        self.spent_s = 0.0

    def remaining(self) -> float:
        """Seconds of waiting still allowed (counting waits already reserved as spent)."""
        with self._lock:
            return max(0.0, self.total_s - self.spent_s)

    def cost(self, seconds: float) -> float:
        """What a wait of `seconds` starting now would add to the spent wall time."""
        with self._lock:
            return self._cost_locked(seconds, self._clock())

    def fits(self, seconds: float) -> bool:
        """True when a wait of `seconds` starting now stays within the budget."""
        with self._lock:
            return self._cost_locked(seconds, self._clock()) <= self.total_s - self.spent_s + 1e-9

    def reserve(self, seconds: float, what: str) -> None:
        """Charge a wait of `seconds` starting now, or raise WaitBudgetExceeded (nothing charged)."""
        if seconds <= 0:
            return
        with self._lock:
            now = self._clock()
            cost = self._cost_locked(seconds, now)
            left = max(0.0, self.total_s - self.spent_s)
            if not cost <= left + 1e-9:
                raise self._exceeded(seconds, what, left)
            self.spent_s += cost
            self._horizon = max(self._horizon, now + seconds)

    def exceeded(self, seconds: float, what: str) -> WaitBudgetExceeded:
        """The one-sentence error for a wait of `seconds` that the budget cannot pay for."""
        return self._exceeded(seconds, what, self.remaining())

    def _exceeded(self, seconds: float, what: str, left: float) -> WaitBudgetExceeded:
        return WaitBudgetExceeded(
            f"Azure DevOps asked flowtui to wait {describe_seconds(seconds)} ({what}), more than the "
            f"{left:.0f} s left of this run's wait budget (sync.max_wait_s = {self.total_s:.0f}); gave up. "
            "Committed data is kept; run `flowtui sync` again later."
        )

    def _cost_locked(self, seconds: float, now: float) -> float:
        if not seconds > 0:
            return 0.0
        if not math.isfinite(seconds):
            return math.inf
        return max(0.0, now + seconds - max(self._horizon, now))


class Throttle:
    """Shared pause/spacing state for all requests of one AdoClient (thread-safe)."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        slow_interval_s: float = 0.25,
        on_wait: Callable[[float, str], None] | None = None,
        budget: WaitBudget | None = None,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._pause_until = 0.0
        self._low_budget = False
        self._next_slot = 0.0
        self._horizon = 0.0  # the latest instant any counted wait (pause or spacing) runs to
        self.slow_interval_s = slow_interval_s
        self.on_wait = on_wait
        #: the run's wait budget; unlimited unless given (AdoClient always gives one)
        self.budget = budget if budget is not None else WaitBudget(math.inf, clock=clock)
        #: wall-clock seconds during which requests were held back by the server's throttling
        self.throttled_seconds = 0.0
        self.throttle_events = 0

    def pause(self, seconds: float) -> None:
        """Make every worker hold off for `seconds` from now (a Retry-After; `inf` = cannot be paid)."""
        if not seconds > 0:
            return
        with self._lock:
            now = self._clock()
            until = now + seconds
            if until > self._pause_until:
                self._pause_until = until
            self.throttle_events += 1
            if until - now > self.budget.remaining():
                return  # never waited (the next gate gives up): not counted as throttled time
            # Count wall time once, however many workers wait through the same pause or spacing.
            self.throttled_seconds += max(0.0, until - max(self._horizon, now))
            self._horizon = max(self._horizon, until)

    def remaining_pause(self) -> float:
        """Seconds left in the current shared pause (0 when none; `inf` for an untrustworthy one)."""
        with self._lock:
            return max(0.0, self._pause_until - self._clock())

    def observe(self, headers: Mapping[str, str]) -> None:
        """Update the spacing from a response's X-RateLimit-* and Retry-After headers."""
        retry_after = parse_retry_after(headers.get("retry-after"))
        if retry_after:
            self.pause(retry_after)
        remaining = _number(headers.get("x-ratelimit-remaining"))
        limit = _number(headers.get("x-ratelimit-limit"))
        with self._lock:
            if remaining is None or limit is None or limit <= 0:
                self._low_budget = False
            else:
                self._low_budget = remaining < LOW_BUDGET_FRACTION * limit

    @property
    def low_budget(self) -> bool:
        """True while the last response said less than 10 % of the rate budget is left."""
        return self._low_budget

    def gate(self) -> float:
        """Block until this worker may send; returns the seconds waited (also counted as throttled).

        Raises WaitBudgetExceeded, without waiting, when the shared pause runs past the run's budget.
        """
        with self._lock:
            now = self._clock()
            paused = max(0.0, self._pause_until - now)
            wait = paused
            if paused > 0:
                self.budget.reserve(paused, "a Retry-After pause")
            if self._low_budget:
                slot = max(self._next_slot, now + paused)
                wait = max(paused, slot - now)
                self.budget.reserve(wait, "spacing requests while the rate limit is nearly used up")
                self._next_slot = slot + self.slow_interval_s
                # Spacing: count only the wall time this wait adds beyond what workers already wait for.
                self.throttled_seconds += max(0.0, now + wait - max(self._horizon, now))
                self._horizon = max(self._horizon, now + wait)
        if wait > 0:
            self._report_and_sleep(wait, "throttled")
        return wait

    def wait(self, seconds: float, reason: str) -> None:
        """Reserve `seconds` from the run's budget (or raise WaitBudgetExceeded), report, then sleep."""
        if not seconds > 0:
            return
        self.budget.reserve(seconds, "a retry backoff" if reason == "retrying" else reason)
        self._report_and_sleep(seconds, reason)

    def _report_and_sleep(self, seconds: float, reason: str) -> None:
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self._sleep(seconds)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
