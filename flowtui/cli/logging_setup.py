"""Logging for the command line: quiet by default, flowtui's own loggers with --verbose, HTTP and SQL with --debug.

One stderr handler on the root logger prints WARNING and above from everyone. `--verbose` lowers
flowtui's own loggers (`flowtui.*`) to DEBUG; third-party loggers stay at WARNING. `--debug` also
lowers the HTTP (httpx, httpcore) and SQL (peewee) loggers. Every record passes the redacting
filter first, so neither an `Authorization` header nor the PAT (raw or base64) can reach stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from flowtui.redact import RedactingFilter

#: Loggers that --debug adds on top of flowtui's own.
DEBUG_LOGGERS = ("httpx", "httpcore", "peewee")
FORMAT = "%(levelname)s %(name)s: %(message)s"


def remove_logging(handler: logging.Handler) -> None:
    """Take the handler away again and restore the default levels (main() calls this on the way out)."""
    logging.getLogger().removeHandler(handler)
    for name in ("flowtui", *DEBUG_LOGGERS):
        logging.getLogger(name).setLevel(logging.NOTSET)


def configure_logging(*, verbose: bool = False, debug: bool = False, stream: TextIO | None = None) -> logging.Handler:
    """Install the one stderr handler (replacing any earlier one of ours) and set the levels; returns it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_flowtui", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._flowtui = True  # type: ignore[attr-defined]  # marks the handler this module owns
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    handler.setLevel(logging.DEBUG)
    root.addHandler(handler)  # the root keeps its level (WARNING unless someone changed it)
    logging.getLogger("flowtui").setLevel(logging.DEBUG if (verbose or debug) else logging.NOTSET)
    for name in DEBUG_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.NOTSET)
    return handler


__all__ = ["DEBUG_LOGGERS", "configure_logging", "remove_logging"]
