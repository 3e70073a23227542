"""Fixtures for the data-view tests: a hand-built store whose numbers can be worked out by hand, and a
tiny purpose-built App exposing what FlowApp exposes (`store`, `settings`, `now()`, `data_version`).

The views store ("Alpha"/"Beta", 1,200 work items, 30 PRs), all times relative to AS_OF:

* item i (1..1200): type "Bug" when i % 4 == 0 else "User Story"; project "Alpha" when i is odd else
  "Beta"; area "<project>\\Web" when i % 3 == 0 else "<project>\\Api"; assigned to
  ASSIGNEES[i % 3]; tags ("Blocked",) when i % 7 == 0; title f"Item {i:04d} {WORDS[i % 5]}".
* created at AS_OF − 120 d + 2·i h; Active after (i % 5 + 1) d; Review after (i % 4 + 1) d more;
  Closed after (i % 3 + 1) d more. Final state by i % 5: 0 New, 1 Active, 2 Review, 3/4 Closed;
  i % 50 == 0 → Removed one day after creation instead.
* PR n (1..30): repo "web" when n is odd else "api"; author AUTHORS[n % 2]; created at
  AS_OF − 60 d + n d, closed (n % 4 + 1) · 6 h later; reviewers: the other author votes VOTES[n % 5].
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncio
import os

import pytest
from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from flowtui.config import Settings, load_settings
from flowtui.messages import BackgroundTaskFailed
from flowtui.domain import (Organization, Project, PullRequest, Repository, Reviewer, Revision, StateCategory, ViewFilter,
                            WorkItem)
from flowtui.messages import DataChanged
from flowtui.store import Store, open_store
from shell_support import assert_no_worker_errors

AS_OF = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
N_ITEMS = 1200
ASSIGNEES = ("Ann Lee", "Bo Chen", "Cy Diaz")
WORDS = ("login", "search", "export", "billing", "profile")
AUTHORS = (("u-ann", "Ann Lee"), ("u-bo", "Bo Chen"))
VOTES = (10, 5, 0, -5, -10)
STATES = (("New", "Proposed"), ("Active", "InProgress"), ("Review", "InProgress"), ("Closed", "Completed"),
          ("Removed", "Removed"))
APP_CSS = [Path(__file__).resolve().parents[2] / "flowtui" / name for name in ("app.tcss", "screens/views.tcss")]

__all__ = ["ViewsApp", "empty_store", "fill_store", "keep_snapshot_tempdir", "make_settings", "settle_workers",
           "snapshot_tempdir", "views_settings", "views_store", "views_store_path", "wait_for_views"]


def item_path(i: int) -> list[tuple[str, datetime]]:
    """The (state, changed_at) revisions of item i, as described in the module docstring."""
    created = AS_OF - timedelta(days=120) + timedelta(hours=2 * i)
    if i % 50 == 0:
        return [("New", created), ("Removed", created + timedelta(days=1))]
    active = created + timedelta(days=i % 5 + 1)
    review = active + timedelta(days=i % 4 + 1)
    closed = review + timedelta(days=i % 3 + 1)
    final = {0: 1, 1: 2, 2: 3, 3: 4, 4: 4}[i % 5]
    return [("New", created), ("Active", active), ("Review", review), ("Closed", closed)][:final]


def fill_store(store: Store, n_items: int = N_ITEMS, n_prs: int = 30) -> None:
    """Write the views data set (see the module docstring) into an open store."""
    items, revisions = [], []
    for i in range(1, n_items + 1):
        path = item_path(i)
        project = "Alpha" if i % 2 else "Beta"
        tags = ("Blocked",) if i % 7 == 0 else ()
        state, changed = path[-1]
        items.append(WorkItem(
            id=i, project=project, type="Bug" if i % 4 == 0 else "User Story", title=f"Item {i:04d} {WORDS[i % 5]}",
            state=state, created_at=path[0][1], changed_at=changed, rev=len(path), assigned_to=ASSIGNEES[i % 3],
            area_path=f"{project}\\{'Web' if i % 3 == 0 else 'Api'}", iteration_path=project, tags=tags,
            closed_at=changed if state == "Closed" else None,
        ))
        revisions += [Revision(i, rev, at, st, changed_by=ASSIGNEES[i % 3], tags=tags)
                      for rev, (st, at) in enumerate(path, start=1)]
    prs = []
    for n in range(1, n_prs + 1):
        repo = "web" if n % 2 else "api"
        author_id, author = AUTHORS[n % 2]
        other_id, other = AUTHORS[(n + 1) % 2]
        created = AS_OF - timedelta(days=60) + timedelta(days=n)
        uid = f"repo-{repo}-{n}"
        prs.append(PullRequest(
            uid=uid, pull_request_id=n, organization="contoso", project="Alpha", repository_id=f"repo-{repo}",
            repository_name=repo, author_id=author_id, author_name=author, title=f"PR {n} change {WORDS[n % 5]}",
            status="completed", created_at=created, closed_at=created + timedelta(hours=6 * (n % 4 + 1)),
            reviewers=(Reviewer(uid, other_id, other, VOTES[n % 5], is_required=n % 3 == 0),),
        ))
    with store.transaction():
        store.upsert_organization(Organization("https://dev.azure.com/contoso", "contoso"))
        store.upsert_projects([Project("p-alpha", "Alpha", "contoso"), Project("p-beta", "Beta", "contoso")])
        store.upsert_repositories([Repository("repo-web", "web", "Alpha", "contoso"),
                                   Repository("repo-api", "api", "Alpha", "contoso")])
        store.upsert_state_categories([
            StateCategory(p, t, s, c, order) for p in ("Alpha", "Beta") for t in ("User Story", "Bug")
            for order, (s, c) in enumerate(STATES)
        ])
        store.upsert_work_items(items)
        store.upsert_revisions(revisions)
        store.upsert_pull_requests(prs)
        for n in range(1, n_prs + 1):
            created = AS_OF - timedelta(days=60) + timedelta(days=n)
            repo = "web" if n % 2 else "api"
            store.set_pr_review_times(f"repo-{repo}-{n}", created + timedelta(hours=1), created + timedelta(hours=2),
                                      created + timedelta(hours=3) if VOTES[n % 5] > 0 else None)


def make_settings(tmp: Path) -> Settings:
    """Default settings that read no user file and no environment."""
    return load_settings(config=tmp / "absent.toml", db=tmp / "unused.sqlite", env={})


class ViewsApp(App[None]):
    """A stand-in for FlowApp: the attributes screens read, and one screen pushed at start."""

    CSS_PATH = [p for p in APP_CSS if p.is_file()]

    def __init__(self, make_screen: Callable[[], Screen[None]], store: Store | None, settings: Settings) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.store = store
        self.settings = settings
        self.data_version = 1
        self.worker_errors: list[BaseException] = []
        self.view_filter = ViewFilter()
        self.current_view: str | None = None

    def set_view_filter(self, view_filter: ViewFilter, *, view: str | None = None) -> None:
        """As FlowApp: change the one filter state and move the data version (the screen reloads)."""
        if view_filter == self.view_filter and view == self.current_view:
            return
        self.view_filter, self.current_view = view_filter, view
        self.data_version += 1
        self.screen.post_message(DataChanged(self.data_version))

    def now(self) -> datetime:
        return AS_OF

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(self.make_screen())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.worker_errors.append(event.worker.error)

    def on_background_task_failed(self, message: BackgroundTaskFailed) -> None:
        """A screen's worker failed (screens post BackgroundTaskFailed, as they do to FlowApp)."""
        self.worker_errors.append(message.error)


async def wait_for_views(pilot: Any) -> None:
    """Let every worker finish and the handlers of their messages run (usable as `run_before`); then
    fail if any worker failed.

    A view's chain is: handler → worker → message → handler (→ detail worker → message → handler),
    so three rounds. `Pilot.pause()` also waits for the process to look idle (up to a second each
    time while another thread or process keeps the CPU busy); waiting for the workers and the
    message queues (`_wait_for_screen`) is exact and keeps the UI tests fast.
    """
    app = pilot.app
    for _ in range(3):
        await pilot._wait_for_screen()
        await settle_workers(app)
    await pilot._wait_for_screen()
    assert_no_worker_errors(app)  # a failed worker fails the test before any snapshot is taken


async def settle_workers(app: App[Any]) -> None:
    """Wait for every worker; an exclusive worker replaced by a newer one counts as finished, and so
    does a failed one (the failure is recorded and reported by `assert_no_worker_errors`)."""
    for _ in range(2000):  # ~10 s of 5 ms looks at most
        try:
            await app.workers.wait_for_complete()
            return
        except (WorkerCancelled, WorkerFailed):
            await asyncio.sleep(0.005)  # its thread is still finishing; look again shortly
    raise AssertionError("the workers did not finish within about 10 s")


@pytest.fixture(scope="session")
def snapshot_tempdir() -> str | None:
    """pytest-textual-snapshot's report directory (set at session start, read before any `xdg` runs)."""
    return os.environ.get("TEXTUAL_SNAPSHOT_TEMPDIR")


@pytest.fixture(autouse=True)
def keep_snapshot_tempdir(snapshot_tempdir: str | None, xdg: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Restore TEXTUAL_SNAPSHOT_TEMPDIR after the root `xdg` fixture stripped every TEXTUAL_* variable:
    snap_compare writes its report data there and raises KeyError without it."""
    if snapshot_tempdir is not None:
        monkeypatch.setenv("TEXTUAL_SNAPSHOT_TEMPDIR", snapshot_tempdir)


@pytest.fixture(scope="session")
def views_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The views data set, written once per session."""
    path = tmp_path_factory.mktemp("views") / "views.sqlite"
    with open_store(path) as store:
        fill_store(store)
    return path


@pytest.fixture
def views_store(views_store_path: Path) -> Iterator[Store]:
    store = open_store(views_store_path)
    yield store
    store.close()


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "empty.sqlite")
    yield store
    store.close()


@pytest.fixture
def views_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)
