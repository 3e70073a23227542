"""A throttle shared by every worker of one client: one Retry-After pauses them all.

ADO announces throttling with `Retry-After` (seconds or an HTTP date, on a 429 *or* on a 200 in
"delayed" mode) and warns in advance with `X-RateLimit-Remaining` / `X-RateLimit-Limit`
(reference §8). The throttle turns those headers into a shared "do not send before" instant and,
while the remaining budget is below 10 % of the limit, a minimum spacing between requests (0.25 s by
default, i.e. at most 4 requests a second across all workers) until a response says otherwise.
`throttled_seconds` is wall time: a pause several workers sit through together counts once.
Every worker calls `gate()` before it sends. Clock and sleep are injected so tests never wait.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping

#: Fraction of X-RateLimit-Limit under which requests are spaced out (SPEC §5).
LOW_BUDGET_FRACTION = 0.10


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent/garbage."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = now or datetime.now(UTC)
        return max(0.0, (when - current).total_seconds())
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return seconds


class Throttle:
    """Shared pause/spacing state for all requests of one AdoClient (thread-safe)."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        slow_interval_s: float = 0.25,
        on_wait: Callable[[float, str], None] | None = None,
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
        #: wall-clock seconds during which requests were held back by the server's throttling
        self.throttled_seconds = 0.0
        self.throttle_events = 0

    def pause(self, seconds: float) -> None:
        """Make every worker hold off for `seconds` from now (a Retry-After)."""
        if seconds <= 0:
            return
        with self._lock:
            now = self._clock()
            until = now + seconds
            if until > self._pause_until:
                self._pause_until = until
            # Count wall time once, however many workers wait through the same pause or spacing.
            self.throttled_seconds += max(0.0, until - max(self._horizon, now))
            self._horizon = max(self._horizon, until)
            self.throttle_events += 1

    def remaining_pause(self) -> float:
        """Seconds left in the current shared pause (0 when none)."""
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
        """Block until this worker may send; returns the seconds waited (also counted as throttled)."""
        with self._lock:
            now = self._clock()
            paused = max(0.0, self._pause_until - now)
            wait = paused
            if self._low_budget:
                slot = max(self._next_slot, now + paused)
                wait = max(paused, slot - now)
                self._next_slot = slot + self.slow_interval_s
                # Spacing: count only the wall time this wait adds beyond what workers already wait for.
                self.throttled_seconds += max(0.0, now + wait - max(self._horizon, now))
                self._horizon = max(self._horizon, now + wait)
        if wait > 0:
            self.wait(wait, "throttled")
        return wait

    def wait(self, seconds: float, reason: str) -> None:
        """Report then sleep `seconds` (the throttled time is counted by `pause` and `gate`)."""
        if seconds <= 0:
            return
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self._sleep(seconds)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None
