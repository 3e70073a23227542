"""Typed reads: every query returns flowtui.domain dataclasses, never Peewee objects.

Filtering happens in SQL (project, type, area prefix, search, sort, paging) so that screens and
reports never pull more rows than they show or compute over. `work_item_histories` is the hot path
for reports: it streams revisions as tuples ordered by the (work_item_id, rev) unique index.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from peewee import PeeweeException

from flowtui.domain import (
    Identity,
    ItemFilter,
    Organization,
    Project,
    PullRequest,
    Repository,
    Reviewer,
    Revision,
    StateCategory,
    SyncRun,
    WorkItem,
    WorkItemHistory,
)
from flowtui.errors import StoreError
from flowtui.store.cursor import Cursor
from flowtui.store.models import from_micros, to_micros

_WI_COLUMNS = (
    "w.id, w.project, w.type, w.title, w.state, w.created_at, w.changed_at, w.rev, w.assigned_to, "
    "w.area_path, w.iteration_path, w.tags, w.closed_at, w.activated_at, w.priority, w.story_points, w.is_deleted"
)
_SORTABLE = {
    "id": "w.id", "title": "w.title", "state": "w.state", "type": "w.type", "project": "w.project",
    "assigned_to": "w.assigned_to", "created_at": "w.created_at", "changed_at": "w.changed_at",
    "closed_at": "w.closed_at", "area_path": "w.area_path",
}
_PR_COLUMNS = ", ".join(f"p.{c}" for c in (
    "uid", "pull_request_id", "organization", "project", "repository_id", "repository_name", "author_id",
    "author_name", "title", "status", "created_at", "closed_at", "description", "is_draft", "merge_status",
    "author_unique_name", "first_comment_at", "first_vote_at", "first_approval_at",
))


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


def _like_escape(text: str) -> str:
    """`text` with LIKE's wildcards escaped (use with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tag_clause(alias: str = "w") -> str:
    """The item carries one tag (stored as "a; b; c"; matched whole, ASCII case-insensitively)."""
    return f"('; ' || {alias}.tags || ';') LIKE ? ESCAPE '\\'"


def _tag_pattern(tag: str) -> str:
    return f"%; {_like_escape(tag.strip())};%"


def _filter_sql(f: ItemFilter | None, alias: str = "w") -> tuple[str, list[object]]:
    """WHERE clauses for an ItemFilter (the area matches the path itself and everything below it)."""
    clauses: list[str] = []
    params: list[object] = []
    if f is None:
        return "", params
    if f.projects:
        clauses.append(f"{alias}.project IN ({', '.join('?' for _ in f.projects)})")
        params.extend(f.projects)
    if f.types:
        clauses.append(f"{alias}.type IN ({', '.join('?' for _ in f.types)})")
        params.extend(f.types)
    if f.area:
        area = f.area.rstrip("\\")
        clauses.append(f"({alias}.area_path = ? OR substr({alias}.area_path, 1, ?) = ?)")
        params.extend([area, len(area) + 1, area + "\\"])
    for tag in f.tags:
        clauses.append(_tag_clause(alias))
        params.append(_tag_pattern(tag))
    if f.assignees:
        clauses.append(f"{alias}.assigned_to IN ({', '.join('?' for _ in f.assignees)})")
        params.extend(f.assignees)
    return " AND ".join(clauses), params


def _pr_where(f: ItemFilter | None, status: str | None, closed_after: datetime | None) -> tuple[str, list[object]]:
    """WHERE clauses over pull_request aliased `p` (always at least one clause)."""
    clauses, params = ["1 = 1"], []
    if status:
        clauses.append("p.status = ?")
        params.append(status)
    if f and f.projects:
        clauses.append(f"p.project IN ({', '.join('?' for _ in f.projects)})")
        params.extend(f.projects)
    if closed_after is not None:
        clauses.append("p.closed_at > ?")
        params.append(to_micros(closed_after))
    return " AND ".join(clauses), params


def _work_item(row: tuple) -> WorkItem:
    return WorkItem(
        id=row[0], project=row[1], type=row[2], title=row[3], state=row[4],
        created_at=from_micros(row[5]), changed_at=from_micros(row[6]), rev=row[7], assigned_to=row[8],
        area_path=row[9], iteration_path=row[10], tags=split_tags(row[11]), closed_at=from_micros(row[12]),
        activated_at=from_micros(row[13]), priority=row[14], story_points=row[15], is_deleted=bool(row[16]),
    )


_F = TypeVar("_F", bound=Callable[..., Any])


def _read_errors(method: _F) -> _F:
    """SQLite errors while reading (a damaged page the open-time checks did not visit, a locked or
    vanished file) become a StoreError naming the file, so the CLI and the TUI report them in one sentence."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (PeeweeException, sqlite3.DatabaseError) as exc:
            raise StoreError(
                f"Reading the store {self.path} failed ({exc}); if it is damaged, move it away and run "
                "`flowtui sync` to rebuild it."
            ) from None

    return wrapper  # type: ignore[return-value]


#: Items in the reports: not in the recycle bin, not moved to an unsynced project or type.
VISIBLE = "w.is_deleted = 0 AND w.excluded IS NULL"


class ReadMixin:
    """Typed queries; `self.db` is the peewee SqliteDatabase."""

    @_read_errors
    def _rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        return self.db.execute_sql(sql, tuple(params)).fetchall()

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
        where, params = self._report_items_where(f, settled_before, settled_states)
        items = [_work_item(r) for r in self._rows(f"SELECT {_WI_COLUMNS} FROM work_item w WHERE {where} ORDER BY w.id", params)]
        revs: dict[int, list[Revision]] = {w.id: [] for w in items}
        change = (" AND (r.from_state IS NULL OR r.state IS NOT r.from_state OR r.tags IS NOT r.from_tags"
                  " OR r.blocked IS NOT r.from_blocked)") if changes_only else ""
        columns = "r.work_item_id, r.rev, r.changed_at, r.state, r.from_state, r.changed_by, r.tags, r.blocked"
        if settled_before is None:
            cursor = self.db.execute_sql(
                f"SELECT {columns} FROM revision r JOIN work_item w ON w.id = r.work_item_id WHERE {where}{change} "
                "ORDER BY r.work_item_id, r.rev",
                tuple(params),
            )
        else:
            # Seek the revisions of the kept items through the (work_item_id, rev) index instead of
            # testing the settled condition on every revision row (CROSS JOIN fixes the join order).
            self.db.execute_sql("CREATE TEMP TABLE IF NOT EXISTS kept_item (id INTEGER PRIMARY KEY)")
            self.db.execute_sql("DELETE FROM temp.kept_item")
            self.db.cursor().executemany("INSERT INTO temp.kept_item VALUES (?)", [(w.id,) for w in items])
            cursor = self.db.execute_sql(
                f"SELECT {columns} FROM temp.kept_item k CROSS JOIN revision r ON r.work_item_id = k.id "
                f"WHERE 1 = 1{change} ORDER BY k.id, r.rev"
            )
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
                    bucket = revs[wid]
                bucket.append(make(wid, rev, fromts(at / 1e6, UTC), state, from_state, by,
                                        split_tags(tags) if tags else (), bool(blocked)))
        return [WorkItemHistory(w, tuple(revs[w.id])) for w in items]

    def _report_items_where(self, f: ItemFilter | None, settled_before: datetime | None,
                            settled_states: Sequence[tuple[str, str, str, str]]) -> tuple[str, list[object]]:
        """WHERE over `work_item w` for a report's items: visible, filtered, settled ones left out."""
        where, params = _filter_sql(f)
        where = VISIBLE + (f" AND {where}" if where else "")
        if settled_before is not None:
            self._load_settled_states(settled_states)
            where += (" AND NOT EXISTS (SELECT 1 FROM temp.settled_state s WHERE s.project = w.project"
                      " AND s.work_item_type = w.type AND s.state = w.state AND w.changed_at < ?)")
            params.append(to_micros(settled_before))
        return where, params

    def count_settled(
        self, f: ItemFilter | None, *, settled_before: datetime, settled_states: Sequence[tuple[str, str, str, str]],
    ) -> dict[str, int]:
        """Per bucket, the items `work_item_histories(..., settled_before=, settled_states=)` leaves out."""
        self._load_settled_states(settled_states)
        where, params = _filter_sql(f)
        where = VISIBLE + (f" AND {where}" if where else "")
        rows = self._rows(
            "SELECT s.bucket, COUNT(*) FROM work_item w JOIN temp.settled_state s ON s.project = w.project "
            f"AND s.work_item_type = w.type AND s.state = w.state WHERE {where} AND w.changed_at < ? GROUP BY s.bucket",
            [*params, to_micros(settled_before)],
        )
        return {bucket: int(n) for bucket, n in rows}

    def _load_settled_states(self, settled_states: Sequence[tuple[str, str, str, str]]) -> None:
        """Fill this connection's temp table of (project, type, state) -> bucket for settled look-ups."""
        self.db.execute_sql(
            "CREATE TEMP TABLE IF NOT EXISTS settled_state (project TEXT, work_item_type TEXT, state TEXT, "
            "bucket TEXT, PRIMARY KEY (project, work_item_type, state))"
        )
        self.db.execute_sql("DELETE FROM temp.settled_state")
        self.db.cursor().executemany(
            "INSERT OR IGNORE INTO temp.settled_state VALUES (?, ?, ?, ?)", list(settled_states)
        )

    def work_items(
        self, f: ItemFilter | None = None, *, search: str | None = None, state: str | None = None,
        states: tuple[str, ...] = (), assigned_to: str | None = None, tag: str | None = None,
        order_by: str = "id", descending: bool = False, limit: int | None = None, offset: int = 0,
    ) -> list[WorkItem]:
        """One page of work items, filtered, searched (title or id) and sorted in SQL."""
        where, params = self._work_item_where(f, search=search, state=state, states=states,
                                              assigned_to=assigned_to, tag=tag)
        column = _SORTABLE.get(order_by)
        if column is None:
            raise ValueError(f"cannot sort work items by {order_by!r}; choose one of {', '.join(_SORTABLE)}")
        sql = (f"SELECT {_WI_COLUMNS} FROM work_item w WHERE {where} "
               f"ORDER BY {column} {'DESC' if descending else 'ASC'}, w.id LIMIT ? OFFSET ?")
        return [_work_item(r) for r in self._rows(sql, [*params, -1 if limit is None else limit, offset])]

    def work_item_ids(
        self, f: ItemFilter | None = None, *, search: str | None = None, state: str | None = None,
        states: tuple[str, ...] = (), assigned_to: str | None = None, tag: str | None = None,
    ) -> list[int]:
        """The ids of every matching work item (same filters as `work_items`), ascending: for sorting
        by a column computed outside SQL, then reading one page with `work_items_by_ids`."""
        where, params = self._work_item_where(f, search=search, state=state, states=states,
                                              assigned_to=assigned_to, tag=tag)
        return [r[0] for r in self._rows(f"SELECT w.id FROM work_item w WHERE {where} ORDER BY w.id", params)]

    def work_items_by_ids(self, ids: Sequence[int]) -> list[WorkItem]:
        """The work items with these ids, in the order given (ids not in the store are skipped)."""
        if not ids:
            return []
        found: dict[int, WorkItem] = {}
        for start in range(0, len(ids), 500):  # well under SQLite's bound-parameter limit
            chunk = list(ids[start:start + 500])
            sql = f"SELECT {_WI_COLUMNS} FROM work_item w WHERE w.id IN ({', '.join('?' for _ in chunk)})"
            found.update((r[0], _work_item(r)) for r in self._rows(sql, chunk))
        return [found[i] for i in ids if i in found]

    def count_work_items(self, f: ItemFilter | None = None, **kwargs: object) -> int:
        where, params = self._work_item_where(f, **kwargs)  # type: ignore[arg-type]
        return int(self._rows(f"SELECT COUNT(*) FROM work_item w WHERE {where}", params)[0][0])

    def _work_item_where(
        self, f: ItemFilter | None, *, search: str | None = None, state: str | None = None,
        states: tuple[str, ...] = (), assigned_to: str | None = None, tag: str | None = None,
    ) -> tuple[str, list[object]]:
        where, params = _filter_sql(f)
        clauses = [VISIBLE] + ([where] if where else [])
        if search:
            text = search.strip()
            if text.isdigit():
                clauses.append("(w.id = ? OR w.title LIKE ? ESCAPE '\\')")
                params.append(int(text))
            else:
                clauses.append("w.title LIKE ? ESCAPE '\\'")
            params.append("%" + _like_escape(text) + "%")
        if state:
            clauses.append("w.state = ?")
            params.append(state)
        if states:
            clauses.append(f"w.state IN ({', '.join('?' for _ in states)})")
            params.extend(states)
        if assigned_to:
            clauses.append("w.assigned_to = ?")
            params.append(assigned_to)
        if tag:
            clauses.append(_tag_clause())
            params.append(_tag_pattern(tag))
        return " AND ".join(clauses), params

    def work_item(self, work_item_id: int) -> WorkItem | None:
        rows = self._rows(f"SELECT {_WI_COLUMNS} FROM work_item w WHERE w.id = ?", (work_item_id,))
        return _work_item(rows[0]) if rows else None

    def revisions_for(self, work_item_id: int) -> list[Revision]:
        rows = self._rows(
            "SELECT work_item_id, rev, changed_at, state, from_state, changed_by, tags, blocked "
            "FROM revision WHERE work_item_id = ? ORDER BY rev", (work_item_id,),
        )
        return [Revision(r[0], r[1], from_micros(r[2]), r[3], r[4], r[5], split_tags(r[6]), bool(r[7])) for r in rows]

    def distinct_values(self, column: str, f: ItemFilter | None = None) -> list[str]:
        """Sorted distinct non-empty values of a work item column (for filter pickers)."""
        if column not in ("project", "type", "state", "assigned_to", "area_path"):
            raise ValueError(f"no distinct values for {column!r}")
        where, params = _filter_sql(f)
        sql = f"SELECT DISTINCT w.{column} FROM work_item w WHERE w.{column} IS NOT NULL"
        sql += f" AND {where}" if where else ""
        return sorted(r[0] for r in self._rows(sql, params))

    def state_categories(self, projects: list[str] | None = None) -> list[StateCategory]:
        sql = 'SELECT project, work_item_type, state, category, "order" FROM state_category'
        params: list[object] = []
        if projects:
            sql += f" WHERE project IN ({', '.join('?' for _ in projects)})"
            params.extend(projects)
        sql += ' ORDER BY project, work_item_type, "order", state'
        return [StateCategory(*r) for r in self._rows(sql, params)]

    def pull_requests(
        self, f: ItemFilter | None = None, *, status: str | None = "completed",
        closed_after: datetime | None = None,
    ) -> list[PullRequest]:
        """PRs (completed by default) with their reviewers, ordered by uid. Only `projects` of the filter applies."""
        where, params = _pr_where(f, status, closed_after)
        reviewers: dict[str, list[Reviewer]] = {}
        rsql = ("SELECT r.pr_uid, r.user_id, r.display_name, r.vote, r.is_required, r.is_container, r.unique_name "
                f"FROM reviewer r JOIN pull_request p ON p.uid = r.pr_uid WHERE {where} ORDER BY r.pr_uid, r.user_id")
        for r in self._rows(rsql, params):
            reviewers.setdefault(r[0], []).append(Reviewer(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5]), r[6]))
        out = []
        for r in self._rows(f"SELECT {_PR_COLUMNS} FROM pull_request p WHERE {where} ORDER BY p.uid", params):
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
        uids = {r[0] for r in self._rows(
            "SELECT uid FROM pull_request WHERE status = 'completed' AND closed_at > ? AND threads_read_at IS NULL",
            (to_micros(closed_after),),
        )}
        return [p for p in self.pull_requests(closed_after=closed_after) if p.uid in uids]

    def organizations(self) -> list[Organization]:
        return [Organization(*r) for r in self._rows("SELECT url, name FROM organization ORDER BY name")]

    def projects(self) -> list[Project]:
        rows = self._rows("SELECT project_id, name, organization FROM project ORDER BY organization, name")
        return [Project(*r) for r in rows]

    def repositories(self) -> list[Repository]:
        return [Repository(*r) for r in self._rows("SELECT id, name, project, organization FROM repository ORDER BY id")]

    def identities(self) -> list[Identity]:
        rows = self._rows("SELECT id, display_name, unique_name, is_container FROM identity ORDER BY id")
        return [Identity(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def get_cursor(self, org: str, project: str, stream: str) -> Cursor | None:
        rows = self._rows(
            "SELECT value, watermark, updated_at FROM sync_cursor WHERE organization = ? AND project = ? AND stream = ?",
            (org, project, stream),
        )
        return Cursor(rows[0][0], from_micros(rows[0][1]), from_micros(rows[0][2])) if rows else None

    def sync_runs(self, limit: int = 20) -> list[SyncRun]:
        rows = self._rows(
            "SELECT id, started_at, status, finished_at, organization, work_items, revisions, pull_requests, "
            "requests, throttled_seconds, warnings, first_error, error_project FROM sync_run ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [SyncRun(r[0], from_micros(r[1]), r[2], from_micros(r[3]), *r[4:]) for r in rows]

    def last_successful_sync(self) -> datetime | None:
        row = self._rows("SELECT MAX(finished_at) FROM sync_run WHERE status = 'success'")[0]
        return from_micros(row[0])

    def stats(self) -> dict[str, int]:
        """Row counts per table."""
        tables = ("organization", "project", "repository", "identity", "state_category", "work_item",
                  "revision", "pull_request", "reviewer", "sync_cursor", "sync_run")
        return {t: int(self._rows(f'SELECT COUNT(*) FROM "{t}"')[0][0]) for t in tables}

