"""What the App remembers and does on its own: the colour theme (`ui.theme`) and the background refresh
(`ui.auto_sync_minutes`).

Theme: the app starts in `ui.theme` (textual-dark on first run; an unknown name falls back to it with a
warning) and every theme picked in the command palette is written back to config.toml with the
tomlkit writer, so comments and order survive. Background refresh: every `AUTO_SYNC_TICK_S` the app checks
whether `ui.auto_sync_minutes` have passed since the last sync ended (on an injectable seconds clock) and,
when no sync runs (here, or elsewhere on the same store: then it counts again from now), starts one
without leaving the current view; the status bar shows the countdown
and "syncing…". A sync in progress (manual or background) is never doubled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work

from flowtui.config import Settings, set_config_value

#: The theme used when `ui.theme` names one Textual does not know (the key's default is the same).
FALLBACK_THEME = "textual-dark"
#: How often (seconds) the app checks whether a background sync is due and redraws its countdown.
AUTO_SYNC_TICK_S = 20.0


class AppPreferences:
    """Mixed into FlowApp (before `App`): theme memory and the background refresh."""

    settings: Settings
    sync_running: bool
    auto_sync_due: float | None
    _monotonic: Callable[[], float]
    _saved_theme: str
    theme: Any
    available_themes: Any
    screen: Any

    if TYPE_CHECKING:  # provided by App and FlowApp; declared here only for the type checker
        def notify(self, *args: Any, **kwargs: Any) -> None: ...
        def start_sync(self, full: bool = False, *, background: bool = False) -> bool: ...

    # ---- theme ------------------------------------------------------------------------------
    def _apply_theme_setting(self) -> None:
        """Use `ui.theme`; a name Textual does not know falls back to textual-dark, with a warning."""
        name = self.settings.ui.theme
        if name in self.available_themes:
            self.theme = name
            return
        self.theme = FALLBACK_THEME
        self.notify(f"The theme {name!r} (ui.theme in {self.settings.config_path}) is not installed; "
                    f"using {FALLBACK_THEME}. Pick one with ctrl+p → theme.", title="Theme", severity="warning",
                    timeout=10, markup=False)

    def _theme_picked(self, theme: Any) -> None:
        """The theme changed (the palette's theme picker): remember it as `ui.theme` in config.toml."""
        name = str(theme.name)
        if name == self._saved_theme:
            return
        try:
            self.settings = self.settings.with_values(ui__theme=name)
        except (ValueError, TypeError):
            return  # a theme registered under a name config.toml cannot hold: used, not saved
        self._saved_theme = name
        self._save_theme(name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="theme", name="save theme")
    def _save_theme(self, name: str) -> None:
        set_config_value(self.settings.config_path, "ui.theme", name)  # tomlkit: comments and order survive

    # ---- background refresh ------------------------------------------------------------------
    def _schedule_auto_sync(self) -> None:
        """The next background sync is due `ui.auto_sync_minutes` after now (None when off)."""
        minutes = self.settings.ui.auto_sync_minutes
        self.auto_sync_due = self._monotonic() + 60.0 * minutes if minutes else None
        self._redraw_status()

    def auto_sync_tick(self) -> bool:
        """Start the background sync when it is due and no sync runs (True when one started)."""
        due = self.auto_sync_due
        if due is None or self.sync_running or self._monotonic() < due:
            self._redraw_status()
            return False
        if getattr(self, "foreign_run", None) is not None:
            self._schedule_auto_sync()  # another process is syncing this store: its run is our refresh
            return False
        return self.start_sync(background=True)

    def auto_sync_text(self) -> str:
        """The status bar's word on the background refresh: "auto-sync in 4 min", or "" when off or syncing."""
        if self.auto_sync_due is None or self.sync_running:
            return ""
        minutes = max(0, -(-(self.auto_sync_due - self._monotonic()) // 60))
        return f"auto-sync in {minutes:.0f} min" if minutes >= 1 else "auto-sync due"

    def _redraw_status(self) -> None:
        from flowtui.widgets.status_bar import StatusBar

        for bar in self.screen.query(StatusBar):
            bar.redraw()


__all__ = ["AUTO_SYNC_TICK_S", "FALLBACK_THEME", "AppPreferences"]
