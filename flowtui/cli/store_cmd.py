"""`flowtui store copy SRC DST`: move a store between SQLite files and PostgreSQL databases."""

from __future__ import annotations

import argparse
import sys

from flowtui.cli.common import add_common_options
from flowtui.errors import StoreError
from flowtui.store.copy import DEFAULT_BATCH, copy_store
from flowtui.text import clean


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("store", help="manage stores: copy one between SQLite and PostgreSQL")
    actions = parser.add_subparsers(dest="store_action", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy", help="copy every row of SRC into DST (a path or a postgresql:// URL); resumable: run it again",
        description="Copy a store table by table in batches (SQLite <-> PostgreSQL). DST is created or upgraded; "
        "rows already in DST are overwritten. Re-running continues after an interruption. Row counts are "
        "compared at the end. URLs carry no password: use the keyring (service flowtui-db), PGPASSWORD or ~/.pgpass.",
    )
    copy.add_argument("source", metavar="SRC", help="the store to read: a path or postgresql://user@host:port/db")
    copy.add_argument("target", metavar="DST", help="the store to write: a path or postgresql://user@host:port/db")
    copy.add_argument("--batch", type=int, default=DEFAULT_BATCH, metavar="N",
                      help=f"rows per transaction (default {DEFAULT_BATCH})")
    add_common_options(copy)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    def progress(table: str, done: int, total: int) -> None:
        if args.verbose:
            print(f"  {table}: {done}/{total}", file=sys.stderr)

    report = copy_store(args.source, args.target, batch=args.batch, progress=progress)
    width = max([len(t.table) for t in report.tables] + [5])
    print(f"{'table'.ljust(width)}  {'source':>10}  {'copied':>10}")
    for t in report.tables:
        print(f"{t.table.ljust(width)}  {t.source:>10}  {t.target:>10}{'' if t.ok else '  MISMATCH'}")
    if not report.ok:
        bad = [t for t in report.tables if not t.ok]
        raise StoreError(
            f"The copy finished but {len(bad)} table(s) differ in row count ({', '.join(t.table for t in bad)}): "
            f"{clean(str(args.target))} held other rows before; copy into an empty store to get an exact copy."
        )
    print(f"copied {report.rows} rows into {clean(str(args.target))}; every table's count matches.")
    return 0
