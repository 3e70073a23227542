"""Theme colours for rich `Text`: the charts and tables name six colours; the current theme supplies them.

The chart functions stay pure and name their colours with the six ANSI names (`cyan` for data,
`green`/`yellow`/`red` for good/caution/bad, `blue` and `magenta` for extra layers and marks).
`recolor` swaps every such name in a `Text`'s spans for the theme's readable text colour of the same
role (`$text-primary`, `$text-success`, …), so a light theme gets dark ink and a dark theme light ink.
Any other style (bold, dim, hex colours) is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.color import Color
from rich.style import Style
from rich.text import Span, Text

#: ANSI colour name used by the drawing code -> the theme variable that replaces it.
ROLES: Mapping[str, str] = {
    "cyan": "text-primary",
    "blue": "text-secondary",
    "green": "text-success",
    "yellow": "text-warning",
    "red": "text-error",
    "magenta": "text-accent",
}

Palette = dict[str, Color]


def palette(variables: Mapping[str, str]) -> Palette:
    """ANSI name -> theme colour, from a theme's CSS variables (`App.get_css_variables()`).

    A variable that is missing or not a plain colour (e.g. `auto 60%`) leaves that name as it is.
    """
    out: Palette = {}
    for name, variable in ROLES.items():
        value = variables.get(variable, "")
        try:
            out[name] = Color.parse(value)
        except Exception:  # noqa: BLE001 - rich raises ColorParseError; anything unparsable is skipped
            continue
    return out


def _swap(style: str | Style, colours: Palette) -> str | Style:
    parsed = Style.parse(style) if isinstance(style, str) else style
    colour = parsed.color.name if parsed.color is not None else None
    background = parsed.bgcolor.name if parsed.bgcolor is not None else None
    if colour not in colours and background not in colours:
        return style
    return parsed + Style(color=colours.get(colour or "", parsed.color),
                          bgcolor=colours.get(background or "", parsed.bgcolor))


def recolor(text: Text, colours: Palette) -> Text:
    """A copy of `text` whose ANSI-named colours (see ROLES) are the theme's; other styles unchanged."""
    if not colours:
        return text
    out = text.copy()
    if out.style:
        out.style = _swap(out.style, colours)
    out.spans = [Span(s.start, s.end, _swap(s.style, colours)) for s in out.spans]
    return out


#: Palettes by theme name (computing a theme's variables takes a few milliseconds; charts render often).
_BY_THEME: dict[str, Palette] = {}


def app_palette(app: object) -> Palette:
    """The palette of the app's current theme (empty when the app has no theme variables)."""
    get = getattr(app, "get_css_variables", None)
    if not callable(get):
        return {}
    name = str(getattr(app, "theme", ""))
    if name not in _BY_THEME:
        if len(_BY_THEME) > 64:  # bounded: themes are a handful, but a cache must never grow without end
            _BY_THEME.clear()
        _BY_THEME[name] = palette(get())
    return _BY_THEME[name]


__all__ = ["ROLES", "Palette", "app_palette", "palette", "recolor"]
