"""`flowtui doctor`: a fresh machine exits 1 naming the missing configuration, the simulated org exits 0,
and a rejected PAT, an unknown project, a missing scope, a broken store or a file keyring are each
reported with the sentence that fixes them. Checks run against the simulated ADO (no network).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowtui.cli.doctor_cmd import print_diagnosis
from flowtui.cli.main import main
from flowtui.config import load_settings
from flowtui.demo.faults import Faults
from flowtui.demo.generator import generate_org
from flowtui.demo.transport import SimulatedAdo
from flowtui.doctor import SET_ORG, SET_PAT, Connection, Diagnosis, diagnose, resolve_pat
from flowtui.store.database import current_version

FLOWTUI = Path(sys.executable).with_name("flowtui")
PAT = "doctor-pat-" + "Zq8" * 8


@pytest.fixture(scope="module")
def org() -> Any:
    return generate_org(seed=7, size="tiny")


def sim_settings(tmp_path: Path, sim: SimulatedAdo, projects: list[str], **values: Any) -> Any:
    flags = {"ado.org_url": sim.base_url, "ado.projects": projects, **values}
    return load_settings(config=tmp_path / "absent.toml", db=tmp_path / "store.sqlite", flags=flags, env={})


def run_doctor(tmp_path: Path, org: Any, projects: list[str] | None = None, *, pat: str = PAT,
               faults: Faults | None = None, **values: Any) -> Diagnosis:
    sim = SimulatedAdo(org, pat=PAT, faults=faults or Faults())
    names = projects if projects is not None else [p.name for p in org.projects]
    settings = sim_settings(tmp_path, sim, names, **values)
    return diagnose(settings, Connection(pat, "env FLOWTUI_PAT", sim.transport))


def blocking(d: Diagnosis) -> list[tuple[str, str, str]]:
    return [(p.check, p.message, p.fix) for p in d.problems if p.blocking]


def test_a_fresh_machine_exits_1_naming_the_missing_configuration(xdg: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["schema"] == "flowtui.doctor/1" and report["ok"] is False and report["exit_code"] == 1
    checks = {p["check"]: p for p in report["problems"]}
    assert "ado.org_url" in checks["config"]["message"] and checks["config"]["fix"] == SET_ORG
    assert checks["auth"]["fix"] == SET_PAT and all(p["blocking"] for p in report["problems"])
    assert report["sections"]["config"]["file_exists"] is False
    assert report["sections"]["config"]["values"]["ado.org_url"] == {"value": "", "source": "default"}
    assert report["sections"]["organization"]["reachable"].startswith("not checked")
    store = Path(report["sections"]["store"]["path"])
    assert store == xdg.data / "flowtui" / "flowtui.sqlite" and not store.exists()  # doctor never creates a store
    assert report["sections"]["data_health"] == {"no_data": {"count": 1, "message": "no data yet — run sync"}}
    assert report["sections"]["log"]["file"] == str(xdg.state / "flowtui" / "log" / "flowtui.log")


def test_doctor_demo_exits_0_as_a_real_command(xdg: Any) -> None:
    env = {**os.environ, "FLOWTUI_DEMO_SIZE": "tiny"}
    done = subprocess.run([str(FLOWTUI), "doctor", "--demo"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Nothing blocks a sync." in out and "Problems" not in out
    assert "Fabrikam Web" in out and "work_items read, code read" in out
    assert "reachable                      yes" in out
    synced = subprocess.run([str(FLOWTUI), "sync", "--demo"], env=env, capture_output=True, text=True, timeout=120)
    assert synced.returncode == 0, synced.stderr
    again = subprocess.run([str(FLOWTUI), "doctor", "--demo", "--json"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0, again.stderr
    store = json.loads(again.stdout)["sections"]["store"]
    assert store["exists"] is True and store["schema_version"] == store["schema_version_supported"] == current_version()
    assert store["size_bytes"] > 0 and store["last_run"]["status"] == "success" and store["last_successful_sync"]
    assert "stale_data" not in json.loads(again.stdout)["sections"]["data_health"]  # judged at the demo's instant


def test_all_well_reports_api_version_and_every_project(tmp_path: Path, org: Any) -> None:
    d = run_doctor(tmp_path, org, faults=Faults.old_server(version="6.0"))
    assert d.ok and d.problems == []
    assert d.sections["organization"]["reachable"] == "yes"
    assert d.sections["organization"]["api_version_configured"] == "7.1"
    assert d.sections["organization"]["api_version_in_use"] == "6.0"  # lowered, as a sync would
    for project in org.projects:
        assert d.sections["projects"][project.name] == {"exists": True, "id": project.id, "work_items": "read",
                                                        "code": "read"}
    # one request for the org and three per project (+1 for the api-version retry)
    assert d.sections["organization"]["requests"] == 1 + 3 * len(org.projects) + 1


def test_a_rejected_pat_is_one_problem_with_the_fix(tmp_path: Path, org: Any) -> None:
    d = run_doctor(tmp_path, org, pat="wrong-" + PAT)
    assert not d.ok
    [(check, message, fix)] = blocking(d)
    assert check == "organization" and "flowtui auth set" in message and fix == SET_PAT
    assert d.sections["organization"]["reachable"] == "no" and d.sections["projects"] == {}  # no project asked
    assert PAT not in json.dumps(d.to_json())


def test_an_unknown_project_is_named_with_the_fix(tmp_path: Path, org: Any) -> None:
    known = org.projects[0].name
    d = run_doctor(tmp_path, org, [known, "No Such Project"])
    [(check, message, fix)] = blocking(d)
    assert check == "project No Such Project" and "'No Such Project' does not exist" in message
    assert fix.startswith("Correct the name in ado.projects")
    assert d.sections["projects"]["No Such Project"] == {"exists": False}
    assert d.sections["projects"][known]["work_items"] == "read"
    out = io.StringIO()
    print_diagnosis(d, out)
    text = out.getvalue()
    assert "✗ project No Such Project: Project 'No Such Project' does not exist" in text
    assert "    fix: Correct the name in ado.projects" in text and text.endswith("1 problem blocks a sync.\n")


def test_a_missing_code_scope_is_reported_per_project(tmp_path: Path, org: Any) -> None:
    d = run_doctor(tmp_path, org, [org.projects[0].name], faults=Faults(forbidden_routes=("repositories",)))
    [(check, message, fix)] = blocking(d)
    assert check == f"project {org.projects[0].name}" and "HTTP 401" in message
    assert message.startswith("Reading _apis/git/repositories (Code (read)) failed: ")
    assert fix.startswith("Give the PAT the Code (read) scope")
    assert d.sections["projects"][org.projects[0].name]["code"] == "refused"
    # without PR sync the Code scope is not needed, so it is not asked for
    assert run_doctor(tmp_path, org, [org.projects[0].name], faults=Faults(forbidden_routes=("repositories",)),
                      **{"sync.pull_requests": False}).ok


def test_a_broken_store_and_a_broken_config_are_blocking(tmp_path: Path, org: Any,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "store.sqlite").write_bytes(b"this is not sqlite" * 10)
    d = run_doctor(tmp_path, org)
    [(check, message, fix)] = blocking(d)
    assert check == "store" and "not a flowtui store" in message and "run `flowtui sync`" in fix
    config = tmp_path / "bad.toml"
    config.write_text('[ado]\ntimeout_s = "soon"\n', encoding="utf-8")
    assert main(["doctor", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert f"✗ config: {config}: ado.timeout_s = 'soon' is not valid" in out and "fix: Fix the value" in out


def test_a_plain_file_keyring_is_flagged(plaintext_keyring: Any, tmp_path: Path, org: Any) -> None:
    sim = SimulatedAdo(org, pat=PAT, faults=Faults())
    plaintext_keyring.set_password("flowtui", sim.base_url, PAT)
    conn = resolve_pat(sim.base_url, env={})
    assert conn.pat == PAT and conn.source == "keyring"
    d = diagnose(sim_settings(tmp_path, sim, [org.projects[0].name]), Connection(conn.pat, conn.source, sim.transport))
    assert d.ok  # a warning: the PAT works, but it sits in a plain file
    assert d.sections["auth"]["keyring_keeps_plain_files"] is True and d.sections["auth"]["pat"] == "set (from keyring)"
    [warning] = d.problems
    assert warning.check == "auth" and not warning.blocking
    assert "keeps the PAT in a plain file" in warning.message and "FLOWTUI_PAT" in warning.fix


def test_server_text_is_printed_as_data(tmp_path: Path, org: Any) -> None:
    d = run_doctor(tmp_path, org, [org.projects[0].name, "Missing [red]x[b]"])
    d.problem("organization", "Server said \x1b]0;pwned\x07 [bold]hi[/bold]", "Do something.")
    out = io.StringIO()
    print_diagnosis(d, out)
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "Server said \ufffd]0;pwned\ufffd [bold]hi[/bold]" in text  # controls neutralised, brackets verbatim
    assert "Project 'Missing [red]x[b]' does not exist" in text
