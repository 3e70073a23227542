"""The Flow view: cycle-time scatter and histogram with percentile lines, aging WIP by state, the
cumulative flow diagram and the weekly throughput run chart — drawn by `flowtui.widgets.charts`.

`[` and `]` switch charts. The data comes from the metrics engine in a thread worker
(`flow_data.compute_flow`); the chart functions only scale and draw it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from flowtui.reporting.flow import FlowData, compute_flow, shared_analysis
from flowtui.screens.view_base import EMPTY_TEXT, DataView, Loaded
from flowtui.widgets.status_bar import StatusBar
from flowtui.widgets.charts import (
    LAYER_STYLES,
    MARK_STYLES,
    Chart,
    Mark,
    dot_columns,
    histogram,
    nice_max,
    run_chart,
    scatter,
    stacked_columns,
)

#: (key, title) of the charts in the order `]` cycles through them.
CHARTS = (("scatter", "Cycle time scatter"), ("histogram", "Cycle time histogram"), ("aging", "Aging WIP"),
          ("cfd", "Cumulative flow"), ("throughput", "Throughput"))
AXIS = 6  # width of the y axis labels plus the axis line
LEGEND = 14  # room for mark labels at the right


class FlowLoaded(Loaded):
    """The chart data (payload: FlowData)."""


def _marks(data: FlowData) -> list[Mark]:
    return [Mark(label, value, MARK_STYLES.get(label, "magenta")) for label, value in data.lines]


def chart_top(data: FlowData, values: list[float]) -> float | None:
    """The y (or x) maximum of the duration charts: 1.5 × the highest percentile line, so a few
    very old items do not squash everything else to the bottom; values above it are drawn on the
    top edge (the histogram's last bin holds them). None (fit every value) when there is no line
    or nothing lies above."""
    if not data.lines or not values:
        return None
    top = nice_max(1.5 * max(v for _, v in data.lines))
    return top if max(values) > top else None


def above(data: FlowData, values: list[float]) -> int:
    """How many values lie above the chart top."""
    top = chart_top(data, values)
    return 0 if top is None else sum(1 for v in values if v > top)


def draw_scatter(data: FlowData) -> Callable[[int, int], list[Text]]:
    def draw(width: int, height: int) -> list[Text]:
        top = chart_top(data, [c for _, c in data.completions])
        return scatter(data.completions, width=max(4, width - AXIS - LEGEND), height=max(2, height - 2),
                       x_range=(data.start_ts, data.end_ts), marks=_marks(data), y_max=top,
                       x_labels=(data.first.isoformat(), data.last.isoformat()))
    return draw


def draw_histogram(data: FlowData) -> Callable[[int, int], list[Text]]:
    def draw(width: int, height: int) -> list[Text]:
        plot = max(4, width - AXIS - 2)
        values = [c for _, c in data.completions]
        return histogram(values, width=plot, height=max(2, height - 4), hi=chart_top(data, values),
                         marks=_marks(data), bar_width=max(1, plot // 40))
    return draw


def draw_aging(data: FlowData) -> Callable[[int, int], list[Text]]:
    def draw(width: int, height: int) -> list[Text]:
        n = max(1, len(data.aging))
        col = max(3, min(18, (width - AXIS - LEGEND) // n))
        top = chart_top(data, [a for _, ages in data.aging for a in ages])
        return dot_columns(data.aging, col_width=col, height=max(2, height - 2), marks=_marks(data), y_max=top)
    return draw


def draw_cfd(data: FlowData) -> Callable[[int, int], list[Text]]:
    def draw(width: int, height: int) -> list[Text]:
        days = data.cfd[-max(1, width - AXIS - 1):]  # the most recent days that fit, one column each
        series = [[counts["done"], counts["doing"], counts["todo"]] for _, counts in days]
        labels = (days[0][0].isoformat(), days[-1][0].isoformat()) if days else ("", "")
        return stacked_columns(series, height=max(2, height - 2), x_labels=labels)
    return draw


def draw_throughput(data: FlowData) -> Callable[[int, int], list[Text]]:
    def draw(width: int, height: int) -> list[Text]:
        n = max(1, len(data.weekly))
        bar = max(1, min(6, (width - AXIS - LEGEND) // n - 1))
        labels = [w.split("-")[-1] if bar >= 2 else "" for w, _ in data.weekly]
        counts = [c for _, c in data.weekly]
        median = data.weekly_median
        marks = [Mark("median", median, "green")] if median is not None else []
        return run_chart(labels, counts, height=max(2, height - 2), bar_width=bar, gap=1, marks=marks)
    return draw


DRAWERS = {"scatter": draw_scatter, "histogram": draw_histogram, "aging": draw_aging, "cfd": draw_cfd,
           "throughput": draw_throughput}


def caption(key: str, data: FlowData) -> Text:
    """One or two lines under the chart saying what it shows."""
    lines = " · ".join(f"{label} {value:.1f} d" for label, value in data.lines) or "no cycle times yet"
    n = len(data.completions)
    if key in ("scatter", "histogram"):
        what = ("Each dot: an item completed in the window, by completion date (x) and cycle time in days (y)."
                if key == "scatter" else "Items completed in the window by cycle time (days); ▲ marks the percentiles.")
        over = above(data, [c for _, c in data.completions])
        where = "on the top edge" if key == "scatter" else "in the last bar"
        return Text(f"{what}\n{n} items · {lines}" + (f" · {over} longer ones drawn {where}" if over else ""))
    if key == "aging":
        ages = [a for _, col in data.aging for a in col]
        over = above(data, ages)
        return Text(f"Each dot: an item in progress now, by state (x) and age in days (y); lines are cycle-time "
                    f"percentiles.\n{len(ages)} items in progress · {lines}"
                    + (f" · {over} older ones drawn on the top edge" if over else ""))
    if key == "cfd":
        out = Text("Items per bucket at the end of each day: ")
        for name, style in zip(("done", "doing", "todo"), LAYER_STYLES, strict=True):
            out.append("█ ", style)
            out.append(f"{name}  ")
        return out
    total = sum(c for _, c in data.weekly)
    return Text(f"Items completed per ISO week in the window ({total} in all); the line is the weekly median.")


class FlowScreen(DataView):
    """Flow charts: scatter, histogram, aging WIP, CFD, throughput; `[`/`]` switch."""

    ERROR_TARGET = "#flow-title"
    ERROR_PREFIX = "Could not compute the flow charts"

    BINDINGS = [
        Binding("right_square_bracket", "next_chart", "Next chart", id="flow.next_chart"),
        Binding("left_square_bracket", "prev_chart", "Previous chart", id="flow.prev_chart"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.chart_index = 0
        self.data: FlowData | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="flow-title", classes="view-title")
        yield Static(EMPTY_TEXT, id="flow-empty", classes="view-empty")
        yield Chart(id="flow-chart")
        yield Static("", id="flow-caption")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#flow-empty").display = False
        self.query_one("#flow-title", Static).update("Flow · loading…")

    @property
    def chart_key(self) -> str:
        return CHARTS[self.chart_index][0]

    def reload(self) -> None:
        """Recompute the chart data from the store in a worker."""
        serial = self.next_serial()
        if self.store is None:
            self._show_empty(True)
            return
        self._load(serial, self.flow_app.now(), self.flow_app.data_version)

    @work(thread=True, exclusive=True, group="flow", exit_on_error=False)
    def _load(self, serial: int, as_of: datetime, version: int) -> None:
        store = self.store
        if store is not None:
            policy = self.policy()
            analysis = shared_analysis(store, policy, as_of, version, self.item_filter())
            self.post_message(FlowLoaded(serial, compute_flow(store, policy, as_of, analysis, self.view_filter())))

    @on(FlowLoaded)
    def _apply(self, message: FlowLoaded) -> None:
        if not self.is_latest(message.serial):
            return
        self.data = message.payload
        self._show_empty(self.data.items == 0)
        self._draw()
        self.refresh_bindings()

    def _show_empty(self, empty: bool) -> None:
        self.query_one("#flow-empty", Static).update(self.empty_text())
        self.query_one("#flow-empty").display = empty
        for wid in ("#flow-chart", "#flow-caption"):
            self.query_one(wid).display = not empty
        if empty:
            self.query_one("#flow-title", Static).update("Flow")

    def _draw(self) -> None:
        data = self.data
        if data is None or data.items == 0:
            return
        title = Text("Flow · ")
        for i, (_, name) in enumerate(CHARTS):
            title.append(name, "bold reverse" if i == self.chart_index else "dim")
            title.append("  ")
        title.append(f"· {data.first.isoformat()} – {data.last.isoformat()}", "dim")
        self.query_one("#flow-title", Static).update(title)
        self.query_one("#flow-chart", Chart).set_draw(DRAWERS[self.chart_key](data))
        self.query_one("#flow-caption", Static).update(caption(self.chart_key, data))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_chart", "prev_chart"):
            return self.data is not None and self.data.items > 0
        return True

    def action_next_chart(self) -> None:
        self.chart_index = (self.chart_index + 1) % len(CHARTS)
        self._draw()

    def action_prev_chart(self) -> None:
        self.chart_index = (self.chart_index - 1) % len(CHARTS)
        self._draw()
