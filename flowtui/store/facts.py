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

from flowtui.domain import ItemFilter, Revision, WorkItemHistory
from flowtui.errors import StoreError
from flowtui.store.queries import _WI_COLUMNS, _work_item, split_tags

log = logging.getLogger(__name__)

#: The default of `flow.blocked_tag` (a new store derives facts under it from its first write).
DEFAULT_BLOCKED_TAG = "Blocked"
#: How many items one re-derive step reads and writes (a progress callback runs after each).
CHUNK = 5000
#: `progress(done, total)` while every item is re-derived.
Progress = Callable[[int, int], None]

#: The revisions a timeline keeps (the same rule as `work_item_histories(changes_only=True)`).
_CHANGES = ("(r.from_state IS NULL OR r.state IS NOT r.from_state OR r.tags IS NOT r.from_tags"
            " OR r.blocked IS NOT r.from_blocked)")
_UPSERT = ("INSERT INTO item_fact (work_item_id, timeline, last_at, n_steps) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (work_item_id) DO UPDATE SET timeline = excluded.timeline, last_at = excluded.last_at, "
           "n_steps = excluded.n_steps")


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
        row = self.db.execute_sql("SELECT value FROM fact_meta WHERE key = 'fingerprint'").fetchone()
        return row[0] if row else None

    def _facts_tag(self) -> str | None:
        row = self.db.execute_sql("SELECT value FROM fact_meta WHERE key = 'blocked_tag'").fetchone()
        return row[0] if row else None

    def _revision_rows(self, ids: Sequence[int]) -> list[tuple]:
        self.db.execute_sql("CREATE TEMP TABLE IF NOT EXISTS fact_item (id INTEGER PRIMARY KEY)")
        self.db.execute_sql("DELETE FROM temp.fact_item")
        self.db.cursor().executemany("INSERT OR IGNORE INTO temp.fact_item VALUES (?)", [(i,) for i in ids])
        return self.db.execute_sql(
            "SELECT r.work_item_id, r.rev, r.changed_at, r.state, r.changed_by, r.tags, r.blocked "
            f"FROM temp.fact_item k CROSS JOIN revision r ON r.work_item_id = k.id WHERE {_CHANGES} "
            "ORDER BY k.id, r.rev"
        ).fetchall()

    def _derive_facts(self, ids: Sequence[int]) -> None:
        """Re-derive the facts of these items under the stored fingerprint (call inside the write's
        transaction). Nothing to do while facts were never derived: the first report derives them all."""
        tag = self._facts_tag()
        if tag is None or not ids:
            return
        rows = derive_timelines(self._revision_rows(ids), tag)
        self.db.cursor().executemany(_UPSERT, rows)

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
        ids = [r[0] for r in self.db.execute_sql("SELECT id FROM work_item ORDER BY id").fetchall()]
        total = len(ids)
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute_sql("DELETE FROM item_fact")
            for start in range(0, total, CHUNK):
                chunk = ids[start:start + CHUNK]
                self.db.cursor().executemany(_UPSERT, derive_timelines(self._revision_rows(chunk), blocked_tag))
                if progress is not None:
                    progress(min(start + CHUNK, total), total)
            self.db.execute_sql("INSERT OR REPLACE INTO fact_meta (key, value) VALUES ('blocked_tag', ?)",
                                (blocked_tag.casefold(),))
            self.db.execute_sql("INSERT OR REPLACE INTO fact_meta (key, value) VALUES ('fingerprint', ?)", (wanted,))
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
        with self.db.atomic():
            return self._item_timelines(f, blocked_tag, settled_before, settled_states)

    def _item_timelines(self, f: ItemFilter | None, blocked_tag: str, settled_before: datetime | None,
                        settled_states: Sequence[tuple[str, str, str, str]]) -> list[WorkItemHistory]:
        where, params = self._report_items_where(f, settled_before, settled_states)  # type: ignore[attr-defined]
        in_memory = None if self.facts_state() == facts_fingerprint(blocked_tag) else blocked_tag
        rows = self.db.execute_sql(
            f"SELECT {_WI_COLUMNS}, {'NULL' if in_memory else 'f.timeline'} FROM work_item w "
            f"LEFT JOIN item_fact f ON f.work_item_id = w.id WHERE {where} ORDER BY w.id", tuple(params)).fetchall()
        if in_memory is not None:
            derived = {wid: text for wid, text, _last, _n in
                       derive_timelines(self._revision_rows([r[0] for r in rows]), in_memory)}
            rows = [(*r[:-1], derived.get(r[0])) for r in rows]
        make = Revision
        fromts = datetime.fromtimestamp
        loads = json.loads
        out = []
        for row in rows:
            item = _work_item(row[:-1])
            wid = item.id
            timeline = row[-1]
            revs = tuple(make(wid, rev, fromts(at / 1e6, UTC), state, None, by, (), bool(b))
                         for rev, at, state, by, b in loads(timeline)) if timeline else ()
            out.append(WorkItemHistory(item, revs))
        return out
