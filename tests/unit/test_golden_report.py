"""Golden copies of every report, made before per-item facts replaced the revisions as the report input.

The default demo organization is synced once per module through the real `run_sync` and the
in-process simulated ADO (no faults) at the demo clock; `flowtui metrics --format json`, two
`flowtui forecast --format json` runs (--items and --days) and the flow-set `work_items.csv` are then
(and `transitions.csv` once) produced for a fixed `--as-of` under both `cycle_start` policies and `resolved_is_done` on and off,
and compared byte-for-byte with `tests/data/golden_report/`. A report that changes by one byte fails.

Regenerate (only on purpose, and say why in the commit): FLOWTUI_REGEN_GOLDEN=1 pytest this file.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtui.cli.main import main
from flowtui.config import load_settings
from flowtui.demo_mode import DEMO_PAT, demo_now, demo_org_url, demo_project_names, demo_simulator

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden_report"
AS_OF = "2026-11-20T09:30:00Z"
#: Read at import: the autouse `xdg` fixture removes FLOWTUI_* variables before each test runs.
REGEN = os.environ.get("FLOWTUI_REGEN_GOLDEN") == "1"
POLICIES = [
    ("first", "--no-resolved-is-done"),
    ("first", "--resolved-is-done"),
    ("last", "--no-resolved-is-done"),
    ("last", "--resolved-is-done"),
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The default demo org synced once (real sync path, no faults, demo clock)."""
    from flowtui.demo.faults import Faults
    from flowtui.store import open_store
    from flowtui.sync import run_sync

    tmp = tmp_path_factory.mktemp("golden")
    settings = load_settings(config=tmp / "config.toml", db=tmp / "flowtui.sqlite", env={},
                             flags={"ado.org_url": demo_org_url(), "ado.projects": demo_project_names()})
    sim = demo_simulator(faults=Faults())
    with open_store(settings.db_path) as store:
        summary = run_sync(settings, store, pat=DEMO_PAT, transport=sim.transport, now=demo_now())
        assert summary.status == "success", summary.first_error
    yield settings.db_path


def _name(cycle: str, resolved: str) -> str:
    return f"{cycle}-{'rd' if resolved == '--resolved-is-done' else 'nrd'}"


def _check(name: str, text: str) -> None:
    """Compare with the golden copy (large ones are kept gzipped: `.gz`, mtime 0, so regenerating is stable)."""
    data = text.encode("utf-8")
    zipped = len(data) > 100_000
    path = GOLDEN / (name + ".gz" if zipped else name)
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(data, mtime=0) if zipped else data)
    golden = gzip.decompress(path.read_bytes()) if zipped else path.read_bytes()
    assert golden == data, f"{name} differs from its golden copy"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(("cycle", "resolved"), POLICIES)
def test_reports_are_byte_identical_to_the_golden_copies(demo_db: Path, tmp_path: Path, cycle: str, resolved: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--db", str(demo_db), "--config", str(tmp_path / "none.toml"), "--as-of", AS_OF,
              "--cycle-start", cycle, resolved]
    name = _name(cycle, resolved)
    metrics = _run(capsys, "metrics", "--format", "json", *common)
    assert '"items"' in metrics and '"completed_in_window": 0' not in metrics  # a real report, not an empty one
    _check(f"metrics-{name}.json", metrics)
    _check(f"forecast-items-{name}.json", _run(capsys, "forecast", "--items", "40", "--format", "json", *common))
    _check(f"forecast-days-{name}.json", _run(capsys, "forecast", "--days", "21", "--format", "json", *common))
    out = tmp_path / "export"
    _run(capsys, "export", "--what", "flow", str(out), *common)
    _check(f"work_items-{name}.csv", (out / "work_items.csv").read_bytes().decode("utf-8"))
    if (cycle, resolved) == POLICIES[0]:  # transitions do not depend on the policy
        _check("transitions.csv", (out / "transitions.csv").read_bytes().decode("utf-8"))


def test_a_filtered_report_is_byte_identical_to_its_golden_copy(demo_db: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    project = demo_project_names()[0]
    metrics = _run(capsys, "metrics", "--format", "json", "--db", str(demo_db), "--config", str(tmp_path / "none.toml"),
                   "--as-of", AS_OF, "--project", project, "--type", "Bug", "--area", project)
    assert f'"projects": [\n      "{project}"' in metrics
    _check("metrics-filtered.json", metrics)
