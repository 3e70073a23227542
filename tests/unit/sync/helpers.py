"""Helpers for sync tests: settings, a fake clock, and a comparable dump of a store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowtui.config import Settings, load_settings
from flowtui.store import Store


class FakeTime:
    """sleep() records and advances clock(); used by the client and the simulated server alike."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_settings(tmp_path: Path, org_url: str, projects: list[str], *, target: Path | str | None = None,
                  **values: Any) -> Settings:
    """Settings from flags only (no config file); the store is `target` (the `store_target` fixture) or
    else `tmp_path/store.sqlite`. A PostgreSQL target comes in as FLOWTUI_DB_URL, as a pipeline sets it,
    so `settings.store_target` is the URL through the real configuration path."""
    flags = {"ado.org_url": org_url, "ado.projects": projects}
    flags.update({k.replace("__", "."): v for k, v in values.items()})
    if isinstance(target, str):
        return load_settings(config=tmp_path / "absent.toml", flags=flags, env={"FLOWTUI_DB_URL": target})
    return load_settings(config=tmp_path / "absent.toml", db=target or tmp_path / "store.sqlite", flags=flags, env={})


def dump(store: Store) -> dict[str, Any]:
    """Everything a sync writes, as plain sorted data (for comparing two stores)."""
    histories = store.work_item_histories()
    prs = store.pull_requests(status=None)
    return {
        "items": sorted((h.item for h in histories), key=lambda w: w.id),
        "revisions": sorted((r.work_item_id, r.rev, r.changed_at, r.state, r.from_state, r.changed_by, r.tags, r.blocked)
                             for h in histories for r in h.revisions),
        "prs": sorted(prs, key=lambda p: p.uid),
        "categories": sorted(store.state_categories(), key=lambda c: (c.project, c.work_item_type, c.state)),
        "repos": sorted(store.repositories(), key=lambda r: r.id),
        "identities": sorted(store.identities(), key=lambda i: i.id),
    }
