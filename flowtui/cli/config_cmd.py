"""`flowtui config show|path|set KEY VALUE`."""

from __future__ import annotations

import argparse
import json

from flowtui.cli.common import add_common_options, settings_from_args
from flowtui.config import KEYS, KEYS_BY_NAME, config_path, set_config_value
from flowtui.text import cell_len, pad


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="show the effective configuration, its path, or set a key")
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="effective values and where each came from")
    show.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_common_options(show)
    path = actions.add_parser("path", help="the config file path")
    add_common_options(path)
    setter = actions.add_parser("set", help="validate and write one key, e.g. `flowtui config set flow.timezone Europe/Berlin`")
    setter.add_argument("key", choices=list(KEYS_BY_NAME), metavar="KEY", help="dotted key, e.g. ado.org_url")
    setter.add_argument("value", metavar="VALUE", help="lists are comma-separated; tables use TOML inline syntax")
    add_common_options(setter)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.config_action == "path":
        print(config_path(args.config))
        return 0
    if args.config_action == "set":
        path = config_path(args.config)
        value = set_config_value(path, args.key, args.value)
        print(f"{args.key} = {json.dumps(value)} written to {path}")
        return 0
    settings = settings_from_args(args)
    if args.json:
        payload = {k.dotted: {"value": settings[k.dotted], "source": settings.sources[k.dotted]} for k in KEYS}
        payload["store"] = {"value": str(settings.db_path), "source": settings.db_source}
        print(json.dumps({"config_file": str(settings.config_path), "values": payload}, indent=2))
        return 0
    print(f"config file: {settings.config_path}{'' if settings.config_path.exists() else ' (not created yet)'}")
    print(f"store:       {settings.db_path}  [{settings.db_source}]")
    width = max(cell_len(k.dotted) for k in KEYS)
    for key in KEYS:
        print(f"{pad(key.dotted, width)}  {json.dumps(settings[key.dotted])}  [{settings.sources[key.dotted]}]")
    return 0
