"""Entry point: build the parser from the command modules and map errors to exit codes in one place."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from flowtui import __version__
from flowtui.cli.logging_setup import FILE_ONLY, configure_logging, remove_logging
from flowtui.errors import FlowtuiError
from flowtui.text import clean

log = logging.getLogger("flowtui.cli")

#: Command modules, each with register(subparsers) and run(args) -> int, in --help order.
COMMAND_MODULES = (
    "flowtui.cli.sync_cmd",
    "flowtui.cli.metrics_cmd",
    "flowtui.cli.forecast_cmd",
    "flowtui.cli.export_cmd",
    "flowtui.cli.auth_cmd",
    "flowtui.cli.config_cmd",
    "flowtui.cli.completion_cmd",
    "flowtui.cli.doctor_cmd",
    "flowtui.cli.store_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowtui",
        description="Flow metrics and PR metrics for Azure DevOps teams, in the terminal. "
        "Run without a command to open the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"flowtui {__version__}")
    from flowtui.cli.common import add_common_options

    add_common_options(parser, top_level=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _run_tui(args: argparse.Namespace) -> int:
    from flowtui.cli.tui_cmd import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    log_handler = configure_logging(verbose=args.verbose, debug=args.debug)
    handler = getattr(args, "handler", None) or _run_tui
    log.info("flowtui %s: %s", __version__, args.command or "tui", extra={FILE_ONLY: True})
    try:
        return int(handler(args) or 0)
    except FlowtuiError as exc:
        log.error("%s failed: %s%s", args.command or "tui", exc.message, f"\n{exc.detail}" if exc.detail else "",
                  extra={FILE_ONLY: True})  # stderr gets the sentence below
        print(f"flowtui: {clean(exc.message)}", file=sys.stderr)
        if (args.verbose or args.debug) and exc.detail:
            print(exc.detail, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("flowtui: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:
        log.exception("%s crashed", args.command or "tui", extra={FILE_ONLY: True})
        raise
    finally:
        remove_logging(log_handler)
