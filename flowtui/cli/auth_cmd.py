"""`flowtui auth set|status|clear`: the PAT in the OS keyring, read from a no-echo prompt or stdin."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from flowtui import secrets
from flowtui.cli.common import add_common_options, settings_from_args
from flowtui.config import Settings
from flowtui.errors import ConfigError, SecretStoreError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("auth", help="store, check or remove the PAT in the OS keyring")
    actions = parser.add_subparsers(dest="auth_action", metavar="ACTION", required=True)
    for name, text in (
        ("set", "read the PAT from a no-echo prompt (or stdin when piped) and store it in the keyring"),
        ("status", "say where the PAT would come from (never prints it)"),
        ("clear", "remove the PAT from the keyring"),
    ):
        action = actions.add_parser(name, help=text)
        if name == "status":
            action.add_argument("--json", action="store_true",
                                help="print the status as JSON (source, keyring backend, whether a PAT is present)")
        add_common_options(action)
    parser.set_defaults(handler=run)


def _org_url(settings: Settings) -> str:
    org_url = settings.org_url
    if not org_url:
        raise ConfigError("No organization URL is configured; pass --org-url or run `flowtui config set ado.org_url URL`.")
    return org_url


def _read_pat(org_url: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"PAT for {org_url} (input hidden): ")
    return sys.stdin.readline()


def status_json(status: secrets.PatStatus) -> dict[str, Any]:
    """`auth status --json`: where the PAT comes from and whether one is present — never the PAT."""
    hint = None
    if status.source is None:
        hint = ("the OS keyring is unusable here; set FLOWTUI_PAT instead" if status.keyring_error
                else "run `flowtui auth set` or set FLOWTUI_PAT")
    return {
        "organization": status.org_url,
        "pat_present": status.source is not None,
        "source": status.source,
        "keyring_backend": status.keyring_backend,
        "keyring_error": status.keyring_error,
        "hint": hint,
    }


def _print_status_json(status: secrets.PatStatus) -> int:
    """Print the JSON status; exit 0 when a PAT is present, 1 when not (as the human form)."""
    print(json.dumps(status_json(status), indent=2, ensure_ascii=False))
    return 0 if status.source else 1


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    org_url = _org_url(settings)
    if args.auth_action == "set":
        secrets.set_pat(org_url, _read_pat(org_url), allow_plaintext=settings.auth.allow_plaintext_keyring)
        print(f"PAT for {org_url} stored in the OS keyring ({secrets.backend_name()}).")
        return 0
    if args.auth_action == "clear":
        removed = secrets.clear_pat(org_url)
        print(f"PAT for {org_url} {'removed from the keyring' if removed else 'was not in the keyring'}.")
        return 0
    status = secrets.pat_status(org_url)
    if getattr(args, "json", False):
        return _print_status_json(status)
    print(f"organization: {org_url}")
    print(f"keyring:      {status.keyring_backend}")
    if status.source:
        print(f"PAT:          set (from {status.source})")
        return 0
    if status.keyring_error:
        raise SecretStoreError(
            f"No PAT for {org_url}: the OS keyring is unusable here ({status.keyring_error}); set FLOWTUI_PAT instead."
        )
    print("PAT:          not set — run `flowtui auth set` or set FLOWTUI_PAT.")
    return 1
