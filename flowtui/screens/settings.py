"""Settings: organization URL (validated as you type), projects, the PAT (masked, saved to the keyring),
and "test connection" (one cheap ADO call, `_apis/projects`, in a worker) with a clear result.

Saving writes `ado.org_url` and `ado.projects` to config.toml through `flowtui.config.set_config_value`
and the PAT to the OS keyring through `flowtui.secrets` (in a thread worker: keyring is slow to load).
The form tells the truth about the PAT: after saving it names where the PAT lives (the keyring backend,
or `FLOWTUI_PAT`); a keyring that cannot store it says so under the form, with the fallback, instead of
claiming success. "Test connection" uses the PAT typed in the form when there is one (through the
connection factory), else the stored one. In demo mode nothing is saved and the keyring is never touched.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from flowtui.config import set_config_value
from flowtui.secrets import ENV_VAR, PatStatus
from flowtui.errors import FlowtuiError, SecretStoreError
from flowtui.messages import ConnectionTested
from flowtui.orgurl import normalize_org_url, org_url_problem
from flowtui.screens.worker_errors import ReportsWorkerErrors, describe_error
from flowtui.widgets.status_bar import StatusBar


def pat_status_text(status: PatStatus) -> str:
    """Where the PAT for `status.org_url` lives, in one sentence (never the PAT itself)."""
    url = status.org_url
    if status.source == "keyring":
        return f"The PAT for {url} is in the OS keyring ({status.keyring_backend})."
    if status.source:
        no_keyring = f" (no usable OS keyring: {status.keyring_error})" if status.keyring_error else ""
        return f"The PAT for {url} comes from the {ENV_VAR} environment variable{no_keyring}."
    if status.keyring_error:
        return (f"No usable OS keyring on this machine ({status.keyring_error}), so a PAT cannot be saved here: "
                f"set the {ENV_VAR} environment variable instead, or type a PAT to test the connection with it.")
    return f"No PAT is stored for {url} yet (keyring: {status.keyring_backend})."


def parse_projects(text: str) -> list[str]:
    """'A, B ,C' -> ['A', 'B', 'C'] (commas separate names; names may contain spaces)."""
    return [p.strip() for p in text.split(",") if p.strip()]


class SettingsScreen(ReportsWorkerErrors, Screen):
    """Organization, projects and PAT."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings.save", tooltip="Save the URL and projects (and the PAT)."),
        Binding("ctrl+t", "test_connection", "Test connection", id="settings.test_connection",
                tooltip="List the organization's projects with these values."),
        Binding("escape", "leave_fields", "Leave fields", id="settings.leave_fields", show=False,
                tooltip="Move focus out of the text fields so single-letter keys work."),
    ]

    def compose(self) -> ComposeResult:
        app: Any = self.app
        s = app.settings
        with VerticalScroll(id="settings-body"):
            yield Label("Organization URL", classes="field-label")
            yield Input(s.org_url, placeholder="https://dev.azure.com/ORG", id="org-url")
            yield Static("", id="org-url-problem", classes="field-problem")
            yield Label("Projects (comma-separated)", classes="field-label")
            yield Input(", ".join(s.projects), placeholder="Fabrikam, Contoso Web", id="projects")
            yield Label("Personal access token (Work Items: Read, Code: Read)", classes="field-label")
            yield Input("", placeholder="leave empty to keep the stored PAT", password=True, id="pat")
            yield Static("", id="pat-status", classes="field-hint")
            with Horizontal(classes="form-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Test connection", id="test")
            yield Static("", id="settings-result")
            with Vertical(classes="field-hint"):
                yield Static(f"[dim]Config file: {s.config_path}\nStore: {s.db_path}[/]", id="settings-paths")
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        app: Any = self.app
        self.query_one("#org-url-problem", Static).display = False
        self.query_one("#settings-result", Static).display = False
        if app.demo:
            self.query_one("#pat-status", Static).update("Demo mode: the simulated organization needs no PAT; "
                                                         "nothing here is saved.")
        elif app.settings.org_url:
            self._pat_status(app.settings.org_url)
        self.query_one("#org-url", Input).focus()

    @on(Input.Changed, "#org-url")
    def _validate_url(self, event: Input.Changed) -> None:
        problem = org_url_problem(event.value) if event.value.strip() else None
        box = self.query_one("#org-url-problem", Static)
        box.update(problem or "")
        box.display = problem is not None
        event.input.set_class(problem is not None, "-invalid")

    def action_leave_fields(self) -> None:
        self.set_focus(None)

    def _values(self) -> tuple[str, list[str], str] | None:
        url = self.query_one("#org-url", Input).value.strip()
        problem = org_url_problem(url)
        if problem:
            self._result(False, f"The organization URL is not valid. {problem}")
            return None
        projects = parse_projects(self.query_one("#projects", Input).value)
        if not projects:
            self._result(False, "Enter at least one project name.")
            return None
        return normalize_org_url(url), projects, self.query_one("#pat", Input).value.strip()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        app: Any = self.app
        values = self._values()
        if values is None:
            return
        if app.demo:
            self._result(False, "Demo mode: settings are not saved. Run flowtui without --demo to configure your organization.")
            return
        url, projects, pat = values
        path = app.settings.config_path
        try:
            set_config_value(path, "ado.org_url", url)
            set_config_value(path, "ado.projects", ", ".join(projects))
        except FlowtuiError as exc:
            self._result(False, exc.message)
            return
        app.settings = app.settings.with_values(ado__org_url=url, ado__projects=projects)
        self._result(None if pat else True, f"Saved to {path}." + (" Saving the PAT to the OS keyring…" if pat else ""))
        if pat:
            self.query_one("#pat", Input).value = ""
            self._save_pat(url, pat)

    @work(thread=True, exclusive=True, exit_on_error=False, group="keyring", name="keyring")
    def _save_pat(self, url: str, pat: str) -> None:
        from flowtui.secrets import backend_name, set_pat

        app: Any = self.app
        app.use_keyring_backend()
        try:
            set_pat(url, pat, allow_plaintext=app.settings.auth.allow_plaintext_keyring)
        except SecretStoreError as exc:  # expected on a headless box: said in the form, with the fallback
            self.post_message(ConnectionTested(False, f"Saved the URL and projects to {app.settings.config_path}, "
                                               f"but not the PAT: {exc.message}"))
        else:
            self.post_message(ConnectionTested(True, f"Saved to {app.settings.config_path}; the PAT for {url} is in "
                                               f"the OS keyring ({backend_name()})."))
        self._pat_status(url)

    @work(thread=True, exclusive=True, exit_on_error=False, group="keyring-status", name="keyring")
    def _pat_status(self, url: str) -> None:
        from flowtui.secrets import pat_status

        app: Any = self.app
        app.use_keyring_backend()
        text = pat_status_text(pat_status(url))
        self.app.call_from_thread(self.query_one("#pat-status", Static).update, Text(text))

    @on(Button.Pressed, "#test")
    def action_test_connection(self) -> None:
        values = self._values()
        if values is None:
            return
        self._result(None, "Testing the connection…")
        self._test(*values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="test-connection", name="test connection")
    def _test(self, url: str, projects: list[str], typed_pat: str) -> None:
        from flowtui.sync.connection import connect

        app: Any = self.app
        try:
            if not app.demo:
                app.use_keyring_backend()
            connection = connect(app.settings, demo=app.demo, transport=app.transport, org_url=url, typed_pat=typed_pat)
            names = connection.project_names(app.settings)
        except FlowtuiError as exc:
            self.post_message(ConnectionTested(False, exc.message))
            return
        known = {n.lower() for n in names}
        missing = [p for p in projects if p.lower() not in known]
        used = "" if app.demo else (" with the PAT typed above" if typed_pat else " with the stored PAT")
        if missing:
            self.post_message(ConnectionTested(False, f"Connected to {url}{used} ({len(names)} projects visible), "
                                               f"but these projects were not found: {', '.join(missing)}."))
        else:
            self.post_message(ConnectionTested(True, f"Connected to {url}{used}: {len(names)} projects visible; "
                                               f"all {len(projects)} configured projects found."))

    def show_worker_error(self, worker: Any, error: BaseException) -> None:
        """Saving the PAT or testing the connection failed: say so under the form too."""
        self._result(False, describe_error(error))

    @on(ConnectionTested)
    def _tested(self, message: ConnectionTested) -> None:
        self._result(message.ok, message.text)

    def _result(self, ok: bool | None, text: str) -> None:
        box = self.query_one("#settings-result", Static)
        box.display = True
        mark = "" if ok is None else ("[b green]✓[/] " if ok else "[b red]✗[/] ")
        box.update(mark + text.replace("[", r"\["))
        box.set_class(ok is False, "-error")


__all__ = ["SettingsScreen", "org_url_problem", "parse_projects", "pat_status_text"]
