"""`flowtui export --json`: what was written (paths, row counts), counted independently here."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from export_store import ORG_URL

from flowtui.cli.main import main
from flowtui.store import Store

AS_OF = "2026-11-23T12:00:00Z"


def test_export_json_lists_every_file_with_its_rows(store: Store, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(out), "--db", str(store.path), "--org-url", ORG_URL, "--as-of", AS_OF,
                 "--what", "flow", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["directory"] == str(out.resolve()) and doc["what"] == "flow" and doc["store_empty"] is False
    names = [f["name"] for f in doc["files"]]
    assert sorted(names) == sorted(p.name for p in out.iterdir())
    for f in doc["files"]:
        path = Path(f["path"])
        assert path.parent == out.resolve()
        if path.suffix == ".json":
            assert f["rows"] is None
        else:  # data rows = CSV records minus the header, counted independently of the exporter
            with path.open(encoding="utf-8-sig", newline="") as fh:
                assert f["rows"] == sum(1 for _ in csv.reader(fh)) - 1
    assert doc["total_rows"] == sum(f["rows"] or 0 for f in doc["files"]) > 0



def test_export_json_pull_requests_match_the_human_summary(store: Store, out: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(out), "--db", str(store.path), "--org-url", ORG_URL, "--json"]) == 0
    rows = {f["name"]: f["rows"] for f in json.loads(capsys.readouterr().out)["files"]}
    assert rows["organizations.csv"] == 1 and rows["pull_requests.csv"] == 4  # as test_export_cli's summary
