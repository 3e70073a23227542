"""The Forecast view: "how many items in N days" and "when will K items be done" (Monte Carlo).

Two validated inputs (whole numbers; Enter or the button runs the forecast), a confidence table
(50/70/85/95 %) and a histogram of the trial outcomes with the confidence answers marked. Fewer than
five completions in the history → the engine's "not enough data" sentence and no numbers.
The analysis of the store runs once per data version in a thread worker; each forecast reuses it.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.validation import Integer
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from flowtui.reporting.forecast import MAX_DAYS, MAX_ITEMS, Analysis, ForecastRun, load_analysis, run_forecast
from flowtui.screens.view_base import EMPTY_TEXT, DataView, Loaded
from flowtui.widgets.status_bar import StatusBar
from flowtui.widgets.charts import Chart, Mark, histogram, integer_bins

CONFIDENCE_STYLES = {50: "green", 70: "yellow", 85: "magenta", 95: "red"}


class ForecastReady(Loaded):
    """A forecast finished (payload: (Analysis, ForecastRun))."""


class ForecastScreen(DataView):
    """Monte Carlo forecasts: how many in N days / when K items are done."""

    AUTO_FOCUS = "#fc-table"
    ERROR_TARGET = "#fc-message"
    ERROR_PREFIX = "Could not compute the forecast"
    BINDINGS = [
        Binding("f", "edit_days", "Forecast how many", id="forecast.edit_days"),
        Binding("w", "edit_items", "Forecast when", id="forecast.edit_items"),
        Binding("escape", "focus_table", "Back to results", id="forecast.focus_table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.analysis: Analysis | None = None
        self.result: ForecastRun | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(EMPTY_TEXT, id="fc-empty", classes="view-empty")
        with Horizontal(id="fc-form"):
            with Vertical(classes="fc-field"):
                yield Label("How many items in N days?  (f)")
                with Horizontal(classes="fc-row"):
                    yield Input("30", type="integer", id="fc-days", validate_on=["submitted"],
                                validators=[Integer(1, MAX_DAYS, f"Days must be a whole number from 1 to {MAX_DAYS}.")])
                    yield Button("How many", id="fc-days-go", variant="primary")
            with Vertical(classes="fc-field"):
                yield Label("When will K items be done?  (w)")
                with Horizontal(classes="fc-row"):
                    yield Input("50", type="integer", id="fc-items", validate_on=["submitted"],
                                validators=[Integer(1, MAX_ITEMS, f"Items must be a whole number from 1 to {MAX_ITEMS:,}.")])
                    yield Button("When", id="fc-items-go", variant="primary")
        yield Static("", id="fc-message")
        with Horizontal(id="fc-results"):
            yield DataTable(id="fc-table", cursor_type="row", show_cursor=False)
            yield Chart(id="fc-histogram")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#fc-empty").display = False

    # --- running ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Forget the analysis and rerun the "how many" forecast with the current input."""
        self.analysis = None
        self._run("days", self.query_one("#fc-days", Input).value)

    def _run(self, mode: str, text: str) -> None:
        widget = self.query_one("#fc-days" if mode == "days" else "#fc-items", Input)
        check = widget.validate(text)
        if check is not None and not check.is_valid:
            self._message(" ".join(check.failure_descriptions), error=True)
            return
        serial = self.next_serial()
        if self.store is None:
            self._show_empty(True)
            return
        self._message(f"Running {self.policy().trials:,} trials…")
        self._forecast(serial, mode, int(text), self.analysis, self.flow_app.now(), self.flow_app.data_version)

    @work(thread=True, exclusive=True, group="forecast", exit_on_error=False)
    def _forecast(self, serial: int, mode: str, target: int, analysis: Analysis | None, as_of: datetime,
                  version: int) -> None:
        store = self.store
        if store is None:
            return
        if analysis is None:
            analysis = load_analysis(store, self.policy(), as_of, version, self.item_filter())
        run = run_forecast(analysis, days=target) if mode == "days" else run_forecast(analysis, items=target)
        self.post_message(ForecastReady(serial, (analysis, run)))

    @on(ForecastReady)
    def _apply(self, message: ForecastReady) -> None:
        if not self.is_latest(message.serial):
            return
        self.analysis, self.result = message.payload
        run: ForecastRun = self.result
        doc = run.document
        self._show_empty(not self.analysis.flows)
        self.refresh_bindings()
        table = self.query_one("#fc-table", DataTable)
        table.clear(columns=True)
        chart = self.query_one("#fc-histogram", Chart)
        if doc["reason"] is not None:
            self._message(doc["reason"][0].upper() + doc["reason"][1:] + ".", error=False)
            chart.set_draw(None)
            return
        how_many = doc["mode"] == "how_many"
        table.add_column("Confidence", key="confidence", width=10)
        if how_many:
            table.add_column("At least", key="items", width=12)
            for r in doc["results"]:
                table.add_row(f"{r['confidence']} %", f"{r['items']} items", key=str(r["confidence"]))
            self._message(f"How many items will be done in the next {doc['target']} days? "
                          f"{doc['trials']:,} trials over the last {doc['history_days']} days of throughput.")
        else:
            table.add_column("Within", key="days", width=10)
            table.add_column("By", key="date", width=10)
            for r in doc["results"]:
                days = "over 10 years" if r["days"] is None else f"{r['days']} days"
                table.add_row(f"{r['confidence']} %", days, r["date"] or "—", key=str(r["confidence"]))
            self._message(f"When will {doc['target']} items be done? "
                          f"{doc['trials']:,} trials over the last {doc['history_days']} days of throughput.")
        marks = [Mark(f"{r['confidence']}%", float(r["items"] if how_many else (r["days"] or 0)),
                      CONFIDENCE_STYLES.get(r["confidence"], "magenta")) for r in doc["results"]]
        unit = "items" if how_many else "d"
        outcomes = run.outcomes
        lo, hi = (outcomes[0], outcomes[-1]) if outcomes else (0, 1)

        def draw(width: int, height: int) -> list[Text]:
            head = Text(f"Trial outcomes ({'items done' if how_many else 'days needed'})", style="bold")
            top, bar, plot = integer_bins(lo, hi, max(4, width - 8))
            return [head, *histogram(outcomes, width=plot, height=max(2, height - 5), lo=lo, hi=top,
                                     marks=marks, unit=unit, bar_width=bar)]

        chart.set_draw(draw)

    def _message(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#fc-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def _show_empty(self, empty: bool) -> None:
        self.query_one("#fc-empty", Static).update(self.empty_text())
        self.query_one("#fc-empty").display = empty
        for wid in ("#fc-form", "#fc-message", "#fc-results"):
            self.query_one(wid).display = not empty

    # --- input -----------------------------------------------------------------------------
    @on(Input.Submitted, "#fc-days")
    def _days_submitted(self, event: Input.Submitted) -> None:
        self._run("days", event.value)

    @on(Input.Submitted, "#fc-items")
    def _items_submitted(self, event: Input.Submitted) -> None:
        self._run("items", event.value)

    @on(Button.Pressed, "#fc-days-go")
    def _days_pressed(self) -> None:
        self._run("days", self.query_one("#fc-days", Input).value)

    @on(Button.Pressed, "#fc-items-go")
    def _items_pressed(self) -> None:
        self._run("items", self.query_one("#fc-items", Input).value)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.analysis is not None and not self.analysis.flows:
            return False  # the empty state is showing
        return True

    def action_edit_days(self) -> None:
        self.query_one("#fc-days", Input).focus()

    def action_edit_items(self) -> None:
        self.query_one("#fc-items", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one("#fc-table", DataTable).focus()
