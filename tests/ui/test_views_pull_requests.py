"""The Pull requests view on the hand-built views store (30 PRs; rules in conftest_views).

PR n: repo "web" when n is odd else "api"; author AUTHORS[n % 2] (Ann Lee for even n, Bo Chen for
odd n); the one reviewer is the other author, voting VOTES[n % 5] with VOTES = (10, 5, 0, −5, −10),
required when n % 3 == 0; created AS_OF − 60 d + n d, closed 6 · (n % 4 + 1) h later.
Default order: closed date, newest first → 30, 29, 28, … (each PR closes within 24 h of creation,
and creations are a day apart).
"""

from __future__ import annotations

from conftest_views import ViewsApp, wait_for_views
from textual.widgets import Input, Select, Static

from flowtui.screens.pull_requests import PullRequestsScreen
from flowtui.reporting.pull_requests import VOTE_LABELS, vote_label
from flowtui.widgets.paged_table import PagedTable


def _app(store, settings) -> ViewsApp:  # noqa: ANN001 - fixtures
    return ViewsApp(PullRequestsScreen, store, settings)


def _ids(app: ViewsApp) -> list[int]:
    table = app.screen.query_one("#pr-table", PagedTable)
    return [int(table.get_row_at(r)[0]) for r in range(table.row_count)]


def _reviewer_line(text: str) -> str:
    """The first line under "Reviewers" in the detail text."""
    lines = text.splitlines()
    return lines[lines.index("Reviewers") + 1]


def _detail(app: ViewsApp) -> str:
    return str(app.screen.query_one("#pr-detail-text", Static).render())


class TestPullRequestsSnapshots:
    def test_table_and_detail(self, snap_compare, views_store, views_settings) -> None:
        """30 PRs newest closed first; detail of !30: approved by Bo Chen (required), cycle 18.0 h."""
        app = _app(views_store, views_settings)
        assert snap_compare(app, terminal_size=(120, 40), run_before=wait_for_views)
        assert app._exception is None and app.worker_errors == []


def test_vote_labels() -> None:
    assert [vote_label(v) for v in (10, 5, 0, -5, -10)] == [
        "approved", "approved with suggestions", "no vote", "waiting for author", "rejected"]
    assert vote_label(3) == "vote 3" and len(VOTE_LABELS) == 5


async def test_filters_by_repository_author_and_reviewer(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        assert _ids(app)[:4] == [30, 29, 28, 27]
        app.screen.query_one("#pr-repo", Select).value = "web"
        await wait_for_views(pilot)
        assert _ids(app) == list(range(29, 0, -2))  # odd n, newest first: 15 PRs
        app.screen.query_one("#pr-author", Select).value = "Ann Lee"  # Ann authors even n only → none
        await wait_for_views(pilot)
        assert _ids(app) == []
        assert "No pull request matches" in _detail(app)
        await pilot.press("c")
        await wait_for_views(pilot)
        app.screen.query_one("#pr-reviewer", Select).value = "Ann Lee"  # Ann reviews odd n
        await wait_for_views(pilot)
        assert sorted(_ids(app)) == list(range(1, 30, 2))
        await pilot.press("c")
        await wait_for_views(pilot)
        app.screen.query_one("#pr-search", Input).value = "billing"  # WORDS[n % 5] == "billing" ⇔ n % 5 == 3
        await wait_for_views(pilot)
        assert _ids(app) == [28, 23, 18, 13, 8, 3]
        assert "PRs 1–6 of 6" in str(app.screen.query_one("#pr-status", Static).render())
    assert app.worker_errors == []


async def test_detail_shows_reviewers_votes_and_times(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        text = _detail(app)  # !30: api, Ann Lee; Bo Chen votes VOTES[0] = 10, required (30 % 3 == 0)
        assert "!30 PR 30 change login" in text
        assert "api · Alpha · by Ann Lee · completed" in text
        assert "cycle time      18.0 h" in text  # 6 · (30 % 4 + 1) = 18
        assert "first comment   2026-10-24T13:00:00Z  (+1.0 h)" in text  # created AS_OF − 60 d + 30 d
        assert "first approval  2026-10-24T15:00:00Z  (+3.0 h)" in text
        assert _reviewer_line(text).split() == ["Bo", "Chen", "approved", "required"]
        expected = {29: "Ann Lee rejected", 28: "Bo Chen waiting for author", 27: "Ann Lee no vote required",
                    26: "Bo Chen approved with suggestions"}
        for n, words in expected.items():  # VOTES[n % 5]: 29 → −10, 28 → −5, 27 → 0, 26 → 5; 27 % 3 == 0
            await pilot.press("j")
            await wait_for_views(pilot)
            text = _detail(app)
            assert f"!{n} " in text
            assert " ".join(_reviewer_line(text).split()) == words
            # the fixture records an approval time only for positive votes (n % 5 in {0, 1})
            assert ("first approval  none" in text) == (n % 5 not in (0, 1))

    assert app.worker_errors == []


async def test_sort_cycles_and_pages(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        await pilot.press("o")  # closed_at → created_at, newest first
        await wait_for_views(pilot)
        assert _ids(app)[:3] == [30, 29, 28]
        await pilot.press("o")  # → cycle, ascending: 6 h for n % 4 == 0 → 4, 8, 12 …
        await wait_for_views(pilot)
        assert _ids(app)[:3] == [4, 8, 12]
        await pilot.press("O")  # longest first: 24 h for n % 4 == 3, ties by id, reversed → 27, 23, 19
        await wait_for_views(pilot)
        assert _ids(app)[:3] == [27, 23, 19]
        assert not app.screen.check_action("next_page", ())  # 30 rows fit in one page
    assert app.worker_errors == []
