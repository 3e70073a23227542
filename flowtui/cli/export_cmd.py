"""`flowtui export DIR [--what powerbi|flow|all]`: write the CSV sets of SPEC §8 into DIR.

Takes the filters, `--as-of` and the policy flags of `flowtui metrics`, so the flow set (and its
metrics.json) holds the numbers `flowtui metrics` prints for the same flags. The PowerBI set only
uses `--project` (see flowtui.export.powerbi).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from flowtui.cli.common import (
    add_common_options,
    add_filter_options,
    item_filter_from_args,
    open_store_from_args,
    parse_day,
    report_as_of,
    settings_from_args,
)
from flowtui.cli.metrics_cmd import add_policy_options, policy_from_args
from flowtui.export import WHAT_CHOICES, ExportResult, export

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
    add_common_options(parser)
    add_filter_options(parser)
    add_policy_options(parser)  # the flow set uses the same policy flags as `flowtui metrics`
    parser.set_defaults(handler=run)


def summary_lines(result: ExportResult) -> list[str]:
    """The human summary: one line per file with its row count, then the empty-store hint."""
    width = max((len(f.path.name) for f in result.files), default=0)
    lines = [f"Wrote {len(result.files)} files to {result.directory}:"]
    for f in result.files:
        count = "report" if f.rows is None else f"{f.rows} row{'' if f.rows == 1 else 's'}"
        lines.append(f"  {f.path.name:<{width}}  {count}")
    if result.store_empty:
        lines.append(f"The store is empty ({result.directory} holds headers and zeros only): {NO_DATA_HINT}.")
    return lines


def run(args: argparse.Namespace) -> int:
    # Validate every flag before the store is opened, so a typo never creates or touches a store.
    as_of = report_as_of(args)
    window_from = parse_day(getattr(args, "date_from", None), "--from")
    window_to = parse_day(getattr(args, "date_to", None), "--to")
    settings = settings_from_args(args)
    item_filter = item_filter_from_args(args, settings)
    policy = policy_from_args(args, settings)
    store = open_store_from_args(args, settings)
    try:
        result = export(
            store, settings, Path(args.directory), what=args.what, item_filter=item_filter,
            as_of=as_of, window_from=window_from, window_to=window_to, policy=policy,
            excel_safe=args.excel_safe,
        )
    finally:
        store.close()
    print("\n".join(summary_lines(result)))
    return 0
