"""The stop signal of one sync run: every wait and every request in flight ends within `POLL_S`.

`Interrupt` is raised by `set()` (closing the client) or by the caller's cancel callback, which is
polled, so neither the TUI's `x` nor Ctrl+C has to wait for a page, a throttle pause, a retry
backoff or a server that never answers. `call` runs one blocking exchange in a short-lived daemon
thread while the calling worker polls the signal and a total deadline; an abandoned exchange ends by
itself at its own timeout and its result is dropped.
"""

from __future__ import annotations

import threading
import time
from typing import TypeVar
from collections.abc import Callable

from flowtui.errors import AdoError, FlowtuiError, SyncCancelled

#: A waiting thread looks at the stop signal at least this often (seconds).
POLL_S = 0.1
T = TypeVar("T")


class Interrupt:
    """One run's stop signal: set by `set()` or by the caller's cancel callback (polled)."""

    def __init__(self, check: Callable[[], bool] | None = None, *, closed_message: str = "The sync stopped.") -> None:
        self._event = threading.Event()
        self._check = check
        self._closed_message = closed_message
        self.cancelled = False  # True when the caller's callback (not a close) raised the signal

    def set(self) -> None:
        """Stop every wait and request of the run."""
        self._event.set()

    def is_set(self) -> bool:
        """True once the run was stopped (polls the cancel callback)."""
        if self._event.is_set():
            return True
        if self._check is not None:
            try:
                stop = bool(self._check())
            except Exception:  # noqa: BLE001 - a broken callback must not hide a stop request
                stop = True
            if stop:
                self.cancelled = True
                self._event.set()
                return True
        return False

    def error(self) -> FlowtuiError:
        """SyncCancelled after a cancel; otherwise the client was closed (an AdoError)."""
        if self.cancelled:
            return SyncCancelled("Sync cancelled; every page committed so far is kept.")
        return AdoError(self._closed_message)

    def raise_if_set(self) -> None:
        """Raise `error()` once the run was stopped."""
        if self.is_set():
            raise self.error()

    def sleep(self, seconds: float, injected: Callable[[float], None] | None = None) -> None:
        """Sleep `seconds` (finite), polling the signal; raises `error()` when it was cut short.

        `injected` replaces the real sleep (tests); the signal is then checked once afterwards.
        """
        if injected is not None:
            injected(seconds)
        else:
            deadline = time.monotonic() + max(0.0, seconds)
            while not self.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._event.wait(min(left, POLL_S))
        self.raise_if_set()

    def call(self, fn: Callable[[], T], *, deadline_s: float, on_deadline: Callable[[], BaseException]) -> T:
        """`fn()` in a daemon thread; raises `error()` on a stop, `on_deadline()` after `deadline_s`."""
        outcome: list[object] = []
        done = threading.Event()

        def run() -> None:
            try:
                outcome.append(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting worker
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=run, name="flowtui-http", daemon=True).start()
        deadline = time.monotonic() + deadline_s
        while not done.wait(POLL_S):
            self.raise_if_set()  # the abandoned exchange ends by itself at its own timeout
            if time.monotonic() > deadline:
                raise on_deadline()
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result  # type: ignore[return-value]
