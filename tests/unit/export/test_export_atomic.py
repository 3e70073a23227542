"""The export directory rules and atomicity: complete files or none, never a half-written set.

Tests run as root here, so permission bits cannot make a directory unwritable; the unwritable cases
use paths that fail for root too: DIR being an existing file, and DIR under a regular file.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from export_store import AS_OF

from flowtui.config import Settings
from flowtui.errors import ExportError, UsageError
from flowtui.export import ALL_FILES, POWERBI_FILES, atomic, csvfmt, export
from flowtui.store import Store


def _listing(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_dir_that_is_a_file_is_an_export_error(store: Store, settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("mine\n")
    with pytest.raises(ExportError) as caught:
        export(store, settings, target, as_of=AS_OF)
    assert caught.value.exit_code == 1
    assert str(target) in caught.value.message and "not a directory" in caught.value.message
    assert target.read_text() == "mine\n"
    assert not list(tmp_path.glob(".flowtui-export-*"))


def test_dir_under_a_file_is_an_export_error(store: Store, settings: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    target = blocker / "out"
    with pytest.raises(ExportError) as caught:
        export(store, settings, target, as_of=AS_OF)
    assert caught.value.exit_code == 1
    assert f"Cannot create the export directory {target}" in caught.value.message
    assert blocker.read_text() == "x"


def test_dir_with_foreign_files_is_refused_and_left_untouched(store: Store, settings: Settings, out: Path) -> None:
    out.mkdir()
    for name in ("notes.txt", "a.csv", "b.csv", "c.csv", "d.csv", "e.csv", "users.csv"):
        (out / name).write_text(name)
    (out / "sub").mkdir()
    before = {p.name for p in out.iterdir()}
    with pytest.raises(UsageError) as caught:
        export(store, settings, out, as_of=AS_OF)
    message = caught.value.message
    assert caught.value.exit_code == 2
    # Foreign entries sorted: a.csv b.csv c.csv d.csv e.csv notes.txt sub -> the first five, "and 2 more".
    assert message.startswith(f"{out} already holds files flowtui did not write (a.csv, b.csv, c.csv, d.csv, e.csv "
                              "and 2 more)")
    assert "users.csv" not in message  # an export file name is not foreign
    assert {p.name for p in out.iterdir()} == before
    assert (out / "users.csv").read_text() == "users.csv"


def test_a_directory_with_an_export_file_name_is_foreign(store: Store, settings: Settings, out: Path) -> None:
    (out / "users.csv").mkdir(parents=True)
    with pytest.raises(UsageError, match=r"\(users\.csv\)"):
        export(store, settings, out, what="powerbi", as_of=AS_OF)


def test_previous_export_and_stale_temporaries_are_not_foreign(store: Store, settings: Settings, out: Path) -> None:
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    stale = out / ".flowtui-export-0badf00d-users.csv.tmp"
    stale.write_text("left by a killed export")
    result = export(store, settings, out, as_of=AS_OF)  # the flow set joins the PowerBI set
    assert {p.name for p in out.iterdir()} == set(ALL_FILES) | {stale.name}
    assert len(result.files) == 10


def _fail_on_fourth_file(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> list[str]:
    """Make csvfmt.write_rows write the 4th file's header, then raise `exc`."""
    real = csvfmt.write_rows
    calls: list[str] = []

    def flaky(handle, header, rows):  # type: ignore[no-untyped-def]
        calls.append(header[0])
        if len(calls) == 4:
            handle.write(",".join(header) + "\n")
            raise exc
        return real(handle, header, rows)

    monkeypatch.setattr(csvfmt, "write_rows", flaky)
    return calls


def test_failure_in_the_fourth_file_leaves_nothing_in_a_new_dir(store: Store, settings: Settings, out: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fail_on_fourth_file(monkeypatch, RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        export(store, settings, out, what="powerbi", as_of=AS_OF)
    assert calls[3] == "pull_request_uid"  # the 4th PowerBI file is pull_requests.csv
    assert not out.exists()  # created by the export, removed again: no temporaries, no partial set


def test_failure_in_the_fourth_file_keeps_the_previous_export_intact(store: Store, settings: Settings, out: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    export(store, settings, out, as_of=AS_OF)
    before = _listing(out)
    _fail_on_fourth_file(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(ExportError) as caught:
        export(store, settings, out, what="powerbi", as_of=AS_OF)
    assert caught.value.exit_code == 1
    assert caught.value.message == (
        f"Writing pull_requests.csv in {out} failed (No space left on device); nothing was written. "
        "Check the directory's permissions and free space."
    )
    assert _listing(out) == before  # same names (no temporaries) and same bytes


def _fail_third_replace(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the third os.replace of an export fail (after two files were swapped into place)."""
    real = atomic.os.replace
    done: list[str] = []

    def flaky_replace(src, dst):  # type: ignore[no-untyped-def]
        if Path(src).name.endswith(".tmp") and len(done) == 2:
            raise OSError(errno.EIO, "Input/output error")
        real(src, dst)
        if Path(src).name.endswith(".tmp"):
            done.append(Path(dst).name)

    monkeypatch.setattr(atomic.os, "replace", flaky_replace)
    return done


def test_failure_while_renaming_leaves_a_new_dir_empty(store: Store, settings: Settings, out: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # This test used to assert that the first two renamed files stayed: a half-written set, which the
    # README's promise forbids. Now the two files already in place are taken back out.
    done = _fail_third_replace(monkeypatch)
    with pytest.raises(ExportError) as caught:
        export(store, settings, out, what="powerbi", as_of=AS_OF)
    assert done == list(POWERBI_FILES[:2])  # two files really were in place before the failure
    assert caught.value.message == (
        f"Exporting to {out} failed while replacing repositories.csv (Input/output error); "
        "the previous files were put back and nothing changed. Check the directory's permissions and free space."
    )
    assert not out.exists()  # created by this export, empty again, removed


def test_failure_while_renaming_keeps_the_previous_export_whole(store: Store, settings: Settings, out: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    # Make the previous set distinguishable from the new one, byte for byte.
    for name in POWERBI_FILES:
        (out / name).write_bytes((out / name).read_bytes() + b"previous\r\n")
    before = _listing(out)
    done = _fail_third_replace(monkeypatch)
    with pytest.raises(ExportError, match="nothing changed"):
        export(store, settings, out, as_of=AS_OF)  # the flow set would join: its files must not appear
    assert len(done) == 2
    assert _listing(out) == before  # the same six files, the previous bytes, no temporaries or backups


def test_failure_while_backing_up_keeps_the_previous_export_whole(store: Store, settings: Settings, out: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    before = _listing(out)
    real_link = atomic.os.link

    def flaky_link(src, dst):  # type: ignore[no-untyped-def]
        if Path(src).name == "pull_requests.csv":  # the 4th file of the set; three backups were made
            raise OSError(errno.ENOSPC, "No space left on device")
        real_link(src, dst)

    monkeypatch.setattr(atomic.os, "link", flaky_link)
    monkeypatch.setattr(atomic.shutil, "copy2", flaky_link)  # the copy fallback fails the same way
    with pytest.raises(ExportError, match=r"while replacing pull_requests\.csv \(No space left on device\)"):
        export(store, settings, out, what="powerbi", as_of=AS_OF)
    assert _listing(out) == before


def test_a_successful_export_leaves_no_backups(store: Store, settings: Settings, out: Path) -> None:
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    first = _listing(out)
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    assert _listing(out) == first  # same names (no .tmp, no .bak), same bytes


def test_stale_backups_of_a_killed_export_are_not_foreign(store: Store, settings: Settings, out: Path) -> None:
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    stale = out / ".flowtui-export-0badf00d-users.csv.bak"
    stale.write_text("previous users.csv kept by a killed export")
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    assert stale.exists()  # tolerated, and not deleted: a concurrent export may own it


def test_existing_dir_that_refuses_writes_is_an_export_error(store: Store, settings: Settings, out: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # What a non-root user gets in a read-only directory (root ignores mode bits, so the refusal is injected).
    out.mkdir()
    real_open = atomic.os.open

    def refusing_open(path, flags, mode=0o777):  # type: ignore[no-untyped-def]
        if Path(path).name.startswith(atomic.TEMP_PREFIX):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, mode)

    monkeypatch.setattr(atomic.os, "open", refusing_open)
    with pytest.raises(ExportError) as caught:
        export(store, settings, out, as_of=AS_OF)
    assert caught.value.exit_code == 1
    assert caught.value.message.startswith(f"Writing organizations.csv in {out} failed (Permission denied); "
                                           "nothing was written.")
    assert list(out.iterdir()) == []
    assert out.is_dir()  # it existed before the export: left in place
