"""The Flow view on the hand-built views store (rules in conftest_views).

Hand-derived facts at AS_OF (items 1..1200, final state by i % 5; i % 50 == 0 removed):
* in progress now: Active (i % 5 == 1) 240 + Review (i % 5 == 2) 240 = 480, states in workflow
  order Active (order 1) then Review (order 2);
* CFD on the last day: todo = New (i % 5 == 0: 240) minus the 24 removed (i % 50 == 0) = 216,
  doing 480, done (i % 5 in {3, 4}) 480; removed items are excluded.
"""

from __future__ import annotations

import pytest
from conftest_views import ViewsApp, wait_for_views
from textual.widgets import Static

from flowtui.screens.flow import CHARTS, FlowScreen
from flowtui.reporting.flow import FlowData


def _app(store, settings) -> ViewsApp:  # noqa: ANN001 - fixtures
    return ViewsApp(FlowScreen, store, settings)


def _data(app: ViewsApp) -> FlowData:
    screen = app.screen
    assert isinstance(screen, FlowScreen) and screen.data is not None
    return screen.data


class TestFlowSnapshots:
    @pytest.mark.parametrize("chart", [key for key, _ in CHARTS])
    def test_chart(self, snap_compare, views_store, views_settings, chart: str) -> None:
        """Each chart at 120×40: scatter with p50/p85/p95 lines, histogram with ▲ marks, aging WIP with
        Active and Review columns, the CFD (done/doing/todo layers), weekly throughput with a median line."""
        app = _app(views_store, views_settings)
        presses = ["right_square_bracket"] * [key for key, _ in CHARTS].index(chart)
        assert snap_compare(app, terminal_size=(120, 40), press=presses, run_before=wait_for_views)
        assert app._exception is None and app.worker_errors == []

    def test_empty_store(self, snap_compare, empty_store, views_settings) -> None:
        """No data yet — press s to sync."""
        app = _app(empty_store, views_settings)
        assert snap_compare(app, terminal_size=(120, 40), run_before=wait_for_views)
        assert app._exception is None and app.worker_errors == []


async def test_chart_data_and_switching(views_store, views_settings) -> None:
    app = _app(views_store, views_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_views(pilot)
        data = _data(app)
        assert [(state, len(ages)) for state, ages in data.aging] == [("Active", 240), ("Review", 240)]
        assert data.cfd[-1][1] == {"todo": 216, "doing": 480, "done": 480}
        # the lines are the report's own cycle-time percentiles
        cycle = data.report.cycle_time_days
        assert data.lines == [(f"p{p}", cycle.get(f"p{p}")) for p in (50, 85, 95)]
        assert all(ages == sorted(ages) for _, ages in data.aging)
        screen = app.screen
        assert isinstance(screen, FlowScreen)
        assert screen.chart_key == "scatter"
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.chart_key == "aging"
        assert "480 items in progress" in str(screen.query_one("#flow-caption", Static).render())
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        assert screen.chart_key == "throughput"  # wraps around backwards
    assert app.worker_errors == []
