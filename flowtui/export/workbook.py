"""The Excel workbook of an export (`flowtui export --xlsx`): one sheet per CSV file written.

Needs the optional `xlsx` extra (`pip install 'flowtui[xlsx]'`, which installs xlsxwriter);
`require_xlsxwriter()` says so in one sentence (UsageError, exit 2) before any work is done.

What a sheet holds — the same rows, in the same order, as the CSV file it is named after (the
file name without `.csv`), so the flow sheets carry the flow set's spreadsheet-safe text too:

* Row 1 is the header, frozen (it stays visible while scrolling) and with an autofilter.
* Numbers are numbers (ints and floats as Excel numbers, so they sum and sort); text is always
  written as text, never as a formula, whatever it starts with.
* Instants are real Excel date-times in UTC (format `yyyy-mm-dd hh:mm:ss`), so they sort, filter and
  subtract as dates; the CSV files keep the ISO text `2026-11-23T12:00:00Z`.
* Column widths follow the widest cell of the column (terminal cells, so CJK counts double),
  between 6 and 60 characters.
* Excel limits are checked, never silently exceeded: a table with more rows than a sheet holds
  (1,048,575 below the header) fails the export before anything is written (ExportError); a text
  cell longer than 32,767 characters is cut to that length in the workbook only (the CSV keeps it
  whole) and counted, and the export summary says how many were cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import IO, Any

from rich.cells import cell_len

from flowtui.errors import ExportError, UsageError
from flowtui.export.powerbi import Table
from flowtui.timeutil import to_utc

#: The workbook's file name in the export directory.
WORKBOOK_NAME = "flowtui.xlsx"
#: The install line named by the error when xlsxwriter is missing.
XLSX_EXTRA_HINT = "pip install 'flowtui[xlsx]'"
#: Excel's limits: rows per sheet (the header included) and characters per cell.
MAX_SHEET_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
MIN_WIDTH, MAX_WIDTH, DATETIME_WIDTH = 6, 60, 19
#: Rows sampled per column to size it (the widest value in a long table is rarely far off).
_WIDTH_SAMPLE = 2_000


def require_xlsxwriter() -> Any:
    """The xlsxwriter module, or UsageError (exit 2) naming the extra that installs it."""
    try:
        import xlsxwriter
    except ImportError:
        raise UsageError(
            f"--xlsx needs the optional xlsxwriter package, which is not installed; run `{XLSX_EXTRA_HINT}` "
            "(or export without --xlsx)."
        ) from None
    return xlsxwriter


def sheet_name(table: Table) -> str:
    """The sheet of a CSV file: its name without `.csv` (every flowtui file name fits Excel's 31 characters)."""
    return table.name.removesuffix(".csv")[:31]


def check_limits(tables: Sequence[Table]) -> None:
    """Refuse (ExportError, before anything is written) a table longer than an Excel sheet."""
    for table in tables:
        if len(table.rows) + 1 > MAX_SHEET_ROWS:
            raise ExportError(
                f"{table.name} has {len(table.rows):,} rows, more than an Excel sheet holds "
                f"({MAX_SHEET_ROWS - 1:,}); export without --xlsx, or narrow it with --project or --from/--to."
            )


def _width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return DATETIME_WIDTH
    if isinstance(value, str):
        return cell_len(value[:MAX_WIDTH * 2])
    return len(str(value))


def column_widths(table: Table) -> list[int]:
    """Each column's width in characters: its widest header or sampled cell, clamped to 6..60."""
    widths = [cell_len(h) for h in table.header]
    for row in table.rows[:_WIDTH_SAMPLE]:
        for index, value in enumerate(row):
            w = _width(value)
            if w > widths[index]:
                widths[index] = w
    return [min(MAX_WIDTH, max(MIN_WIDTH, w + 1)) for w in widths]


def write_workbook(handle: IO[bytes], tables: Sequence[Table], *, created: datetime) -> int:
    """Write the workbook to a binary `handle`; returns how many text cells were cut to 32,767 characters.

    `created` (the export's as_of) is the document's creation time, so the same export gives the
    same workbook content.
    """
    xlsxwriter = require_xlsxwriter()
    cut = 0
    # in_memory: no temporary files of xlsxwriter's own; the caller's handle is the only output.
    workbook = xlsxwriter.Workbook(handle, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": "flowtui export", "creator": "flowtui",
                             "created": to_utc(created).replace(tzinfo=None)})
    header_format = workbook.add_format({"bold": True, "bottom": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for table in tables:
        sheet = workbook.add_worksheet(sheet_name(table))
        for col, width in enumerate(column_widths(table)):
            sheet.set_column(col, col, width)
        sheet.write_row(0, 0, table.header, header_format)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(table.rows), 1), len(table.header) - 1)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row):
                cut += _write_cell(sheet, r, c, value, date_format)
    workbook.close()
    return cut


def _write_cell(sheet: Any, row: int, col: int, value: object, date_format: Any) -> int:
    """Write one value with its own type; returns 1 when a text was cut to Excel's cell limit."""
    if value is None:
        return 0
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
        if len(text) > MAX_CELL_CHARS:
            sheet.write_string(row, col, text[:MAX_CELL_CHARS])
            return 1
        sheet.write_string(row, col, text)
    elif kind is int or kind is float:
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, to_utc(value).replace(tzinfo=None), date_format)
    else:
        raise TypeError(f"no workbook form for {kind.__name__}")
    return 0


__all__ = [
    "MAX_CELL_CHARS", "MAX_SHEET_ROWS", "WORKBOOK_NAME", "XLSX_EXTRA_HINT", "check_limits", "column_widths",
    "require_xlsxwriter", "sheet_name", "write_workbook",
]
