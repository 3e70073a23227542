"""`flowtui completion bash|zsh|fish`: print a shell completion script generated from the live parser.

The script comes from `shtab`, walking the same argparse parser `flowtui` runs with, so every command,
subcommand, option and choice list is completed and can never drift from the real CLI. Options that
take a file (`--db`, `--config`) complete paths; directory arguments (`export DIR`) complete folders.
"""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh", "fish")

#: Where each shell looks for the script; printed by `--help` and in the README.
INSTALL_HINTS = {
    "bash": "flowtui completion bash > ~/.local/share/bash-completion/completions/flowtui",
    "zsh": "flowtui completion zsh > ~/.zfunc/_flowtui  (with fpath+=(~/.zfunc) before compinit in ~/.zshrc)",
    "fish": "flowtui completion fish > ~/.config/fish/completions/flowtui.fish",
}

#: argument dest -> what shtab should complete for it (`--area PATH` is an area path, not a file)
_PATH_DESTS = {"db": "file", "config": "file", "directory": "directory"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print a completion script for SHELL on stdout. Install it once:\n  "
        + "\n  ".join(INSTALL_HINTS.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    parser.set_defaults(handler=run)


def _mark_paths(parser: argparse.ArgumentParser) -> None:
    """Tell shtab which arguments take files or folders (walks every subparser)."""
    import shtab

    kinds = {"file": shtab.FILE, "directory": shtab.DIRECTORY}
    for action in parser._actions:
        kind = _PATH_DESTS.get(action.dest)
        if kind:
            action.complete = kinds[kind]  # type: ignore[attr-defined]
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark_paths(sub)


def script(shell: str) -> str:
    """The completion script for `shell` (one of SHELLS), generated from flowtui's parser."""
    import shtab

    from flowtui.cli.main import build_parser  # here, not at import time: main imports this module

    parser = build_parser()
    _mark_paths(parser)
    return shtab.complete(parser, shell=shell)


def run(args: argparse.Namespace) -> int:
    print(script(args.shell), end="")
    return 0
