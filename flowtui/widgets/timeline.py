"""A one-line picture of a work item's life: which bucket it was in, from creation to completion
(or as_of), one cell per equal slice of time. Pure: data in, a rich `Text` out."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BUCKET_STYLES = {"todo": "blue", "doing": "yellow", "done": "green", "removed": "red"}
WAIT_STYLE = "dark_orange"
BLOCKED_STYLE = "bold red"


def timeline_bar(steps: Sequence[tuple[float, str, bool, bool]], end: float, width: int) -> Text:
    """`steps`: (instant, bucket, wait, blocked) in time order, the first one at creation; `end`: where
    the bar stops. Cell c covers [t0 + c·d, t0 + (c+1)·d) with d = (end − t0) / width and shows the
    step in force at the cell's start: █ in the bucket's colour, ▒ for a wait state, ╳ while blocked.
    """
    out = Text(end="")
    if not steps or width <= 0:
        return out
    t0 = steps[0][0]
    span = max(end - t0, 0.0)
    i = 0
    for c in range(width):
        t = t0 + span * c / width
        while i + 1 < len(steps) and steps[i + 1][0] <= t:
            i += 1
        _, bucket, wait, blocked = steps[i]
        if blocked:
            out.append("╳", BLOCKED_STYLE)
        elif wait:
            out.append("▒", WAIT_STYLE)
        else:
            out.append("█", BUCKET_STYLES.get(bucket, ""))
    return out


def legend() -> Text:
    """What the bar's glyphs and colours mean."""
    out = Text(end="")
    for name, style in BUCKET_STYLES.items():
        out.append("█", style)
        out.append(f" {name}  ")
    out.append("▒", WAIT_STYLE)
    out.append(" wait  ")
    out.append("╳", BLOCKED_STYLE)
    out.append(" blocked")
    return out


__all__ = ["BUCKET_STYLES", "legend", "timeline_bar"]
