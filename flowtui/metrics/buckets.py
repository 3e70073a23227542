"""State buckets (SPEC §6): each (project, work item type, state) maps to todo, doing, done or removed.

Default from the ADO state category: Proposed → todo; InProgress → doing; Resolved → doing (done when
`resolved_is_done`); Completed → done; Removed → removed. `flow.state_overrides` (by exact state name)
wins over the category; the override bucket `wait` means "doing, but waiting". A state with no
category and no override is *unmapped*: it counts as doing and is reported in data health.

Wait states (flow efficiency, SPEC §7.5): states overridden to `wait`; plus `flow.wait_states` when
set; when that list is empty, the default rule: doing states in the Resolved category, and doing
states whose name contains (case-insensitive) one of `DEFAULT_WAIT_WORDS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from flowtui.domain import StateCategory
from flowtui.metrics.policy import FlowPolicy

TODO, DOING, DONE, REMOVED = "todo", "doing", "done", "removed"
#: The buckets in CFD order.
BUCKETS = (TODO, DOING, DONE, REMOVED)

#: Words that make a doing state a wait state under the default rule (matched case-insensitively).
DEFAULT_WAIT_WORDS = ("ready", "wait", "queue", "hold", "blocked", "review", "pending")

_CATEGORY_BUCKET = {
    "Proposed": TODO,
    "InProgress": DOING,
    "Resolved": DOING,
    "Completed": DONE,
    "Removed": REMOVED,
}


class StateInfo(NamedTuple):
    """What the metrics know about one state of one type in one project."""

    bucket: str
    wait: bool
    mapped: bool  # False: no category and no override (counted as doing, listed in data health)
    category: str | None


class StateMap:
    """Resolves (project, type, state) to a bucket under a policy; remembers unmapped states."""

    def __init__(self, states: Iterable[StateCategory], policy: FlowPolicy) -> None:
        self.policy = policy
        self._categories: dict[tuple[str, str, str], str | None] = {
            (s.project, s.work_item_type, s.state): s.category for s in states
        }
        self._overrides = policy.overrides
        self._explicit_wait = frozenset(policy.wait_states)
        self._cache: dict[tuple[str, str, str], StateInfo] = {}
        self._tables: dict[tuple[str, str], dict[str, StateInfo]] = {}
        #: The blocked tag, case-folded (ADO compares tags case-insensitively).
        self.blocked_tag = policy.blocked_tag.casefold()
        #: tags tuple -> "carries the blocked tag" (the same few tag sets repeat across revisions).
        self.tagged: dict[tuple[str, ...], bool] = {}
        #: Every (project, type, state) looked up that had neither a category nor an override.
        self.unmapped: set[tuple[str, str, str]] = set()

    def info(self, project: str, work_item_type: str, state: str) -> StateInfo:
        """The bucket, wait flag and mapping status of one state (cached)."""
        key = (project, work_item_type, state)
        found = self._cache.get(key)
        if found is None:
            found = self._resolve(key)
            self._cache[key] = found
            self.table(project, work_item_type)[state] = found
            if not found.mapped:
                self.unmapped.add(key)
        return found

    def table(self, project: str, work_item_type: str) -> dict[str, StateInfo]:
        """The (lazily filled) state -> StateInfo cache of one type in one project."""
        key = (project, work_item_type)
        found = self._tables.get(key)
        if found is None:
            found = self._tables[key] = {}
        return found

    def bucket(self, project: str, work_item_type: str, state: str) -> str:
        """The bucket of one state: todo, doing, done or removed."""
        return self.info(project, work_item_type, state).bucket

    def _resolve(self, key: tuple[str, str, str]) -> StateInfo:
        state = key[2]
        category = self._categories.get(key)
        override = self._overrides.get(state)
        if override == "wait":
            return StateInfo(DOING, True, True, category)
        if override is not None:
            bucket = override
            mapped = True
        elif category is not None and category in _CATEGORY_BUCKET:
            bucket = _CATEGORY_BUCKET[category]
            if category == "Resolved" and self.policy.resolved_is_done:
                bucket = DONE
            mapped = True
        else:
            bucket, mapped = DOING, False
        return StateInfo(bucket, bucket == DOING and self._is_wait_name(state, category), mapped, category)

    def _is_wait_name(self, state: str, category: str | None) -> bool:
        if self._explicit_wait:
            return state in self._explicit_wait
        if category == "Resolved":
            return True
        lowered = state.casefold()
        return any(word in lowered for word in DEFAULT_WAIT_WORDS)
