"""ADO payloads → flowtui.domain dataclasses, tolerant of what real servers send.

Missing fields are absent (reference §1.6), identities arrive as IdentityRef objects, as
`"Name <email>"` strings, or as the old `{"id", "uniqueName": "Name <email>"}` form; tags are one
`"a; b"` string (or a list with includeTagRef); dates carry 0–7 fractional digits, `Z` or `+00:00`
and the 9999/0001 sentinels. A payload too broken to use raises `BadPayload` with a reason, which
the sync counts as a warning and skips; it never crashes a run.

One bad entry is one warning: the entry parsers (`revision_row`, `snapshot`, `revision`,
`pull_request`) raise nothing but `BadPayload`, whatever the entry holds — wrong types, nested
objects where text belongs, integers outside SQLite's signed 64-bit range (ids must also be
positive), non-finite numbers, lone surrogates. The message names the entry's id when it has one.
Every string taken from a payload goes through `flowtui.text.clean` (server text is data).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flowtui.domain import Identity, PullRequest, Repository, Reviewer, Revision, StateCategory, WorkItem
from flowtui.text import clean
from flowtui.timeutil import parse_ado_datetime

_NAME_EMAIL = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*$")

#: SQLite's INTEGER is a signed 64-bit number: larger values cannot be stored.
INT64_MAX = 2**63 - 1
#: Exceptions a malformed entry can provoke in plain Python code (all become BadPayload).
_MALFORMED = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, RecursionError, UnicodeError)


class BadPayload(ValueError):
    """An entity that cannot be stored; the message says which one and why (`entity` names it)."""

    def __init__(self, message: str, *, entity: str | None = None) -> None:
        super().__init__(message)
        self.entity = entity


def _label(entry: Any, *keys: str) -> str | None:
    """The entry's id as short clean text (for warnings), None when it has none."""
    if not isinstance(entry, dict):
        return None
    for key in keys:
        text = _text(entry.get(key))
        if text:
            return text[:40]
    return None


def _guarded(kind: str, entry: Any, keys: tuple[str, ...], build: Any) -> Any:
    """Run `build()`; any exception a malformed entry provokes becomes one BadPayload naming it."""
    try:
        return build()
    except BadPayload:
        raise
    except _MALFORMED as exc:
        ident = _label(entry, *keys)
        name = f"{kind} {ident}" if ident else f"a {kind} entry"
        raise BadPayload(f"{name} is malformed ({type(exc).__name__}) and was skipped", entity=ident) from exc


@dataclass(frozen=True, slots=True)
class ParsedRevision:
    """One reporting revision: the revision row and the item snapshot at that revision."""

    revision: Revision
    item: WorkItem


def identity(value: Any) -> Identity | None:
    """An Identity from an IdentityRef object or a "Name <email>" string; None when absent."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        name, unique = split_name_email(clean(value))
        return Identity(id=(unique or name).lower(), display_name=name or unique or "", unique_name=unique)
    if not isinstance(value, dict):
        return None
    display = _text(value.get("displayName"))
    unique = _text(value.get("uniqueName"))
    if unique and "<" in unique and not display:
        display, unique = split_name_email(unique)
    if not display and _text(value.get("name")):
        display, maybe_unique = split_name_email(_text(value.get("name")) or "")
        unique = unique or maybe_unique
    ident = _text(value.get("id")) or (unique or display or "").lower()
    if not ident:
        return None
    return Identity(
        id=ident,
        display_name=display or unique or ident,
        unique_name=unique,
        is_container=_flag(value.get("isContainer")),
    )


def split_name_email(text: str) -> tuple[str, str | None]:
    """("Jane Doe", "jane@x.com") from "Jane Doe <jane@x.com>"; a bare string is the name."""
    match = _NAME_EMAIL.match(text or "")
    if match:
        name = match["name"].strip()
        email = match["email"].strip() or None
        return (name or email or ""), email
    return (text or "").strip(), None


def display_name(value: Any) -> str | None:
    """The display name of an identity value (object or string), None when absent."""
    ident = identity(value)
    return ident.display_name if ident else None


def tags(value: Any) -> tuple[str, ...]:
    """Tags from "a; b" (or a list of strings / {name} objects), stripped, empties dropped, order kept."""
    if value is None:
        return ()
    if isinstance(value, list):
        names = [_text(v.get("name")) if isinstance(v, dict) else _text(v) for v in value]
        parts = [n.strip() for n in names if n is not None]
    else:
        parts = [p.strip() for p in (_text(value) or "").split(";")]
    out: list[str] = []
    for part in parts:
        if part and part not in out:
            out.append(part)
    return tuple(out)


def revision(entry: Any, project: str) -> ParsedRevision:
    """A reporting-revisions entry (or a workitemsbatch item) → revision + snapshot."""
    row, fields = revision_row(entry)
    return ParsedRevision(row, snapshot(row, fields, project))


def revision_row(entry: Any) -> tuple[Revision, dict[str, Any]]:
    """The Revision of one entry plus its field dict (build the snapshot only when needed)."""
    return _guarded("work item", entry, ("id",), lambda: _revision_row(entry))


def _revision_row(entry: Any) -> tuple[Revision, dict[str, Any]]:
    if not isinstance(entry, dict):
        raise BadPayload("a revision entry is not a JSON object")
    fields = entry.get("fields")
    if not isinstance(fields, dict):
        fields = {}
    item_id = _id(entry.get("id"), _id(fields.get("System.Id")))
    rev = _int(entry.get("rev"), _int(fields.get("System.Rev")))
    if item_id is None or rev is None:
        ident = _label(entry, "id")
        raise BadPayload(f"a revision of work item {ident} without a valid id or rev was skipped" if ident
                         else "a revision without a valid id or rev was skipped", entity=ident)
    changed = when(fields.get("System.ChangedDate"))
    state = _text(fields.get("System.State"))
    if changed is None:
        raise BadPayload(f"work item {item_id} rev {rev} has no valid System.ChangedDate and was skipped",
                         entity=str(item_id))
    if not state:
        raise BadPayload(f"work item {item_id} rev {rev} has no System.State and was skipped", entity=str(item_id))
    blocked = (_text(fields.get("Microsoft.VSTS.CMMI.Blocked")) or "").strip().lower() == "yes"
    row = Revision(
        work_item_id=item_id,
        rev=rev,
        changed_at=changed,
        state=state,
        changed_by=display_name(fields.get("System.ChangedBy")),
        tags=tags(fields.get("System.Tags")),
        blocked=blocked,
    )
    return row, fields


def snapshot(row: Revision, fields: dict[str, Any], project: str) -> WorkItem:
    """The work item as of one revision (`row` from `revision_row`)."""
    return _guarded("work item", {"id": row.work_item_id}, ("id",),
                    lambda: _snapshot(row, fields, project))


def _snapshot(row: Revision, fields: dict[str, Any], project: str) -> WorkItem:
    points = _float(fields.get("Microsoft.VSTS.Scheduling.StoryPoints"))
    if points is None:
        points = _float(fields.get("Microsoft.VSTS.Scheduling.Effort"))
    return WorkItem(
        id=row.work_item_id,
        project=project,
        type=_text(fields.get("System.WorkItemType")) or "Unknown",
        title=_text(fields.get("System.Title")) or "",
        state=row.state,
        created_at=when(fields.get("System.CreatedDate")) or row.changed_at,
        changed_at=row.changed_at,
        rev=row.rev,
        assigned_to=display_name(fields.get("System.AssignedTo")),
        area_path=_text(fields.get("System.AreaPath")),
        iteration_path=_text(fields.get("System.IterationPath")),
        tags=row.tags,
        closed_at=when(fields.get("Microsoft.VSTS.Common.ClosedDate")),
        activated_at=when(fields.get("Microsoft.VSTS.Common.ActivatedDate")),
        priority=_int(fields.get("Microsoft.VSTS.Common.Priority")),
        story_points=points,
        is_deleted=fields.get("System.IsDeleted") in (True, "true", "True"),
    )


def when(value: Any) -> datetime | None:
    """`parse_ado_datetime` with a fast path for the common `…T…Z` form (same results)."""
    if isinstance(value, str) and len(value) >= 17 and value[-1] == "Z" and value[10:11] == "T" \
            and not value.startswith(("9999-", "0001-")):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return parse_ado_datetime(value)


def state_categories(project: str, type_name: str, states: list[dict[str, Any]]) -> list[StateCategory]:
    """StateCategory rows for one type, in the order the server lists them; unnamed states skipped."""
    out: list[StateCategory] = []
    for order, state in enumerate(states if isinstance(states, list) else []):
        if not isinstance(state, dict):
            continue
        name = _text(state.get("name"))
        if not name:
            continue
        category = _text(state.get("category")) or None
        out.append(StateCategory(project=project, work_item_type=type_name, state=name, category=category, order=order))
    return out


def repository(value: Any, project: str, organization: str) -> Repository | None:
    """A Repository from a repository object (or the repository ref inside a PR)."""
    if not isinstance(value, dict) or not _text(value.get("id")):
        return None
    return Repository(id=_text(value["id"]) or "", name=_text(value.get("name")) or "", project=project, organization=organization)


def pull_request(value: Any, organization: str, project: str) -> tuple[PullRequest, list[Identity]]:
    """A completed PR with its reviewers, plus the identities it names (author and reviewers)."""
    return _guarded("pull request", value, ("pullRequestId",),
                    lambda: _pull_request(value, organization, project))


def _pull_request(value: Any, organization: str, project: str) -> tuple[PullRequest, list[Identity]]:
    if not isinstance(value, dict):
        raise BadPayload("a pull request entry is not a JSON object")
    pr_id = _id(value.get("pullRequestId"))
    repo = raw if isinstance(raw := value.get("repository"), dict) else {}
    repo_id = _text(repo.get("id"))
    if pr_id is None or not repo_id:
        ident = _label(value, "pullRequestId")
        raise BadPayload(f"pull request {ident} has no valid pullRequestId or repository id and was skipped" if ident
                         else "a pull request without a valid pullRequestId or repository id was skipped", entity=ident)
    created = when(value.get("creationDate"))
    if created is None:
        raise BadPayload(f"pull request {pr_id} has no valid creationDate and was skipped", entity=str(pr_id))
    raw_reviewers = value.get("reviewers")
    if raw_reviewers is not None and not isinstance(raw_reviewers, list):
        raise BadPayload(f"pull request {pr_id} has a malformed reviewers list and was skipped", entity=str(pr_id))
    known_author = identity(value.get("createdBy"))
    author = known_author or Identity(id="unknown", display_name="Unknown")  # stored with what is known
    uid = f"{repo_id}-{pr_id}"
    people = [known_author] if known_author else []
    reviewers: list[Reviewer] = []
    seen: set[str] = set()
    for raw in raw_reviewers or []:
        person = identity(raw)
        if person is None or person.id in seen:
            continue
        seen.add(person.id)
        people.append(person)
        reviewers.append(
            Reviewer(
                pr_uid=uid,
                user_id=person.id,
                display_name=person.display_name,
                vote=(_int(raw.get("vote"), 0) or 0) if isinstance(raw, dict) else 0,
                is_required=isinstance(raw, dict) and _flag(raw.get("isRequired")),
                is_container=person.is_container,
                unique_name=person.unique_name,
            )
        )
    pr = PullRequest(
        uid=uid,
        pull_request_id=pr_id,
        organization=organization,
        project=project,
        repository_id=repo_id,
        repository_name=_text(repo.get("name")) or "",
        author_id=author.id,
        author_name=author.display_name,
        title=_text(value.get("title")) or "",
        status=(_text(value.get("status")) or "completed").lower(),
        created_at=created,
        closed_at=when(value.get("closedDate")),
        description=_text(value.get("description"), multiline=True),
        is_draft=_flag(value.get("isDraft")),
        merge_status=_text(value.get("mergeStatus")),
        author_unique_name=author.unique_name,
        reviewers=tuple(reviewers),
    )
    return pr, people


def _property(properties: Any, name: str) -> Any:
    if not isinstance(properties, dict):
        return None
    value = properties.get(name)
    if isinstance(value, dict) and "$value" in value:
        return value["$value"]
    return value


def review_times(threads: list[dict[str, Any]], author_id: str) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(first human comment, first vote, first approval) from a PR's threads.

    A human comment is a non-deleted `text` comment by someone other than the PR author and not by a
    group/service identity. Votes come from system `VoteUpdate` threads (`CodeReviewVoteResult`):
    any non-zero vote by someone other than the author counts as a vote, 5 or 10 as an approval.
    """
    first_comment: datetime | None = None
    first_vote: datetime | None = None
    first_approval: datetime | None = None
    author = (author_id or "").lower()
    for thread in threads if isinstance(threads, list) else []:
        try:  # a malformed thread is skipped; the others still count
            if not isinstance(thread, dict) or thread.get("isDeleted") is True:
                continue
            properties = thread.get("properties")
            kind = _property(properties, "CodeReviewThreadType")
            comments = [c for c in _list(thread.get("comments")) if isinstance(c, dict)]
            if kind == "VoteUpdate":
                vote = _int(_property(properties, "CodeReviewVoteResult"))
                voter = str(_property(properties, "CodeReviewVotedByTfId") or "").lower()
                at = when(thread.get("publishedDate"))
                if at is None and comments:
                    at = when(comments[0].get("publishedDate"))
                if vote and at is not None and voter != author:
                    first_vote = _earliest(first_vote, at)
                    if vote >= 5:
                        first_approval = _earliest(first_approval, at)
                continue
            for comment in comments:
                if comment.get("isDeleted") is True or (comment.get("commentType") or "text") != "text":
                    continue
                writer = raw if isinstance(raw := comment.get("author"), dict) else {}
                if writer.get("isContainer") is True or str(writer.get("id", "")).lower() == author:
                    continue
                at = when(comment.get("publishedDate"))
                if at is not None:
                    first_comment = _earliest(first_comment, at)
        except _MALFORMED:
            continue
    return first_comment, first_vote, first_approval


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current


def _flag(value: Any) -> bool:
    """A JSON boolean that may also arrive as "true"/"false" text; absent is False."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def _text(value: Any, *, multiline: bool = False) -> str | None:
    """Text from a string or a number (cleaned: server text is data); None for anything else."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean(value, multiline=multiline)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if -INT64_MAX <= value <= INT64_MAX else None  # str() of a huge int is slow
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    return None


def _int(value: Any, default: int | None = None) -> int | None:
    """An integer SQLite can store (signed 64-bit) from a number or numeric text; else `default`."""
    number: int | None = None
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and len(value) <= 40:
        try:
            number = int(value.strip())
        except ValueError:
            real = _float(value)
            number = int(real) if real is not None and real.is_integer() else None
    if number is None or not -INT64_MAX <= number <= INT64_MAX:
        return default
    return number


def _id(value: Any, default: int | None = None) -> int | None:
    """A positive 64-bit id (work item, PR), else `default`."""
    number = _int(value)
    return number if number is not None and number > 0 else default


def _float(value: Any) -> float | None:
    """A finite float from a number or numeric text; None otherwise (inf, NaN, 10**400 included)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int):
            number = float(value)
        elif isinstance(value, float):
            number = value
        elif isinstance(value, str) and len(value) <= 40:
            number = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
