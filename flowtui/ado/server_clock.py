"""The server's clock, read from the `Date` header of its responses (reference §1.5, RFC 9110 §6.6.1).

Watermarks and windows ("PRs closed since", "threads of PRs closed in the last N days") must come
from the server, not from a laptop clock that may be days off. Every response carries `Date`
(second precision); the newest one seen is the server's "now" as far as the sync is concerned. It
never moves backwards, and a malformed or missing header is ignored (the data's own timestamps are
the fallback the sync uses then).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Dates outside this range are not a server clock (a proxy's placeholder, a broken header).
_MIN_YEAR, _MAX_YEAR = 2000, 2200


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header value as an aware UTC datetime, or None when it is not a valid date."""
    if not value or len(value) > 64:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or not _MIN_YEAR <= parsed.year <= _MAX_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class ServerClock:
    """The newest `Date` the server sent (thread-safe; shared by the client's workers)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: datetime | None = None

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take the `Date` header of one response into account."""
        when = parse_http_date(headers.get("date"))
        if when is None:
            return
        with self._lock:
            if self._latest is None or when > self._latest:
                self._latest = when

    def now(self) -> datetime | None:
        """The server's time as of its latest response (None before any dated response)."""
        with self._lock:
            return self._latest
