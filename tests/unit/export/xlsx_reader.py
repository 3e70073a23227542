"""A minimal reader of .xlsx files for the tests: the zip's XML parsed with ElementTree (no openpyxl).

It reads what the workbook tests assert on: sheet names in order, every cell's value and type
(shared string, inline string, number), the cell's number format, frozen panes and column widths.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 22}


@dataclass
class Cell:
    """One cell: `kind` is "s" (text), "n" (number) or "f" (a formula, which flowtui never writes)."""

    kind: str
    value: str | float
    number_format: str = "General"


@dataclass
class Sheet:
    name: str
    rows: dict[int, dict[int, Cell]] = field(default_factory=dict)
    frozen_rows: int = 0
    widths: dict[int, float] = field(default_factory=dict)

    def grid(self) -> list[list[Cell | None]]:
        """The rows as lists (missing cells are None), row 1 first."""
        width = 1 + max((c for row in self.rows.values() for c in row), default=-1)
        return [[self.rows[r].get(c) for c in range(width)] for r in sorted(self.rows)]


def _col(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)  # type: ignore[union-attr]
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _text(si: ET.Element) -> str:
    """The string, with OOXML's `_xHHHH_` escapes (a CR is stored as `_x000D_`) decoded as Excel does."""
    raw = "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), raw)


def read_workbook(path: Path) -> list[Sheet]:
    """Every sheet of the workbook at `path`, in workbook order."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        workbook = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
        strings = ([_text(si) for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)]
                   if "xl/sharedStrings.xml" in names else [])
        styles = ET.fromstring(z.read("xl/styles.xml"))
        custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{{{NS['m']}}}numFmt")}
        xfs = styles.find("m:cellXfs", NS)
        formats = []
        for xf in xfs.findall("m:xf", NS) if xfs is not None else []:
            fid = int(xf.get("numFmtId", "0"))
            formats.append(custom.get(fid, "date" if fid in _BUILTIN_DATE_FORMATS else "General"))
        sheets = []
        for entry in workbook.find("m:sheets", NS).findall("m:sheet", NS):  # type: ignore[union-attr]
            target = targets[entry.get(f"{{{NS['r']}}}id")]
            root = ET.fromstring(z.read("xl/" + target.removeprefix("/xl/")))
            sheet = Sheet(entry.get("name", ""))
            pane = root.find(".//m:sheetView/m:pane", NS)
            if pane is not None and pane.get("state") == "frozen":
                sheet.frozen_rows = int(float(pane.get("ySplit", "0")))
            for col in root.findall(".//m:cols/m:col", NS):
                for c in range(int(col.get("min")) - 1, int(col.get("max"))):
                    sheet.widths[c] = float(col.get("width"))
            for row in root.findall(".//m:sheetData/m:row", NS):
                cells: dict[int, Cell] = {}
                for c in row.findall("m:c", NS):
                    fmt = formats[int(c.get("s", "0"))] if formats else "General"
                    if c.find("m:f", NS) is not None:
                        cells[_col(c.get("r"))] = Cell("f", c.find("m:f", NS).text or "", fmt)
                    elif c.get("t") == "s":
                        cells[_col(c.get("r"))] = Cell("s", strings[int(c.find("m:v", NS).text)], fmt)
                    elif c.get("t") == "inlineStr":
                        cells[_col(c.get("r"))] = Cell("s", _text(c.find("m:is", NS)), fmt)
                    elif c.find("m:v", NS) is not None:
                        cells[_col(c.get("r"))] = Cell("n", float(c.find("m:v", NS).text), fmt)
                sheet.rows[int(row.get("r"))] = cells
            sheets.append(sheet)
    return sheets
