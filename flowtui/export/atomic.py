"""Writing a set of export files so that they appear complete or not at all.

The export directory rule (SPEC §8, §11):

* DIR may not exist yet: it is created (with its parents).
* DIR may exist and be empty, or hold only files flowtui writes (the ten export file names and the
  `flowtui.xlsx` workbook, plus temporaries `.flowtui-export-*.tmp` and backups
  `.flowtui-export-*.bak` left by a killed export): a re-export overwrites them.
* DIR holding anything else (another file, a sub-directory, a symlink, a hidden file) is refused
  with a UsageError (exit 2) naming the directory and the first few foreign entries — flowtui never
  mixes its files with someone else's, and never deletes what it did not write. Nothing is written.
* DIR that cannot be created or written (it is a file, its parent is a file, permissions, a
  read-only file system, a full disk) is an ExportError (exit 1); nothing half-written remains.

What is guaranteed (the README's "never half-written"):

* **A failed export changes nothing.** Every file is first written under a temporary name inside
  DIR (same file system, so renames are atomic), flushed and fsynced. Only when all of them were
  written is each previous file of the set kept under a backup name (a hard link, or a copy where
  the file system has no links), and then each temporary is renamed over its final name, one
  `os.replace` each. If writing, backing up or any rename fails (or a writer raises), the files
  already replaced are put back from their backups (files that did not exist before are removed),
  temporaries and backups are removed, and DIR holds exactly the previous set, byte for byte.
  Should putting a file back fail too (the disk failing under us), the error says so and names the
  backup that still holds the previous content.
* **A crash is the only gap.** A process killed, or a machine stopping, between two of the renames
  (a few milliseconds) can leave a mix of new and previous files — each one complete, never a
  truncated one — plus the `.flowtui-export-*.bak` backups of the previous ones.
* Files of an earlier export that the new set does not include (the flow set after a PowerBI-only
  export) are left as they are.
* Stale temporaries and backups of a killed export are tolerated but not deleted, because a
  concurrent export into the same directory may own them.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowtui.errors import ExportError, UsageError

TEMP_PREFIX = ".flowtui-export-"
_TEMP_RE = re.compile(r"^\.flowtui-export-[0-9a-f]{8}-[A-Za-z_]+\.(csv|json|xlsx)\.(tmp|bak)$")
_FOREIGN_SHOWN = 5


@dataclass(frozen=True)
class FileSpec:
    """One file of an export: its name in DIR and the function that writes its text.

    `write(handle)` returns the number of data rows written, or None for a document (metrics.json,
    the workbook). `binary`: the handle is a binary file (the workbook), else UTF-8 text with the
    line endings written as given.
    """

    name: str
    write: Callable[[Any], int | None]
    binary: bool = False


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
    """Write every spec to a temporary in `directory`, then swap all into place (see the module docstring).

    Returns (final path, rows) per spec, in order. Raises ExportError on an OS failure, with DIR as it
    was before; any other exception from a writer also leaves DIR as it was and propagates.
    """
    token = secrets.token_hex(4)
    temps: list[Path] = []
    rows: list[int | None] = []
    current = ""
    try:
        for spec in specs:
            current = spec.name
            tmp = directory / f"{TEMP_PREFIX}{token}-{spec.name}.tmp"
            # O_EXCL: never write through a name someone else holds; mode 0666 & ~umask like any new file.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            temps.append(tmp)
            with (os.fdopen(fd, "wb") if spec.binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as handle:
                rows.append(spec.write(handle))
                handle.flush()
                os.fsync(handle.fileno())
    except OSError as exc:
        _remove(temps)
        raise ExportError(
            f"Writing {current} in {directory} failed ({_why(exc)}); nothing was written. "
            "Check the directory's permissions and free space."
        ) from None
    except BaseException:
        _remove(temps)
        raise
    _swap(directory, token, temps, specs)
    _fsync_directory(directory)
    return [(directory / spec.name, n) for spec, n in zip(specs, rows, strict=True)]


def _swap(directory: Path, token: str, temps: list[Path], specs: Sequence[FileSpec]) -> None:
    """Back up the previous files, rename every temporary into place; on failure put everything back."""
    backups: dict[int, Path] = {}  # index of the spec -> backup of its previous file
    replaced: list[int] = []
    current = ""
    try:
        for index, spec in enumerate(specs):
            current = spec.name
            target = directory / spec.name
            if target.exists():
                backups[index] = _backup(target, directory / f"{TEMP_PREFIX}{token}-{spec.name}.bak")
        for index, (tmp, spec) in enumerate(zip(temps, specs, strict=True)):
            current = spec.name
            os.replace(tmp, directory / spec.name)
            replaced.append(index)
    except BaseException as exc:
        stuck = _restore(directory, specs, replaced, backups)
        _remove(temps)
        _remove(b for i, b in backups.items() if i not in stuck)
        if stuck:
            names = ", ".join(f"{specs[i].name} (previous content in {backups[i].name})" for i in stuck)
            raise ExportError(
                f"Exporting to {directory} failed while replacing {current} ({_why_any(exc)}), and putting back "
                f"{names} failed too; rename those backups to restore the previous export."
            ) from None
        if isinstance(exc, OSError):
            raise ExportError(
                f"Exporting to {directory} failed while replacing {current} ({_why(exc)}); "
                "the previous files were put back and nothing changed. Check the directory's permissions and free space."
            ) from None
        raise
    _remove(backups.values())


def _why_any(exc: BaseException) -> str:
    return _why(exc) if isinstance(exc, OSError) else exc.__class__.__name__


def _backup(target: Path, backup: Path) -> Path:
    """Keep the previous content of `target` under `backup`: a hard link, else a fsynced copy."""
    try:
        os.link(target, backup)
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise
        try:
            shutil.copy2(target, backup)
            with open(backup, "rb") as fh:
                os.fsync(fh.fileno())
        except BaseException:
            _remove([backup])
            raise
    return backup


def _restore(directory: Path, specs: Sequence[FileSpec], replaced: list[int], backups: dict[int, Path]) -> list[int]:
    """Undo the renames done so far; returns the indexes whose previous file could not be put back."""
    stuck: list[int] = []
    for index in reversed(replaced):
        target = directory / specs[index].name
        try:
            if index in backups:
                os.replace(backups[index], target)
            else:
                target.unlink(missing_ok=True)
        except OSError:
            if index in backups:
                stuck.append(index)
    return sorted(stuck)


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # best effort: the original error is the one to report


__all__ = ["FileSpec", "TEMP_PREFIX", "foreign_entries", "prepare_directory", "write_files"]
