"""Read-only commands never create a store: a missing store is "no data yet — run sync", exit 0.

Also `--json` for `export` and `auth status` (never the PAT).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowtui.cli.main import main
from flowtui import paths

ORG = "https://dev.azure.com/acme"
AS_OF = "2026-11-23T12:00:00Z"
PAT = "pat-0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _all_files(*roots: Path) -> set[Path]:
    """Every path under the roots, except the log folder (every command may write the log file)."""
    logs = paths.log_dir()
    return {p for root in roots if root.exists() for p in root.rglob("*")
            if p != logs and logs not in p.parents and p not in logs.parents}


@pytest.fixture
def before(xdg, tmp_path: Path) -> set[Path]:  # noqa: ANN001
    """Every path under tmp_path (the XDG folders included) before the command runs."""
    return _all_files(tmp_path)


def test_metrics_json_on_a_fresh_machine_reports_no_data_and_creates_nothing(
    xdg, tmp_path: Path, before: set[Path], capsys: pytest.CaptureFixture[str],  # noqa: ANN001
) -> None:
    assert main(["metrics", "--format", "json", "--org-url", ORG, "--project", "Web", "--as-of", AS_OF]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["data_health"] == [{"code": "no_data", "count": 1, "message": "no data yet — run sync"}]
    assert doc["counts"]["items"] == 0
    assert not (xdg.data / "flowtui").exists()  # the default store folder was not even created
    assert _all_files(tmp_path) == before


def test_metrics_table_and_forecast_with_a_missing_db_flag_create_nothing(
    tmp_path: Path, before: set[Path], capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "nested" / "store.sqlite"
    assert main(["metrics", "--db", str(db), "--org-url", ORG, "--as-of", AS_OF]) == 0
    assert "no data yet — run sync" in capsys.readouterr().out
    assert main(["forecast", "--items", "5", "--format", "json", "--db", str(db), "--as-of", AS_OF]) == 0
    assert json.loads(capsys.readouterr().out)["results"] == []
    assert not db.parent.exists()
    assert _all_files(tmp_path) == before


def test_export_of_a_missing_store_writes_headers_but_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "store.sqlite"
    out = tmp_path / "out"
    assert main(["export", str(out), "--db", str(db), "--org-url", ORG, "--as-of", AS_OF, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["store_empty"] is True and doc["hint"] == "no data yet — run `flowtui sync`"
    assert not db.exists() and not db.with_name("store.sqlite-wal").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "xdg") == ["out"]
    rows = {f["name"]: f["rows"] for f in doc["files"]}
    # the weekly throughput has one zero row per week of the window; every other file is headers only
    weekly = (out / "throughput_weekly.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert rows.pop("throughput_weekly.csv") == len(weekly) and all(line.endswith(",0") for line in weekly)
    assert set(rows.values()) <= {0, None}


def test_auth_status_creates_nothing(memory_keyring, tmp_path: Path, before: set[Path],  # noqa: ANN001
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auth", "status", "--org-url", ORG, "--json"]) == 1
    capsys.readouterr()
    assert _all_files(tmp_path) == before


def test_an_existing_store_is_still_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A store that exists is opened as before (the temporary empty store is only for a missing one)."""
    from flowtui.store import open_store

    db = tmp_path / "real.sqlite"
    open_store(db).close()
    size = db.stat().st_size
    assert main(["metrics", "--format", "json", "--db", str(db), "--as-of", AS_OF]) == 0
    assert json.loads(capsys.readouterr().out)["data_health"][0]["code"] == "no_data"
    assert db.stat().st_size == size


# --- auth status --json -------------------------------------------------------------------------


def test_auth_status_json_sources_and_never_the_pat(memory_keyring, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["auth", "status", "--org-url", ORG, "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["organization"], doc["pat_present"], doc["source"]) == (ORG, False, None)
    assert "MemoryKeyring" in doc["keyring_backend"] and "flowtui auth set" in doc["hint"]

    monkeypatch.setenv("FLOWTUI_PAT", PAT)
    assert main(["auth", "status", "--org-url", ORG, "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert (doc["pat_present"], doc["source"], doc["hint"]) == (True, "env FLOWTUI_PAT", None)
    assert PAT not in captured.out + captured.err

    memory_keyring.set_password("flowtui", ORG, PAT)
    assert main(["auth", "status", "--org-url", ORG, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["source"] == "keyring"
    assert PAT not in captured.out + captured.err


def test_auth_status_json_without_a_keyring(no_keyring, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["auth", "status", "--org-url", ORG, "--json"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)  # JSON on stdout even when the keyring is unusable
    assert doc["pat_present"] is False and doc["keyring_error"] and "FLOWTUI_PAT" in doc["hint"]
    assert captured.err == ""
