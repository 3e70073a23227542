"""Logging for the command line and the TUI: a rotating log file, and stderr for what the flags ask.

Two handlers on the root logger, both behind the redacting filter (neither an `Authorization`
header nor the PAT, raw or base64, can reach them):

- **stderr** prints WARNING and above from everyone. `--verbose` adds flowtui's own loggers
  (`flowtui.*`) down to DEBUG; `--debug` also lowers the HTTP (httpx, httpcore) and SQL (peewee)
  loggers. The TUI takes this handler away while it owns the terminal (`tui_owns_terminal`).
- **the log file** (`paths.log_file_path()`: `flowtui.log` in the user log directory, e.g.
  `~/.local/state/flowtui/log/` on Linux) keeps flowtui's own INFO and above (sync runs, warnings,
  failures with their tracebacks) and WARNING and above from the libraries, whatever the flags say.
  It rotates at `LOG_MAX_BYTES` and keeps `LOG_BACKUPS` old files, so it never holds more than
  about 4 MB; every file is created with mode 0600 in a 0700 directory. Several flowtui processes
  may append to it at once; a rotation racing another process can lose a few lines, never the run.
  A log file that cannot be opened costs one warning on stderr, never the command.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from flowtui import paths
from flowtui.redact import RedactingFilter
from flowtui.text import clean

#: Loggers that --debug adds on top of flowtui's own.
DEBUG_LOGGERS = ("httpx", "httpcore", "peewee")
FORMAT = "%(levelname)s %(name)s: %(message)s"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s [pid %(process)d %(threadName)s]: %(message)s"
#: The log file rotates past this size and keeps this many old files (flowtui.log.1 … .3).
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
#: `log.error(..., extra={FILE_ONLY: True})`: for the log file only (the CLI has already printed the sentence).
FILE_ONLY = "flowtui_file_only"
_STDERR, _FILE = "stderr", "file"


def _ours(name: str) -> bool:
    return name == "flowtui" or name.startswith("flowtui.")


class _StderrGate(logging.Filter):
    """WARNING and above from everyone; flowtui's own below that with --verbose, the HTTP/SQL loggers with --debug."""

    def __init__(self, verbose: bool, debug: bool) -> None:
        super().__init__()
        self.verbose = verbose or debug
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, FILE_ONLY, False):
            return False
        if record.levelno >= logging.WARNING:
            return True
        if _ours(record.name):
            return self.verbose
        return self.debug and record.name.split(".")[0] in DEBUG_LOGGERS


class _FileGate(logging.Filter):
    """flowtui's own INFO and above; WARNING and above from everyone else (the flags do not change it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= (logging.INFO if _ours(record.name) else logging.WARNING)


class _CleanFormatter(logging.Formatter):
    """The file holds no control characters (a `cat` of the log cannot drive the terminal)."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record), multiline=True)


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files (the current one and each new one after a rotation) are mode 0600."""

    def _open(self):  # noqa: ANN202 - the stream, as logging.FileHandler returns it
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.chmod(self.baseFilename, 0o600)  # an older file may have been created looser
        except OSError:
            pass
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def open_log_file(path: Path | None = None) -> logging.Handler | None:
    """The rotating log file handler (created with its 0700 directory); None, after one warning on
    stderr, when it cannot be opened."""
    path = path or paths.log_file_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = PrivateRotatingFileHandler(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS,
                                             encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        print(f"flowtui: warning: the log file {path} cannot be written ({exc.strerror}); "
              "continuing without it.", file=sys.stderr)
        return None
    handler._flowtui = _FILE  # type: ignore[attr-defined]  # marks the handlers this module owns
    handler.setFormatter(_CleanFormatter(FILE_FORMAT))
    handler.addFilter(_FileGate())
    handler.addFilter(RedactingFilter())
    handler.setLevel(logging.INFO)
    return handler


def _remove_ours(root: logging.Logger) -> None:
    for old in [h for h in root.handlers if getattr(h, "_flowtui", False)]:
        root.removeHandler(old)
        if getattr(old, "_flowtui", None) == _FILE:
            old.close()


def remove_logging(handler: logging.Handler | None = None) -> None:
    """Take our handlers (stderr and the log file) away again and restore the default levels
    (main() calls this on the way out)."""
    root = logging.getLogger()
    if handler is not None:
        root.removeHandler(handler)
    _remove_ours(root)
    for name in ("flowtui", *DEBUG_LOGGERS):
        logging.getLogger(name).setLevel(logging.NOTSET)


def configure_logging(*, verbose: bool = False, debug: bool = False, stream: TextIO | None = None,
                      log_file: bool = True) -> logging.Handler:
    """Install the stderr handler and (with `log_file`) the log file, replacing earlier ones of ours,
    and set the levels; returns the stderr handler."""
    root = logging.getLogger()
    _remove_ours(root)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._flowtui = _STDERR  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_StderrGate(verbose, debug))
    handler.addFilter(RedactingFilter())
    handler.setLevel(logging.DEBUG)
    root.addHandler(handler)  # the root keeps its level (WARNING unless someone changed it)
    file_handler = open_log_file() if log_file else None
    if file_handler is not None:
        root.addHandler(file_handler)
    # flowtui's INFO records are made for the log file; the stderr gate keeps them off the terminal.
    own_level = logging.DEBUG if (verbose or debug) else (logging.INFO if file_handler else logging.NOTSET)
    logging.getLogger("flowtui").setLevel(own_level)
    for name in DEBUG_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.NOTSET)
    return handler


@contextmanager
def tui_owns_terminal() -> Iterator[None]:
    """While the TUI runs: records go to the log file only, since a line on stderr would tear the screen."""
    root = logging.getLogger()
    saved = root.handlers[:]
    files = [h for h in saved if getattr(h, "_flowtui", None) == _FILE]
    root.handlers = files or [logging.NullHandler()]
    try:
        yield
    finally:
        root.handlers = saved


__all__ = [
    "DEBUG_LOGGERS", "FILE_ONLY", "LOG_BACKUPS", "LOG_MAX_BYTES", "PrivateRotatingFileHandler",
    "configure_logging", "open_log_file", "remove_logging", "tui_owns_terminal",
]
