"""The house rules in code: one org-URL validator, one connection factory, typed settings, the view registry."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from flowtui.config import KEYS, SECTION_TYPES, load_settings
from flowtui.errors import AuthError, ConfigError
from flowtui.orgurl import ORG_URL_RULE, normalize_org_url, org_url_problem, validate_org_url
from flowtui.redact import redact
from flowtui.sync.connection import Connection, connect
from flowtui.views import LEGACY_BINDING_IDS, MAIN_VIEWS, VIEW_TITLES, VIEWS, resolve_keymap


# ---- one org-URL validator ----------------------------------------------------------------------
@pytest.mark.parametrize(("url", "expected"), [
    ("https://dev.azure.com/acme/", "https://dev.azure.com/acme"),
    ("https://acme.visualstudio.com", "https://acme.visualstudio.com"),
    ("http://127.0.0.1:8080/tfs/C", "http://127.0.0.1:8080/tfs/C"),
])
def test_the_validator_accepts_collection_urls_and_drops_the_slash(url: str, expected: str) -> None:
    assert normalize_org_url(url) == expected
    assert validate_org_url(url) == expected
    assert org_url_problem(url) is None


@pytest.mark.parametrize("url", ["https://dev.azure.com", "https://dev.azure.com/a/b", "http://tfs.corp/tfs/C",
                                 "https://tfs.corp", "https://dev.azure.com/acme?x=1", "ftp://x/y", ""])
def test_every_surface_rejects_the_same_urls(url: str) -> None:
    """Config, client/engine and the Settings screen agree, because they call the same function."""
    with pytest.raises(ConfigError):
        validate_org_url(url)
    assert org_url_problem(url) == ORG_URL_RULE
    if url:
        with pytest.raises(ValueError):
            normalize_org_url(url)


def test_a_rejected_url_never_shows_its_credentials() -> None:
    with pytest.raises(ConfigError) as info:
        validate_org_url("https://user:s3cretPAT@dev.azure.com/acme")
    assert "s3cretPAT" not in info.value.message and "***@dev.azure.com/acme" in info.value.message


# ---- one connection factory ---------------------------------------------------------------------
def test_connect_without_an_org_url_is_a_config_error(xdg) -> None:  # noqa: ANN001 - the conftest XdgDirs
    with pytest.raises(ConfigError, match="No organization URL"):
        connect(load_settings())


def test_connect_uses_a_typed_pat_and_the_injected_transport(xdg) -> None:  # noqa: ANN001
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json={"count": 1, "value": [{"name": "Alpha"}]}))
    settings = load_settings(flags={"ado.org_url": "https://dev.azure.com/acme"})
    conn = connect(settings, transport=transport, org_url="https://dev.azure.com/other/", typed_pat="typed-pat-123")
    assert (conn.org_url, conn.pat, conn.transport, conn.demo) == ("https://dev.azure.com/other", "typed-pat-123",
                                                                   transport, False)
    assert "typed-pat-123" not in repr(conn)  # the PAT never reaches a repr (logs, tracebacks)
    assert "typed-pat-123" not in redact("auth typed-pat-123")  # and is registered for redaction
    assert conn.project_names(settings) == ["Alpha"]


def test_connect_reads_the_pat_from_the_environment_when_none_is_typed(xdg, no_keyring, monkeypatch) -> None:  # noqa: ANN001
    settings = load_settings(flags={"ado.org_url": "https://dev.azure.com/acme"})
    with pytest.raises(AuthError):
        connect(settings)
    monkeypatch.setenv("FLOWTUI_PAT", "env-pat-456")
    assert connect(settings).pat == "env-pat-456"


def test_connect_in_demo_mode_uses_the_demo_pat_and_keeps_an_injected_transport(xdg) -> None:  # noqa: ANN001
    from flowtui.demo_mode import DEMO_PAT, demo_org_url

    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    conn = connect(load_settings(), demo=True, transport=transport)
    assert conn == Connection(demo_org_url(), DEMO_PAT, transport, demo=True)


def test_the_client_gets_the_ado_settings(xdg) -> None:  # noqa: ANN001
    settings = load_settings(flags={"ado.org_url": "https://dev.azure.com/acme"}).with_values(ado__timeout_s=7)
    with Connection("https://dev.azure.com/acme", "p", httpx.MockTransport(lambda r: httpx.Response(200))).client(
            settings, max_attempts=2) as client:
        assert client.org_url == "https://dev.azure.com/acme"
        assert client._http.timeout.read == 7  # ado.timeout_s reached the HTTP client


# ---- typed settings -----------------------------------------------------------------------------
def test_typed_sections_cover_every_key_exactly() -> None:
    typed = {f"{section}.{f.name}" for section, cls in SECTION_TYPES.items() for f in dataclasses.fields(cls)}
    assert typed == {k.dotted for k in KEYS}


def test_typed_accessors_read_the_same_values_as_dotted_keys(xdg) -> None:  # noqa: ANN001
    settings = load_settings().with_values(flow__timezone="Europe/Berlin", sync__max_wait_s=42, forecast__seed=9)
    assert settings.flow.timezone == "Europe/Berlin" == settings["flow.timezone"]
    assert settings.sync.max_wait_s == 42 and settings.forecast.seed == 9
    assert settings.ado.api_version == "7.1" and settings.ui.keymap == {} and settings.auth.allow_plaintext_keyring is False


# ---- the view registry --------------------------------------------------------------------------
def test_the_registry_lists_five_main_views_then_sync_and_settings() -> None:
    assert [v.mode for v in MAIN_VIEWS] == ["dashboard", "work_items", "pull_requests", "flow", "forecast"]
    assert [v.mode for v in VIEWS if not v.main] == ["sync", "settings"]
    assert VIEW_TITLES["pull_requests"] == "Pull requests" and MAIN_VIEWS[0].binding_id == "view.dashboard"


def test_the_app_modes_come_from_the_registry() -> None:
    from flowtui.app import FlowApp

    assert list(FlowApp.MODES) == [v.mode for v in VIEWS]
    ids = {b.id for b in FlowApp.BINDINGS if hasattr(b, "id")}
    assert {v.binding_id for v in VIEWS if v.main or v.mode == "settings"} <= ids
    assert set(LEGACY_BINDING_IDS.values()) >= {"app.quit", "sync.cancel", "view.settings"}


def test_old_keymap_ids_are_renamed_and_new_ones_win() -> None:
    assert resolve_keymap({"help": "f1", "view_settings": "f2", "table.next_page": "N"}) == {
        "app.help": "f1", "view.settings": "f2", "table.next_page": "N"}
    assert resolve_keymap({"help": "f1", "app.help": "f9"}) == {"app.help": "f9"}
