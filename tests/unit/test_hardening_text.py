"""Server text is data: the sanitiser, error messages, and the CLI surfaces that print server text.

The hostile simulated org (`generate_org(hostile_text=True)`) carries `John Smith [Contractor]`,
`Mallory [/oops]`, `[link=http://x]y[/link]`, `[UI] Fix login`, an ESC sequence and a CJK/emoji
title; it is synced through the real client into a real store, and `flowtui metrics` / `flowtui
sync` output is checked: verbatim text, no ESC, no crash.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest

from flowtui.ado.errors import map_error
from flowtui.cli.main import main
from flowtui.cli.metrics_cmd import print_report
from flowtui.cli.sync_cmd import PlainDisplay, _report
from flowtui.demo import hostile
from flowtui.demo.generator import generate_org
from flowtui.demo.transport import SimulatedAdo
from flowtui.store import open_store
from flowtui.sync import run_sync
from flowtui.sync.progress import SyncProgress, SyncSummary
from flowtui.text import REPLACEMENT, clean, is_clean

from flowtui.config import load_settings

ESC = "\x1b"
MARKUP = ("[UI] Fix", "John Smith [Contractor]", "Mallory [/oops]", "[link=http://x]y[/link]")


@pytest.mark.parametrize("raw, one_line, multi_line", [
    ("plain", "plain", "plain"),
    ("[UI] Fix", "[UI] Fix", "[UI] Fix"),
    (hostile.ESCAPE, "\ufffd]0;pwned\ufffd", "\ufffd]0;pwned\ufffd"),
    ("a\nb\tc\r\nd\re", "a\ufffdb\ufffdc\ufffd\ufffdd\ufffde", "a\nb\tc\nd\ne"),
    ("nul\x00del\x7fc1\x85\x9b", "nul\ufffddel\ufffdc1\ufffd\ufffd", "nul\ufffddel\ufffdc1\ufffd\ufffd"),
    ("lone \ud800 \udfff", "lone \ufffd \ufffd", "lone \ufffd \ufffd"),
    ("修复 🐛 Ünïcödé", "修复 🐛 Ünïcödé", "修复 🐛 Ünïcödé"),
])
def test_clean(raw: str, one_line: str, multi_line: str) -> None:
    assert clean(raw) == one_line
    assert clean(raw, multiline=True) == multi_line
    assert is_clean(one_line) and clean(one_line) == one_line  # idempotent
    clean(raw).encode("utf-8")  # always encodable (SQLite, files, terminals)


def test_server_error_text_is_cleaned() -> None:
    request = httpx.Request("GET", "https://dev.azure.com/org/P/_apis/x")
    body = {"message": f"TF400898: boom {hostile.ESCAPE} [/oops]", "typeKey": "X\x1b"}
    response = httpx.Response(500, json=body, request=request)
    error = map_error(response, org_url="https://dev.azure.com/org", project="P", api_version="7.1")
    assert ESC not in str(error) and "\x07" not in str(error)
    assert f"boom {REPLACEMENT}]0;pwned{REPLACEMENT} [/oops]" in str(error)
    header = httpx.Response(400, headers={"x-tfs-serviceerror": "bad%1B%5B2Jthing"}, request=request)
    error = map_error(header, org_url="https://dev.azure.com/org", project="P", api_version="7.1")
    assert ESC not in str(error) and f"bad{REPLACEMENT}[2Jthing" in str(error)


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The tiny hostile org synced into a store (once for the module)."""
    tmp = tmp_path_factory.mktemp("hostile")
    org = generate_org(seed=7, size="tiny", now=hostile_now(), hostile_text=True)
    sim = SimulatedAdo(org)
    settings = load_settings(config=tmp / "absent.toml", db=tmp / "store.sqlite", env={},
                             flags={"ado.org_url": sim.base_url, "ado.projects": [p.name for p in org.projects]})
    with open_store(settings.db_path) as store:
        summary = run_sync(settings, store, pat=sim.pat, transport=sim.transport, sleep=lambda _s: None, now=org.now)
    assert summary.status == "success", summary.first_error
    return settings.db_path, sim.base_url


def hostile_now():  # noqa: ANN201 - the demo clock
    from flowtui.demo import DEFAULT_NOW

    return DEFAULT_NOW


def test_hostile_text_is_stored_clean_and_verbatim(hostile_db: tuple[Path, str]) -> None:
    with open_store(hostile_db[0]) as store:
        titles = {h.item.title for h in store.work_item_histories()}
        names = {i.display_name for i in store.identities()}
        repos = {r.name for r in store.repositories()}
        prs = store.pull_requests(status=None)
    assert "[UI] Fix login" in titles and "修复登录页面的错误 🐛 wide" in titles
    assert f"Title with an escape {REPLACEMENT}]0;pwned{REPLACEMENT}done" in titles
    assert set(hostile.NAMES) <= names
    assert all(r.endswith(hostile.REPO_SUFFIX) for r in repos)
    assert not any(ESC in t for t in titles | {p.title for p in prs})


def test_metrics_table_prints_server_text_verbatim(hostile_db: tuple[Path, str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db, url = hostile_db
    assert main(["metrics", "--db", str(db), "--org-url", url, "--as-of", "2026-11-23T12:00:00Z",
                 "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    reviewers = {r["user"] for r in report["pull_requests"]["reviewers"]}
    assert reviewers & set(hostile.NAMES)  # the hostile names reach the table
    out = io.StringIO()
    print_report(report, file=out)
    text = out.getvalue()
    for name in reviewers & set(hostile.NAMES):
        assert f"reviewer {name}" in text
    assert ESC not in text
    # the same through the command (a crash here was a MarkupError)
    assert main(["metrics", "--db", str(db), "--org-url", url, "--as-of", "2026-11-23T12:00:00Z"]) == 0
    printed = capsys.readouterr().out
    assert "Mallory [/oops]" in printed and ESC not in printed


def test_print_report_keeps_markup_like_state_names(hostile_db: tuple[Path, str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """States named like markup in WIP-by-state, time in state, bottleneck and data health print as is."""
    db, url = hostile_db
    assert main(["metrics", "--db", str(db), "--org-url", url, "--as-of", "2026-11-23T12:00:00Z",
                 "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    report["wip"]["by_state"] = {"[b]Doing[/b]": 2}
    report["time_in_state_days"] = {"Mallory [/oops]": {"mean": 1.0, "p50": 1.0, "p85": 1.0, "share": 0.5}}
    report["bottleneck"] = {"state": "[link=http://x]y[/link]", "share": 0.5, "p85_days": 1.0}
    report["data_health"] = [{"code": "x", "count": 1, "message": "state [/] :bug: unknown"}]
    out = io.StringIO()
    print_report(report, file=out)
    text = out.getvalue()
    for expected in ("[b]Doing[/b] 2", "Mallory [/oops]", "[link=http://x]y[/link]", "state [/] :bug: unknown"):
        assert expected in text


def test_sync_progress_and_summary_lines_carry_no_escape(capsys: pytest.CaptureFixture[str]) -> None:
    lines: list[str] = []
    display = PlainDisplay(lines.append)
    display.update(SyncProgress(stage="warning", project="P [x]", message=f"work item 1: {hostile.ESCAPE}"))
    assert lines and ESC not in "".join(lines) and "P [x]" in lines[0]
    summary = SyncSummary(run_id=1, status="failed", first_error=f"boom {ESC}[2J", error_project="Mallory [/oops]")
    assert _report(summary) == 1
    err = capsys.readouterr().err
    assert ESC not in err and "Mallory [/oops]" in err
