"""`flowtui metrics`: the flow + PR metrics report as a table, JSON (SPEC §7.8) or CSV.

`--explain ID` prints how one item's numbers were derived instead. All numbers come from
`flowtui.metrics`; this module only reads the store, calls the engine and renders.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from flowtui.cli.common import (
    add_common_options,
    add_filter_options,
    item_filter_from_args,
    parse_day,
    plain_console,
    reading_store,
    report_as_of,
    settings_from_args,
)
from flowtui.errors import UsageError
from flowtui.export.csvfmt import encode_row
from flowtui.metrics import NO_DATA, Analysis, FlowPolicy, dumps, explain_item, explain_lines
from flowtui.reporting import ReportInputs, load_inputs, report_from
from flowtui.metrics.calendar import resolve_window


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    """--cycle-start, --resolved-is-done/--no-resolved-is-done, --timezone (override the config)."""
    group = parser.add_argument_group("policy (overrides [flow] in the config)")
    group.add_argument("--cycle-start", choices=["first", "last"], help="cycle time starts at the first or last move into doing")
    group.add_argument("--resolved-is-done", action=argparse.BooleanOptionalAction, default=None,
                       help="treat the Resolved category as done")
    group.add_argument("--timezone", metavar="ZONE", help="IANA time zone for days and weeks, e.g. Europe/Berlin")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("metrics", help="print the flow and PR metrics report (table, json or csv)")
    parser.add_argument("--format", choices=["table", "json", "csv"], default="table", help="output format (default table)")
    parser.add_argument("--explain", metavar="ID", help="print how one work item's numbers were derived")
    add_common_options(parser)
    add_filter_options(parser)
    add_policy_options(parser)
    parser.set_defaults(handler=run)


def policy_from_args(args: argparse.Namespace, settings: Any) -> FlowPolicy:
    """The flow policy: config values with the policy flags on top."""
    return FlowPolicy.from_settings(
        settings,
        cycle_start=getattr(args, "cycle_start", None),
        resolved_is_done=getattr(args, "resolved_is_done", None),
        timezone=getattr(args, "timezone", None),
    )


def facts_progress(done: int, total: int) -> None:
    """Progress on stderr while every item's facts are re-derived (once after a flow-settings change)."""
    if done == total or done <= 5000:
        print(f"flowtui: deriving per-item facts for these flow settings: {done:,}/{total:,} items",
              file=sys.stderr)


def load_analysis(
    args: argparse.Namespace, *, with_prs: bool = True, every_item: bool = False, policy: FlowPolicy | None = None,
) -> ReportInputs:
    """Validate the flags, then read the report's inputs through `flowtui.reporting.load_inputs`
    (the same path the export and the TUI use). `policy` replaces the one built from the flags."""
    settings = settings_from_args(args)
    policy = policy or policy_from_args(args, settings)
    as_of = report_as_of(args)
    window_from = parse_day(getattr(args, "date_from", None), "--from")
    window_to = parse_day(getattr(args, "date_to", None), "--to")
    resolve_window(as_of, policy.tz, window_from, window_to)  # UsageError when from > to, before any work
    item_filter = item_filter_from_args(args, settings)
    with reading_store(settings) as store:  # a missing store is "no data yet", never created here
        return load_inputs(store, policy, item_filter, as_of=as_of, window_from=window_from,
                           window_to=window_to, with_prs=with_prs, every_item=every_item, progress=facts_progress)


def run(args: argparse.Namespace) -> int:
    inputs = load_analysis(args, every_item=args.explain is not None)
    if args.explain is not None:
        return _explain(inputs.analysis, args.explain, args.format)
    report = report_from(inputs)
    if args.format == "json":
        sys.stdout.write(report.to_json())
    elif args.format == "csv":
        sys.stdout.write(report_csv(report.as_document()))
    else:
        print_report(report.as_document())
    return 0


def _explain(analysis: Analysis, text: str, fmt: str) -> int:
    if not re.fullmatch(r"[0-9]{1,10}", text):  # ASCII digits only; ids fit in 32 bits on ADO
        raise UsageError(f"--explain {text[:40]!r} is not a work item id; give a whole number such as 1234.")
    flow = analysis.flow(int(text))
    if flow is None:
        raise UsageError(f"work item {text} is not in the store at --as-of (or the filters exclude it).")
    if fmt == "json":
        sys.stdout.write(dumps(explain_item(flow, analysis.policy)))
    else:
        sys.stdout.write("\n".join(explain_lines(flow, analysis.policy)) + "\n")
    return 0


def _flatten(prefix: str, value: Any, rows: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, rows)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for entry in value:
            label = next(iter(entry.values()))
            rest = {k: v for k, v in list(entry.items())[1:]}
            _flatten(f"{prefix}.{label}", rest if len(rest) > 1 else next(iter(rest.values()), None), rows)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _flatten(f"{prefix}.{i}", inner, rows)
    else:
        rows.append((prefix, value))


def report_csv(report: dict[str, Any]) -> str:
    """The report as `metric,value` rows (dotted paths; list entries named by their first field).

    Trends are labelled by week (`trends.throughput.2026-W45`). NULL is an empty field; LF endings;
    RFC 4180 quoting only when needed.
    """
    rows: list[tuple[str, Any]] = []
    trends = report.get("trends", {})
    for key, value in report.items():
        if key == "trends":
            weeks = trends.get("weeks", [])
            for series, values in trends.items():
                if series != "weeks":
                    rows.extend((f"trends.{series}.{w}", v) for w, v in zip(weeks, values))
        else:
            _flatten(key, value, rows)
    # The export's encoder, not csv.writer: Python 3.11.7's writer leaves a bare CR unquoted.
    lines = [encode_row(["metric", "value"])]
    for name, value in rows:
        text = "" if value is None else "true" if value is True else "false" if value is False else str(value)
        lines.append(encode_row([name, text]))
    return "".join(lines)


def _num(value: Any, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}{suffix}"
    return f"{value:.{digits}f}{suffix}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def print_report(report: dict[str, Any], file: Any = None) -> None:
    """Render the report as Rich tables (durations in days with one decimal, as SPEC §7 asks).

    Names in the report (projects, states, reviewers, health messages) are server text: the console
    parses no markup and no emoji codes, so `Mallory [/oops]` prints verbatim; styles come from Text.
    """
    from rich.table import Table
    from rich.text import Text

    console = plain_console(file or sys.stdout)
    w, f, p = report["window"], report["filters"], report["policy"]
    console.print(Text.assemble(("flowtui metrics", "bold"),
                                f"  as of {report['as_of']} · window {w['from']} … {w['to']} ({w['timezone']})"
                                f" · cycle start {p['cycle_start']} · resolved is done {str(p['resolved_is_done']).lower()}"))
    scope = [f"projects {', '.join(f['projects'])}" if f["projects"] else "all projects"]
    if f["types"]:
        scope.append(f"types {', '.join(f['types'])}")
    if f["area"]:
        scope.append(f"area {f['area']}")
    console.print(" · ".join(scope))
    if any(h["code"] == "no_data" for h in report["data_health"]):
        console.print(Text.assemble("\n", (NO_DATA, "bold yellow")))
        return
    c = report["counts"]
    console.print(f"items {c['items']}: todo {c['todo']}, doing {c['doing']}, done {c['done']}, removed {c['removed']} "
                  f"(excluded) · completed in window {c['completed_in_window']}\n")
    pcts = [k for k in report["cycle_time_days"] if k.startswith("p")]
    durations = Table(title="Durations (days)", title_justify="left")
    for col in ["", "n", "mean", *pcts, "max"]:
        durations.add_column(col, justify="left" if col == "" else "right")
    for label, key in (("lead time", "lead_time_days"), ("cycle time", "cycle_time_days"), ("age (WIP)", "age_days")):
        row = report[key]
        durations.add_row(label, str(row["n"]), *(_num(row[k]) for k in ["mean", *pcts, "max"]))
    console.print(durations)
    t, wip, le = report["throughput"], report["wip"], report["littles_law"]
    fe = report["flow_efficiency"]
    summary = Table(title="Flow", title_justify="left", show_header=False)
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    summary.add_row("throughput in window", f"{t['total']} ({_num(t['per_day'], 2)}/day)")
    summary.add_row("throughput per week", " ".join(f"{x['week'][-3:]}:{x['count']}" for x in t["weekly"]))
    summary.add_row("WIP now", f"{wip['current']} (daily mean {_num(wip['daily_mean'])})")
    if wip["by_state"]:
        summary.add_row("WIP by state", ", ".join(f"{k} {v}" for k, v in wip["by_state"].items()))
    summary.add_row("flow efficiency", f"mean {_pct(fe['mean'])}, median {_pct(fe['median'])}" if fe["reason"] is None
                    else f"— ({fe['reason']})")
    summary.add_row("blocked time in window", _num(report["blocked_days_total"], suffix=" d"))
    sle = report["sle"]
    summary.add_row(f"SLE (p{sle['percentile']} cycle time)", _num(sle["days"], suffix=" d"))
    summary.add_row("Little's law", f"avg WIP {_num(le['avg_wip'])} / {_num(le['throughput_per_day'], 2)} per day = "
                    f"{_num(le['implied_cycle_time_days'], suffix=' d')} implied vs {_num(le['avg_cycle_time_days'], suffix=' d')} "
                    f"actual (ratio {_num(le['ratio'], 2)})")
    b = report["bottleneck"]
    summary.add_row("bottleneck", "—" if b["state"] is None else f"{b['state']} ({_pct(b['share'])} of time, p85 {_num(b['p85_days'])} d)")
    console.print(summary)
    if report["time_in_state_days"]:
        tis = Table(title="Time in state (completed in window, days)", title_justify="left")
        for col in ("state", "mean", "p50", "p85", "share"):
            tis.add_column(col, justify="left" if col == "state" else "right")
        for state, row in report["time_in_state_days"].items():
            tis.add_row(state, _num(row["mean"]), _num(row["p50"]), _num(row["p85"]), _pct(row["share"]))
        console.print(tis)
    pr = report["pull_requests"]
    prs = Table(title="Pull requests (completed in window)", title_justify="left", show_header=False)
    prs.add_column("metric")
    prs.add_column("value", justify="right")
    ct, fr = pr["cycle_time_hours"], pr["first_review_hours"]
    prs.add_row("completed", str(pr["completed_in_window"]))
    prs.add_row("cycle time (hours)", f"p50 {_num(ct['p50'])} · p90 {_num(ct['p90'])} (n {ct['n']})")
    prs.add_row("first review (hours)", f"p50 {_num(fr['p50'])} · p90 {_num(fr['p90'])} (n {fr['n']})")
    prs.add_row("merged without approval", str(pr["merged_without_approval"]))
    for r in pr["reviewers"][:10]:
        prs.add_row(f"  reviewer {r['user']}", f"voted {r['voted']} · approved {r['approved']} · rejected {r['rejected']}")
    console.print(prs)
    if report["data_health"]:
        console.print(Text("Data health", style="bold"))
        for h in report["data_health"]:
            console.print(f"  • {h['code']} ({h['count']}): {h['message']}")


__all__ = ["NO_DATA", "add_policy_options", "load_analysis", "policy_from_args", "print_report", "register", "report_csv", "run"]
