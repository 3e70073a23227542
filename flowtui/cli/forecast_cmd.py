"""`flowtui forecast`: Monte Carlo "how many in N days" (`--days N`) or "when will N be done" (`--items N`)."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from typing import Any

from flowtui.cli.common import add_common_options, add_filter_options, plain_console, settings_from_args
from flowtui.cli.metrics_cmd import add_policy_options, load_analysis, policy_from_args
from flowtui.errors import UsageError
from flowtui.metrics import build_forecast, dumps
from flowtui.metrics.forecast import MAX_TARGET_DAYS, MAX_TARGET_ITEMS


def _positive(flag: str, maximum: int | None = None) -> Any:
    """An argparse type: a whole number from 1 (to `maximum`); argparse exits 2 otherwise."""

    def parse(text: str) -> int:
        digits = text.strip()
        in_range = re.fullmatch(r"\d{1,12}", digits) is not None and 1 <= int(digits) <= (maximum or 10**12)
        if not in_range:
            upto = f"from 1 to {maximum}" if maximum else "of at least 1"
            raise argparse.ArgumentTypeError(f"{flag} takes a whole number {upto}, e.g. {flag} 20")
        return int(digits)

    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("forecast", help="Monte Carlo forecast: --items N (when) or --days N (how many)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--items", type=_positive("--items", MAX_TARGET_ITEMS), metavar="N", help=f"when will N items be done? (1 to {MAX_TARGET_ITEMS})")
    mode.add_argument("--days", type=_positive("--days", MAX_TARGET_DAYS), metavar="N", help=f"how many items in the next N days? (1 to {MAX_TARGET_DAYS})")
    parser.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    parser.add_argument("--trials", type=_positive("--trials"), metavar="N", help="Monte Carlo trials (default forecast.trials)")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (default forecast.seed)")
    parser.add_argument("--history-days", type=_positive("--history-days"), metavar="N",
                        help="complete days of throughput history to sample (default forecast.history_days)")
    add_common_options(parser)
    add_filter_options(parser)
    add_policy_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "date_from", None) or getattr(args, "date_to", None):
        raise UsageError("forecast samples the last --history-days complete days; --from/--to do not apply.")
    settings = settings_from_args(args)
    policy = policy_from_args(args, settings)
    changes: dict[str, Any] = {k: getattr(args, k, None) for k in ("trials", "seed", "history_days")}
    changes = {k: v for k, v in changes.items() if v is not None}
    if changes:
        from flowtui.config import KEYS_BY_NAME

        for name, value in changes.items():
            key = KEYS_BY_NAME[f"forecast.{name}"]
            try:
                key.check(value)
            except (ValueError, TypeError):
                raise UsageError(f"--{name.replace('_', '-')} {value} is not valid; allowed: {key.allowed}.") from None
        policy = replace(policy, **changes)
    # The policy (history_days included) is final before the read: it decides which items are settled.
    analysis = load_analysis(args, with_prs=False, policy=policy).analysis
    doc = build_forecast(None, (), policy, as_of=analysis.as_of, items=args.items, days=args.days, analysis=analysis)
    if args.format == "json":
        sys.stdout.write(dumps(doc))
    else:
        print_forecast(doc)
    return 0


def print_forecast(doc: dict[str, Any], file: Any = None) -> None:
    """Render a forecast document as a Rich table."""
    from rich.table import Table
    from rich.text import Text

    console = plain_console(file or sys.stdout)
    question = (f"How many items in the next {doc['target']} days?" if doc["mode"] == "how_many"
                else f"When will {doc['target']} items be done?")
    console.print(Text.assemble((question, "bold"), f"  as of {doc['as_of']} · {doc['trials']:,} trials · "
                                f"{doc['history_days']} days of history · seed {doc['seed']}"))
    if doc["reason"]:
        console.print(Text.assemble((doc["reason"], "yellow"), " — no forecast."))
        return
    table = Table(show_header=True)
    table.add_column("confidence", justify="right")
    if doc["mode"] == "how_many":
        table.add_column("at least", justify="right")
        for r in doc["results"]:
            table.add_row(f"{r['confidence']}%", f"{r['items']} items")
    else:
        table.add_column("within", justify="right")
        table.add_column("by", justify="right")
        for r in doc["results"]:
            within = "more than 10 years" if r["days"] is None else f"{r['days']} days"
            table.add_row(f"{r['confidence']}%", within, r["date"] or "—")
    console.print(table)
