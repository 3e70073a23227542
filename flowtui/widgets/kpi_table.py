"""The dashboard's KPI table: one row per KPI with its value, change vs the previous period and a sparkline.

`Kpi` is plain data (built by `flowtui.reporting.dashboard` from the metrics report); `sparkline` and `change_text`
are pure functions, so the table's look is testable without an app.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from flowtui.reporting.dashboard import Kpi
from flowtui.widgets.theme_colors import app_palette, recolor

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None]) -> str:
    """Eight-level block sparkline scaled from 0 to the series maximum; a gap (None) is a space.

    Scaling from zero (not from the minimum) keeps a flat, healthy series from looking like a cliff.
    """
    known = [v for v in values if v is not None]
    top = max(known) if known else 0.0
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif top <= 0:
            out.append(BLOCKS[0])
        else:
            out.append(BLOCKS[min(len(BLOCKS) - 1, int(round(v / top * (len(BLOCKS) - 1))))])
    return "".join(out)


def format_value(value: float | None, unit: str, decimals: int = 1) -> str:
    """`12.3 d`, `45 %`, `7`; an undefined value is an em dash."""
    if value is None:
        return "—"
    number = f"{value:,.{decimals}f}"
    return f"{number} {unit}".rstrip() if unit else number


def change_text(current: float | None, previous: float | None, better: str) -> Text:
    """Relative change `+12%` / `−8%`, green when it moves the good way, red when the bad way."""
    if current is None or previous is None:
        return Text("—", style="dim")
    if previous == 0:
        return Text("new" if current else "±0%", style="dim")
    ratio = (current - previous) / abs(previous)
    pct = round(ratio * 100)
    if pct == 0:
        return Text("±0%", style="dim")
    arrow = "▲" if pct > 0 else "▼"
    good = (pct > 0 and better == "up") or (pct < 0 and better == "down")
    style = "" if not better else ("green" if good else "red")
    return Text(f"{arrow} {'+' if pct > 0 else '−'}{abs(pct)}%", style=style)


class KpiTable(DataTable):
    """A read-only table of `Kpi` rows (j/k/g/G move the cursor)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", id="kpi.down", show=False),
        Binding("k", "cursor_up", "Up", id="kpi.up", show=False),
        Binding("g", "scroll_top", "Top", id="kpi.first", show=False),
        Binding("G", "scroll_bottom", "Bottom", id="kpi.last", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._shown: tuple[Sequence[Kpi], bool] | None = None

    def on_mount(self) -> None:
        # The sparklines and changes carry the theme's colours: a new theme redraws the rows.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._reshow())
        for label, key in (("KPI", "kpi"), ("Now", "value"), ("vs prev.", "change"), ("12 weeks", "trend"),
                           ("Previous", "previous"), ("Note", "note")):
            self.add_column(label, key=key)

    def show_kpis(self, kpis: Sequence[Kpi], *, notes: bool = True) -> None:
        """Replace the rows with these KPIs (`notes=False` leaves the notes out for narrow terminals)."""
        self._shown = (kpis, notes)
        colours = app_palette(self.app)
        row = self.cursor_row
        self.clear()
        for k in kpis:
            cells = [
                Text(k.label, style="bold"),
                Text(format_value(k.value, k.unit, k.decimals), justify="right"),
                change_text(k.value, k.previous, k.better),
                Text(sparkline(k.series), style="cyan"),
                Text(format_value(k.previous, k.unit, k.decimals), style="dim", justify="right"),
            ]
            cells.append(Text(k.note if notes else "", style="dim"))
            self.add_row(*(recolor(cell, colours) for cell in cells), key=k.key)
        if 0 < row < self.row_count:
            self.move_cursor(row=row)

    def _reshow(self) -> None:
        if self._shown is not None:
            self.show_kpis(self._shown[0], notes=self._shown[1])


__all__ = ["BLOCKS", "Kpi", "KpiTable", "change_text", "format_value", "sparkline"]
