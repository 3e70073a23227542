"""Spreadsheet-safe cells: text that a spreadsheet would run as a formula is neutralised.

A CSV cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (CSV / formula injection: `=cmd|' /C calc'!A0`,
`=HYPERLINK(...)`). Following the OWASP recommendation, such a cell gets a single quote `'`
prefixed: spreadsheets show the text, and the quote tells a reader the cell was neutralised.

Only text is touched: values that are numbers in flowtui (ints, floats such as a negative duration,
datetimes, None) are written as numbers, so `-1.5` stays the number -1.5. A *text* cell holding
`-1.5` (a title, say) is neutralised like any other text. The flow set always applies this rule;
the PowerBI set applies it only with `flowtui export --excel-safe` (by default it stays
byte-compatible with the files existing dashboards read).
"""

from __future__ import annotations

from flowtui.export.powerbi import Table

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """`value` with a `'` prefixed when it is text starting with a formula character; others unchanged."""
    if type(value) is str and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_table(table: Table) -> Table:
    """The same table with every text cell neutralised (rows without such a cell are reused as is)."""
    rows: list[tuple[object, ...]] = []
    for row in table.rows:
        if any(type(v) is str and v.startswith(FORMULA_STARTS) for v in row):
            row = tuple(neutralise(v) for v in row)
        rows.append(row)
    return Table(table.name, table.header, rows)


__all__ = ["FORMULA_STARTS", "neutralise", "safe_table"]
