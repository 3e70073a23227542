"""`flowtui export DIR [--what powerbi|flow|all]`: write the CSV sets of SPEC §8 into DIR.

Takes the filters, `--as-of` and the policy flags of `flowtui metrics`, so the flow set (and its
metrics.json) holds the numbers `flowtui metrics` prints for the same flags. The PowerBI set only
uses `--project` (see flowtui.export.powerbi).

For Excel: `--excel` starts the flow-set CSV files with a UTF-8 BOM (Windows Excel then reads their
accents and CJK text right; their cells are spreadsheet-safe already); `--xlsx` also writes the
`flowtui.xlsx` workbook, one sheet per CSV file, and needs the `xlsx` extra. The two are independent:
`--excel --xlsx` gives both. The PowerBI CSV files are the same bytes with or without either flag.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from flowtui.cli.common import (
    add_common_options,
    add_filter_options,
    item_filter_from_args,
    parse_day,
    reading_store,
    report_as_of,
    settings_from_args,
)
from flowtui.cli.metrics_cmd import add_policy_options, policy_from_args
from flowtui.export import WHAT_CHOICES, WORKBOOK_NAME, ExportResult, export
from flowtui.export.workbook import require_xlsxwriter
from flowtui.text import cell_len, pad

NO_DATA_HINT = "no data yet — run `flowtui sync`"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write CSV files (the PowerBI PR set and/or the flow set) into a directory",
        description="Write CSV files into DIR: the six-file PowerBI PR set and/or the flow set "
        "(work_items.csv, transitions.csv, throughput_weekly.csv, metrics.json). DIR is created when "
        "missing; it may hold only files of a previous flowtui export, which are replaced. The same store "
        "gives byte-identical PowerBI files; pass --as-of for byte-identical flow files.",
    )
    parser.add_argument("directory", metavar="DIR", help="directory to write into (created when missing)")
    parser.add_argument("--what", choices=WHAT_CHOICES, default="all", help="which file set to write (default: all)")
    parser.add_argument(
        "--excel-safe", action="store_true",
        help="also neutralise spreadsheet formulas in the PowerBI set (text starting with = + - @ TAB CR gets a ' "
        "prefix; the flow set always gets it)",
    )
    parser.add_argument("--json", action="store_true",
                        help="print what was written as JSON (directory, each file's path and row count)")
    parser.add_argument(
        "--excel", action="store_true",
        help="start the flow-set CSV files with a UTF-8 byte order mark, so Windows Excel opens them with the "
        "right characters (the PowerBI set is unchanged)",
    )
    parser.add_argument(
        "--xlsx", action="store_true",
        help="also write flowtui.xlsx: one sheet per CSV file, frozen header row, numbers as numbers, "
        "instants as UTC dates (needs: pip install 'flowtui[xlsx]')",
    )
    add_common_options(parser)
    add_filter_options(parser)
    add_policy_options(parser)  # the flow set uses the same policy flags as `flowtui metrics`
    parser.set_defaults(handler=run)


def summary_lines(result: ExportResult) -> list[str]:
    """The human summary: one line per file with its row count, then the empty-store hint."""
    width = max((cell_len(f.path.name) for f in result.files), default=0)
    lines = [f"Wrote {len(result.files)} files to {result.directory}:"]
    sheets = sum(1 for f in result.files if f.path.suffix == ".csv")
    for f in result.files:
        if f.path.suffix == ".xlsx":
            count = f"workbook, {sheets} sheet{'' if sheets == 1 else 's'}"
        elif f.rows is None:
            count = "report"
        else:
            count = f"{f.rows} row{'' if f.rows == 1 else 's'}"
        lines.append(f"  {pad(f.path.name, width)}  {count}")
    if result.cut_cells:
        lines.append(f"{result.cut_cells} text cell(s) longer than Excel's 32,767 characters were cut in "
                     f"{WORKBOOK_NAME}; the CSV files hold them whole.")
    if result.store_empty:
        lines.append(f"The store is empty ({result.directory} holds headers and zeros only): {NO_DATA_HINT}.")
    return lines


def summary_json(result: ExportResult, what: str) -> dict[str, Any]:
    """The `--json` summary: the directory, each file with its absolute path and data rows (null for
    metrics.json), the total, and `store_empty` with the same hint the human summary prints."""
    return {
        "directory": str(result.directory.resolve()),
        "what": what,
        "files": [{"name": f.path.name, "path": str(f.path.resolve()), "rows": f.rows} for f in result.files],
        "total_rows": result.total_rows,
        "store_empty": result.store_empty,
        "hint": NO_DATA_HINT if result.store_empty else None,
    }


def run(args: argparse.Namespace) -> int:
    # Validate every flag before the store is opened, so a typo never creates or touches a store.
    if args.xlsx:
        require_xlsxwriter()
    as_of = report_as_of(args)
    window_from = parse_day(getattr(args, "date_from", None), "--from")
    window_to = parse_day(getattr(args, "date_to", None), "--to")
    settings = settings_from_args(args)
    item_filter = item_filter_from_args(args, settings)
    policy = policy_from_args(args, settings)
    with reading_store(settings) as store:  # a missing store exports headers only and is not created
        result = export(
            store, settings, Path(args.directory), what=args.what, item_filter=item_filter,
            as_of=as_of, window_from=window_from, window_to=window_to, policy=policy,
            excel_safe=args.excel_safe, bom=args.excel, workbook=args.xlsx,
        )
    if args.json:
        print(json.dumps(summary_json(result, args.what), indent=2, ensure_ascii=False))
    else:
        print("\n".join(summary_lines(result)))
    return 0
