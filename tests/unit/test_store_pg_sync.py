"""Sync and reports on both engines: the same sync of the simulated organization into SQLite and into
a real PostgreSQL (the `pg_url` fixture) gives byte-identical metrics JSON and flow-set exports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest


from flowtui.cli.main import main
from flowtui.demo import generate_org
from flowtui.demo.transport import SimulatedAdo
from flowtui.export import export
from flowtui.export.flowset import FLOW_FILES
from flowtui.metrics.policy import FlowPolicy
from flowtui.reporting import load_inputs, report_from
from flowtui.store import open_store
from flowtui.store.dialect import POSTGRESQL, SQLITE, dialect_for
from flowtui.sync import run_sync
from tests.unit.sync.helpers import FakeTime, dump, make_settings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
AS_OF = datetime(2026, 11, 20, tzinfo=UTC)
WINDOW_FROM = date(2026, 8, 1)


def _sync(tmp_path: Path, target: Path | str) -> tuple[str, dict[str, bytes], dict[str, object]]:
    """Sync the tiny org into `target`; return (metrics JSON, flow-set files, store dump)."""
    sim = SimulatedAdo(generate_org(seed=7, size="tiny", now=NOW))
    settings = make_settings(tmp_path, sim.base_url, [p.name for p in sim.org.projects])
    fake = FakeTime()
    with open_store(target) as store:
        for now in (NOW - timedelta(days=3), NOW):  # a first sync, then an incremental one (updates, history)
            summary = run_sync(settings, store, pat=sim.pat, transport=sim.transport, sleep=fake.sleep,
                               clock=fake.clock, now=now)
            assert summary.status == "success" and not summary.warnings, (summary.first_error, summary.warnings[:3])
        text = report_from(load_inputs(store, FlowPolicy(), as_of=AS_OF, window_from=WINDOW_FROM)).to_json()
        out = tmp_path / "flow"
        export(store, settings, out, what="flow", as_of=AS_OF, window_from=WINDOW_FROM)
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name in FLOW_FILES}
        return text, files, dump(store)


def test_the_dialect_of_each_engine(pg_url: str, tmp_path: Path) -> None:
    with open_store(pg_url) as store:
        assert dialect_for(store.db) is POSTGRESQL and POSTGRESQL.name == "postgresql"
        # NULL-safe "differs": NULL vs NULL is not different, NULL vs 1 is
        assert store.db.execute_sql("SELECT NULL IS DISTINCT FROM NULL, NULL IS DISTINCT FROM 1").fetchone() == (
            False, True)
    with open_store(tmp_path / "s.sqlite") as store:
        assert dialect_for(store.db) is SQLITE


def test_the_same_sync_gives_identical_reports_and_exports_on_both_engines(pg_url: str, tmp_path: Path) -> None:
    (tmp_path / "lite").mkdir()
    (tmp_path / "pg").mkdir()
    lite_json, lite_files, lite_dump = _sync(tmp_path / "lite", tmp_path / "lite" / "store.sqlite")
    pg_json, pg_files, pg_dump = _sync(tmp_path / "pg", pg_url)
    assert lite_dump["revisions"], "the simulated org synced nothing"
    assert pg_dump == lite_dump
    assert pg_json == lite_json
    assert set(lite_files) == set(FLOW_FILES)
    assert lite_files["transitions.csv"].count(b"\n") > 10  # a header and many rows: the test compares data
    assert pg_files == lite_files


def _cli_metrics(target: Path | str, config: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = main(["metrics", "--format", "json", "--db", str(target), "--config", str(config),
                 "--as-of", "2026-11-20T00:00:00Z", "--from", WINDOW_FROM.isoformat()])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_flowtui_metrics_json_is_byte_identical_on_both_engines(pg_url: str, tmp_path: Path, xdg,  # noqa: ANN001
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "lite").mkdir()
    (tmp_path / "pg").mkdir()
    _sync(tmp_path / "lite", tmp_path / "lite" / "store.sqlite")
    _sync(tmp_path / "pg", pg_url)
    lite = _cli_metrics(tmp_path / "lite" / "store.sqlite", tmp_path / "absent.toml", capsys)
    pg = _cli_metrics(pg_url, tmp_path / "absent.toml", capsys)
    assert json.loads(lite)["throughput"]["total"] > 0  # the report has completed items to compare
    assert pg == lite


def _terminate_others(url: str) -> int:
    """Kill every other session on the store's database (a server restart, a lost network)."""
    import psycopg

    from flowtui.store.pgurl import parse_url

    address = parse_url(url)
    with psycopg.connect(address.url, autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()", (address.database,)).fetchall()
    return len(rows)


def test_a_lost_connection_is_one_store_error_naming_the_url(pg_url: str) -> None:
    from flowtui.errors import StoreError
    from tests.unit.test_store import item

    with open_store(pg_url) as store:
        with store.transaction():
            store.upsert_work_items([item(1)])
        assert [w.id for w in store.work_items()] == [1]
        assert _terminate_others(pg_url) >= 1
        with pytest.raises(StoreError, match="Reading the store postgresql://.* failed") as read:
            store.work_items()
        assert "reachable" in read.value.message
    with open_store(pg_url) as store:
        store.work_items()  # a fresh connection
        assert _terminate_others(pg_url) >= 1
        with pytest.raises(StoreError, match="Writing to the store postgresql://.* failed"):
            with store.transaction():
                store.upsert_work_items([item(2)])  # a raw executemany: psycopg's own error, unwrapped
    with open_store(pg_url) as store:
        assert [w.id for w in store.work_items()] == [1]  # nothing of the failed step was kept
