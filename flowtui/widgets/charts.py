"""Terminal charts drawn with Unicode braille dots and block eighths.

Every chart is a pure function — data in, a list of rich `Text` lines out (one per terminal row) —
so it can be tested glyph by glyph; `Chart` is the thin widget that calls one with its current size.

Conventions shared by all charts:

* A chart is a plot area of `width` × `height` cells with a y axis on the left (`label┤` on the top
  and bottom rows, `│` elsewhere) and an x axis row `└───` below it.
* Values are scaled from 0 (bottom) to `y_max` (top). Braille plots have 4 dot rows per cell, block
  charts 8 eighths per cell; a value v maps to level ⌊v / y_max · (levels − 1) + ½⌋ (dots) or
  ⌊v / y_max · levels + ½⌋ (eighths), clamped into range.
* A `Mark` (a percentile line) is drawn as `┄` in the empty cells of the row holding its level and
  named at the right end of that row: `p85 12.3`.
* A non-zero bar is never drawn empty: it gets at least one eighth.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from rich.text import Text
from textual.widget import Widget

from flowtui.text import cell_len, crop, fit
from flowtui.widgets.theme_colors import app_palette, recolor

BRAILLE_BASE = 0x2800
#: Braille dot bits by (dot column, dot row) inside one cell.
DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
#: Vertical block eighths, index = eighths filled.
EIGHTHS = " ▁▂▃▄▅▆▇█"

AXIS_STYLE = "dim"
DOT_STYLE = "bold cyan"
BAR_STYLE = "cyan"
#: Styles of the CFD layers, bottom to top (done, doing, todo).
LAYER_STYLES = ("green", "yellow", "blue")
MARK_STYLES = {"p50": "green", "p70": "yellow", "p85": "magenta", "p95": "red"}


class Mark(NamedTuple):
    """A horizontal reference line (a percentile or the SLE) at `value` on the y scale."""

    label: str
    value: float
    style: str = "magenta"


Cell = tuple[str, str] | None  # (glyph, style) or empty


def round_half_up(x: float) -> int:
    """⌊x + ½⌋: the rounding every chart uses (never banker's rounding)."""
    return math.floor(x + 0.5)


def scale(value: float, top: float, levels: int) -> int:
    """The level (0..levels−1) of `value` on a 0..top scale with `levels` steps."""
    if top <= 0 or levels <= 1:
        return 0
    return max(0, min(levels - 1, round_half_up(value / top * (levels - 1))))


def eighths(value: float, top: float, height: int) -> int:
    """How many eighths (0..8·height) a bar of `value` fills on a 0..top scale; > 0 stays ≥ 1."""
    if top <= 0 or value <= 0:
        return 0
    return max(1, min(8 * height, round_half_up(value / top * 8 * height)))


def nice_max(value: float) -> float:
    """A round axis maximum ≥ value: 1, 2, 2.5 or 5 times a power of ten (1 for value ≤ 0)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def fmt_value(value: float) -> str:
    """Axis numbers: whole numbers without decimals, the rest with one."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


class BrailleGrid:
    """A width × height cell canvas of braille dots (2 × 4 dots per cell), y = 0 at the top."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.bits = [[0] * width for _ in range(height)]

    @property
    def dot_width(self) -> int:
        return 2 * self.width

    @property
    def dot_height(self) -> int:
        return 4 * self.height

    def plot(self, x: int, y: int) -> None:
        """Set the dot at (x, y) in dots; dots outside the canvas are ignored."""
        if 0 <= x < self.dot_width and 0 <= y < self.dot_height:
            self.bits[y // 4][x // 2] |= DOT_BITS[x % 2][y % 4]

    def plot_value(self, x: int, value: float, top: float) -> None:
        """Set the dot in dot column x at the height of `value` on a 0..top scale."""
        self.plot(x, self.dot_height - 1 - scale(value, top, self.dot_height))

    def cells(self, style: str = DOT_STYLE) -> list[list[Cell]]:
        """The canvas as rows of cells (empty cells are None)."""
        return [[(chr(BRAILLE_BASE + b), style) if b else None for b in row] for row in self.bits]


def mark_row_braille(value: float, top: float, height: int) -> int:
    """The row (0 = top) holding `value` on a braille canvas of `height` cells."""
    dots = 4 * height
    return (dots - 1 - scale(value, top, dots)) // 4


def mark_row_blocks(value: float, top: float, height: int) -> int:
    """The row (0 = top) holding the top of a `value` bar on a block chart of `height` cells."""
    e = eighths(value, top, height)
    from_bottom = 0 if e == 0 else min(height - 1, (e - 1) // 8)
    return height - 1 - from_bottom


def frame(
    rows: Sequence[Sequence[Cell]], *, y_max: float, marks: Sequence[tuple[int, Mark]] = (),
    label_width: int = 5, x_labels: Sequence[tuple[int, str]] = (),
) -> list[Text]:
    """Put plot cells in a frame: y axis, mark lines with their labels, x axis and x labels.

    `marks` are (row, Mark) pairs; `x_labels` are (cell column, text) pairs written below the axis
    (a label that would overlap the previous one is skipped).
    """
    width = max((len(r) for r in rows), default=0)
    by_row: dict[int, list[Mark]] = {}
    for row, mark in marks:
        by_row.setdefault(row, []).append(mark)
    out: list[Text] = []
    last = len(rows) - 1
    for r, cells in enumerate(rows):
        label = fmt_value(y_max) if r == 0 else ("0" if r == last else "")
        line = Text(f"{label:>{label_width}}{'┤' if label else '│'}", style=AXIS_STYLE, end="")
        here = by_row.get(r, [])
        for c in range(width):
            cell = cells[c] if c < len(cells) else None
            if cell is not None:
                line.append(cell[0], cell[1])
            elif here:
                line.append("┄", here[0].style)
            else:
                line.append(" ")
        for i, mark in enumerate(here):
            line.append(" " if i == 0 else ", ")
            line.append(f"{mark.label} {mark.value:.1f}", mark.style)
        out.append(line)
    out.append(Text(" " * label_width + "└" + "─" * width, style=AXIS_STYLE, end=""))
    if x_labels:
        total = width + label_width + 1
        axis, used = "", 0  # the label line so far and its width in cells
        for col, text in x_labels:
            text_cells = cell_len(text)
            start = label_width + 1 + max(0, min(col, width - text_cells))
            touches = axis != "" and start <= used  # a label needs one free cell after the previous one
            if touches or start + text_cells > total:
                continue
            axis += " " * (start - used) + text
            used = start + text_cells
        out.append(Text(axis.rstrip(), style=AXIS_STYLE, end=""))
    return out


def scatter(
    points: Sequence[tuple[float, float]], *, width: int, height: int, x_range: tuple[float, float],
    y_max: float | None = None, marks: Sequence[Mark] = (), x_labels: tuple[str, str] = ("", ""),
) -> list[Text]:
    """A braille scatter plot of (x, y) points with horizontal mark lines.

    x is scaled from x_range[0] (left dot column) to x_range[1] (right dot column); y from 0 to y_max
    (default: the nice maximum of every y and mark).
    """
    top = y_max if y_max is not None else nice_max(max([y for _, y in points] + [m.value for m in marks] + [0.0]))
    grid = BrailleGrid(width, height)
    lo, hi = x_range
    for x, y in points:
        col = 0 if hi <= lo else max(0, min(grid.dot_width - 1, round_half_up((x - lo) / (hi - lo) * (grid.dot_width - 1))))
        grid.plot_value(col, y, top)
    placed = [(mark_row_braille(m.value, top, height), m) for m in marks]
    labels = [(0, x_labels[0]), (width - cell_len(x_labels[1]), x_labels[1])] if any(x_labels) else []
    return frame(grid.cells(), y_max=top, marks=placed, x_labels=labels)


def bin_counts(values: Sequence[float], bins: int, lo: float, hi: float) -> list[int]:
    """Counts of values in `bins` equal bins over [lo, hi]; values outside fall into the end bins."""
    counts = [0] * bins
    span = hi - lo
    for v in values:
        i = 0 if span <= 0 else int((v - lo) / span * bins)
        counts[max(0, min(bins - 1, i))] += 1
    return counts


def integer_bins(lo: int, hi: int, width: int) -> tuple[float, int, int]:
    """Bins for whole-number data in [lo, hi] that never split a value: (bin top, bar width, plot width).

    With n = hi − lo + 1 values and room for `width` cells: when n ≤ width, one bin per value, each
    ⌊width / n⌋ cells wide; otherwise k = ⌈n / width⌉ values per one-cell bin. The bin top is
    lo + bins · k, so `histogram(lo=lo, hi=top, bar_width=…)` puts each value in its own bin.
    """
    n = max(1, hi - lo + 1)
    width = max(1, width)
    if n <= width:
        bar = width // n
        return float(lo + n), bar, n * bar
    k = -(-n // width)
    bins = -(-n // k)
    return float(lo + bins * k), 1, bins


def bar_cells(counts: Sequence[float], *, height: int, top: float, bar_width: int = 1, gap: int = 0,
              styles: Sequence[str] | None = None) -> list[list[Cell]]:
    """Vertical bars as rows of cells (top row first), each bar `bar_width` cells plus `gap` empty."""
    rows: list[list[Cell]] = [[] for _ in range(height)]
    for i, value in enumerate(counts):
        e = eighths(value, top, height)
        style = styles[i] if styles else BAR_STYLE
        for r in range(height):
            fill = max(0, min(8, e - (height - 1 - r) * 8))
            cell: Cell = (EIGHTHS[fill], style) if fill else None
            rows[r].extend([cell] * bar_width + [None] * gap)
    return rows


def histogram(
    values: Sequence[float], *, width: int, height: int, lo: float = 0.0, hi: float | None = None,
    marks: Sequence[Mark] = (), unit: str = "d", bar_width: int = 1,
) -> list[Text]:
    """A histogram of values over [lo, hi] with `width // bar_width` bins, marks shown as ▲ under their bin.

    Returns the framed bars, a marker row (▲ under the bin that holds each mark), the x labels and a
    legend naming the marks (whole numbers without decimals, others with one).
    """
    top_x = hi if hi is not None else nice_max(max(list(values) + [m.value for m in marks] + [0.0]))
    bins = max(1, width // max(1, bar_width))
    span = top_x - lo
    counts = bin_counts(values, bins, lo, top_x)
    y_top = nice_max(max(counts + [0]))
    cols = bins * bar_width
    right = f"{fmt_value(top_x)} {unit}"
    lines = frame(bar_cells(counts, height=height, top=y_top, bar_width=bar_width), y_max=y_top,
                  x_labels=[(0, fmt_value(lo)), (cols - cell_len(right), right)])
    slots: list[tuple[str, str] | None] = [None] * cols
    for m in marks:
        i = max(0, min(bins - 1, int((m.value - lo) / span * bins))) if span > 0 else 0
        slots[i * bar_width] = slots[i * bar_width] or ("▲", m.style)
    pointer = Text(" " * 6, end="")
    for slot in slots:
        pointer.append(*(slot or (" ", "")))
    lines.insert(len(lines) - 1, pointer)
    if marks:
        legend = Text(" " * 6, end="")
        for i, m in enumerate(marks):
            legend.append(("  " if i else "") + f"▲ {m.label} {fmt_value(m.value)} {unit}", m.style)
        lines.append(legend)
    return lines


def run_chart(
    labels: Sequence[str], counts: Sequence[int], *, height: int, bar_width: int = 2, gap: int = 1,
    marks: Sequence[Mark] = (),
) -> list[Text]:
    """Vertical bars (e.g. weekly throughput) with mark lines and a label under every bar that fits."""
    top = nice_max(max(list(counts) + [m.value for m in marks] + [0]))
    rows = bar_cells(counts, height=height, top=top, bar_width=bar_width, gap=gap)
    placed = [(mark_row_blocks(m.value, top, height), m) for m in marks]
    step = bar_width + gap
    return frame(rows, y_max=top, marks=placed, x_labels=[(i * step, lab) for i, lab in enumerate(labels)])


def hbars(rows: Sequence[tuple[str, int]], *, width: int, label_width: int = 14) -> list[Text]:
    """Horizontal bars, one line per (label, count): the label (plain text), the bar, the count."""
    top = max([n for _, n in rows] + [1])
    room = max(1, width - label_width - 8)
    out = []
    for label, n in rows:
        line = Text(fit(label, label_width) + " ")
        line.append("█" * max(1 if n else 0, round(n / top * room)), BAR_STYLE)
        line.append(f" {n}")
        out.append(line)
    return out


def stacked_columns(
    series: Sequence[Sequence[int]], *, height: int, styles: Sequence[str] = LAYER_STYLES,
    x_labels: tuple[str, str] = ("", ""),
) -> list[Text]:
    """A stacked area chart (the CFD): one column per entry, layers stacked bottom to top.

    Each column's layer boundaries are cumulative counts in eighths; a cell crossed by a boundary is
    drawn as the lower layer's eighths (foreground) on the upper layer's colour (background).
    """
    top = nice_max(max([sum(col) for col in series] + [0]))
    rows: list[list[Cell]] = [[] for _ in range(height)]
    for col in series:
        bounds, run = [], 0
        for count in col:
            run += count
            bounds.append(eighths(run, top, height) if run else 0)
        for r in range(height):
            base = (height - 1 - r) * 8
            lower = next((i for i, b in enumerate(bounds) if b > base), None)
            if lower is None:
                rows[r].append(None)
                continue
            fill = min(8, bounds[lower] - base)
            upper = next((i for i, b in enumerate(bounds) if b > base + fill), None) if fill < 8 else None
            style = styles[lower % len(styles)] + (f" on {styles[upper % len(styles)]}" if upper is not None else "")
            rows[r].append((EIGHTHS[fill], style))
    width = len(series)
    labels = [(0, x_labels[0]), (width - cell_len(x_labels[1]), x_labels[1])] if any(x_labels) else []
    return frame(rows, y_max=top, x_labels=labels)


def dot_columns(
    columns: Sequence[tuple[str, Sequence[float]]], *, col_width: int, height: int, marks: Sequence[Mark] = (),
    y_max: float | None = None,
) -> list[Text]:
    """Aging WIP: one column of braille dots per state (its items' ages), mark lines across all.

    Inside a column, the i-th value goes to dot column i mod (2·col_width − 2), offset by one dot, so
    items of the same age sit side by side instead of on top of each other.
    """
    values = [v for _, col in columns for v in col]
    top = y_max if y_max is not None else nice_max(max(values + [m.value for m in marks] + [0.0]))
    grid = BrailleGrid(col_width * len(columns), height)
    spread = max(1, 2 * col_width - 2)
    for c, (_, ages) in enumerate(columns):
        for i, age in enumerate(ages):
            grid.plot_value(c * 2 * col_width + 1 + i % spread if col_width > 1 else c * 2, age, top)
    placed = [(mark_row_braille(m.value, top, height), m) for m in marks]
    labels = [(c * col_width, crop(name, max(1, col_width - 1))) for c, (name, _) in enumerate(columns)]
    return frame(grid.cells(), y_max=top, marks=placed, x_labels=labels)


class Chart(Widget):
    """Draws whatever `draw(width, height)` returns, redrawn on every resize, in the app theme's colours.

    The drawing functions name ANSI colours; `flowtui.widgets.theme_colors.recolor` maps them to the
    current theme's text colours on every render, so switching theme repaints the chart in the new ones.
    """

    DEFAULT_CSS = """
    Chart { height: 1fr; width: 1fr; }
    """

    def __init__(self, draw: Callable[[int, int], list[Text]] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._draw = draw

    def set_draw(self, draw: Callable[[int, int], list[Text]] | None) -> None:
        """Replace the drawing function and repaint."""
        self._draw = draw
        self.refresh()

    def render(self) -> Text:
        if self._draw is None:
            return Text("")
        lines = self._draw(self.size.width, self.size.height)
        colours = app_palette(self.app)
        return Text("\n").join(recolor(line, colours) for line in lines)


__all__ = [
    "BrailleGrid", "Chart", "Mark", "bar_cells", "bin_counts", "dot_columns", "eighths", "frame", "histogram",
    "hbars", "integer_bins",
    "nice_max", "run_chart", "scale", "scatter", "stacked_columns",
]
