"""Server text in the TUI: trusted markup templates filled with untrusted text, never parsed as markup.

Strings from Azure DevOps (titles, names, tags, repository and project names, error messages) are
data: `[UI] Fix`, `John Smith [Contractor]`, `Mallory [/oops]` and `[link=http://x]y[/link]` must
show verbatim and never break or restyle a widget. Every UI place that shows such text builds a
`Content` (or a Rich `Text`) from it, or uses `markup_with`, whose `$name` placeholders Textual fills
as plain text. Values are passed through `flowtui.text.clean` once more, so a control character that
did not come through the parser (an exception's text, say) cannot reach the terminal either.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from flowtui.text import clean


def markup_with(template: str, **values: object) -> Content:
    """`template` (trusted markup, e.g. `"[b red]Sync failed:[/] $message"`) with `$name` filled as plain text."""
    return Content.from_markup(template, **{k: clean(str(v), multiline=True) for k, v in values.items()})


def plain(value: object) -> Content:
    """Server text as Content: shown verbatim, no markup."""
    return Content(clean(str(value), multiline=True))


def plain_text(value: object, style: str = "") -> Text:
    """Server text as a Rich Text (for Rich renderables and option prompts): verbatim, no markup."""
    return Text(clean(str(value), multiline=True), style=style)


__all__ = ["markup_with", "plain", "plain_text"]
