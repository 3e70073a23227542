"""Spreadsheet-safe exports: formula-like text is neutralised with a `'` prefix (OWASP), numbers stay numbers.

The flow set always neutralises; the PowerBI set is byte-identical to before unless `--excel-safe`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from export_store import AS_OF, DATA, ORG_URL, fill_flow, fill_powerbi
from export_store import t as datetime_of

from flowtui.cli.main import main
from flowtui.config import Settings
from flowtui.domain import PullRequest, Revision, WorkItem
from flowtui.export import POWERBI_FILES, export
from flowtui.export.excel_safe import neutralise, safe_table
from flowtui.export.powerbi import Table
from flowtui.store import Store, open_store

CALC = "=cmd|' /C calc'!A0"
HOSTILE = {201: CALC, 202: "+SUM(A1:A9)", 203: "-2+3", 204: "@HYPERLINK(\"http://x\")", 205: "\tTab", 206: "\rCR",
           207: "a=b is fine", 208: "-1.5"}


def _hostile_store(path: Path) -> Store:
    store = open_store(path)
    fill_powerbi(store)
    fill_flow(store)
    at = datetime_of("2026-11-02T09:00:00")
    items = [WorkItem(id=wid, project="Fabrikam", type="User Story", title=title, state="New", created_at=at,
                      changed_at=at, rev=1, assigned_to="=Mallory", area_path="+Area", iteration_path="@It",
                      tags=("-tag", "ok"))
             for wid, title in HOSTILE.items()]
    revisions = [Revision(i.id, 1, at, "New", changed_by="@Eve") for i in items]
    pr = PullRequest(uid="r-a-77", pull_request_id=77, organization="Contoso", project="Fabrikam", repository_id="r-a",
                     repository_name="api", author_id="u-alice", author_name="Alice S.", title=CALC, status="completed",
                     created_at=at, closed_at=datetime_of("2026-11-02T10:00:00"), description="-desc")
    with store.transaction():
        store.upsert_work_items(items)
        store.upsert_revisions(revisions)
        store.upsert_pull_requests([pr])
    return store


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_neutralise_prefixes_a_quote_to_text_only() -> None:
    assert [neutralise(v) for v in ("=1", "+1", "-1", "@a", "\tx", "\rx", "a=1", "", " =1")] == \
        ["'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "a=1", "", " =1"]
    assert [neutralise(v) for v in (-1.5, -3, None)] == [-1.5, -3, None]
    table = Table("t.csv", ("a", "b"), [("=x", -2.0), ("plain", -1)])
    assert safe_table(table).rows == [("'=x", -2.0), ("plain", -1)]


def test_flow_set_neutralises_every_text_column(tmp_path: Path, settings: Settings) -> None:
    store = _hostile_store(tmp_path / "s.sqlite")
    try:
        export(store, settings, tmp_path / "out", what="flow", as_of=AS_OF)
    finally:
        store.close()
    items = {int(r["id"]): r for r in _rows(tmp_path / "out" / "work_items.csv")}
    assert items[201]["title"] == "'" + CALC
    assert items[202]["title"] == "'+SUM(A1:A9)"
    assert items[203]["title"] == "'-2+3"
    assert items[204]["title"] == "'@HYPERLINK(\"http://x\")"
    assert items[205]["title"] == "'\tTab"
    assert items[206]["title"] == "'\rCR"
    assert items[207]["title"] == "a=b is fine"
    assert items[208]["title"] == "'-1.5"
    assert (items[201]["assigned_to"], items[201]["area_path"], items[201]["iteration_path"], items[201]["tags"]) == \
        ("'=Mallory", "'+Area", "'@It", "'-tag; ok")
    # the untouched items keep their text
    assert items[101]["title"] == "Story, with comma"
    # genuine numbers are numbers: 101's lead time 3.5 d (hand-worked in export_store.py) is unquoted
    assert items[101]["lead_time_days"] == "3.5"
    transitions = [r for r in _rows(tmp_path / "out" / "transitions.csv") if r["work_item_id"] == "201"]
    assert [r["changed_by"] for r in transitions] == ["'@Eve"]
    text = (tmp_path / "out" / "work_items.csv").read_text(encoding="utf-8")
    assert "\n=" not in text and ",=" not in text and ',"=' not in text


def test_negative_numbers_stay_numbers() -> None:
    table = Table("x.csv", ("title", "days"), [("-5 days", -5.25), ("fine", -0.5)])
    from io import StringIO

    from flowtui.export.csvfmt import write_rows

    buffer = StringIO()
    write_rows(buffer, table.header, safe_table(table).rows)
    assert buffer.getvalue() == "title,days\n'-5 days,-5.25\nfine,-0.5\n"


def _powerbi(tmp_path: Path, store_path: Path, name: str, *extra: str) -> Path:
    out = tmp_path / name
    assert main(["export", str(out), "--what", "powerbi", "--db", str(store_path), "--org-url", ORG_URL,
                 "--as-of", "2026-11-23T12:00:00Z", *extra]) == 0
    return out


def test_powerbi_set_is_verbatim_by_default_and_safe_with_the_flag(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _hostile_store(tmp_path / "s.sqlite").close()
    plain = _powerbi(tmp_path, tmp_path / "s.sqlite", "plain")
    safe = _powerbi(tmp_path, tmp_path / "s.sqlite", "safe", "--excel-safe")
    plain_prs = {r["pull_request_uid"]: r for r in _rows(plain / "pull_requests.csv")}
    safe_prs = {r["pull_request_uid"]: r for r in _rows(safe / "pull_requests.csv")}
    assert plain_prs["r-a-77"]["title"] == CALC and plain_prs["r-a-77"]["description"] == "-desc"
    assert safe_prs["r-a-77"]["title"] == "'" + CALC and safe_prs["r-a-77"]["description"] == "'-desc"
    # votes are numbers: -5 / -10 stay as they are in both sets
    assert sorted(r["vote"] for r in _rows(safe / "reviewers.csv")) == sorted(r["vote"] for r in _rows(plain / "reviewers.csv"))
    assert "-10" in {r["vote"] for r in _rows(safe / "reviewers.csv")}
    # files without formula-like text are byte-identical either way
    for name in ("organizations.csv", "projects.csv", "repositories.csv", "users.csv", "reviewers.csv"):
        assert (plain / name).read_bytes() == (safe / name).read_bytes()


def test_golden_powerbi_files_are_unchanged_by_default(tmp_path: Path, store: Store, settings: Settings) -> None:
    export(store, settings, tmp_path / "out", what="powerbi", as_of=AS_OF)
    for name in POWERBI_FILES:
        assert (tmp_path / "out" / name).read_bytes() == (DATA / name).read_bytes()
