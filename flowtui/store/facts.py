"""Per-item facts derived when revisions are written, so reports never read the revision table.

An item's *timeline* is what every flow number is computed from (SPEC §7): its first revision and
each revision that changed the state, the tags or the blocked flag, in rev order, each as
`[rev, changed_at (UTC µs), state, changed_by, blocked]` where `blocked` is already resolved under
the blocked tag (the revision's `Microsoft.VSTS.CMMI.Blocked`, or the tag, compared case-insensitively).
Buckets, wait states, time zone and `as_of` are applied when a report reads the timeline (they are
cheap there and `as_of` is only known then), so the one flow setting that shapes stored facts is the
blocked tag: the *fingerprint* is derived from it.

* Written incrementally: `upsert_revisions` re-derives the items its page touched, in the same
  transaction (`_derive_facts`).
* `ensure_facts(blocked_tag, progress)`: a report whose fingerprint differs from the stored one (or a
  store upgraded from schema 2, which has none yet) re-derives every item once, in chunks, with
  progress callbacks; later reports read facts only.
* `item_timelines(...)` is the report read: the same items and filters as before (deleted and
  excluded items stay out), each with its timeline as `Revision` records (tags empty, blocked resolved).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from peewee import JOIN, SQL

from flowtui.domain import ItemFilter, Revision, WorkItemHistory
from flowtui.errors import StoreError
from flowtui.store.batch import Batch
from flowtui.store.dialect import dialect_for
from flowtui.store.models import FactMeta, ItemFact
from flowtui.store.models import WorkItem as W
from flowtui.store.queries import WORK_ITEM_FIELDS, kept_revisions, work_item_from_row, split_tags

log = logging.getLogger(__name__)

#: The default of `flow.blocked_tag` (a new store derives facts under it from its first write).
DEFAULT_BLOCKED_TAG = "Blocked"
#: How many items one re-derive step reads and writes (a progress callback runs after each).
CHUNK = 5000
#: `progress(done, total)` while every item is re-derived.
Progress = Callable[[int, int], None]

_META = Batch(lambda key: FactMeta.select(FactMeta.value).where(FactMeta.key == key), 1)
_F = (ItemFact.work_item_id, ItemFact.timeline, ItemFact.last_at, ItemFact.n_steps)
_UPSERT = Batch(lambda *v: ItemFact.insert(dict(zip(_F, v, strict=True))).on_conflict(
    conflict_target=[ItemFact.work_item_id], preserve=list(_F[1:])), len(_F))


def facts_fingerprint(blocked_tag: str) -> str:
    """The fingerprint of the flow settings that shape stored facts (only the blocked tag, case-folded)."""
    spec = json.dumps({"v": 1, "blocked_tag": blocked_tag.casefold()}, sort_keys=True)
    return hashlib.sha256(spec.encode("utf-8")).hexdigest()[:16]


def _blocked_under(tag: str) -> Callable[[str, int], int]:
    cache: dict[str, int] = {}

    def blocked(tags: str, flag: int) -> int:
        if flag:
            return 1
        if not tags:
            return 0
        found = cache.get(tags)
        if found is None:
            found = int(any(t.casefold() == tag for t in split_tags(tags)))
            if len(cache) < 50_000:
                cache[tags] = found
        return found

    return blocked


def derive_timelines(rows: Iterable[tuple], blocked_tag: str) -> list[tuple[int, str, int, int]]:
    """(work_item_id, timeline JSON, last changed_at µs, steps) per item, from revision rows
    (work_item_id, rev, changed_at µs, state, changed_by, tags, blocked) ordered by item and rev."""
    blocked = _blocked_under(blocked_tag.casefold())
    out: list[tuple[int, str, int, int]] = []
    current: int | None = None
    steps: list[list[Any]] = []
    last = 0

    def flush() -> None:
        if current is not None:
            out.append((current, json.dumps(steps, ensure_ascii=False, separators=(",", ":")), last, len(steps)))

    for wid, rev, at, state, by, tags, flag in rows:
        if wid != current:
            flush()
            current, steps, last = wid, [], 0
        steps.append([rev, at, state, by, blocked(tags, flag)])
        last = max(last, at)
    flush()
    return out


class FactsMixin:
    """Facts for the Store (see the module docstring)."""

    db: Any

    def facts_state(self) -> str | None:
        """The fingerprint the stored facts were derived under (None: not derived yet)."""
        return self._meta("fingerprint")

    def _facts_tag(self) -> str | None:
        return self._meta("blocked_tag")

    def _meta(self, key: str) -> str | None:
        row = _META.execute(self.db, (key,)).fetchone()
        return row[0] if row else None

    def _revision_rows(self, ids: Sequence[int]) -> list[tuple]:
        """(work_item_id, rev, changed_at µs, state, changed_by, tags, blocked) of the revisions a
        timeline keeps, of the items `ids`, ordered by item and rev."""
        return list(kept_revisions(self.db, ids, changes_only=True, from_state=False).fetchall())

    def _derive_facts(self, ids: Sequence[int]) -> None:
        """Re-derive the facts of these items under the stored fingerprint (call inside the write's
        transaction). Nothing to do while facts were never derived: the first report derives them all."""
        tag = self._facts_tag()
        if tag is None or not ids:
            return
        _UPSERT.run(self.db, derive_timelines(self._revision_rows(ids), tag))

    def ensure_facts(self, blocked_tag: str, progress: Progress | None = None) -> bool:
        """Make the stored facts match `blocked_tag`: re-derive every item once when the fingerprint
        differs. Returns True when it re-derived.

        When the store cannot be written (a read-only file, another writer holding it too long), one
        warning is logged and `item_timelines` derives the timelines from the revisions in memory
        instead (same numbers, slower) until a later report can store them."""
        wanted = facts_fingerprint(blocked_tag)
        if self.facts_state() == wanted:
            return False
        try:
            self._rederive_all(blocked_tag, wanted, progress)
        except StoreError as exc:
            log.warning("%s The report derives its facts in memory this time.", exc)
            return False
        return True

    def _rederive_all(self, blocked_tag: str, wanted: str, progress: Progress | None) -> None:
        ids = [r[0] for r in W.select(W.id).order_by(W.id).bind(self.db).tuples()]
        total = len(ids)
        with self.transaction():  # type: ignore[attr-defined]
            ItemFact.delete().bind(self.db).execute()
            for start in range(0, total, CHUNK):
                chunk = ids[start:start + CHUNK]
                _UPSERT.run(self.db, derive_timelines(self._revision_rows(chunk), blocked_tag))
                if progress is not None:
                    progress(min(start + CHUNK, total), total)
            FactMeta.insert_many([("blocked_tag", blocked_tag.casefold()), ("fingerprint", wanted)],
                                 fields=[FactMeta.key, FactMeta.value]).on_conflict(
                conflict_target=[FactMeta.key], preserve=[FactMeta.value]).bind(self.db).execute()
        if progress is not None and total == 0:
            progress(0, 0)
        log.info("derived the facts of %d work item(s) (fingerprint %s)", total, wanted)

    def item_timelines(
        self, f: ItemFilter | None = None, *, blocked_tag: str,
        settled_before: datetime | None = None, settled_states: Sequence[tuple[str, str, str, str]] = (),
    ) -> list[WorkItemHistory]:
        """Every matching work item with its timeline under `blocked_tag` (see the module docstring);
        the same items as `work_item_histories(f, changes_only=True, settled_before=..., settled_states=...)`.

        Read from the facts when they carry this fingerprint (call `ensure_facts` first); otherwise
        (the store could not be written) derived from the revisions in memory. Check and read share
        one read transaction, so a concurrent re-derive cannot mix two fingerprints."""
        with dialect_for(self.db).read_snapshot(self.db):
            return self._item_timelines(f, blocked_tag, settled_before, settled_states)

    def _item_timelines(self, f: ItemFilter | None, blocked_tag: str, settled_before: datetime | None,
                        settled_states: Sequence[tuple[str, str, str, str]]) -> list[WorkItemHistory]:
        where = self._report_items_where(f, settled_before, settled_states)  # type: ignore[attr-defined]
        in_memory = None if self.facts_state() == facts_fingerprint(blocked_tag) else blocked_tag
        query = (W.select(*WORK_ITEM_FIELDS, SQL("NULL") if in_memory else ItemFact.timeline)
                 .join(ItemFact, JOIN.LEFT_OUTER, on=(ItemFact.work_item_id == W.id)).where(where).order_by(W.id))
        rows = list(self.db.execute(query).fetchall())
        if in_memory is not None:
            derived = {wid: text for wid, text, _last, _n in
                       derive_timelines(self._revision_rows([r[0] for r in rows]), in_memory)}
            rows = [(*r[:-1], derived.get(r[0])) for r in rows]
        make = Revision
        fromts = datetime.fromtimestamp
        loads = json.loads
        out = []
        for row in rows:
            item = work_item_from_row(row[:-1])
            wid = item.id
            timeline = row[-1]
            revs = tuple(make(wid, rev, fromts(at / 1e6, UTC), state, None, by, (), bool(b))
                         for rev, at, state, by, b in loads(timeline)) if timeline else ()
            out.append(WorkItemHistory(item, revs))
        return out
