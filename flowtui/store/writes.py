"""Writes: real upserts (`INSERT … ON CONFLICT DO UPDATE`), never delete-and-insert.

Callers group a page of API results, its derived rows and the cursor advance in one
`store.transaction()`, so a killed sync resumes from the last committed page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from flowtui.domain import (
    Identity,
    Organization,
    Project,
    PullRequest,
    Repository,
    Revision,
    StateCategory,
    WorkItem,
)
from flowtui.store.models import to_micros
from flowtui.timeutil import utc_now


def join_tags(tags: Iterable[str]) -> str:
    return "; ".join(tags)


def _upsert_sql(table: str, columns: Sequence[str], key: Sequence[str], *, where: str = "") -> str:
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in key)
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    conflict = ", ".join(f'"{c}"' for c in key)
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks}) ON CONFLICT ({conflict}) DO UPDATE SET {updates}'
    return sql + (f" WHERE {where}" if where else "")


_WORK_ITEM_COLS = (
    "id", "project", "type", "title", "state", "assigned_to", "area_path", "iteration_path", "tags",
    "created_at", "changed_at", "closed_at", "activated_at", "priority", "story_points", "rev", "is_deleted",
)
_REVISION_COLS = ("work_item_id", "rev", "changed_at", "state", "changed_by", "tags", "blocked")
_PR_COLS = (
    "uid", "pull_request_id", "organization", "project", "repository_id", "repository_name",
    "author_id", "author_name", "author_unique_name", "title", "status", "description",
    "created_at", "closed_at", "is_draft", "merge_status",
)
_REVIEWER_COLS = ("pr_uid", "user_id", "display_name", "unique_name", "vote", "is_required", "is_container")

_SQL_WORK_ITEM = _upsert_sql("work_item", _WORK_ITEM_COLS, ("id",), where="excluded.rev >= work_item.rev")
_SQL_REVISION = _upsert_sql("revision", _REVISION_COLS, ("work_item_id", "rev"))
_SQL_PR = _upsert_sql("pull_request", _PR_COLS, ("uid",))
_SQL_REVIEWER = _upsert_sql("reviewer", _REVIEWER_COLS, ("pr_uid", "user_id"))
_SQL_FROM_PREVIOUS = (
    "UPDATE revision SET from_state = p.ps, from_tags = p.pt, from_blocked = p.pb FROM ("
    " SELECT rev, LAG(state) OVER w AS ps, LAG(tags) OVER w AS pt, LAG(blocked) OVER w AS pb"
    " FROM revision WHERE work_item_id = ?1 WINDOW w AS (ORDER BY rev)) AS p"
    " WHERE revision.work_item_id = ?1 AND revision.rev = p.rev AND revision.rev >= ?2"
)


class WriteMixin:
    """Upserts and cursors; `self.db` is the peewee SqliteDatabase (run records: `flowtui.store.runs`)."""

    def _many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self.db.cursor().executemany(sql, rows)

    def upsert_organization(self, org: Organization) -> None:
        self._many(_upsert_sql("organization", ("url", "name"), ("url",)), [(org.url, org.name)])

    def upsert_projects(self, projects: list[Project]) -> None:
        sql = _upsert_sql("project", ("organization", "name", "project_id"), ("organization", "name"))
        self._many(sql, [(p.organization, p.name, p.id) for p in projects])

    def upsert_repositories(self, repos: list[Repository]) -> None:
        sql = _upsert_sql("repository", ("id", "name", "project", "organization"), ("id",))
        self._many(sql, [(r.id, r.name, r.project, r.organization) for r in repos])

    def upsert_identities(self, identities: list[Identity]) -> None:
        sql = _upsert_sql("identity", ("id", "display_name", "unique_name", "is_container"), ("id",))
        self._many(sql, [(i.id, i.display_name, i.unique_name, i.is_container) for i in identities])

    def upsert_state_categories(self, states: list[StateCategory]) -> None:
        sql = _upsert_sql(
            "state_category", ("project", "work_item_type", "state", "category", "order"),
            ("project", "work_item_type", "state"),
        )
        self._many(sql, [(s.project, s.work_item_type, s.state, s.category, s.order) for s in states])

    def upsert_work_items(self, items: list[WorkItem]) -> None:
        """Insert or update snapshots; a stored row with a higher rev than the incoming one is kept."""
        self._many(_SQL_WORK_ITEM, [
            (w.id, w.project, w.type, w.title, w.state, w.assigned_to, w.area_path, w.iteration_path,
             join_tags(w.tags), to_micros(w.created_at), to_micros(w.changed_at), to_micros(w.closed_at),
             to_micros(w.activated_at), w.priority, w.story_points, w.rev, w.is_deleted)
            for w in items
        ])

    def upsert_revisions(self, revs: list[Revision]) -> int:
        """Upsert revisions (unique per item and rev) and recompute `from_state` (and the previous
        revision's tags and blocked flag) for the items touched.

        The work items must exist already (upsert their snapshots first, in the same transaction).
        `Revision.from_state` given by the caller is ignored: it is derived from the stored revisions,
        so revisions may arrive in any order and across pages. The per-item facts of the items touched
        are re-derived here too (`flowtui.store.facts`), so call it inside a transaction.
        """
        if not revs:
            return 0
        self._many(_SQL_REVISION, [
            (r.work_item_id, r.rev, to_micros(r.changed_at), r.state, r.changed_by, join_tags(r.tags), r.blocked)
            for r in revs
        ])
        first_rev: dict[int, int] = {}
        for r in revs:
            if r.rev < first_rev.get(r.work_item_id, 1 << 62):
                first_rev[r.work_item_id] = r.rev
        self._many(_SQL_FROM_PREVIOUS, sorted(first_rev.items()))
        self._derive_facts(sorted(first_rev))  # type: ignore[attr-defined]  # FactsMixin, same transaction
        return len(revs)

    def upsert_pull_requests(self, prs: list[PullRequest]) -> None:
        """Upsert PRs and their reviewers; reviewers no longer on a PR are removed."""
        self._many(_SQL_PR, [
            (p.uid, p.pull_request_id, p.organization, p.project, p.repository_id, p.repository_name,
             p.author_id, p.author_name, p.author_unique_name, p.title, p.status, p.description,
             to_micros(p.created_at), to_micros(p.closed_at), p.is_draft, p.merge_status)
            for p in prs
        ])
        self._many(_SQL_REVIEWER, [
            (p.uid, r.user_id, r.display_name, r.unique_name, r.vote, r.is_required, r.is_container)
            for p in prs for r in p.reviewers
        ])
        cursor = self.db.cursor()
        for p in prs:
            keep = [r.user_id for r in p.reviewers]
            marks = ", ".join("?" for _ in keep)
            sql = "DELETE FROM reviewer WHERE pr_uid = ?" + (f" AND user_id NOT IN ({marks})" if keep else "")
            cursor.execute(sql, (p.uid, *keep))

    def set_pr_review_times(
        self,
        uid: str,
        first_comment_at: datetime | None,
        first_vote_at: datetime | None,
        first_approval_at: datetime | None,
    ) -> None:
        """Record what the PR's threads said, and that they were read."""
        self.db.execute_sql(
            "UPDATE pull_request SET first_comment_at = ?, first_vote_at = ?, first_approval_at = ?, "
            "threads_read_at = ? WHERE uid = ?",
            (to_micros(first_comment_at), to_micros(first_vote_at), to_micros(first_approval_at),
             to_micros(utc_now()), uid),
        )

    def set_cursor(
        self, org: str, project: str, stream: str, value: str, *,
        watermark: datetime | None = None, force: bool = False,
    ) -> bool:
        """Store a stream's cursor. Forward-only: a watermark earlier than the stored one is refused
        (returns False) unless `force` (the `--full` path)."""
        if watermark is not None and not force:
            row = self.db.execute_sql(
                "SELECT watermark FROM sync_cursor WHERE organization = ? AND project = ? AND stream = ?",
                (org, project, stream),
            ).fetchone()
            if row and row[0] is not None and row[0] > to_micros(watermark):
                return False
        sql = _upsert_sql(
            "sync_cursor", ("organization", "project", "stream", "value", "watermark", "updated_at"),
            ("organization", "project", "stream"),
        )
        self.db.execute_sql(sql, (org, project, stream, value, to_micros(watermark), to_micros(utc_now())))
        return True

    def delete_cursors(self, org: str, project: str | None = None) -> None:
        if project is None:
            self.db.execute_sql("DELETE FROM sync_cursor WHERE organization = ?", (org,))
        else:
            self.db.execute_sql("DELETE FROM sync_cursor WHERE organization = ? AND project = ?", (org, project))
