"""`flowtui export DIR`: summary, exit codes 0/1/2, filters and --what, through the real entry point."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from export_store import DATA, ORG_URL

from flowtui.cli import metrics_cmd
from flowtui.cli.main import main
from flowtui.export import ALL_FILES, POWERBI_FILES
from flowtui.store import Store

AS_OF = "2026-11-23T12:00:00Z"


def _args(store: Store, out: Path, *extra: str) -> list[str]:
    return ["export", str(out), "--db", str(store.path), "--org-url", ORG_URL, "--as-of", AS_OF, *extra]


def test_export_writes_all_ten_files_and_prints_a_summary(store: Store, out: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(store, out)) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"Wrote 10 files to {out}:"
    # Names padded to the longest (throughput_weekly.csv, 21 characters), then the data row count.
    assert printed[1] == "  organizations.csv      1 row"
    assert printed[4] == "  pull_requests.csv      4 rows"
    assert printed[10] == "  metrics.json           report"
    assert len(printed) == 11
    assert sorted(p.name for p in out.iterdir()) == sorted(ALL_FILES)
    assert (out / "pull_requests.csv").read_bytes() == (DATA / "pull_requests.csv").read_bytes()


def test_what_powerbi_and_project_filter(store: Store, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(store, out, "--what", "powerbi", "--project", "Zürich Tools")) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(POWERBI_FILES)
    assert (out / "pull_requests.csv").read_text(encoding="utf-8").splitlines()[1].startswith("r-z-3,3,Contoso,")
    assert "  pull_requests.csv  1 row" in capsys.readouterr().out


def test_empty_store_says_no_data_yet(tmp_path: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "new.sqlite"
    assert main(["export", str(out), "--db", str(db), "--org-url", ORG_URL, "--as-of", AS_OF]) == 0
    printed = capsys.readouterr().out
    assert "no data yet — run `flowtui sync`" in printed
    assert (out / "users.csv").read_text(encoding="utf-8") == "user_id,display_name,email\n"


def test_foreign_files_exit_2_with_one_sentence(store: Store, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out.mkdir()
    (out / "budget.xlsx").write_bytes(b"x")
    assert main(_args(store, out)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"flowtui: {out} already holds files flowtui did not write (budget.xlsx);")
    assert "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["budget.xlsx"]


def test_unwritable_dir_exits_1(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    assert main(_args(store, blocker / "out")) == 1
    assert capsys.readouterr().err.startswith(f"flowtui: Cannot create the export directory {blocker / 'out'}")


def test_bad_as_of_exits_2_before_touching_anything(tmp_path: Path, out: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "never.sqlite"
    assert main(["export", str(out), "--db", str(db), "--as-of", "2026-11-23"]) == 2
    assert "YYYY-MM-DDTHH:MM:SSZ" in capsys.readouterr().err
    assert not db.exists() and not out.exists()


def test_inverted_window_exits_2(store: Store, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(store, out, "--from", "2026-11-10", "--to", "2026-11-01")) == 2
    assert "--from 2026-11-10 is after --to 2026-11-01" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_what_is_rejected_by_the_parser(store: Store, out: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(_args(store, out, "--what", "excel"))
    assert caught.value.code == 2


@pytest.mark.parametrize(
    "flags",
    [
        (),
        ("--project", "Fabrikam", "--type", "User Story", "--from", "2026-11-01", "--to", "2026-11-20"),
        ("--cycle-start", "last", "--timezone", "Europe/Berlin", "--area", "Fabrikam\\Web"),
    ],
)
def test_metrics_json_is_byte_identical_to_flowtui_metrics(store: Store, out: Path, flags: tuple[str, ...],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--db", str(store.path), "--org-url", ORG_URL, "--as-of", AS_OF, *flags]
    # `metrics` is parsed by its own module's parser: main.py registers it at integration.
    parser = argparse.ArgumentParser(prog="flowtui")
    metrics_cmd.register(parser.add_subparsers(dest="command"))
    assert metrics_cmd.run(parser.parse_args(["metrics", "--format", "json", *common])) == 0
    printed = capsys.readouterr().out
    assert main(["export", str(out), "--what", "flow", *common]) == 0
    assert (out / "metrics.json").read_text(encoding="utf-8") == printed
    weekly = [line.split(",") for line in (out / "throughput_weekly.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert [{"week": w, "count": int(c)} for w, c in weekly] == json.loads(printed)["throughput"]["weekly"]
