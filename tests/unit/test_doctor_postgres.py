"""`flowtui doctor` on a PostgreSQL store (issue #15): the URL (never a password), the server version,
reachability, the schema version, the last sync and run, who holds the writer lock, and data health;
a closed port and a missing database are each one blocking problem with the sentence that fixes it.
Run against a real server (`pg_url`; CI=true turns a missing server into a failure)."""

from __future__ import annotations

import io
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from flowtui.cli.doctor_cmd import print_diagnosis
from flowtui.cli.main import main
from flowtui.config import load_settings
from flowtui.demo_mode import DEMO_PAT, demo_now, demo_org_url, demo_project_names, demo_simulator
from flowtui.doctor import PG_FIXES, PG_UNREACHABLE_FIX, Connection, diagnose
from flowtui.store import open_store
from flowtui.store.database import current_version

SECRET = "pg-secret-" + "Kx7" * 6


def pg_settings(tmp_path: Path, url: str) -> Any:
    return load_settings(config=tmp_path / "absent.toml", db=None, flags={"store.url": url}, env={})


def doctor(tmp_path: Path, url: str) -> Any:
    return diagnose(pg_settings(tmp_path, url), Connection(None, None), as_of=demo_now())


def store_problems(d: Any) -> list[tuple[str, str, bool]]:
    return [(p.message, p.fix, p.blocking) for p in d.problems if p.check == "store"]


def closed_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def synced(url: str) -> None:
    from flowtui.sync import run_sync

    settings = load_settings(config=Path("/nonexistent/absent.toml"), db=None, env={},
                             flags={"store.url": url, "ado.org_url": demo_org_url(),
                                    "ado.projects": demo_project_names("tiny")})
    sim = demo_simulator("tiny", realities=False)
    with open_store(url) as store:
        summary = run_sync(settings, store, pat=DEMO_PAT, transport=sim.transport, now=demo_now())
    assert summary.status == "success", summary.first_error


def server_version(url: str) -> str:
    import psycopg

    from flowtui.store.pgurl import parse_url

    with psycopg.connect(**parse_url(url).connect_kwargs()) as conn:  # type: ignore[arg-type]
        return str(conn.execute("SHOW server_version").fetchone()[0])


def test_a_synced_postgresql_store_is_described_and_healthy(tmp_path: Path, pg_url: str) -> None:
    synced(pg_url)
    d = doctor(tmp_path, pg_url)
    store = d.sections["store"]
    assert store["engine"] == "postgresql" and store["url"] == pg_url and store["reachable"] == "yes"
    assert store["server_version"] == server_version(pg_url) and store["server_version"][:2].isdigit()
    assert store["schema_version"] == store["schema_version_supported"] == current_version()
    assert store["writer"] == "none (no sync is writing now)"
    assert store["last_run"]["status"] == "success" and store["last_successful_sync"]
    assert "no_data" not in d.sections["data_health"] and d.sections["data_health"]  # the report's findings
    assert store_problems(d) == []


def test_the_writer_lock_holder_is_named(tmp_path: Path, pg_url: str) -> None:
    with open_store(pg_url) as writer:
        run_id = writer.start_run("https://dev.azure.com/fabrikam", command="flowtui sync --full")
        held = doctor(tmp_path, pg_url).sections["store"]
        writer.finish_run(run_id, status="cancelled")
    assert held["writer"].startswith(f"pid {os.getpid()} on {socket.gethostname()[:20]}")
    assert held["writer"].endswith(": flowtui sync --full")
    assert held["last_run"]["status"] == "running"
    assert doctor(tmp_path, pg_url).sections["store"]["writer"] == "none (no sync is writing now)"  # released


def test_a_running_record_without_its_writer_says_interrupted(tmp_path: Path, pg_url: str) -> None:
    with open_store(pg_url) as writer:
        writer.start_run("https://dev.azure.com/fabrikam", command="flowtui sync")
        writer.release_writer()  # the writer's session ended without closing its record (a killed process)
        store = doctor(tmp_path, pg_url).sections["store"]
    assert store["writer"] == "none (no sync is writing now)"
    assert store["last_run"]["status"] == ("interrupted (no process holds the writer lock; "
                                           "the next sync records it)")


def test_an_empty_database_is_no_data_yet_and_left_empty(tmp_path: Path, pg_url: str) -> None:
    import psycopg

    from flowtui.store.pgurl import parse_url

    d = doctor(tmp_path, pg_url)
    assert d.sections["store"]["schema_version"] == 0 and "no data yet" in d.sections["store"]["note"]
    assert d.sections["data_health"] == {"no_data": {"count": 1, "message": "no data yet — run sync"}}
    assert store_problems(d) == []
    with psycopg.connect(**parse_url(pg_url).connect_kwargs()) as conn:  # type: ignore[arg-type]
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    assert tables == 0  # the doctor created nothing


def test_a_missing_database_says_create_it(tmp_path: Path, pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_db_15"
    d = doctor(tmp_path, missing)
    [(message, fix, blocking)] = store_problems(d)
    assert d.sections["store"]["reachable"] == "no" and blocking
    assert "no_such_db_15" in message and "does not exist" in message
    assert fix == next(f for words, f in PG_FIXES if words == ("does not exist",))


def test_a_closed_port_is_one_blocking_problem_json_and_text(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://flowtui@127.0.0.1:{closed_port()}/flowtui?connect_timeout=3"
    monkeypatch.setenv("FLOWTUI_DB_URL", url)
    monkeypatch.setenv("PGPASSWORD", SECRET)  # libpq would use it; it must never be printed
    assert main(["doctor", "--json"]) == 1
    out = capsys.readouterr().out
    report = json.loads(out)
    store = report["sections"]["store"]
    assert store == {"engine": "postgresql", "url": url, "source": "env FLOWTUI_DB_URL", "reachable": "no"}
    [problem] = [p for p in report["problems"] if p["check"] == "store"]
    assert problem["blocking"] is True and problem["fix"] == PG_UNREACHABLE_FIX
    assert "cannot be opened" in problem["message"] and "refused" in problem["message"].lower()
    assert SECRET not in out
    assert main(["doctor"]) == 1
    text = capsys.readouterr().out
    assert f"url                            {url}" in text and "reachable                      no" in text
    assert f"fix: {PG_UNREACHABLE_FIX}" in text and SECRET not in text


def test_human_output_of_a_healthy_postgresql_store(tmp_path: Path, pg_url: str) -> None:
    synced(pg_url)
    out = io.StringIO()
    print_diagnosis(doctor(tmp_path, pg_url), out)
    text = out.getvalue()
    assert f"url                            {pg_url}" in text
    assert f"server version                 {server_version(pg_url)}" in text
    assert f"schema version                 {current_version()}" in text
    assert "writer                         none (no sync is writing now)" in text


def test_a_url_that_does_not_parse_is_one_problem_with_the_right_fix(tmp_path: Path) -> None:
    url = "postgresql://me@127.0.0.1:1/flowtui?sslmode=require&colour=blue"
    d = doctor(tmp_path, url)
    assert d.sections["store"]["url"] == "(not shown: it could not be parsed)"
    [(message, fix, blocking)] = store_problems(d)
    assert "unknown parameter 'colour'" in message and blocking
    assert fix.startswith("Correct store.url / FLOWTUI_DB_URL")
