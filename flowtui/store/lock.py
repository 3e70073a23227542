"""One writer per store: an OS-level lock on `<db>.lock` held for the whole of a sync run.

The lock is `fcntl.flock` on POSIX and `msvcrt.locking` on Windows. Both belong to the open file,
so the operating system drops the lock when the holder exits for any reason — a SIGKILL or a power
loss never leaves a stale lock behind, and there is no timeout to guess. The lock file itself is
never deleted (deleting a lock file that another process is about to lock is a race); it holds one
JSON line describing the current holder (pid, host, since when, command), written after the lock
is taken and cleared when it is released, only so that a refused writer can say who holds the store.

Readers (metrics, the TUI's views, exports) never take this lock: SQLite's WAL mode lets them read
while a sync writes.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import datetime
from pathlib import Path
from typing import IO

from flowtui.errors import StoreError
from flowtui.timeutil import utc_now

#: The holder line is read back at most this long (a larger file is not ours to trust).
MAX_INFO_BYTES = 4096
#: Commands are shown at most this long in the holder line.
MAX_COMMAND_CHARS = 200
#: Windows locks a byte range and forbids others to read it: lock one byte far past the holder line.
_WINDOWS_LOCK_OFFSET = 1 << 20


def lock_path(db_path: Path) -> Path:
    """The lock file beside the store: `<db>.lock`."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


def current_command(argv: list[str] | None = None) -> str:
    """This process's command line as a short printable string (`flowtui sync --demo`)."""
    argv = list(sys.argv if argv is None else argv)
    name = Path(argv[0]).name if argv else "flowtui"
    if name in ("__main__.py", "-m", "-c") or name.startswith("python"):
        name = "flowtui"
    return _printable(" ".join([name, *argv[1:]]))[:MAX_COMMAND_CHARS]


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


class WriterLock:
    """The held writer lock of one store; `release()` (idempotent) gives it up."""

    def __init__(self, path: Path, handle: IO[bytes]) -> None:
        self.path = path
        self._handle: IO[bytes] | None = handle

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        """Clear the holder line and unlock (closing the file would unlock too)."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.flush()
        except OSError:
            pass  # the holder line is only a hint; the lock is what matters
        try:
            _unlock(handle)
        finally:
            handle.close()


def acquire_writer_lock(db_path: Path, command: str | None = None) -> WriterLock:
    """Take the store's writer lock without waiting, or raise StoreError naming the holder.

    `command` describes this writer for a refused one (default: this process's command line).
    """
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(f"The lock file {path} cannot be opened ({exc.strerror}); "
                         "check that the store's directory is writable.") from None
    handle = os.fdopen(fd, "r+b", buffering=0)
    try:
        locked = _try_lock(handle)
    except OSError as exc:
        handle.close()
        raise StoreError(f"The lock file {path} cannot be locked ({exc.strerror}).") from None
    if not locked:
        holder = describe_holder(path)
        handle.close()
        raise busy_error(Path(db_path), holder)
    info = holder_info(command)
    try:
        handle.seek(0)
        handle.truncate()
        handle.write((json.dumps(info, ensure_ascii=True) + "\n").encode("ascii"))
        handle.flush()
    except OSError:
        pass  # a full disk must not stop the lock from working; the holder line is only a hint
    return WriterLock(path, handle)


def holder_info(command: str | None = None) -> dict[str, object]:
    """Who takes the writer lock (this process): pid, host, since (ISO UTC) and command; both
    engines record it where a refused writer can read it back (`holder_text`)."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": utc_now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "command": command if command is not None else current_command(),
    }


def busy_error(store: object, holder: str) -> StoreError:
    """The refusal a second writer gets, naming the store and the holder (`holder_text`)."""
    return StoreError(
        f"The store {store} is being synced by another flowtui process ({holder}); "
        "wait for that sync to finish or stop it, then try again."
    )


def describe_holder(path: Path) -> str:
    """'pid 123 on host, since 2026-12-04 04:20:11 UTC: flowtui sync' from the lock file, as data."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_INFO_BYTES)
        info = json.loads(raw.decode("utf-8", "replace") or "null")
    except (OSError, ValueError):
        info = None
    return holder_text(info)


def holder_text(info: object) -> str:
    """The holder line from recorded `holder_info` (any values: they are data, made printable)."""
    if not isinstance(info, dict):
        return "its details are not available yet"
    pid = info.get("pid")
    host = _printable(str(info.get("host", "?")))[:100]
    command = _printable(str(info.get("command", "")))[:MAX_COMMAND_CHARS]
    since = _since(info.get("since"))
    text = f"pid {pid if isinstance(pid, int) else '?'} on {host}"
    if since:
        text += f", since {since}"
    if command:
        text += f": {command}"
    return text


def _since(value: object) -> str:
    if not isinstance(value, str):
        return ""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            handle.seek(0)
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import errno
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def _unlock(handle: IO[bytes]) -> None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        except OSError:
            pass


__all__ = ["WriterLock", "acquire_writer_lock", "current_command", "describe_holder", "lock_path"]
