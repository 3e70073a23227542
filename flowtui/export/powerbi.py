"""The PowerBI PR set (SPEC §8): six CSV files, drop-in compatible with the older PR extractor.

Files, columns and row order are fixed by the contract (`POWERBI_HEADERS`). Decisions where the
contract is silent:

* Only completed PRs appear; `--project` (and the configured projects) restrict projects,
  repositories and PRs; users and reviewers follow the PRs exported. Work item filters (type, area)
  and the completion window do not apply to PRs — the PowerBI set is the whole PR history.
* `organization_name` is the organization (or collection) name taken from the collection URL: a
  stored organization value that is a URL, or the name of a stored organization, is mapped through
  `flowtui.config.organization_name(url)`, so every file spells an organization the same way.
  `organizations.csv` lists the stored organizations plus any organization the other files name.
* `cycle_time_minutes` is computed from the stored instants (microsecond precision): the exact
  number of minutes rounded half-up to 2 decimals (1530.005 → 1530.01), then floored at 1.0, then
  written as a float (`1.0`, `1530.01`, `61.5`). A completed PR without a closed date has empty
  `closed_date` and `cycle_time_minutes`.
* `users.csv` holds every PR author and reviewer (groups included, since reviewers.csv names them)
  of the exported PRs. display_name and email (= the identity's uniqueName) come from the identity
  table when the identity is known there, else from the most recently closed exported PR naming the
  user (ties broken by uid), so the output does not depend on row order in the store.
* Rows sort by plain string order (Python `str` comparison, i.e. by code point).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flowtui.config import organization_name
from flowtui.domain import ItemFilter, PullRequest
from flowtui.store import Store

POWERBI_HEADERS: dict[str, tuple[str, ...]] = {
    "organizations.csv": ("organization_name",),
    "projects.csv": ("organization_name", "project_name"),
    "repositories.csv": ("repository_id", "repository_name", "project_name", "organization_name"),
    "pull_requests.csv": (
        "pull_request_uid", "pull_request_id", "organization_name", "project_name", "repository_id", "user_id",
        "title", "status", "description", "creation_date", "closed_date", "cycle_time_minutes",
    ),
    "users.csv": ("user_id", "display_name", "email"),
    "reviewers.csv": ("pull_request_uid", "user_id", "vote", "repository_id"),
}
POWERBI_FILES: tuple[str, ...] = tuple(POWERBI_HEADERS)

_MICROS_PER_MINUTE = Decimal(60_000_000)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Table:
    """One CSV file's content: its name, header and rows (values as `csvfmt.cell` accepts them)."""

    name: str
    header: tuple[str, ...]
    rows: Sequence[tuple[object, ...]]


def cycle_time_minutes(created_at: datetime, closed_at: datetime | None) -> float | None:
    """Minutes from creation to close, rounded half-up to 2 decimals, at least 1.0; None without close."""
    if closed_at is None:
        return None
    delta = closed_at - created_at
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    minutes = (Decimal(micros) / _MICROS_PER_MINUTE).quantize(_CENT, rounding=ROUND_HALF_UP)
    return max(float(minutes), 1.0)


class _OrgNames:
    """Maps stored organization values (URL or name) to the name taken from the collection URL."""

    def __init__(self, store: Store) -> None:
        self.known: dict[str, str] = {}
        self.stored: list[str] = []
        for org in store.organizations():
            name = organization_name(org.url) if org.url else org.name
            self.known[org.url] = name
            self.known.setdefault(org.name, name)
            self.stored.append(name)

    def __call__(self, value: str) -> str:
        if value in self.known:
            return self.known[value]
        return organization_name(value) if "://" in value else value


def _users(store: Store, prs: list[PullRequest]) -> list[tuple[object, ...]]:
    """(user_id, display_name, email) for every author and reviewer of `prs`."""
    seen: dict[str, tuple[str, str | None]] = {}
    # Oldest first, so that the most recently closed PR's spelling of a user wins.
    ordered = sorted(prs, key=lambda p: (p.closed_at is not None, p.closed_at or p.created_at, p.uid))
    for pr in ordered:
        seen[pr.author_id] = (pr.author_name, pr.author_unique_name)
        for r in pr.reviewers:
            seen[r.user_id] = (r.display_name, r.unique_name)
    identities = {i.id: i for i in store.identities()}
    rows: list[tuple[object, ...]] = []
    for user_id in sorted(seen):
        name, email = seen[user_id]
        ident = identities.get(user_id)
        if ident is not None:
            name = ident.display_name or name
            email = ident.unique_name or email
        rows.append((user_id, name, email))
    return rows


def powerbi_tables(store: Store, item_filter: ItemFilter | None = None,
                   prs: list[PullRequest] | None = None) -> list[Table]:
    """The six tables in file order, read from the store and sorted per the contract.

    `prs`: the completed PRs of `item_filter` when the caller has read them already.
    """
    projects_wanted = set(item_filter.projects) if item_filter and item_filter.projects else None
    org = _OrgNames(store)

    def wanted(project: str) -> bool:
        return projects_wanted is None or project in projects_wanted

    projects = sorted({(org(p.organization), p.name) for p in store.projects() if wanted(p.name)})
    repos = sorted(
        (r.id, r.name, r.project, org(r.organization)) for r in store.repositories() if wanted(r.project)
    )
    if prs is None:
        prs = store.pull_requests(item_filter, status="completed")
    prs = [p for p in prs if p.status == "completed" and wanted(p.project)]
    pr_rows = sorted(
        (
            (p.uid, p.pull_request_id, org(p.organization), p.project, p.repository_id, p.author_id, p.title,
             p.status, p.description, p.created_at, p.closed_at, cycle_time_minutes(p.created_at, p.closed_at))
            for p in prs
        ),
        key=lambda row: (row[0], row[9]),
    )
    reviewer_rows = sorted((r.pr_uid, r.user_id, r.vote, p.repository_id) for p in prs for r in p.reviewers)
    org_names = set(org.stored) | {o for o, _ in projects} | {r[3] for r in repos} | {r[2] for r in pr_rows}
    return [
        Table("organizations.csv", POWERBI_HEADERS["organizations.csv"], [(n,) for n in sorted(org_names)]),
        Table("projects.csv", POWERBI_HEADERS["projects.csv"], list(projects)),
        Table("repositories.csv", POWERBI_HEADERS["repositories.csv"], list(repos)),
        Table("pull_requests.csv", POWERBI_HEADERS["pull_requests.csv"], pr_rows),
        Table("users.csv", POWERBI_HEADERS["users.csv"], _users(store, prs)),
        Table("reviewers.csv", POWERBI_HEADERS["reviewers.csv"], reviewer_rows),
    ]


__all__ = ["POWERBI_FILES", "POWERBI_HEADERS", "Table", "cycle_time_minutes", "powerbi_tables"]
