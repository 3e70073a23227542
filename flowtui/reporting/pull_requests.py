"""The filtering, sorting and detail text behind the Pull requests view (no widgets).

PRs are loaded once per data version (`Store.pull_requests(status=None)`: every status the store
holds, reviewers included) and filtered in a worker; the table shows one page of `PAGE_SIZE` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

from flowtui.domain import ItemFilter, PullRequest
from flowtui.metrics.prs import cycle_hours, first_review_hours
from flowtui.store import Store
from flowtui.text import pad
from flowtui.timeutil import format_utc_z

PAGE_SIZE = 500
#: ADO vote values and what they mean.
VOTE_LABELS = {10: "approved", 5: "approved with suggestions", 0: "no vote", -5: "waiting for author", -10: "rejected"}
VOTE_STYLES = {10: "green", 5: "green", 0: "dim", -5: "yellow", -10: "red"}
#: Sortable columns in the order `o` cycles through them.
SORT_COLUMNS = ("closed_at", "created_at", "cycle", "repository", "author", "id")


def vote_label(vote: int) -> str:
    """The words for a raw ADO vote (unknown values are shown as numbers)."""
    return VOTE_LABELS.get(vote, f"vote {vote}")


@dataclass(frozen=True)
class PrQuery:
    """Filters (exact repository name, author and reviewer display names), search, sort and page."""

    repository: str | None = None
    author: str | None = None
    reviewer: str | None = None
    search: str = ""
    order_by: str = "closed_at"
    descending: bool = True
    offset: int = 0

    def with_(self, **changes: object) -> PrQuery:
        """A copy with some fields changed; any change but `offset` goes back to the first page."""
        if "offset" not in changes:
            changes["offset"] = 0
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PrPage:
    """One page of PRs, the number matching the filters and the number loaded from the store."""

    query: PrQuery
    prs: list[PullRequest]
    total: int
    store_total: int

    @property
    def shown(self) -> int:
        """Rows on this page."""
        return len(self.prs)

    @property
    def is_subset(self) -> bool:
        """True when filters narrow the store (the status line then adds the store's count)."""
        return self.total != self.store_total


@dataclass(frozen=True)
class PrOptions:
    """The values the filter pickers offer."""

    repositories: list[str]
    authors: list[str]
    reviewers: list[str]


def load_prs(store: Store, f: ItemFilter | None) -> list[PullRequest]:
    """Every pull request under the view filter's projects, any status (the view filters them in memory)."""
    return store.pull_requests(f, status=None)


def options(prs: Sequence[PullRequest]) -> PrOptions:
    """Distinct repositories, authors and (non-group) reviewers, sorted."""
    return PrOptions(sorted({p.repository_name for p in prs}), sorted({p.author_name for p in prs}),
                     sorted({r.display_name for p in prs for r in p.reviewers if not r.is_container}))


def _sort_key(order_by: str):  # noqa: ANN202 - a key function
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return {
        "closed_at": lambda p: (p.closed_at or far, p.pull_request_id, p.uid),
        "created_at": lambda p: (p.created_at, p.pull_request_id, p.uid),
        "cycle": lambda p: (cycle_hours(p) if p.closed_at else float("inf"), p.pull_request_id, p.uid),
        "repository": lambda p: (p.repository_name.casefold(), p.pull_request_id, p.uid),
        "author": lambda p: (p.author_name.casefold(), p.pull_request_id, p.uid),
        "id": lambda p: (p.pull_request_id, p.uid),
    }[order_by]


def query_prs(prs: Sequence[PullRequest], q: PrQuery, page_size: int = PAGE_SIZE) -> PrPage:
    """Filter, search (title or id), sort and page the PRs."""
    text = q.search.strip().casefold()
    rows = [
        p for p in prs
        if (q.repository is None or p.repository_name == q.repository)
        and (q.author is None or p.author_name == q.author)
        and (q.reviewer is None or any(r.display_name == q.reviewer for r in p.reviewers))
        and (not text or text in p.title.casefold() or text == str(p.pull_request_id))
    ]
    rows.sort(key=_sort_key(q.order_by), reverse=q.descending)
    total = len(rows)
    offset = max(0, min(q.offset, ((total - 1) // page_size) * page_size if total else 0))
    return PrPage(replace(q, offset=offset), rows[offset:offset + page_size], total, len(prs))


def pr_rows(prs: Sequence[PullRequest], tz: ZoneInfo) -> list[tuple[str, ...]]:
    """The table cells of each PR: id, repository, title, author, status, created and closed (local
    dates), cycle hours (one decimal) and approvals/reviewers."""
    rows = []
    for p in prs:
        hours = cycle_hours(p)
        approved = sum(1 for r in p.reviewers if r.vote > 0)
        rows.append((
            str(p.pull_request_id), p.repository_name, p.title, p.author_name, p.status,
            p.created_at.astimezone(tz).date().isoformat(),
            p.closed_at.astimezone(tz).date().isoformat() if p.closed_at else "",
            "" if hours is None else f"{hours:.1f}", f"{approved}/{len(p.reviewers)}",
        ))
    return rows


def _at(value: datetime | None, created: datetime) -> str:
    if value is None:
        return "none"
    return f"{format_utc_z(value)}  (+{(value - created).total_seconds() / 3600:.1f} h)"


def detail(pr: PullRequest) -> Text:
    """The detail pane: identity, dates, review times, cycle time and reviewers with their votes."""
    out = Text()
    out.append(f"!{pr.pull_request_id} {pr.title}\n", "bold")
    out.append(f"{pr.repository_name} · {pr.project} · by {pr.author_name} · {pr.status}"
               + (" · draft" if pr.is_draft else "") + "\n\n")
    hours = cycle_hours(pr)
    review = first_review_hours(pr)
    for label, value in (
        ("created       ", format_utc_z(pr.created_at)),
        ("closed        ", _at(pr.closed_at, pr.created_at)),
        ("first comment ", _at(pr.first_comment_at, pr.created_at)),
        ("first vote    ", _at(pr.first_vote_at, pr.created_at)),
        ("first approval", _at(pr.first_approval_at, pr.created_at)),
        ("cycle time    ", "—" if hours is None else f"{hours:.1f} h (closed − created)"),
        ("first review  ", "—" if review is None else f"{review:.1f} h (earlier of first comment and first vote)"),
    ):
        out.append(f"{label}  ", "dim")
        out.append(value + "\n")
    out.append("\nReviewers\n", "bold")
    if not pr.reviewers:
        out.append("  none\n", "dim")
    for r in pr.reviewers:
        out.append(f"  {pad(r.display_name, 24)} ")
        out.append(pad(vote_label(r.vote), 26), VOTE_STYLES.get(r.vote, ""))
        flags = [f for f, on in (("required", r.is_required), ("group", r.is_container)) if on]
        out.append(("  " + ", ".join(flags)) if flags else "", "dim")
        out.append("\n")
    return out


__all__ = ["PAGE_SIZE", "SORT_COLUMNS", "VOTE_LABELS", "PrOptions", "PrPage", "PrQuery", "detail", "options", "pr_rows",
           "query_prs", "vote_label"]
