"""`flowtui export --excel` (BOM on the flow set) and `--xlsx` (the workbook), through the real entry point.

The workbook is read back with a small zip + XML reader (xlsx_reader.py), not with xlsxwriter.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from export_store import DATA, ORG_URL
from xlsx_reader import Sheet, read_workbook

from flowtui.cli.main import main
from flowtui.errors import ExportError
from flowtui.export import ALL_FILES, FLOW_HEADERS, POWERBI_FILES, POWERBI_HEADERS
from flowtui.export.powerbi import Table
from flowtui.export.workbook import MAX_CELL_CHARS, MAX_SHEET_ROWS, check_limits, column_widths, write_workbook
from flowtui.store import Store

pytest.importorskip("xlsxwriter")  # the test extra installs it; the missing case is monkeypatched below

AS_OF = "2026-11-23T12:00:00Z"
BOM = b"\xef\xbb\xbf"
FLOW_CSV = tuple(FLOW_HEADERS)


def _args(store: Store, out: Path, *extra: str) -> list[str]:
    return ["export", str(out), "--db", str(store.path), "--org-url", ORG_URL, "--as-of", AS_OF, *extra]


def _excel_serial(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    """Excel's date number: days since 1899-12-30 plus the fraction of the day."""
    return (date(year, month, day) - date(1899, 12, 30)).days + (hour * 60 + minute) / 1440


# --- the BOM -------------------------------------------------------------------------------------

def test_without_excel_no_file_starts_with_a_bom(store: Store, out: Path) -> None:
    assert main(_args(store, out)) == 0
    assert not any((out / name).read_bytes().startswith(BOM) for name in ALL_FILES)
    assert not (out / "flowtui.xlsx").exists()


def test_excel_puts_a_bom_before_the_flow_csvs_only(store: Store, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(store, out, "--excel")) == 0
    for name in FLOW_CSV:  # the BOM, then exactly the bytes of the golden files
        assert (out / name).read_bytes() == BOM + (DATA / name).read_bytes(), name
    for name in POWERBI_FILES:  # the PowerBI set is unchanged, byte for byte
        assert (out / name).read_bytes() == (DATA / name).read_bytes(), name
    assert not (out / "metrics.json").read_bytes().startswith(BOM)
    with (out / "work_items.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["id"] == "101" and rows[1]["title"] == "Ünïcode item"  # the header's first name has no BOM glued to it
    assert "flowtui.xlsx" not in capsys.readouterr().out  # --excel alone writes no workbook


# --- the workbook --------------------------------------------------------------------------------

@pytest.fixture
def sheets(store: Store, out: Path, capsys: pytest.CaptureFixture[str]) -> list[Sheet]:
    assert main(_args(store, out, "--xlsx")) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"Wrote 11 files to {out}:"
    assert printed[11] == "  flowtui.xlsx           workbook, 9 sheets"
    for name in ALL_FILES:  # the CSV files are those of a plain export: no BOM without --excel
        if name.endswith(".csv"):
            assert (out / name).read_bytes() == (DATA / name).read_bytes(), name
    return read_workbook(out / "flowtui.xlsx")


def test_workbook_has_a_sheet_per_csv_with_its_header_frozen(sheets: list[Sheet]) -> None:
    csv_names = [n for n in ALL_FILES if n.endswith(".csv")]
    assert [s.name for s in sheets] == [n.removesuffix(".csv") for n in csv_names]
    headers = {**POWERBI_HEADERS, **FLOW_HEADERS}
    for sheet, name in zip(sheets, csv_names, strict=True):
        header = sheet.grid()[0]
        assert [c.value for c in header if c] == list(headers[name])
        assert all(c and c.kind == "s" for c in header)
        assert sheet.frozen_rows == 1


def test_workbook_cells_hold_the_csv_values_with_their_types(sheets: list[Sheet]) -> None:
    items = {s.name: s for s in sheets}["work_items"].grid()
    header = [c.value for c in items[0]]
    row = dict(zip(header, items[1], strict=True))  # item 101, worked out in export_store.py
    assert (row["id"].kind, row["id"].value) == ("n", 101.0)
    assert (row["title"].kind, row["title"].value) == ("s", "Story, with comma")
    assert (row["lead_time_days"].kind, row["lead_time_days"].value) == ("n", 3.5)
    assert (row["cycle_time_days"].value, row["reopen_count"].value) == (2.5, 0.0)
    assert row["age_days"] is None  # NULL stays an empty cell
    created = row["created_at"]  # 2026-11-02T09:00:00Z as an Excel date-time
    assert created.kind == "n" and created.value == pytest.approx(_excel_serial(2026, 11, 2, 9))
    assert created.number_format == "yyyy-mm-dd hh:mm:ss"
    prs = {s.name: s for s in sheets}["pull_requests"].grid()
    pr_header = [c.value for c in prs[0]]
    r_a_9 = dict(zip(pr_header, prs[2], strict=True))
    assert r_a_9["cycle_time_minutes"].value == 1530.01 and r_a_9["title"].value == "Fix login, logout"
    assert r_a_9["description"].kind == "s" and "\n" in str(r_a_9["description"].value)


def test_every_sheet_matches_its_csv_file(sheets: list[Sheet], out: Path) -> None:
    for sheet in sheets:
        with (out / f"{sheet.name}.csv").open(encoding="utf-8", newline="") as handle:
            expected = list(csv.reader(handle))
        grid = sheet.grid()
        assert len(grid) == len(expected), sheet.name
        for cells, texts in zip(grid[1:], expected[1:], strict=True):
            for cell, text in zip(cells, texts, strict=False):
                if cell is None:
                    assert text == ""
                elif cell.number_format.startswith("yyyy"):
                    when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
                    assert cell.value == pytest.approx(_excel_serial(when.year, when.month, when.day, when.hour,
                                                                     when.minute) + when.second / 86400)
                elif cell.kind == "n":
                    assert cell.value == float(text)
                else:
                    assert cell.kind == "s" and cell.value == text


def test_column_widths_follow_the_widest_cell(sheets: list[Sheet]) -> None:
    items = {s.name: s for s in sheets}["work_items"]
    header = [c.value for c in items.grid()[0]]
    widths = dict(zip(header, (items.widths[i] for i in range(len(header))), strict=True))
    # "Done without doing" (18) is the widest title; created_at holds date-times (19 characters).
    assert widths["title"] == pytest.approx(19, abs=1)
    assert widths["created_at"] == pytest.approx(20, abs=1)
    assert widths["id"] == pytest.approx(6, abs=1)  # short columns get the minimum
    # Wide characters count double; very long text stops at 60.
    assert column_widths(Table("t.csv", ("a", "b"), [("修复修复修复修复", "x" * 500)])) == [17, 60]


def test_formula_like_text_is_text_in_the_workbook(tmp_path: Path) -> None:
    table = Table("t.csv", ("title", "n"), [("=1+1", -2), ("@SUM(A1)", 1.5), ("-3", None)])
    path = tmp_path / "t.xlsx"
    with path.open("wb") as handle:
        assert write_workbook(handle, [table], created=datetime(2026, 11, 23, 12)) == 0
    grid = read_workbook(path)[0].grid()
    assert [(c.kind, c.value) for c in grid[1] + grid[2]] == [("s", "=1+1"), ("n", -2.0), ("s", "@SUM(A1)"), ("n", 1.5)]
    assert (grid[3][0].kind, grid[3][0].value, grid[3][1]) == ("s", "-3", None)


def test_a_cell_longer_than_excel_allows_is_cut_and_counted(tmp_path: Path) -> None:
    table = Table("t.csv", ("text",), [("x" * (MAX_CELL_CHARS + 5),), ("short",)])
    buffer = io.BytesIO()
    assert write_workbook(buffer, [table], created=datetime(2026, 11, 23, 12)) == 1
    path = tmp_path / "t.xlsx"
    path.write_bytes(buffer.getvalue())
    grid = read_workbook(path)[0].grid()
    assert len(str(grid[1][0].value)) == 32_767 and grid[2][0].value == "short"


def test_a_table_longer_than_a_sheet_is_refused() -> None:
    check_limits([Table("ok.csv", ("a",), [("x",)] * (MAX_SHEET_ROWS - 1))])
    with pytest.raises(ExportError) as info:
        check_limits([Table("transitions.csv", ("a",), [("x",)] * MAX_SHEET_ROWS)])
    assert "transitions.csv has 1,048,576 rows" in info.value.message and "without --xlsx" in info.value.message


def test_a_failing_workbook_leaves_the_previous_export(store: Store, out: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(store, out, "--xlsx")) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*_a: object, **_kw: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("flowtui.export.write_workbook", broken)
    assert main(_args(store, out, "--xlsx", "--excel")) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no BOM slipped in, no temporaries


def test_missing_xlsxwriter_exits_2_naming_the_extra(tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # `import xlsxwriter` now raises ImportError
    db = tmp_path / "never.sqlite"
    assert main(["export", str(out), "--db", str(db), "--org-url", ORG_URL, "--xlsx"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'flowtui[xlsx]'" in err and "Traceback" not in err
    assert not out.exists() and not db.exists()  # refused before the store or DIR was touched
