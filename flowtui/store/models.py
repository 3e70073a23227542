"""Peewee models: the one schema declaration of the store (SPEC §4). Nothing outside store/ imports these.

Migrations create tables from these models, and every read and write is built from them with
Peewee's query builder (rendered for the engine in use; what only one engine understands is in
`flowtui.store.dialect`). Bulk writes render their statement once and run it per row (`store.batch`).

Timestamps are INTEGER microseconds since the Unix epoch, UTC (`UtcMicrosField`): exact, compact,
and an order of magnitude cheaper to read back than text when a report loads a million revisions.
Tags are stored as one string joined with "; " (ADO's own separator).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CompositeKey,
    FloatField,
    ForeignKeyField,
    IntegerField,
    SQL,
    Model,
    TextField,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(value: datetime | None) -> int | None:
    """Aware (or naive-UTC) datetime -> integer microseconds since the epoch."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int | None) -> datetime | None:
    """Integer microseconds since the epoch -> aware UTC datetime."""
    if value is None:
        return None
    return EPOCH + timedelta(microseconds=value)


class UtcMicrosField(BigIntegerField):
    """A UTC instant with microsecond precision, stored as an integer."""

    def db_value(self, value: datetime | int | None) -> int | None:
        if isinstance(value, datetime):
            return to_micros(value)
        return value

    def python_value(self, value: int | None) -> datetime | None:
        return from_micros(value)


class BaseModel(Model):
    """Models describe the schema; they are bound to a database only while migrating (bind_ctx),
    so several stores can be open in one process and every thread uses its own connection."""

    class Meta:
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = IntegerField()


class Organization(BaseModel):
    url = TextField(primary_key=True)
    name = TextField()


class Project(BaseModel):
    organization = TextField()
    name = TextField()
    project_id = TextField()

    class Meta:
        primary_key = CompositeKey("organization", "name")


class Repository(BaseModel):
    id = TextField(primary_key=True)
    name = TextField()
    project = TextField(index=True)
    organization = TextField()


class Identity(BaseModel):
    id = TextField(primary_key=True)
    display_name = TextField()
    unique_name = TextField(null=True)
    is_container = BooleanField(default=False)


class StateCategory(BaseModel):
    project = TextField()
    work_item_type = TextField()
    state = TextField()
    category = TextField(null=True)
    order = IntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("project", "work_item_type", "state")


class WorkItem(BaseModel):
    id = IntegerField(primary_key=True)
    project = TextField(index=True)
    type = TextField(index=True)
    title = TextField()
    state = TextField(index=True)
    assigned_to = TextField(null=True, index=True)
    area_path = TextField(null=True, index=True)
    iteration_path = TextField(null=True)
    tags = TextField(default="")
    created_at = UtcMicrosField()
    changed_at = UtcMicrosField(index=True)
    closed_at = UtcMicrosField(null=True)
    activated_at = UtcMicrosField(null=True)
    priority = IntegerField(null=True)
    story_points = FloatField(null=True)
    rev = IntegerField()
    is_deleted = BooleanField(default=False)
    #: Why the item is out of the reports although kept (moved to an unsynced project or type); NULL = in scope.
    excluded = TextField(null=True)


class Revision(BaseModel):
    id = AutoField()
    work_item = ForeignKeyField(WorkItem, column_name="work_item_id", on_delete="CASCADE", index=False)
    rev = IntegerField()
    changed_at = UtcMicrosField()
    state = TextField()
    from_state = TextField(null=True)
    changed_by = TextField(null=True)
    tags = TextField(default="")
    blocked = BooleanField(default=False)
    # The previous revision's tags and blocked flag (derived, like from_state), so that a report can
    # read only the revisions where state, tags or the blocked flag changed.
    from_tags = TextField(null=True)
    from_blocked = BooleanField(null=True)

    class Meta:
        # The unique index leads with work_item_id, so it also serves the FK look-ups.
        indexes = ((("work_item", "rev"), True),)


class PullRequest(BaseModel):
    uid = TextField(primary_key=True)
    pull_request_id = IntegerField()
    organization = TextField()
    project = TextField(index=True)
    repository_id = TextField(index=True)
    repository_name = TextField()
    author_id = TextField(index=True)
    author_name = TextField()
    author_unique_name = TextField(null=True)
    title = TextField()
    status = TextField(index=True)
    description = TextField(null=True)
    created_at = UtcMicrosField()
    closed_at = UtcMicrosField(null=True, index=True)
    is_draft = BooleanField(default=False)
    merge_status = TextField(null=True)
    first_comment_at = UtcMicrosField(null=True)
    first_vote_at = UtcMicrosField(null=True)
    first_approval_at = UtcMicrosField(null=True)
    threads_read_at = UtcMicrosField(null=True)


class Reviewer(BaseModel):
    id = AutoField()
    pull_request = ForeignKeyField(PullRequest, column_name="pr_uid", on_delete="CASCADE", index=False)
    user_id = TextField(index=True)
    display_name = TextField()
    unique_name = TextField(null=True)
    vote = IntegerField(default=0)
    is_required = BooleanField(default=False)
    is_container = BooleanField(default=False)

    class Meta:
        indexes = ((("pull_request", "user_id"), True),)


class SyncCursor(BaseModel):
    organization = TextField()
    project = TextField()
    stream = TextField()
    value = TextField()
    watermark = UtcMicrosField(null=True)
    updated_at = UtcMicrosField()

    class Meta:
        primary_key = CompositeKey("organization", "project", "stream")


class SyncRun(BaseModel):
    id = AutoField()
    organization = TextField(null=True)
    started_at = UtcMicrosField()
    finished_at = UtcMicrosField(null=True)
    status = TextField(index=True)
    work_items = IntegerField(default=0)
    revisions = IntegerField(default=0)
    pull_requests = IntegerField(default=0)
    requests = IntegerField(default=0)
    throttled_seconds = FloatField(default=0.0)
    warnings = IntegerField(default=0)
    first_error = TextField(null=True)
    error_project = TextField(null=True)


class ItemHistory(BaseModel):
    """What the sync knows of one item's history (schema 2; see `flowtui.store.completeness`).

    No foreign key: recycle-bin and stale-WIP rows can exist before the item's own row."""

    work_item_id = IntegerField(primary_key=True)
    project = TextField()
    needs_backfill = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    backfilled = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    stale = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    in_recycle_bin = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    deleted_at = UtcMicrosField(null=True)
    restored_at = UtcMicrosField(null=True)
    moved_from = TextField(null=True)
    type_from = TextField(null=True)
    incomplete = TextField(null=True)
    updated_at = UtcMicrosField()

    class Meta:
        indexes = ((("project", "needs_backfill"), False),)


class ItemFact(BaseModel):
    """One timeline per work item, derived at write time (schema 3; see `flowtui.store.facts`)."""

    work_item_id = IntegerField(primary_key=True)
    timeline = TextField()
    last_at = UtcMicrosField()
    n_steps = IntegerField()


class FactMeta(BaseModel):
    """The fingerprint (and blocked tag) the stored facts were derived under."""

    key = TextField(primary_key=True)
    value = TextField()


class KeptItem(BaseModel):
    """A connection's temporary table of work item ids: reads seek their revisions by index."""

    id = IntegerField(primary_key=True)


class SettledState(BaseModel):
    """A connection's temporary table of (project, type, state) -> bucket for settled look-ups."""

    project = TextField()
    work_item_type = TextField()
    state = TextField()
    bucket = TextField()

    class Meta:
        primary_key = CompositeKey("project", "work_item_type", "state")


#: The tables of schema 1 (the schema-2 and -3 tables are created by their own migrations).
SCHEMA_1 = (
    SchemaVersion,
    Organization,
    Project,
    Repository,
    Identity,
    StateCategory,
    WorkItem,
    Revision,
    PullRequest,
    Reviewer,
    SyncCursor,
    SyncRun,
)
ALL_MODELS = (*SCHEMA_1, ItemHistory, ItemFact, FactMeta)
#: Per-connection temporary tables (created on first use, never migrated).
TEMP_MODELS = (KeptItem, SettledState)
