"""Options shared by several commands, and turning them into Settings, a Store and filters."""

from __future__ import annotations

import argparse
import re
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flowtui.config import Settings, load_settings
from flowtui.domain import ItemFilter
from flowtui.errors import UsageError
from flowtui.store import Store, open_store
from flowtui.text import is_clean
from flowtui.timeutil import USER_DAY_RANGE, user_day_in_range, utc_now


def add_common_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """--org-url, --project, --db, --config, --demo, --verbose, --debug.

    They are accepted before and after the command (`flowtui --demo sync` = `flowtui sync --demo`).
    Only the top-level parser has defaults: a subcommand's parser sets an option only when it is given
    (argparse.SUPPRESS), because argparse copies a subparser's defaults over the values already
    parsed before the command name.
    """
    kw: dict[str, Any] = {} if top_level else {"default": argparse.SUPPRESS}
    group = parser.add_argument_group("organization and files")
    group.add_argument("--org-url", metavar="URL", help="collection URL, e.g. https://dev.azure.com/ORG", **kw)
    group.add_argument("--project", action="append", metavar="NAME", help="project name (repeatable)", **kw)
    group.add_argument("--db", metavar="PATH", help="SQLite store path (default: the user data directory)", **kw)
    group.add_argument("--config", metavar="PATH", help="config file path (default: the user config directory)", **kw)
    group.add_argument("--demo", action="store_true", help="use the built-in demo organization and its store", **kw)
    group.add_argument("--verbose", action="store_true",
                       help="print flowtui's own log messages, and details after an error message", **kw)
    group.add_argument("--debug", action="store_true",
                       help="like --verbose, plus HTTP and SQL logs (headers and the PAT are never printed)", **kw)


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """--type, --area, --tag, --assignee, --from, --to, --as-of (the TUI's filter state, as flags)."""
    group = parser.add_argument_group("filters")
    group.add_argument("--type", action="append", metavar="TYPE", help="work item type (repeatable)")
    group.add_argument("--area", metavar="PATH", help="area path prefix, e.g. 'Fabrikam\\Web'")
    group.add_argument("--tag", action="append", metavar="TAG",
                       help="only work items carrying this tag (repeatable: every tag given)")
    group.add_argument("--assignee", action="append", metavar="NAME",
                       help="only work items assigned to this display name (repeatable: any of them)")
    group.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first completion date in the window")
    group.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last completion date in the window")
    group.add_argument("--as-of", metavar="YYYY-MM-DDTHH:MM:SSZ",
                       help="evaluate 'now' at this instant (UTC; default now, or the demo organization's clock with --demo)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Layer the config with the flags given on the command line (demo mode swaps org and store)."""
    flags = {"ado.org_url": getattr(args, "org_url", None), "ado.projects": getattr(args, "project", None)}
    db = getattr(args, "db", None)
    if getattr(args, "demo", False):
        from flowtui.demo_mode import demo_overrides

        demo_flags, demo_db = demo_overrides()
        flags.update(demo_flags)
        db = db or demo_db
    return load_settings(config=getattr(args, "config", None), db=db, flags=flags)


def open_store_from_args(args: argparse.Namespace, settings: Settings) -> Store:
    """The store for a command that writes (sync): created when missing."""
    return open_store(settings.store_target)


@contextmanager
def reading_store(settings: Settings) -> Iterator[Store]:
    """The store for a read-only command (metrics, forecast, export); never creates the store file.

    A missing store is the "no data yet — run sync" state: the command reads an empty store built in
    a private temporary directory (removed on exit), so its output is exactly what an empty store
    gives — headers, zeros and the no_data health finding — and nothing appears at the store path.
    """
    target = settings.store_target
    if isinstance(target, str):  # a PostgreSQL store: the server holds it (opening migrates an empty one)
        with open_store(target) as store:
            yield store
        return
    path = target
    with ExitStack() as scratch:
        if not path.exists():
            path = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="flowtui-no-store-"))) / "empty.sqlite"
        store = open_store(path)
        try:
            yield store
        finally:
            store.close()


def _filter_text(flag: str, value: str) -> str:
    """One filter flag's value, stripped; UsageError (exit 2) for empty or unprintable text."""
    if not value.strip() or not is_clean(value) or len(value) > 200:
        raise UsageError(f"{flag} {value[:40]!r} is not valid; give non-empty text without control characters.")
    return value.strip()


def item_filter_from_args(args: argparse.Namespace, settings: Settings) -> ItemFilter:
    """The store filter of --project (via the settings), --type, --area, --tag and --assignee."""
    area = getattr(args, "area", None)

    def many(name: str) -> tuple[str, ...]:
        return tuple(_filter_text(f"--{name}", v) for v in getattr(args, name, None) or ())

    return ItemFilter(
        projects=tuple(settings.projects), types=many("type"),
        area=_filter_text("--area", area) if area is not None else None,
        tags=many("tag"), assignees=many("assignee"),
    )


def parse_day(text: str | None, flag: str = "--from") -> date | None:
    """YYYY-MM-DD -> date; UsageError (exit 2) naming the accepted format and range."""
    if text is None:
        return None
    hint = f"use YYYY-MM-DD from {USER_DAY_RANGE}, e.g. 2026-11-01."
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise UsageError(f"{flag} {text!r} is not a date; {hint}")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} {text!r} is not a real date; {hint}") from None
    if not user_day_in_range(day):
        raise UsageError(f"{flag} {text!r} is out of range; {hint}")
    return day


def parse_as_of(text: str | None) -> datetime | None:
    """YYYY-MM-DDTHH:MM:SSZ -> aware UTC datetime; UsageError naming the accepted format and range."""
    if text is None:
        return None
    hint = f"use YYYY-MM-DDTHH:MM:SSZ from {USER_DAY_RANGE}, e.g. 2026-11-23T12:00:00Z."
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", text):
        raise UsageError(f"--as-of {text!r} is not a UTC instant; {hint}")
    try:
        instant = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise UsageError(f"--as-of {text!r} is not a real instant; {hint}") from None
    if not user_day_in_range(instant.date()):
        raise UsageError(f"--as-of {text!r} is out of range; {hint}")
    return instant


def report_as_of(args: argparse.Namespace) -> datetime:
    """The instant a report is computed at: `--as-of`, else the demo organization's clock with
    `--demo` (the instant the TUI uses, so the CLI and the dashboard agree on the demo store), else now."""
    given = parse_as_of(getattr(args, "as_of", None))
    if given is not None:
        return given
    if getattr(args, "demo", False):
        from flowtui.demo_mode import demo_now

        return demo_now()
    return utc_now().replace(microsecond=0)


def plain_console(file: Any = None, *, stderr: bool = False) -> Any:
    """A Rich console for CLI output that carries server text: no markup, no emoji codes, no highlighting.

    Titles, names and messages from Azure DevOps (`[UI] Fix`, `Mallory [/oops]`, `:bug:`) print
    verbatim; styling is given with `rich.text.Text` objects, never with markup in strings.
    """
    from rich.console import Console

    return Console(file=file, stderr=stderr, markup=False, emoji=False, highlight=False, soft_wrap=False)
