"""`flowtui doctor [--json] [--demo]`: check the set-up and say how to fix each problem (exit 1 when a sync would fail).

Argument parsing and printing only; the checks live in `flowtui.doctor`. Every value printed is data:
plain text through `flowtui.text.clean`, never markup.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from flowtui.cli.common import add_common_options, settings_from_args
from flowtui.config import Settings, config_path
from flowtui.doctor import Connection, Diagnosis, diagnose, resolve_pat
from flowtui.errors import ConfigError
from flowtui.text import clean

#: Width of the label column in the text output.
LABEL = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the set-up (config, PAT, network, projects, store) and say how to fix each problem",
        description="Check versions, configuration, PAT, TLS and proxy, the organization and each project, the store "
        "and the log file. Exit 0 when nothing blocks a sync, 1 when something does.")
    parser.add_argument("--json", action="store_true", help="print one JSON document (schema flowtui.doctor/1)")
    add_common_options(parser)
    parser.set_defaults(handler=run)


def _connection(args: argparse.Namespace, settings: Settings | None) -> Connection:
    if getattr(args, "demo", False):
        from flowtui import demo_mode
        from flowtui.demo import Faults
        from flowtui.redact import register_secret

        register_secret(demo_mode.DEMO_PAT)
        # No injected faults: the doctor checks the set-up, not the simulator's throttling.
        return Connection(demo_mode.DEMO_PAT, "demo", demo_mode.demo_transport(faults=Faults()), demo=True)
    return resolve_pat(settings.org_url if settings else "")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(v)}" for k, v in value.items()) or "—"
    return str(value)


def _print_section(out: Any, title: str, body: dict[str, Any]) -> None:
    out.write(f"\n{title}\n")
    if title == TITLES["data_health"]:
        for code, item in body.items():
            out.write(clean(f"  {code.replace('_', ' ')} ({item['count']}): {item['message']}") + "\n")
        return
    for key, value in body.items():
        if key == "values" and isinstance(value, dict):  # the config: one line per key with its source
            for dotted, item in value.items():
                out.write(clean(f"  {dotted:<{LABEL}} {_text(item['value'])}  ({item['source']})") + "\n")
            continue
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            for name, item in value.items():  # projects
                out.write(clean(f"  {name:<{LABEL}} {_text(item)}") + "\n")
            continue
        out.write(clean(f"  {key.replace('_', ' '):<{LABEL}} {_text(value)}") + "\n")


TITLES = {"flowtui": "flowtui", "config": "Configuration", "auth": "PAT and keyring", "tls": "TLS and proxy",
          "organization": "Organization", "projects": "Projects", "store": "Store", "data_health": "Data health",
          "log": "Log file"}


def print_diagnosis(d: Diagnosis, out: Any = None) -> None:
    """The text report: each section, then each problem with the sentence that fixes it, then the verdict."""
    out = out or sys.stdout
    out.write("flowtui doctor\n")
    for name, body in d.sections.items():
        if name == "projects" and not body:
            continue
        if name == "data_health" and not body:
            out.write("\nData health\n  no findings\n")
            continue
        _print_section(out, TITLES.get(name, name), body)
    blocking = [p for p in d.problems if p.blocking]
    if d.problems:
        out.write(f"\nProblems ({len(d.problems)})\n")
        for p in d.problems:
            mark = "✗" if p.blocking else "!"
            out.write(clean(f"  {mark} {p.check}: {p.message}") + "\n")
            out.write(clean(f"    fix: {p.fix}") + "\n")
    if blocking:
        out.write(f"\n{len(blocking)} problem{'s' if len(blocking) != 1 else ''} block{'' if len(blocking) != 1 else 's'} "
                  "a sync.\n")
    else:
        out.write("\nNothing blocks a sync" + (" (see the warnings above).\n" if d.problems else ".\n"))


def run(args: argparse.Namespace) -> int:
    """Run the checks and print them; 0 when nothing blocks a sync, 1 otherwise."""
    settings: Settings | None = None
    error: ConfigError | None = None
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        error = exc
    as_of = None
    if getattr(args, "demo", False):
        from flowtui.demo_mode import demo_now

        as_of = demo_now()  # the demo org lives at one fixed instant: its data is never "stale"
    diagnosis = diagnose(settings, _connection(args, settings), config_error=error,
                         config_path=config_path(getattr(args, "config", None)), as_of=as_of)
    if args.json:
        sys.stdout.write(json.dumps(diagnosis.to_json(), indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        print_diagnosis(diagnosis)
    return 0 if diagnosis.ok else 1
