"""The Forecast view: validated inputs, the confidence table, the histogram and "not enough data".

The 10-item store (conftest_views rules) completes items 3, 4, 8 and 9 about 110 days before AS_OF,
outside the 90-day history → 0 completions → the engine's "not enough data" sentence.
"""

from __future__ import annotations

import math
from pathlib import Path

from conftest_views import ViewsApp, fill_store, make_settings, wait_for_views
from textual.widgets import DataTable, Input, Static

from flowtui.metrics import FlowPolicy, build_forecast, percentile
from flowtui.metrics import forecast as fc
from flowtui.screens.forecast import ForecastScreen
from flowtui.reporting.forecast import load_analysis, trial_outcomes
from flowtui.store import open_store
from flowtui.timeutil import parse_ado_datetime

AS_OF_TEXT = "2026-11-23T12:00:00Z"


def _app(store, settings) -> ViewsApp:  # noqa: ANN001 - fixtures
    return ViewsApp(ForecastScreen, store, settings)


def _message(app: ViewsApp) -> str:
    return str(app.screen.query_one("#fc-message", Static).render())


def _column(app: ViewsApp, index: int) -> list[str]:
    table = app.screen.query_one("#fc-table", DataTable)
    return [str(table.get_row_at(r)[index]) for r in range(table.row_count)]


class TestForecastSnapshots:
    def test_how_many(self, snap_compare, views_store, views_settings) -> None:
        """How many in 30 days: the 50/70/85/95 % table and the histogram of trial totals with ▲ marks."""
        app = _app(views_store, views_settings)
        assert snap_compare(app, terminal_size=(120, 40), run_before=wait_for_views)
        assert app._exception is None and app.worker_errors == []

    def test_not_enough_data(self, snap_compare, tmp_path: Path, views_settings) -> None:
        """The engine's sentence: 0 completions in the last 90 days (at least 5 needed); no numbers."""
        with open_store(tmp_path / "few.sqlite") as store:
            fill_store(store, n_items=10, n_prs=0)
            app = _app(store, views_settings)
            assert snap_compare(app, terminal_size=(120, 40), run_before=wait_for_views)
            assert app._exception is None and app.worker_errors == []


def test_trial_outcomes_replay_the_engine(views_store, tmp_path: Path) -> None:
    """The histogram's outcomes have exactly the percentiles the engine reports (both modes)."""
    settings = make_settings(tmp_path)
    policy = FlowPolicy.from_settings(settings).with_(trials=500)
    as_of = parse_ado_datetime(AS_OF_TEXT)
    analysis = load_analysis(views_store, policy, as_of)
    samples = fc.daily_samples(analysis.live, analysis.as_of, policy)
    how = build_forecast(None, [], policy, as_of=as_of, days=14, analysis=analysis)
    totals = trial_outcomes(samples, trials=500, seed=policy.seed, days=14)
    assert [r["items"] for r in how["results"]] == [math.floor(percentile(totals, 100 - c)) for c in fc.CONFIDENCES]
    when = build_forecast(None, [], policy, as_of=as_of, items=40, analysis=analysis)
    days = trial_outcomes(samples, trials=500, seed=policy.seed, items=40)
    assert [r["days"] for r in when["results"]] == [math.ceil(percentile(days, c)) for c in fc.CONFIDENCES]


async def test_how_many_then_when(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        assert _column(app, 0) == ["50 %", "70 %", "85 %", "95 %"]
        items = [int(v.split()[0]) for v in _column(app, 1)]
        assert items == sorted(items, reverse=True)  # more confidence → fewer items promised
        assert "next 30 days" in _message(app)
        await pilot.press("w")
        assert app.focused is app.screen.query_one("#fc-items", Input)
        await pilot.press("enter")  # the default 50 items
        await wait_for_views(pilot)
        days = [int(v.split()[0]) for v in _column(app, 1)]
        assert days == sorted(days)  # more confidence → more days
        assert _column(app, 2)[0].startswith("2026-")
        assert "When will 50 items be done?" in _message(app)
    assert app.worker_errors == []


async def test_input_validation(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        screen = app.screen
        days = screen.query_one("#fc-days", Input)
        await pilot.press("f")
        assert app.focused is days
        await pilot.press("ctrl+u", "x", "y")  # an integer input ignores letters
        assert days.value == ""
        await pilot.press("enter")
        await wait_for_views(pilot)
        assert "Days must be a whole number from 1 to 3650." in _message(app)
        assert screen.query_one("#fc-message").has_class("-error")
        await pilot.press("0", "enter")
        await wait_for_views(pilot)
        assert "Days must be a whole number from 1 to 3650." in _message(app)
        await pilot.press("ctrl+u", *"4000", "enter")
        await wait_for_views(pilot)
        assert "Days must be a whole number from 1 to 3650." in _message(app)
        await pilot.press("ctrl+u", *"7", "enter")
        await wait_for_views(pilot)
        assert not screen.query_one("#fc-message").has_class("-error")
        assert "next 7 days" in _message(app)
    assert app.worker_errors == []


async def test_empty_store_shows_the_empty_state(empty_store, views_settings) -> None:
    app = _app(empty_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        assert app.screen.query_one("#fc-empty").display
        assert not app.screen.query_one("#fc-form").display
    assert app.worker_errors == []
