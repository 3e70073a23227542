"""Read-only views for dashboards (PowerBI, Grafana, plain SQL), on both engines.

The tables keep instants as integer microseconds (fast to read back); these views turn them into
real timestamps (UTC) and durations in days or hours, and leave out what a report leaves out
(deleted items, items moved out of scope). They are created by schema migration 4 and are part of
the documented surface: add columns at the end, never rename or drop one.

* `work_item_facts`  one row per work item: its fields, the ADO state category, lead and cycle time.
* `pull_requests`    one row per pull request: who, where, when, cycle time and time to first comment.
* `reviewers`        one row per (pull request, reviewer): the vote as a number and as words.
* `throughput_weekly` items closed per ISO week (weeks start on Monday, UTC), project and type.

Only the timestamp and week expressions differ between the engines (`Dialect.timestamp_sql`, `Dialect.week_sql`).
"""

from __future__ import annotations

from flowtui.store.dialect import Dialect

#: The views in creation order (names are part of the documented surface).
VIEW_NAMES = ("work_item_facts", "pull_requests", "reviewers", "throughput_weekly")

_DAY_US = "86400000000.0"
_HOUR_US = "3600000000.0"


def view_statements(dialect: Dialect) -> list[str]:
    """The CREATE VIEW statements for the engine of `dialect`, in VIEW_NAMES order."""
    ts, week = dialect.timestamp_sql, dialect.week_sql
    in_scope = "NOT w.is_deleted AND w.excluded IS NULL"
    return [
        "CREATE VIEW work_item_facts AS SELECT"
        " w.id, w.project, w.type, w.title, w.state, sc.category AS state_category, w.assigned_to,"
        " w.area_path, w.iteration_path, w.tags, w.priority, w.story_points,"
        f" {ts('w.created_at')} AS created_at, {ts('w.activated_at')} AS activated_at,"
        f" {ts('w.closed_at')} AS closed_at, {ts('w.changed_at')} AS changed_at,"
        f" (w.closed_at - w.created_at) / {_DAY_US} AS lead_time_days,"
        f" (w.closed_at - w.activated_at) / {_DAY_US} AS cycle_time_days"
        " FROM work_item w LEFT JOIN state_category sc"
        " ON sc.project = w.project AND sc.work_item_type = w.type AND sc.state = w.state"
        f" WHERE {in_scope}",
        "CREATE VIEW pull_requests AS SELECT"
        " p.uid, p.pull_request_id, p.organization, p.project, p.repository_name, p.author_name,"
        " p.author_unique_name, p.title, p.status, p.is_draft, p.merge_status,"
        f" {ts('p.created_at')} AS created_at, {ts('p.closed_at')} AS closed_at,"
        f" {ts('p.first_comment_at')} AS first_comment_at, {ts('p.first_approval_at')} AS first_approval_at,"
        f" (p.closed_at - p.created_at) / {_HOUR_US} AS cycle_time_hours,"
        f" (p.first_comment_at - p.created_at) / {_HOUR_US} AS time_to_first_comment_hours"
        " FROM pull_request p",
        "CREATE VIEW reviewers AS SELECT"
        " r.pr_uid, p.pull_request_id, p.project, p.repository_name, r.user_id, r.display_name,"
        " r.unique_name, r.vote,"
        " CASE r.vote WHEN 10 THEN 'approved' WHEN 5 THEN 'approved with suggestions'"
        " WHEN -5 THEN 'waiting for author' WHEN -10 THEN 'rejected' ELSE 'no vote' END AS vote_label,"
        " r.is_required, r.is_container"
        " FROM reviewer r JOIN pull_request p ON p.uid = r.pr_uid",
        "CREATE VIEW throughput_weekly AS SELECT"
        f" {week('w.closed_at')} AS week_start, w.project, w.type, COUNT(*) AS items"
        f" FROM work_item w WHERE w.closed_at IS NOT NULL AND {in_scope}"
        f" GROUP BY {week('w.closed_at')}, w.project, w.type",
    ]
