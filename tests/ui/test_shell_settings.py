"""Pilot tests of the Settings screen: URL validation, saving (config file + keyring), test connection."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from flowtui.demo_mode import DEMO_PAT
from flowtui.screens.settings import org_url_problem, parse_projects
from shell_support import open_settings, settle

SIZE = (120, 40)


def result_text(app: Any) -> str:
    return str(app.screen.query_one("#settings-result", Static).render())


def test_org_url_rules() -> None:
    assert org_url_problem("https://dev.azure.com/contoso") is None
    assert org_url_problem("https://contoso.visualstudio.com") is None
    assert org_url_problem("https://tfs.corp/tfs/DefaultCollection") is None
    assert org_url_problem("http://localhost:8080/tfs/Default") is None
    assert org_url_problem("http://tfs.corp/tfs/Default") is not None  # http only for loopback
    assert org_url_problem("https://dev.azure.com") is not None  # no organization
    assert org_url_problem("contoso") is not None
    assert parse_projects(" Fabrikam Web, ,Contoso ") == ["Fabrikam Web", "Contoso"]


async def test_invalid_url_is_flagged_and_not_saved(make_shell_app: Any, fresh_store: Any,
                                                   shell_settings: Any) -> None:
    app = make_shell_app(fresh_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#org-url", Input).value = "http://tfs.corp/tfs/Default"
        await pilot.pause()
        assert app.screen.query_one("#org-url-problem").display
        assert app.screen.query_one("#org-url", Input).has_class("-invalid")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not valid" in result_text(app)
    assert not shell_settings.config_path.exists()


async def test_save_writes_config_and_pat(make_shell_app: Any, fresh_store: Any, shell_settings: Any,
                                         memory_keyring: Any) -> None:
    app = make_shell_app(fresh_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        screen = app.screen
        screen.query_one("#org-url", Input).value = "https://dev.azure.com/fabrikam/"
        screen.query_one("#projects", Input).value = "Web, Mobile App"
        pat_field = screen.query_one("#pat", Input)
        assert pat_field.password is True
        pat_field.value = "secret-pat-123"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pat_field.value == ""  # the typed PAT does not linger in the widget
        assert app.settings.org_url == "https://dev.azure.com/fabrikam"
        assert app.settings.projects == ["Web", "Mobile App"]
        assert "keyring" in result_text(app)
    written = tomllib.loads(Path(shell_settings.config_path).read_text(encoding="utf-8"))
    assert written["ado"] == {"org_url": "https://dev.azure.com/fabrikam", "projects": ["Web", "Mobile App"]}
    assert "secret-pat-123" not in Path(shell_settings.config_path).read_text(encoding="utf-8")
    assert memory_keyring.passwords == {("flowtui", "https://dev.azure.com/fabrikam"): "secret-pat-123"}


async def test_test_connection_success(make_shell_app: Any, fresh_store: Any, tiny_sim: Any) -> None:
    app = make_shell_app(fresh_store, transport=tiny_sim.transport)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#pat", Input).value = DEMO_PAT
        await pilot.press("ctrl+t")
        await settle(pilot)
        text = result_text(app)
        # the tiny org has exactly the two configured projects
        assert "✓" in text and "2 projects visible" in text and "all 2 configured projects found" in text


async def test_test_connection_names_missing_project(make_shell_app: Any, fresh_store: Any, tiny_sim: Any) -> None:
    app = make_shell_app(fresh_store, transport=tiny_sim.transport)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#projects", Input).value = "Fabrikam Web, Nope"
        app.screen.query_one("#pat", Input).value = DEMO_PAT
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert "✗" in result_text(app) and "Nope" in result_text(app)


async def test_test_connection_rejected_pat(make_shell_app: Any, fresh_store: Any, tiny_sim: Any,
                                           shell_settings: Any) -> None:
    app = make_shell_app(fresh_store, transport=tiny_sim.transport)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#pat", Input).value = "wrong-" + DEMO_PAT
        await pilot.press("ctrl+t")
        await settle(pilot)
        text = result_text(app)
        assert "✗" in text and shell_settings.org_url in text
        assert "wrong-" not in text  # the PAT never appears in a message


async def test_demo_mode_saves_nothing(make_shell_app: Any, fresh_store: Any, tiny_sim: Any,
                                      shell_settings: Any, memory_keyring: Any) -> None:
    app = make_shell_app(fresh_store, transport=tiny_sim.transport, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.switch_mode("settings")
        await settle(pilot)
        app.screen.query_one("#pat", Input).value = "anything"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Demo mode" in result_text(app)
    assert not shell_settings.config_path.exists()
    assert memory_keyring.passwords == {}
