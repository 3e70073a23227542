"""Server text is data: the one sanitiser applied to every string that came from Azure DevOps.

`clean` runs at the boundary (`flowtui.ado.parse`, `flowtui.ado.errors`), so nothing downstream —
the store, the exports, the TUI, the CLI tables, the logs — ever sees a character that could change
a terminal's state or fail to encode:

- C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F) become U+FFFD (`�`),
  so an ESC sequence such as `\\x1b]0;pwned\\x07` shows as `�]0;pwned�` and sets nothing;
- lone UTF-16 surrogates (U+D800–U+DFFF, which JSON `\\ud800` escapes produce and UTF-8 cannot
  encode) become U+FFFD too;
- one-line text (titles, names, tags, paths, error messages) keeps no line breaks or tabs: they
  become U+FFFD like any other control;
- multi-line text (`multiline=True`: PR descriptions) keeps `\\n` and `\\t`; `\\r\\n` and a lone
  `\\r` become `\\n` (a bare CR would let text overwrite a line on a terminal).

Markup is left alone here on purpose: `[UI] Fix` is a title, not markup. Renderers never parse
server text as markup (they build `rich.text.Text` / Textual `Content`, or escape it); that is a
rule for the UI layers, documented where they render. This module imports nothing of flowtui's and
nothing of Textual, so every layer may use it.

Fitting text into columns (`cell_len`, `fit`, `crop`, `pad`) counts terminal cells, not characters
(`rich.cells`): a CJK character or an emoji takes two cells, so `len()` would make such a row wider
than its columns and shift every column after it. Every table, chart label and padded CLI line
measures with these.
"""

from __future__ import annotations

import re
from typing import Literal

from rich.cells import cell_len, set_cell_size

REPLACEMENT = "\ufffd"

_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CR = re.compile("\r\n?")


def clean(value: str, *, multiline: bool = False) -> str:
    """`value` with control characters and lone surrogates replaced by U+FFFD (see the module doc)."""
    if value.isprintable() and value.isascii():
        return value  # the common case: plain printable ASCII, nothing to do
    if multiline:
        return _MULTI_LINE.sub(REPLACEMENT, _CR.sub("\n", value))
    return _ONE_LINE.sub(REPLACEMENT, value)


def is_clean(value: str, *, multiline: bool = False) -> bool:
    """True when `clean(value)` would return `value` unchanged."""
    return clean(value, multiline=multiline) == value


def crop(text: str, width: int) -> str:
    """`text` cut to at most `width` cells (no ellipsis, no padding beyond a split wide character)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width)


def fit(text: str, width: int) -> str:
    """`text` cropped with `…` or padded with spaces to exactly `width` terminal cells.

    ASCII text takes the fast path (one cell per character); other text is measured in cells.
    """
    if width <= 0:
        return ""
    if text.isascii():
        return text[: width - 1] + "…" if len(text) > width else text.ljust(width)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def pad(text: str, width: int, align: Literal["left", "right"] = "left") -> str:
    """`text` padded with spaces to at least `width` cells (never cut), like f"{text:<{width}}" in cells."""
    gap = " " * max(0, width - cell_len(text))
    return text + gap if align == "left" else gap + text


__all__ = ["REPLACEMENT", "cell_len", "clean", "crop", "fit", "is_clean", "pad"]
