"""The Textual application: composition of the views, global key bindings, and message routing.

`make_app(...)` is the one way to build the app (CLI, tests and the screenshot script). Views are
Textual *modes*, built from the registry in `flowtui.views`; `h`/`l`, `tab`/`shift+tab` and `1`–`5` move between the five main views. Blocking
work (sync, keyring, export) runs in thread workers that only post messages (`flowtui.messages`);
handlers here own the state. Every worker failure — the App's own and every screen's (screens
post `BackgroundTaskFailed`, see `flowtui.screens.worker_errors`) — lands in `report_failure`, which
logs it and maps configuration / authentication problems to a modal and everything else to a notification.
Syncs run by other processes on the same store are followed by `StoreWatch` (`ui.store_watch_seconds`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.signal import Signal
from textual.worker import Worker, WorkerState, get_current_worker

from flowtui.commands import FlowCommands
from flowtui.config import Settings, insecure_tls_warning, save_view, saved_views
from flowtui.domain import SavedView, ViewFilter
from flowtui.errors import AuthError, ConfigError, FlowtuiError, SecretStoreError, StoreError
from flowtui.messages import BackgroundTaskFailed, DataChanged, ExportDone, SyncFinished, SyncProgressed, SyncStarted
from flowtui.screens.app_prefs import AUTO_SYNC_TICK_S, AppPreferences
from flowtui.screens.store_watch import StoreWatch
from flowtui.screens.worker_errors import describe_error, worker_label
from flowtui.reporting.filters import find_view, next_view, read_last_view, write_last_view
from flowtui.store import Store, open_store
from flowtui.sync.progress import SyncSummary
from flowtui.text import clean
from flowtui.views import MAIN_VIEWS, VIEW_TITLES, VIEWS, resolve_keymap
from flowtui.widgets.sync_progress import SyncBoard

#: Errors shown in a modal (the user must act); every other failure becomes a notification.
MODAL_ERRORS = (AuthError, ConfigError, SecretStoreError, StoreError)
#: `FlowApp.worker_errors` keeps the newest this many failures.
MAX_KEPT_ERRORS = 50


log = logging.getLogger("flowtui.tui")

if TYPE_CHECKING:
    import httpx


def _lazy(module: str, name: str) -> Callable[[], Any]:
    """A mode factory that imports its screen module on first use (keeps start-up fast)."""

    def factory() -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)()

    factory.__name__ = f"make_{name}"
    return factory


class FlowApp(AppPreferences, StoreWatch, App[int]):
    """flowtui's TUI. Build it with `make_app`; screens read `settings`, `store`, `now()`, `data_version`."""

    TITLE = "flowtui"
    CSS_PATH = ["app.tcss", "screens/views.tcss"]
    COMMANDS = App.COMMANDS | {FlowCommands}
    MODES = {v.mode: _lazy(v.module, v.screen) for v in VIEWS}
    #: Screens narrower than 100 columns get the `-narrow` class (one-row filter bar, see views.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit flowtui (asks first while a sync runs)."),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Show every key binding."),
        Binding("s", "sync", "Sync", id="sync.start", tooltip="Sync the configured projects from Azure DevOps."),
        Binding("x", "cancel_sync", "Cancel sync", id="sync.cancel", tooltip="Stop the running sync now, even mid-wait (every committed page is kept)."),
        Binding("e", "export", "Export", id="export.start", tooltip="Write the CSV exports into a directory."),
        Binding("r", "refresh", "Refresh", id="data.refresh", tooltip="Re-read the store and recompute every view."),
        Binding("l", "next_view", "Next view", id="view.next", show=False),
        Binding("h", "prev_view", "Previous view", id="view.prev", show=False),
        Binding("tab", "next_view", "Next view", id="view.next_tab", show=False, priority=True),
        Binding("shift+tab", "prev_view", "Previous view", id="view.prev_tab", show=False, priority=True),
        *(
            Binding(str(i), f"switch_view('{view.mode}')", view.title, id=view.binding_id, show=False)
            for i, view in enumerate(MAIN_VIEWS, start=1)
        ),
        Binding("v", "next_saved_view", "Next view", id="views.next", show=False,
                tooltip="Apply the next saved view ([[ui.views]] in the config) to every view."),
        Binding("V", "save_view", "Save view", id="views.save", show=False,
                tooltip="Save the current filters as a named view in the config."),
        Binding("comma", "switch_view('settings')", "Settings", id="view.settings", tooltip="Organization, projects and PAT."),
        Binding("ctrl+p", "command_palette", "Commands", id="app.commands", show=False, priority=True,
                tooltip="Open the command palette."),
    ]

    def __init__(self, settings: Settings, *, store: Store | None, transport: httpx.BaseTransport | None,
                 keyring_backend: Any, clock: Callable[[], datetime] | None, demo: bool,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.transport = transport
        self.keyring_backend = keyring_backend
        self.demo = demo
        self._clock = clock
        self.data_version = 0
        #: Published with every SyncStarted / SyncProgressed / SyncFinished message (the Sync screen listens).
        self.sync_signal: Signal[Any] = Signal(self, "sync")
        self.sync_running = False
        self.last_summary: SyncSummary | None = None
        #: The running (or last) sync's progress, folded from SyncProgress events.
        self.sync_board = SyncBoard()
        self.sync_full = False
        self.sync_error: BaseException | None = None
        self._cancel_event = threading.Event()
        self._store_has_data: bool | None = None
        #: The one filter state, applied by every view and the `e` export (see `set_view_filter`).
        self.view_filter = ViewFilter()
        #: The saved view last applied (None after the filters were changed by hand).
        self.current_view: str | None = None
        #: Published with the new ViewFilter whenever it changes (the status bar redraws).
        self.filter_signal: Signal[Any] = Signal(self, "filter")
        #: Every worker failure of this session (the App's and the screens'), newest last; tests assert it stays empty.
        self.worker_errors: list[BaseException] = []
        #: Seconds clock for the background refresh (`ui.auto_sync_minutes`); tests inject a fake one.
        self._monotonic = monotonic
        #: When (on `_monotonic`) the next background sync is due; None while auto-sync is off.
        self.auto_sync_due: float | None = None
        #: True while the running sync was started by the background refresh (not by a key).
        self.sync_background = False
        self._saved_theme = settings.ui.theme
        self._init_store_watch()  # `ui.store_watch_seconds`: follows syncs run by other processes

    # ---- shared state ------------------------------------------------------------------------
    def now(self) -> datetime:
        """The current instant (aware UTC); frozen in tests through `make_app(clock=...)`."""
        return self._clock() if self._clock is not None else datetime.now(UTC)

    def use_keyring_backend(self) -> None:
        """Install the injected keyring backend (call from a worker thread before touching secrets)."""
        if self.keyring_backend is not None:
            import keyring

            keyring.set_keyring(self.keyring_backend)

    def on_mount(self) -> None:
        self._apply_theme_setting()
        self.theme_changed_signal.subscribe(self, self._theme_picked)
        keymap = self.settings.ui.keymap
        if keymap:
            self.set_keymap(resolve_keymap(keymap))
        last = find_view(saved_views(self.settings), read_last_view())
        if last is not None:
            self.view_filter, self.current_view = last.filter, last.name
        self.check_store_has_data()
        tls_warning = None if self.demo else insecure_tls_warning(self.settings)
        if tls_warning:
            self.notify(tls_warning, title="Insecure connection", severity="warning", timeout=15, markup=False)
        if self.demo:
            self.switch_mode("sync")
            self.action_sync()
        elif not self.settings.org_url:
            self.switch_mode("settings")
            self.notify("No organization is configured yet: enter its URL, projects and a PAT.", title="Welcome")
        else:
            self.switch_mode("dashboard")
        if self.settings.ui.auto_sync_minutes:
            self._schedule_auto_sync()
            self.set_interval(AUTO_SYNC_TICK_S, self.auto_sync_tick)
        self._start_store_watch()

    # ---- the filter state --------------------------------------------------------------------
    def set_view_filter(self, view_filter: ViewFilter, *, view: str | None = None) -> None:
        """Change the filters every view applies; views recompute in their workers (data version moves)."""
        if view_filter == self.view_filter and view == self.current_view:
            return
        self.view_filter, self.current_view = view_filter, view
        self.filter_signal.publish(view_filter)
        self._data_changed()

    def apply_saved_view(self, name: str) -> None:
        """Apply the saved view `name` and remember it across restarts."""
        view = find_view(saved_views(self.settings), name)
        if view is None:
            self.notify(f"There is no saved view called {name!r}.", severity="warning", markup=False)
            return
        self.set_view_filter(view.filter, view=view.name)
        write_last_view(view.name)
        self.notify(f"View {view.name}: {view.filter.summary() or 'no filters'}", title="View", timeout=3,
                    markup=False)

    def action_next_saved_view(self) -> None:
        following = next_view(saved_views(self.settings), self.current_view)
        if following is None:
            self.notify("No saved views yet: set filters, then save them (V or the palette).", timeout=4)
            return
        self.apply_saved_view(following.name)

    def action_save_view(self) -> None:
        """Ask for a name, then save the current filters as `[[ui.views]]` in the config file."""
        from flowtui.screens.modals import SaveViewPrompt

        def chosen(name: str | None) -> None:
            if name:
                self._save_view(name)

        self.push_screen(SaveViewPrompt(self.view_filter.summary()), chosen)

    def _save_view(self, name: str) -> None:
        try:
            views = save_view(self.settings.config_path, SavedView(name, self.view_filter))
        except ConfigError as exc:
            self.report_failure("save view", exc)
            return
        self.settings = self.settings.with_values(ui__views=views)
        self.current_view = name
        write_last_view(name)
        self.filter_signal.publish(self.view_filter)
        self.notify(f"Saved view {name} in {self.settings.config_path}", title="View", timeout=4, markup=False)

    # ---- key actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_view", "prev_view") and (
            isinstance(self.screen, ModalScreen) or self.current_mode == "settings"
        ):
            return False  # tab keeps moving focus between the settings fields and inside dialogs
        if action == "cancel_sync":
            return self.sync_running
        if action == "sync":
            return None if self.sync_running else True
        if action == "export":
            return bool(self._store_has_data)
        return True

    async def action_quit(self) -> None:
        """Quit; while a sync runs, ask first (the sync stops within about a second, keeping committed pages)."""
        if not self.sync_running:
            self.exit(0)
            return
        from flowtui.screens.modals import ConfirmModal

        def answer(yes: bool | None) -> None:
            if yes:
                self._cancel_event.set()
                self.exit(0)

        self.push_screen(ConfirmModal("A sync is running. Stop it and quit? Every page committed so far is kept."),
                         answer)

    def action_help(self) -> None:
        from flowtui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen.active_bindings))

    def action_switch_view(self, mode: str) -> None:
        if isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.switch_mode(mode)

    def _cycle(self, step: int) -> None:
        modes = [v.mode for v in MAIN_VIEWS]
        current = self.current_mode if self.current_mode in modes else modes[-1 if step > 0 else 0]
        self.switch_mode(modes[(modes.index(current) + step) % len(modes)])

    def action_next_view(self) -> None:
        self._cycle(+1)

    def action_prev_view(self) -> None:
        self._cycle(-1)

    def action_refresh(self) -> None:
        self._data_changed()
        self.notify("Re-reading the store.", timeout=2)

    def action_sync(self, full: bool = False) -> None:
        """Start a sync (or show the running one) on the Sync screen."""
        self.switch_mode("sync")
        self.start_sync(full)

    def start_sync(self, full: bool = False, *, background: bool = False) -> bool:
        """Start a sync unless one runs (never two at once); True when one started.

        background: started by `ui.auto_sync_minutes` — the current view stays, the status bar says
        "syncing…", and a missing organization is skipped quietly instead of asked about.
        """
        if self.sync_running:
            return False
        if not self.demo and (not self.settings.org_url or not self.settings.projects):
            if background:
                self._schedule_auto_sync()
            else:
                self.push_error("Nothing to sync yet",
                                "Set the organization URL and at least one project in Settings (press ,) first.")
            return False
        self._cancel_event.clear()
        self.sync_error = None
        self.sync_running = True
        self.sync_background = background
        self.auto_sync_due = None
        self.refresh_bindings()
        self._redraw_status()
        self._sync_worker(full)
        return True

    def action_cancel_sync(self) -> None:
        if self.sync_running:
            self._cancel_event.set()
            self.notify("Cancelling the sync; every page committed so far is kept.", timeout=3)

    def action_export(self, what: str = "all") -> None:
        """Ask for a directory, then write the CSV set `what` ("all", "powerbi" or "flow") into it."""
        from flowtui.screens.modals import ExportPrompt

        def chosen(directory: str | None) -> None:
            if directory:
                self._export_worker(directory, what)

        self.push_screen(ExportPrompt(what=what), chosen)

    def push_error(self, title: str, message: str) -> None:
        """Show a blocking error dialog (for problems the user must fix)."""
        from flowtui.screens.modals import ErrorModal

        self.push_screen(ErrorModal(title, clean(message, multiline=True)))

    # ---- workers (threads: they only post messages) ----------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="sync", name="sync")
    def _sync_worker(self, full: bool) -> SyncSummary:
        from flowtui.sync import run_sync
        from flowtui.sync.connection import connect

        worker = get_current_worker()
        store = self.store or open_store(self.settings.store_target)
        if self.store is None:
            self.call_from_thread(setattr, self, "store", store)
        if self.demo:  # building the simulated org takes a moment: show the run at once
            self.post_message(SyncStarted(list(self.settings.projects), full=full))
        else:
            self.use_keyring_backend()
        connection = connect(self.settings, demo=self.demo, transport=self.transport)
        if not self.demo:  # only once the PAT was found (AuthError otherwise)
            self.post_message(SyncStarted(list(self.settings.projects), full=full))
        summary = run_sync(
            self.settings, store, pat=connection.pat, transport=connection.transport, full=full, now=self.now(),
            progress=lambda p: self.post_message(SyncProgressed(p)),
            cancel=lambda: self._cancel_event.is_set() or worker.is_cancelled,
        )
        self.post_message(SyncFinished(summary))
        return summary

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", name="export")
    def _export_worker(self, directory: str, what: str = "all") -> list[str]:
        from flowtui.export import export

        if self.store is None:
            raise StoreError("There is no store yet; press s to sync first.")
        vf = self.view_filter
        result = export(self.store, self.settings, Path(directory).expanduser(), what=what,
                        item_filter=vf.item_filter(self.settings.projects), as_of=self.now(),
                        window_from=vf.date_from, window_to=vf.date_to)
        paths = [str(p) for p in result.paths]
        self.post_message(ExportDone(paths))
        return paths

    @work(thread=True, exclusive=True, exit_on_error=False, group="store-check", name="store-check")
    def check_store_has_data(self) -> None:
        """Find out (off the UI thread) whether the store holds anything, for `check_action`."""
        has = False
        if self.store is not None:
            stats = self.store.stats()
            has = any(stats.get(t, 0) for t in ("work_item", "pull_request"))
        self.call_from_thread(self._set_store_has_data, has)

    def _set_store_has_data(self, has: bool) -> None:
        self._store_has_data = has
        self.refresh_bindings()

    # ---- message handlers (own the state) ---------------------------------------------------
    @on(SyncStarted)
    def _sync_started(self, message: SyncStarted) -> None:
        self.sync_board = SyncBoard()
        self.sync_board.start(message.projects, time.monotonic())
        self.sync_full = message.full
        self.sync_signal.publish(message)

    @on(SyncProgressed)
    def _sync_progressed(self, message: SyncProgressed) -> None:
        self.sync_board.apply(message.progress, time.monotonic())
        self.sync_signal.publish(message)

    @on(SyncFinished)
    def _sync_finished(self, message: SyncFinished) -> None:
        summary = message.summary
        self.sync_running = False
        self.last_summary = summary
        self.own_run_finished(summary.run_id)
        self._schedule_auto_sync()  # the next background sync counts from the end of this one
        self.sync_board.finish(summary.elapsed_s)
        self.sync_signal.publish(message)
        self._data_changed()
        if summary.status == "success":
            self.notify(f"Sync finished: {summary.work_items} work items, {summary.pull_requests} pull requests.",
                        title="Sync", timeout=4)
            if self.demo and self.current_mode == "sync":
                self.switch_mode("dashboard")
        elif summary.status == "cancelled":
            self.notify("Sync cancelled; every page committed so far is kept.", title="Sync", severity="warning")
        else:
            where = f" ({summary.error_project})" if summary.error_project else ""
            self.notify(clean(f"Sync failed{where}: {summary.first_error or 'see the summary'}"), title="Sync",
                        severity="error", timeout=10, markup=False)

    @on(ExportDone)
    def _export_done(self, message: ExportDone) -> None:
        directory = str(Path(message.paths[0]).parent) if message.paths else ""
        names = ", ".join(Path(p).name for p in message.paths)
        self.notify(f"Wrote {len(message.paths)} files to {directory}: {names}", title="Export", timeout=10,
                    markup=False)

    def _data_changed(self) -> None:
        self.data_version += 1
        self.check_store_has_data()
        self.post_message(DataChanged(self.data_version))
        self.screen.post_message(DataChanged(self.data_version))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The App's own workers: a failure goes to `report_failure` (screens post BackgroundTaskFailed)."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.error is None:
            return
        error = worker.error
        if worker.group == "sync":
            self.sync_running = False
            self.own_run_finished(None)
            self._schedule_auto_sync()
            self.sync_error = error
            self.sync_board.finish(time.monotonic() - (self.sync_board.started_at or time.monotonic()))
            self.refresh_bindings()
            self.sync_signal.publish(error)
        self.report_failure(worker_label(worker), error)

    @on(BackgroundTaskFailed)
    def _screen_worker_failed(self, message: BackgroundTaskFailed) -> None:
        self.report_failure(message.name, message.error)

    def report_failure(self, name: str, error: BaseException) -> None:
        """The one place where worker failures become a log entry plus a modal or a notification."""
        del self.worker_errors[: max(0, len(self.worker_errors) - MAX_KEPT_ERRORS + 1)]
        self.worker_errors.append(error)
        log.error("%s failed: %s", name, describe_error(error), exc_info=error)
        self.log.error(name, error)
        if isinstance(error, MODAL_ERRORS):
            self.push_error(type(error).__name__.replace("Error", " problem"), error.message)
        elif isinstance(error, FlowtuiError):
            self.notify(clean(error.message), title=name.capitalize(), severity="error", timeout=10, markup=False)
        else:
            self.notify(clean(describe_error(error)), title=f"{name.capitalize()} failed", severity="error",
                        timeout=10, markup=False)


def make_app(settings: Settings, *, store: Store | None, transport: httpx.BaseTransport | None = None,
             keyring_backend: Any = None, clock: Callable[[], datetime] | None = None,
             demo: bool = False, monotonic: Callable[[], float] = time.monotonic) -> FlowApp:
    """Build the app with its dependencies injected (the only constructor the CLI and tests use).

    transport: the httpx transport for ADO (the simulated ADO in tests and demo mode; None = network).
    keyring_backend: a keyring backend installed before the PAT is read or saved (tests: in memory).
    clock: returns "now" as an aware UTC datetime (tests freeze it). demo: sync the simulated org.
    monotonic: the seconds clock that times the background refresh (tests advance a fake one).
    """
    return FlowApp(settings, store=store, transport=transport, keyring_backend=keyring_backend,
                   clock=clock, demo=demo, monotonic=monotonic)


__all__ = ["VIEWS", "VIEW_TITLES", "FlowApp", "make_app"]  # VIEWS, VIEW_TITLES: see flowtui.views
