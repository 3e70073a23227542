"""Typed reads: every query returns flowtui.domain dataclasses, never Peewee objects.

Filtering happens in SQL (project, type, area prefix, search, sort, paging) so that screens and
reports never pull more rows than they show or compute over. `work_item_histories` is the hot path
for reports: it streams revisions as tuples ordered by the (work_item_id, rev) unique index.

Queries are built with Peewee's query builder over the models and run with `db.execute(query)`,
which returns the driver's raw rows (timestamps as integer µs): converting a million revisions
through Peewee's row objects would cost more than the query.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from peewee import JOIN, SQL, Expression, Field, PeeweeException, SchemaManager, Value, fn

from flowtui.domain import (
    Identity,
    ItemFilter,
    Organization,
    Project,
    PullRequest,
    Repository,
    Reviewer,
    Revision,
    RunMarker,
    StateCategory,
    SyncRun,
    WorkItem,
    WorkItemHistory,
)
from flowtui.errors import StoreError
from flowtui.store import models as m
from flowtui.store.batch import Batch, shaped
from flowtui.store.cursor import Cursor
from flowtui.store.dialect import DRIVER_ERRORS, dialect_for, ordered
from flowtui.store.postgres import reason, writer_holder
from flowtui.store.models import from_micros

W, R, P, V = m.WorkItem, m.Revision, m.PullRequest, m.Reviewer

#: The columns `work_item_from_row` reads, in order.
WORK_ITEM_FIELDS: tuple[Field, ...] = (
    W.id, W.project, W.type, W.title, W.state, W.created_at, W.changed_at, W.rev, W.assigned_to,
    W.area_path, W.iteration_path, W.tags, W.closed_at, W.activated_at, W.priority, W.story_points, W.is_deleted,
)
_SORTABLE: dict[str, Field] = {
    "id": W.id, "title": W.title, "state": W.state, "type": W.type, "project": W.project,
    "assigned_to": W.assigned_to, "created_at": W.created_at, "changed_at": W.changed_at,
    "closed_at": W.closed_at, "area_path": W.area_path,
}
_PR_FIELDS = (
    P.uid, P.pull_request_id, P.organization, P.project, P.repository_id, P.repository_name, P.author_id,
    P.author_name, P.title, P.status, P.created_at, P.closed_at, P.description, P.is_draft, P.merge_status,
    P.author_unique_name, P.first_comment_at, P.first_vote_at, P.first_approval_at,
)
#: Items in the reports: not in the recycle bin, not moved to an unsynced project or type.
VISIBLE = (W.is_deleted == False) & W.excluded.is_null()  # noqa: E712  (a SQL comparison, not Python's)


def _all(*conditions: Expression | None) -> Expression:
    """The conjunction of the given conditions (None ones are left out; at least one must be given)."""
    kept = [c for c in conditions if c is not None]
    return functools.reduce(operator.and_, kept)


def split_tags(text: str | None, _cache: dict[str, tuple[str, ...]] = {}) -> tuple[str, ...]:  # noqa: B006
    """ "a; b" -> ("a", "b"); cached because the same few tag strings repeat across revisions."""
    if not text:
        return ()
    hit = _cache.get(text)
    if hit is None:
        hit = tuple(t.strip() for t in text.split(";") if t.strip())
        if len(_cache) < 10_000:
            _cache[text] = hit
    return hit


def _has_tag(tag: str) -> Expression:
    """The item carries this tag (stored as "a; b; c"; matched whole and case-insensitively, LIKE's
    wildcards in the tag escaped by Peewee's `contains`)."""
    return Value("; ").concat(W.tags).concat(";").contains(f"; {tag.strip()};")


def _filter(f: ItemFilter | None) -> Expression | None:
    """The condition of an ItemFilter over work items (the area matches the path itself and below it;
    every tag must be carried; any of the assignees)."""
    if f is None:
        return None
    area = f.area.rstrip("\\") if f.area else None
    conditions = [
        W.project.in_(list(f.projects)) if f.projects else None,
        W.type.in_(list(f.types)) if f.types else None,
        (W.area_path == area) | (fn.SUBSTR(W.area_path, 1, len(area) + 1) == area + "\\") if area else None,
        *(_has_tag(tag) for tag in f.tags),
        W.assigned_to.in_(list(f.assignees)) if f.assignees else None,
    ]
    return _all(*conditions) if any(c is not None for c in conditions) else None


def _pr_where(f: ItemFilter | None, status: str | None, closed_after: datetime | None) -> Expression | None:
    conditions = [
        P.status == status if status else None,
        P.project.in_(list(f.projects)) if f and f.projects else None,
        P.closed_at > closed_after if closed_after is not None else None,
    ]
    return _all(*conditions) if any(c is not None for c in conditions) else None


def work_item_from_row(row: Sequence[Any]) -> WorkItem:
    """A WorkItem from a raw row of WORK_ITEM_FIELDS."""
    return WorkItem(
        id=row[0], project=row[1], type=row[2], title=row[3], state=row[4],
        created_at=from_micros(row[5]), changed_at=from_micros(row[6]), rev=row[7], assigned_to=row[8],
        area_path=row[9], iteration_path=row[10], tags=split_tags(row[11]), closed_at=from_micros(row[12]),
        activated_at=from_micros(row[13]), priority=row[14], story_points=row[15], is_deleted=bool(row[16]),
    )


def changed_revisions(db: Any) -> Expression:
    """The revisions a flow metric can see: the first one, and those where the state, the tags or
    the blocked flag changed."""
    differs = dialect_for(db).distinct
    return (R.from_state.is_null() | differs(R.state, R.from_state) | differs(R.tags, R.from_tags)
            | differs(R.blocked, R.from_blocked))


#: The longest any statement of `latest_run` (the TUI's store watch) may take, in seconds.
LATEST_RUN_TIMEOUT_S = 10

_KEEP = Batch(lambda i: m.KeptItem.insert(id=i).on_conflict_ignore(), 1)
_SETTLED = Batch(lambda *v: m.SettledState.insert(dict(zip(
    (m.SettledState.project, m.SettledState.work_item_type, m.SettledState.state, m.SettledState.bucket),
    v, strict=True))).on_conflict_ignore(), 4)


_CREATE_TEMP: dict[tuple[type, type], str] = {}


def _fill_temp(db: Any, model: type[m.BaseModel], batch: Batch, rows: Sequence[Sequence[Any]]) -> None:
    """Replace the rows of this connection's temporary table `model` (created on first use)."""
    key = (type(db), model)
    create = _CREATE_TEMP.get(key)
    if create is None:
        ctx = SchemaManager(model, database=db)._create_table(safe=True, temporary=True)
        create = _CREATE_TEMP[key] = ctx.query()[0]
    db.execute_sql(create)
    shaped(f"clear {model.__name__}", model.delete, 0).execute(db)
    batch.run(db, rows)


def kept_revisions(db: Any, ids: Sequence[int], *, changes_only: bool, from_state: bool = True) -> Any:
    """A cursor over the revisions of the items `ids` (in item, rev order), seeking each item's
    revisions through the (work_item_id, rev) index: (work_item_id, rev, changed_at, state,
    [from_state,] changed_by, tags, blocked)."""
    _fill_temp(db, m.KeptItem, _KEEP, [(i,) for i in ids])
    K = m.KeptItem

    def build() -> Any:
        fields = [R.work_item, R.rev, R.changed_at, R.state, *([R.from_state] if from_state else []),
                  R.changed_by, R.tags, R.blocked]
        # SQLite walks the left operand of a CROSS JOIN first (one seek per kept id); other planners
        # choose the order themselves, and the join condition in WHERE is standard SQL for all.
        seek = R.work_item == K.id
        return (K.select(*fields).join(R, JOIN.CROSS)
                .where(_all(seek, changed_revisions(db) if changes_only else None)).order_by(K.id, R.rev))

    # `build` reads the dialect of `db`, so the shape is one per engine (a Batch keeps its first builder)
    return shaped(f"kept {changes_only} {from_state} {dialect_for(db).name}", build, 0).execute(db)


_F = TypeVar("_F", bound=Callable[..., Any])


def _read_errors(method: _F) -> _F:
    """Driver errors while reading (SQLite: a damaged page the open-time checks did not visit, a locked
    or vanished file; PostgreSQL: a lost connection, a server shut down) become a StoreError naming the
    store, so the CLI and the TUI report them in one sentence."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (PeeweeException, *DRIVER_ERRORS) as exc:
            if getattr(self, "address", None) is not None:
                raise StoreError(f"Reading the store {self.address} failed ({reason(exc)}); check that the "
                                 "PostgreSQL server is reachable and try again.") from None
            raise StoreError(
                f"Reading the store {self.path} failed ({exc}); if it is damaged, move it away and run "
                "`flowtui sync` to rebuild it."
            ) from None

    return wrapper  # type: ignore[return-value]


class ReadMixin:
    """Typed queries; `self.db` is the store's Peewee database."""

    db: Any
    path: Any

    @_read_errors
    def _rows(self, query: Any) -> list[tuple]:
        return list(self.db.execute(query).fetchall())

    @_read_errors
    def work_item_histories(
        self, f: ItemFilter | None = None, *, changes_only: bool = False,
        settled_before: datetime | None = None, settled_states: Sequence[tuple[str, str, str, str]] = (),
    ) -> list[WorkItemHistory]:
        """Every matching work item with its revisions in rev order (deleted items excluded).

        With `changes_only`, only the revisions a flow metric can see are returned: the first one and
        those where the state, the tags or the blocked flag changed (an assignee or title edit is left
        out). Reports use it; it reads a fraction of the rows on a large store.

        With `settled_before` and `settled_states` ((project, type, state, bucket) rows), items whose
        current state is one of those and whose last change is before that instant are left out;
        `count_settled` counts them per bucket. A report's numbers cannot depend on such items except
        through the counts (see `flowtui.metrics.settle_cutoff`), and on a large store they are most rows.
        """
        with dialect_for(self.db).read_snapshot(self.db):
            where = self._report_items_where(f, settled_before, settled_states)
            items = [work_item_from_row(r) for r in self._rows(W.select(*WORK_ITEM_FIELDS).where(where).order_by(W.id))]
            revs: dict[int, list[Revision]] = {w.id: [] for w in items}
            if settled_before is None:
                cursor = self.db.execute(
                    R.select(R.work_item, R.rev, R.changed_at, R.state, R.from_state, R.changed_by, R.tags, R.blocked)
                    .join(W, on=(W.id == R.work_item))
                    .where(where & changed_revisions(self.db) if changes_only else where)
                    .order_by(R.work_item, R.rev))
            else:
                # Seek the revisions of the kept items through the (work_item_id, rev) index instead of
                # testing the settled condition on every revision row.
                cursor = kept_revisions(self.db, [w.id for w in items], changes_only=changes_only)
            make = Revision
            fromts = datetime.fromtimestamp  # exact to the microsecond for these magnitudes, and 2x faster
            current_id = None
            bucket: list[Revision] = []
            while True:
                chunk = cursor.fetchmany(20_000)
                if not chunk:
                    break
                for wid, rev, at, state, from_state, by, tags, blocked in chunk:
                    if wid != current_id:
                        current_id = wid
                        bucket = revs.get(wid, [])  # an item outside the list: its rows are dropped
                    bucket.append(make(wid, rev, fromts(at / 1e6, UTC), state, from_state, by,
                                            split_tags(tags) if tags else (), bool(blocked)))
            return [WorkItemHistory(w, tuple(revs[w.id])) for w in items]

    def _report_items_where(self, f: ItemFilter | None, settled_before: datetime | None,
                            settled_states: Sequence[tuple[str, str, str, str]]) -> Expression:
        """The condition over work items for a report's items: visible, filtered, settled ones left out."""
        where = _all(VISIBLE, _filter(f))
        if settled_before is not None:
            S = self._load_settled_states(settled_states)
            settled = S.select(SQL("1")).where((S.project == W.project) & (S.work_item_type == W.type)
                                               & (S.state == W.state) & (W.changed_at < settled_before))
            where &= ~fn.EXISTS(settled)
        return where

    def count_settled(
        self, f: ItemFilter | None, *, settled_before: datetime, settled_states: Sequence[tuple[str, str, str, str]],
    ) -> dict[str, int]:
        """Per bucket, the items `work_item_histories(..., settled_before=, settled_states=)` leaves out."""
        S = self._load_settled_states(settled_states)
        query = (W.select(S.bucket, fn.COUNT(SQL("*")))
                 .join(S, on=((S.project == W.project) & (S.work_item_type == W.type) & (S.state == W.state)))
                 .where(_all(VISIBLE, _filter(f), W.changed_at < settled_before)).group_by(S.bucket))
        return {bucket: int(n) for bucket, n in self._rows(query)}

    def _load_settled_states(self, settled_states: Sequence[tuple[str, str, str, str]]) -> type[m.SettledState]:
        """Fill this connection's temporary table of (project, type, state) -> bucket for settled look-ups."""
        _fill_temp(self.db, m.SettledState, _SETTLED, list(settled_states))
        return m.SettledState

    def work_items(
        self, f: ItemFilter | None = None, *, search: str | None = None, state: str | None = None,
        states: tuple[str, ...] = (), assigned_to: str | None = None, tag: str | None = None,
        order_by: str = "id", descending: bool = False, limit: int | None = None, offset: int = 0,
    ) -> list[WorkItem]:
        """One page of work items, filtered, searched (title or id) and sorted in SQL."""
        where = self._work_item_where(f, search=search, state=state, states=states, assigned_to=assigned_to, tag=tag)
        column = _SORTABLE.get(order_by)
        if column is None:
            raise ValueError(f"cannot sort work items by {order_by!r}; choose one of {', '.join(_SORTABLE)}")
        # NULLs sort first ascending and last descending on every engine (SQLite's own order).
        (key,) = ordered(self.db, column)
        order = key.desc(nulls="last") if descending else key.asc(nulls="first")
        query = W.select(*WORK_ITEM_FIELDS).where(where).order_by(order, W.id).limit(limit).offset(offset or None)
        return [work_item_from_row(r) for r in self._rows(query)]

    def work_item_ids(
        self, f: ItemFilter | None = None, *, search: str | None = None, state: str | None = None,
        states: tuple[str, ...] = (), assigned_to: str | None = None, tag: str | None = None,
    ) -> list[int]:
        """The ids of every matching work item (same filters as `work_items`), ascending: for sorting
        by a column computed outside SQL, then reading one page with `work_items_by_ids`."""
        where = self._work_item_where(f, search=search, state=state, states=states, assigned_to=assigned_to,
                                      tag=tag)
        return [r[0] for r in self._rows(W.select(W.id).where(where).order_by(W.id))]

    def work_items_by_ids(self, ids: Sequence[int]) -> list[WorkItem]:
        """The work items with these ids, in the order given (ids not in the store are skipped)."""
        if not ids:
            return []
        found: dict[int, WorkItem] = {}
        for start in range(0, len(ids), 500):  # well under every engine's bound-parameter limit
            chunk = list(ids[start:start + 500])
            found.update((r[0], work_item_from_row(r))
                         for r in self._rows(W.select(*WORK_ITEM_FIELDS).where(W.id.in_(chunk))))
        return [found[i] for i in ids if i in found]

    def count_work_items(self, f: ItemFilter | None = None, **kwargs: object) -> int:
        where = self._work_item_where(f, **kwargs)  # type: ignore[arg-type]
        return int(self._rows(W.select(fn.COUNT(SQL("*"))).where(where))[0][0])

    def _work_item_where(
        self, f: ItemFilter | None, *, search: str | None = None, state: str | None = None,
        states: tuple[str, ...] = (), assigned_to: str | None = None, tag: str | None = None,
    ) -> Expression:
        where = _all(VISIBLE, _filter(f))
        if search:
            text = search.strip()
            found = W.title.contains(text)  # case-insensitive, wildcards escaped
            where &= ((W.id == int(text)) | found) if text.isdigit() else found
        if state:
            where &= W.state == state
        if states:
            where &= W.state.in_(list(states))
        if assigned_to:
            where &= W.assigned_to == assigned_to
        if tag:
            where &= _has_tag(tag)
        return where

    def work_item(self, work_item_id: int) -> WorkItem | None:
        rows = self._rows(W.select(*WORK_ITEM_FIELDS).where(W.id == work_item_id))
        return work_item_from_row(rows[0]) if rows else None

    def revisions_for(self, work_item_id: int) -> list[Revision]:
        rows = self._rows(R.select(R.work_item, R.rev, R.changed_at, R.state, R.from_state, R.changed_by, R.tags,
                                   R.blocked).where(R.work_item == work_item_id).order_by(R.rev))
        return [Revision(r[0], r[1], from_micros(r[2]), r[3], r[4], r[5], split_tags(r[6]), bool(r[7])) for r in rows]

    def distinct_values(self, column: str, f: ItemFilter | None = None) -> list[str]:
        """Sorted distinct non-empty values of a work item column (for filter pickers)."""
        if column not in ("project", "type", "state", "assigned_to", "area_path"):
            raise ValueError(f"no distinct values for {column!r}")
        field = getattr(W, column)
        query = W.select(field).distinct().where(_all(field.is_null(False), _filter(f)))
        return sorted(r[0] for r in self._rows(query))

    def state_categories(self, projects: list[str] | None = None) -> list[StateCategory]:
        C = m.StateCategory
        query = C.select(C.project, C.work_item_type, C.state, C.category, C.order)
        if projects:
            query = query.where(C.project.in_(projects))
        query = query.order_by(*ordered(self.db, C.project, C.work_item_type, C.order, C.state))
        return [StateCategory(*r) for r in self._rows(query)]

    def pull_requests(
        self, f: ItemFilter | None = None, *, status: str | None = "completed",
        closed_after: datetime | None = None,
    ) -> list[PullRequest]:
        """PRs (completed by default) with their reviewers, ordered by uid. Only `projects` of the filter applies."""
        where = _pr_where(f, status, closed_after)
        reviewers: dict[str, list[Reviewer]] = {}
        rquery = (V.select(V.pull_request, V.user_id, V.display_name, V.vote, V.is_required, V.is_container,
                           V.unique_name)
                  .join(P, on=(P.uid == V.pull_request)).where(where).order_by(*ordered(self.db, V.pull_request, V.user_id)))
        for r in self._rows(rquery):
            reviewers.setdefault(r[0], []).append(Reviewer(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5]), r[6]))
        out = []
        for r in self._rows(P.select(*_PR_FIELDS).where(where).order_by(*ordered(self.db, P.uid))):
            out.append(PullRequest(
                uid=r[0], pull_request_id=r[1], organization=r[2], project=r[3], repository_id=r[4],
                repository_name=r[5], author_id=r[6], author_name=r[7], title=r[8], status=r[9],
                created_at=from_micros(r[10]), closed_at=from_micros(r[11]), description=r[12],
                is_draft=bool(r[13]), merge_status=r[14], author_unique_name=r[15],
                first_comment_at=from_micros(r[16]), first_vote_at=from_micros(r[17]),
                first_approval_at=from_micros(r[18]), reviewers=tuple(reviewers.get(r[0], ())),
            ))
        return out

    def prs_needing_threads(self, closed_after: datetime) -> list[PullRequest]:
        """Completed PRs closed after `closed_after` whose threads were never read."""
        uids = {r[0] for r in self._rows(P.select(P.uid).where(
            (P.status == "completed") & (P.closed_at > closed_after) & P.threads_read_at.is_null()))}
        return [p for p in self.pull_requests(closed_after=closed_after) if p.uid in uids]

    def organizations(self) -> list[Organization]:
        O = m.Organization  # noqa: E741
        return [Organization(*r) for r in self._rows(O.select(O.url, O.name).order_by(*ordered(self.db, O.name)))]

    def projects(self) -> list[Project]:
        J = m.Project
        return [Project(*r) for r in self._rows(J.select(J.project_id, J.name, J.organization)
                                                 .order_by(*ordered(self.db, J.organization, J.name)))]

    def repositories(self) -> list[Repository]:
        G = m.Repository
        return [Repository(*r) for r in self._rows(G.select(G.id, G.name, G.project, G.organization).order_by(*ordered(self.db, G.id)))]

    def identities(self) -> list[Identity]:
        I = m.Identity  # noqa: E741
        rows = self._rows(I.select(I.id, I.display_name, I.unique_name, I.is_container).order_by(*ordered(self.db, I.id)))
        return [Identity(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def get_cursor(self, org: str, project: str, stream: str) -> Cursor | None:
        C = m.SyncCursor
        rows = self._rows(C.select(C.value, C.watermark, C.updated_at).where(
            (C.organization == org) & (C.project == project) & (C.stream == stream)))
        return Cursor(rows[0][0], from_micros(rows[0][1]), from_micros(rows[0][2])) if rows else None

    def sync_runs(self, limit: int = 20) -> list[SyncRun]:
        S = m.SyncRun
        rows = self._rows(S.select(S.id, S.started_at, S.status, S.finished_at, S.organization, S.work_items,
                                   S.revisions, S.pull_requests, S.requests, S.throttled_seconds, S.warnings,
                                   S.first_error, S.error_project).order_by(S.id.desc()).limit(limit))
        return [SyncRun(r[0], from_micros(r[1]), r[2], from_micros(r[3]), *r[4:]) for r in rows]

    @_read_errors
    def latest_run(self) -> RunMarker | None:
        """The newest run record's id, status and times (one primary-key row), or None before any sync.

        On PostgreSQL a `running` record whose writer no longer holds the advisory lock (the process
        was killed, or its machine or connection died) reads as `interrupted`, as the next sync will
        mark it; no statement may take longer than `LATEST_RUN_TIMEOUT_S` (a table locked by someone
        else fails the poll instead of hanging it). (An SQLite store's flock cannot be probed
        without taking it, so there the record stays `running` until the next sync.)"""
        S = m.SyncRun
        query = S.select(S.id, S.status, S.started_at, S.finished_at).order_by(S.id.desc()).limit(1)
        with dialect_for(self.db).bounded_read(self.db, LATEST_RUN_TIMEOUT_S):
            rows = self._rows(query)
            if (rows and rows[0][1] == "running" and getattr(self, "address", None) is not None
                    and writer_holder(self.db) is None):
                # A writer takes the lock before it opens its record and closes the record before
                # it lets go: read again, and a record still running without a lock is a dead one.
                again = self._rows(query)
                rows = [(*rows[0][:1], "interrupted", *rows[0][2:])] if again == rows else again
        if not rows:
            return None
        run_id, status, started, finished = rows[0]
        return RunMarker(int(run_id), str(status), from_micros(started), from_micros(finished))

    def last_successful_sync(self) -> datetime | None:
        S = m.SyncRun
        return from_micros(self._rows(S.select(fn.MAX(S.finished_at)).where(S.status == "success"))[0][0])

    def stats(self) -> dict[str, int]:
        """Row counts per table."""
        tables = (m.Organization, m.Project, m.Repository, m.Identity, m.StateCategory, W, R, P, V,
                  m.SyncCursor, m.SyncRun)
        return {t._meta.table_name: int(self._rows(t.select(fn.COUNT(SQL("*"))))[0][0]) for t in tables}
