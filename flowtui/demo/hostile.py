"""The `hostile_text` knob of the simulated organization: server text that looks like markup or escapes.

`generate_org(..., hostile_text=True)` puts these strings where a real server would carry them —
people's display names (so authors, reviewers, assignees and "changed by"), repository names, work
item titles and tags, PR titles — to show in tests and in the demo that flowtui treats server text
as data: shown verbatim, never parsed as markup, control characters replaced, wide characters
aligned. Deterministic: always the same places (the first people, the first repository of each
project, the first items and PRs).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from flowtui.demo.model import SimIdentity, SimRepository

if TYPE_CHECKING:
    from flowtui.demo.org import OrgData

#: An ESC sequence that would set a terminal's window title if it reached the terminal.
ESCAPE = "\x1b]0;pwned\x07"
#: Display names given to the first people of the org.
NAMES = ("John Smith [Contractor]", "Mallory [/oops]", "[link=http://x]y[/link]")
#: Titles given to the first work items and PRs (in this order, cycling).
TITLES = ("[UI] Fix login", f"Title with an escape {ESCAPE}done", "修复登录页面的错误 🐛 wide", "[b]not bold[/b] [/]",
          "=cmd|' /C calc'!A0")
#: Tags added to the first work items.
TAGS = ("[UI]", "[/oops]")
#: Repository name suffix (the first repository of each project).
REPO_SUFFIX = " [bold]api[/bold]"
#: How many items and PRs get a hostile title.
COUNT = 10


def hostile_people(people: list[SimIdentity]) -> list[SimIdentity]:
    """The people with the first ones renamed (before anything refers to them)."""
    return [replace(p, display_name=NAMES[i]) if i < len(NAMES) else p for i, p in enumerate(people)]


def hostile_repositories(org: OrgData) -> None:
    """Rename the first repository of each project (before any PR refers to it)."""
    for project in org.projects:
        if project.repositories:
            first = project.repositories[0]
            project.repositories[0] = SimRepository(first.id, first.name + REPO_SUFFIX, project,
                                                    first.default_branch, first.size)


def hostile_items_and_prs(org: OrgData) -> None:
    """Hostile titles (every revision, so history and snapshot agree) and tags on the first items; PR titles."""
    for n, item_id in enumerate(sorted(org.work_items)[:COUNT]):
        title = TITLES[n % len(TITLES)]
        for rev in org.work_items[item_id].revisions:
            rev.title = title
            parts = {p for p in rev.tags.split("; ") if p} | set(TAGS)
            rev.tags = "; ".join(sorted(parts))
    for n, pr_id in enumerate(sorted(org.pull_requests)[:COUNT]):
        org.pull_requests[pr_id].title = TITLES[n % len(TITLES)]


__all__ = ["COUNT", "ESCAPE", "NAMES", "REPO_SUFFIX", "TAGS", "TITLES", "hostile_items_and_prs", "hostile_people",
           "hostile_repositories"]
