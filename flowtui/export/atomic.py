"""Writing a set of export files so that they appear complete or not at all.

The export directory rule (SPEC §8, §11):

* DIR may not exist yet: it is created (with its parents).
* DIR may exist and be empty, or hold only files flowtui writes (the ten export file names, plus
  temporaries `.flowtui-export-*.tmp` left by a killed export): a re-export overwrites them.
* DIR holding anything else (another file, a sub-directory, a symlink, a hidden file) is refused
  with a UsageError (exit 2) naming the directory and the first few foreign entries — flowtui never
  mixes its files with someone else's, and never deletes what it did not write. Nothing is written.
* DIR that cannot be created or written (it is a file, its parent is a file, permissions, a
  read-only file system, a full disk) is an ExportError (exit 1); nothing half-written remains.

Every file is first written under a temporary name inside DIR (same file system, so the rename is
atomic), flushed and fsynced; only when all of them were written are they renamed into place, one
`os.replace` each, and the directory is fsynced. On any failure the temporaries are removed. A crash
between two renames (power loss) can leave a mix of new and previous complete files, never a
truncated one. Stale temporaries of a killed export are tolerated but not deleted, because a
concurrent export into the same directory may own them.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from flowtui.errors import ExportError, UsageError

TEMP_PREFIX = ".flowtui-export-"
_TEMP_RE = re.compile(r"^\.flowtui-export-[0-9a-f]{8}-[A-Za-z_]+\.(csv|json)\.tmp$")
_FOREIGN_SHOWN = 5


@dataclass(frozen=True)
class FileSpec:
    """One file of an export: its name in DIR and the function that writes its text.

    `write(handle)` returns the number of data rows written, or None for a document (metrics.json).
    """

    name: str
    write: Callable[[TextIO], int | None]


def _why(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def foreign_entries(directory: Path, own_names: Iterable[str]) -> list[str]:
    """Sorted names of the entries in `directory` that flowtui did not write."""
    own = set(own_names)
    foreign = []
    with os.scandir(directory) as entries:
        for entry in entries:
            is_own = (entry.name in own or _TEMP_RE.match(entry.name)) and entry.is_file(follow_symlinks=False)
            if not is_own:
                foreign.append(entry.name)
    return sorted(foreign)


def prepare_directory(directory: Path, own_names: Iterable[str]) -> Path:
    """Create DIR when missing; refuse a file, an unwritable path or a DIR with foreign files."""
    directory = Path(directory).expanduser()
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"Cannot export to {directory}: it is a file, not a directory; choose a directory path.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"Cannot create the export directory {directory} ({_why(exc)}); choose a writable location."
        ) from None
    try:
        foreign = foreign_entries(directory, own_names)
    except OSError as exc:
        raise ExportError(f"Cannot read the export directory {directory} ({_why(exc)}).") from None
    if foreign:
        shown = ", ".join(foreign[:_FOREIGN_SHOWN])
        more = f" and {len(foreign) - _FOREIGN_SHOWN} more" if len(foreign) > _FOREIGN_SHOWN else ""
        raise UsageError(
            f"{directory} already holds files flowtui did not write ({shown}{more}); "
            "export into a new or empty directory, or one holding only a previous flowtui export."
        )
    return directory


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the renames are still atomic
    finally:
        os.close(fd)


def write_files(directory: Path, specs: Sequence[FileSpec]) -> list[tuple[Path, int | None]]:
    """Write every spec to a temporary in `directory`, then rename all into place.

    Returns (final path, rows) per spec, in order. Raises ExportError on an OS failure (temporaries
    removed); any other exception from a writer also removes the temporaries and propagates.
    """
    temps: list[Path] = []
    rows: list[int | None] = []
    renamed = 0
    current = ""
    try:
        for spec in specs:
            current = spec.name
            tmp = directory / f"{TEMP_PREFIX}{secrets.token_hex(4)}-{spec.name}.tmp"
            # O_EXCL: never write through a name someone else holds; mode 0666 & ~umask like any new file.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            temps.append(tmp)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                rows.append(spec.write(handle))
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, spec in zip(temps, specs, strict=True):
            current = spec.name
            os.replace(tmp, directory / spec.name)
            renamed += 1
    except OSError as exc:
        _remove(temps[renamed:])
        if renamed:
            raise ExportError(
                f"Exporting to {directory} failed while renaming {current} ({_why(exc)}); "
                f"{renamed} of {len(specs)} files were replaced, the rest keep their previous content."
            ) from None
        raise ExportError(
            f"Writing {current} in {directory} failed ({_why(exc)}); nothing was written. "
            "Check the directory's permissions and free space."
        ) from None
    except BaseException:
        _remove(temps[renamed:])
        raise
    _fsync_directory(directory)
    return [(directory / spec.name, n) for spec, n in zip(specs, rows, strict=True)]


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # best effort: the original error is the one to report


__all__ = ["FileSpec", "TEMP_PREFIX", "foreign_entries", "prepare_directory", "write_files"]
