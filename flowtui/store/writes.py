"""Writes: real upserts (`INSERT … ON CONFLICT DO UPDATE`), never delete-and-insert.

Callers group a page of API results, its derived rows and the cursor advance in one
`store.transaction()`, so a killed sync resumes from the last committed page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from peewee import EXCLUDED, Field, Query, fn

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
from flowtui.store import models as m
from flowtui.store.batch import Batch, padded, shaped
from flowtui.store.models import to_micros
from flowtui.timeutil import utc_now


def join_tags(tags: Iterable[str]) -> str:
    return "; ".join(tags)


def _upsert(model: type[m.BaseModel], fields: Sequence[Field], key: Sequence[Field], **options: Any) -> Batch:
    """An upsert of `fields` (one row per call) on the unique `key`: the other fields are updated."""
    preserve = [f for f in fields if not any(f is k for k in key)]  # Field == builds an expression

    def build(*values: object) -> Query:
        return model.insert(dict(zip(fields, values, strict=True))).on_conflict(
            conflict_target=list(key), preserve=preserve, **options)

    return Batch(build, len(fields))


W, R, P, V = m.WorkItem, m.Revision, m.PullRequest, m.Reviewer
_ORGANIZATION = _upsert(m.Organization, (m.Organization.url, m.Organization.name), (m.Organization.url,))
_PROJECT = _upsert(m.Project, (m.Project.organization, m.Project.name, m.Project.project_id),
                   (m.Project.organization, m.Project.name))
_REPOSITORY = _upsert(m.Repository, (m.Repository.id, m.Repository.name, m.Repository.project,
                                     m.Repository.organization), (m.Repository.id,))
_IDENTITY = _upsert(m.Identity, (m.Identity.id, m.Identity.display_name, m.Identity.unique_name,
                                 m.Identity.is_container), (m.Identity.id,))
_STATE = _upsert(m.StateCategory, (m.StateCategory.project, m.StateCategory.work_item_type, m.StateCategory.state,
                                   m.StateCategory.category, m.StateCategory.order),
                 (m.StateCategory.project, m.StateCategory.work_item_type, m.StateCategory.state))
_WORK_ITEM = _upsert(W, (W.id, W.project, W.type, W.title, W.state, W.assigned_to, W.area_path, W.iteration_path,
                         W.tags, W.created_at, W.changed_at, W.closed_at, W.activated_at, W.priority, W.story_points,
                         W.rev, W.is_deleted), (W.id,), where=EXCLUDED.rev >= W.rev)
_REVISION = _upsert(R, (R.work_item, R.rev, R.changed_at, R.state, R.changed_by, R.tags, R.blocked),
                    (R.work_item, R.rev))
_PR = _upsert(P, (P.uid, P.pull_request_id, P.organization, P.project, P.repository_id, P.repository_name,
                  P.author_id, P.author_name, P.author_unique_name, P.title, P.status, P.description,
                  P.created_at, P.closed_at, P.is_draft, P.merge_status), (P.uid,))
_REVIEWER = _upsert(V, (V.pull_request, V.user_id, V.display_name, V.unique_name, V.vote, V.is_required,
                        V.is_container), (V.pull_request, V.user_id))
_CURSOR = _upsert(m.SyncCursor, (m.SyncCursor.organization, m.SyncCursor.project, m.SyncCursor.stream,
                                 m.SyncCursor.value, m.SyncCursor.watermark, m.SyncCursor.updated_at),
                  (m.SyncCursor.organization, m.SyncCursor.project, m.SyncCursor.stream))


def _from_previous(work_item_id: object, first_rev: object) -> Query:
    """Set each revision's from_* columns (from rev `first_rev` on) to the previous revision's values."""
    prev = (R.select(R.rev, fn.LAG(R.state).over(order_by=[R.rev]).alias("ps"),
                     fn.LAG(R.tags).over(order_by=[R.rev]).alias("pt"),
                     fn.LAG(R.blocked).over(order_by=[R.rev]).alias("pb"))
            .where(R.work_item == work_item_id).alias("p"))
    return (R.update({R.from_state: prev.c.ps, R.from_tags: prev.c.pt, R.from_blocked: prev.c.pb})
            .from_(prev).where((R.work_item == work_item_id) & (R.rev == prev.c.rev) & (R.rev >= first_rev)))


_FROM_PREVIOUS = Batch(_from_previous, 2)
_REVIEW_TIMES = Batch(lambda comment, vote, approval, read, uid: P.update({
    P.first_comment_at: comment, P.first_vote_at: vote, P.first_approval_at: approval, P.threads_read_at: read,
}).where(P.uid == uid), 5)
_C = m.SyncCursor
_WATERMARK = Batch(lambda org, project, stream: _C.select(_C.watermark).where(
    (_C.organization == org) & (_C.project == project) & (_C.stream == stream)), 3)
_DROP_REVIEWER = Batch(lambda uid, user: V.delete().where((V.pull_request == uid) & (V.user_id == user)), 2)


def _reviewers_of(n: int) -> Batch:
    return shaped("reviewers", lambda *uids: V.select(V.pull_request, V.user_id).where(
        V.pull_request.in_(list(uids))), n)


class WriteMixin:
    """Upserts and cursors; `self.db` is the store's Peewee database (run records: `flowtui.store.runs`)."""

    db: Any

    def upsert_organization(self, org: Organization) -> None:
        _ORGANIZATION.run(self.db, [(org.url, org.name)])

    def upsert_projects(self, projects: list[Project]) -> None:
        _PROJECT.run(self.db, [(p.organization, p.name, p.id) for p in projects])

    def upsert_repositories(self, repos: list[Repository]) -> None:
        _REPOSITORY.run(self.db, [(r.id, r.name, r.project, r.organization) for r in repos])

    def upsert_identities(self, identities: list[Identity]) -> None:
        _IDENTITY.run(self.db, [(i.id, i.display_name, i.unique_name, i.is_container) for i in identities])

    def upsert_state_categories(self, states: list[StateCategory]) -> None:
        _STATE.run(self.db, [(s.project, s.work_item_type, s.state, s.category, s.order) for s in states])

    def upsert_work_items(self, items: list[WorkItem]) -> None:
        """Insert or update snapshots; a stored row with a higher rev than the incoming one is kept."""
        _WORK_ITEM.run(self.db, [
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
        _REVISION.run(self.db, [
            (r.work_item_id, r.rev, to_micros(r.changed_at), r.state, r.changed_by, join_tags(r.tags), r.blocked)
            for r in revs
        ])
        first_rev: dict[int, int] = {}
        for r in revs:
            if r.rev < first_rev.get(r.work_item_id, 1 << 62):
                first_rev[r.work_item_id] = r.rev
        _FROM_PREVIOUS.run(self.db, sorted(first_rev.items()))
        self._derive_facts(sorted(first_rev))  # type: ignore[attr-defined]  # FactsMixin, same transaction
        return len(revs)

    def upsert_pull_requests(self, prs: list[PullRequest]) -> None:
        """Upsert PRs and their reviewers; reviewers no longer on a PR are removed."""
        _PR.run(self.db, [
            (p.uid, p.pull_request_id, p.organization, p.project, p.repository_id, p.repository_name,
             p.author_id, p.author_name, p.author_unique_name, p.title, p.status, p.description,
             to_micros(p.created_at), to_micros(p.closed_at), p.is_draft, p.merge_status)
            for p in prs
        ])
        _REVIEWER.run(self.db, [
            (p.uid, r.user_id, r.display_name, r.unique_name, r.vote, r.is_required, r.is_container)
            for p in prs for r in p.reviewers
        ])
        keep = {(p.uid, r.user_id) for p in prs for r in p.reviewers}
        uids = sorted({p.uid for p in prs})
        for start in range(0, len(uids), 500):
            chunk = padded(uids[start:start + 500])
            stored = _reviewers_of(len(chunk)).execute(self.db, chunk).fetchall()
            _DROP_REVIEWER.run(self.db, sorted(r for r in stored if tuple(r) not in keep))

    def set_pr_review_times(
        self,
        uid: str,
        first_comment_at: datetime | None,
        first_vote_at: datetime | None,
        first_approval_at: datetime | None,
    ) -> None:
        """Record what the PR's threads said, and that they were read."""
        _REVIEW_TIMES.execute(self.db, (to_micros(first_comment_at), to_micros(first_vote_at),
                                        to_micros(first_approval_at), to_micros(utc_now()), uid))

    def set_cursor(
        self, org: str, project: str, stream: str, value: str, *,
        watermark: datetime | None = None, force: bool = False,
    ) -> bool:
        """Store a stream's cursor. Forward-only: a watermark earlier than the stored one is refused
        (returns False) unless `force` (the `--full` path)."""
        if watermark is not None and not force:
            row = _WATERMARK.execute(self.db, (org, project, stream)).fetchone()
            if row and row[0] is not None and row[0] > to_micros(watermark):  # raw µs
                return False
        _CURSOR.run(self.db, [(org, project, stream, value, to_micros(watermark), to_micros(utc_now()))])
        return True

    def delete_cursors(self, org: str, project: str | None = None) -> None:
        C = m.SyncCursor
        which = C.organization == org
        if project is not None:
            which &= C.project == project
        C.delete().where(which).bind(self.db).execute()
