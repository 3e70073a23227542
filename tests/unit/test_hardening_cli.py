"""Honest failures (issue #10): bad command-line input exits 2 with the accepted form, the PAT never sits
in a file or a log line, `--verbose` / `--debug` turn on exactly the loggers they promise, and an
insecure TLS setting warns on every run.

Syncs run in-process against the *tiny* simulated organization (no faults), so the module stays fast.
"""

from __future__ import annotations

import base64
import io
import logging
from pathlib import Path
from typing import Any

import pytest

from flowtui import demo_mode, secrets
from flowtui.cli import common
from flowtui.cli.logging_setup import configure_logging, remove_logging
from flowtui.cli.main import build_parser, main
from flowtui.config import load_settings
from flowtui.errors import AuthError, SecretStoreError, UsageError
from flowtui.redact import MASK, redact, register_secret

RANGE = "1970-01-01 to 2199-12-31"
ORG = "https://dev.azure.com/contoso"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tiny_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--demo` serves the tiny simulated org without random faults (a sync takes well under a second)."""
    from flowtui.demo.faults import Faults

    real_overrides, real_transport = demo_mode.demo_overrides, demo_mode.demo_transport
    monkeypatch.setattr(demo_mode, "demo_overrides", lambda size="tiny": real_overrides("tiny"))
    monkeypatch.setattr(demo_mode, "demo_transport", lambda size="tiny", faults=None: real_transport("tiny", faults=Faults()))


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["sync", "--demo", "--since", "0001-01-01"],
    ["sync", "--demo", "--since", "9999-12-31"],
    ["sync", "--demo", "--since", "1969-12-31"],
    ["sync", "--demo", "--since", "0000-01-01"],
    ["metrics", "--from", "0001-01-01"],
    ["metrics", "--from", "9999-12-31"],
    ["metrics", "--to", "2200-01-01"],
    ["metrics", "--as-of", "9999-12-31T23:59:59Z"],
    ["metrics", "--as-of", "0001-01-01T00:00:00Z"],
    ["metrics", "--as-of", "10000-01-01T00:00:00Z"],
    ["export", "out", "--from", "0001-01-01"],
    ["forecast", "--days", "10", "--as-of", "9999-12-31T23:59:59Z"],
], ids=lambda a: " ".join(a))
def test_out_of_range_dates_exit_2_with_format_and_range(argv: list[str], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*argv, "--db", str(tmp_path / "s.sqlite")], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err and "Overflow" not in err
    assert RANGE in err and ("YYYY-MM-DD" in err)
    assert not (tmp_path / "s.sqlite").exists()  # rejected before any store is opened


def test_the_edges_of_the_range_compute_without_overflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert common.parse_day("1970-01-01") is not None and common.parse_day("2199-12-31") is not None
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):  # the extreme offsets push day boundaries past the edges
        code, out, err = run(["metrics", "--db", str(tmp_path / "s.sqlite"), "--format", "json", "--timezone", zone,
                              "--from", "1970-01-01", "--as-of", "2199-12-31T23:59:59Z"], capsys)
        assert code == 0, err
        assert '"from":"1970-01-01"' in out.replace(" ", "")


@pytest.mark.parametrize("text", ["9" * 5000, "\u0663", "12345678901", "-1", "0x10"])
def test_explain_takes_ascii_ids_only(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["metrics", "--db", str(tmp_path / "s.sqlite"), "--explain", text], capsys)
    assert code == 2 and "is not a work item id" in err and "Traceback" not in err


def test_non_ascii_digits_are_not_dates() -> None:
    with pytest.raises(UsageError, match="is not a date"):
        common.parse_day("\uff12\uff10\uff12\uff16-01-01")


def test_parse_helpers_name_the_range() -> None:
    with pytest.raises(UsageError, match="out of range; use YYYY-MM-DD from 1970-01-01 to 2199-12-31"):
        common.parse_day("2200-01-01", "--to")
    with pytest.raises(UsageError, match="out of range; use YYYY-MM-DDTHH:MM:SSZ from 1970-01-01"):
        common.parse_as_of("1969-12-31T23:59:59Z")


# --- forecast bounds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["--days", "0"], ["--days", "3651"], ["--days", "-1"], ["--days", "1e3"], ["--days", "9" * 5000],
    ["--items", "0"], ["--items", "100001"], ["--items", "99999999999999999999"],
])
def test_forecast_targets_are_bounded(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["forecast", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "from 1 to" in err and "Traceback" not in err


def test_forecast_accepts_the_largest_targets() -> None:
    parser = build_parser()
    assert parser.parse_args(["forecast", "--days", "3650"]).days == 3650
    assert parser.parse_args(["forecast", "--items", "100000"]).items == 100000


def test_the_engine_refuses_targets_past_the_bounds() -> None:
    from flowtui.metrics.forecast import how_many_totals, when_days

    with pytest.raises(UsageError, match="from 1 to 3650"):
        how_many_totals([1, 2], 3651, 100, 1)
    with pytest.raises(UsageError, match="from 1 to 100000"):
        when_days([1, 2], 100_001, 100, 1)


# --- project names ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [".", "..", " .. ", "", "   ", "a/b", "a\\b", "Web\x1b]0;pwned\x07", "tab\there",
                                  "del\x7f", "c1\x9b"])
def test_bad_project_names_exit_2(name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["metrics", "--db", str(tmp_path / "s.sqlite"), "--project", name], capsys)
    assert code == 2
    assert "ado.projects" in err and "not . or .." in err and "Traceback" not in err
    assert "\x1b" not in err.replace("\\x1b", "")  # the name is shown escaped (repr), never raw


def test_bad_project_names_from_env_and_config(tmp_path: Path) -> None:
    from flowtui.errors import ConfigError

    with pytest.raises(ConfigError, match="FLOWTUI_PROJECTS"):
        load_settings(config=tmp_path / "c.toml", env={"FLOWTUI_PROJECTS": "Web,.."})
    (tmp_path / "c.toml").write_text('[ado]\nprojects = ["Web", "."]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="c.toml"):
        load_settings(config=tmp_path / "c.toml", env={})


def test_real_project_names_are_accepted(tmp_path: Path) -> None:
    names = ["Fabrikam Web", "R&D (2024)", "Übersicht", "a.b", ".NET Core", "Team #1?"]
    settings = load_settings(config=tmp_path / "c.toml", env={}, flags={"ado.projects": names})
    assert settings.projects == names


# --- FLOWTUI_PAT -------------------------------------------------------------------------------------


def test_flowtui_pat_is_stripped(no_keyring: Any) -> None:
    assert secrets.get_pat(ORG, env={"FLOWTUI_PAT": "  abc123\r\n"}) == "abc123"
    assert secrets.pat_status(ORG, env={"FLOWTUI_PAT": "\tabc123\n"}).source == "env FLOWTUI_PAT"


@pytest.mark.parametrize("value", ["", " ", "\n", " \t\r\n "])
def test_a_blank_flowtui_pat_is_no_pat(no_keyring: Any, value: str) -> None:
    with pytest.raises(AuthError, match="No PAT is stored"):
        secrets.get_pat(ORG, env={"FLOWTUI_PAT": value})
    assert secrets.pat_status(ORG, env={"FLOWTUI_PAT": value}).source is None


# --- keyring backends that keep secrets in files -----------------------------------------------------


def test_a_plaintext_backend_is_refused(plaintext_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWTUI_ALLOW_PLAINTEXT_KEYRING", raising=False)
    with pytest.raises(SecretStoreError) as info:
        secrets.set_pat(ORG, "s3cret-pat")
    message = info.value.message
    assert "keyrings.alt.file.PlaintextKeyring" in message and "FLOWTUI_PAT" in message
    assert "auth.allow_plaintext_keyring" in message and "s3cret-pat" not in message
    assert plaintext_keyring.passwords == {}


@pytest.mark.parametrize(("allow", "env"), [(True, {}), (False, {"FLOWTUI_ALLOW_PLAINTEXT_KEYRING": "1"})])
def test_the_explicit_opt_in_stores_it(plaintext_keyring: Any, allow: bool, env: dict[str, str]) -> None:
    secrets.set_pat(ORG, "s3cret-pat", allow_plaintext=allow, env=env)
    assert plaintext_keyring.passwords == {("flowtui", ORG): "s3cret-pat"}


def test_a_chain_holding_a_file_backend_is_refused(monkeypatch: pytest.MonkeyPatch, fake_keyring: Any) -> None:
    import keyring
    from keyring import backend as kb
    from keyring.backends.chainer import ChainerBackend

    safe = fake_keyring("SecretServiceLike", "keyring.backends.SecretService")
    encrypted = fake_keyring("EncryptedKeyring", "keyrings.alt.file")
    monkeypatch.setattr(kb, "get_all_keyring", lambda: [safe, encrypted])
    previous = keyring.get_keyring()
    keyring.set_keyring(ChainerBackend())
    try:
        assert secrets.file_backends(keyring.get_keyring()) == ["keyrings.alt.file.EncryptedKeyring"]
        with pytest.raises(SecretStoreError, match="EncryptedKeyring keeps secrets in a plain file"):
            secrets.set_pat(ORG, "s3cret-pat", env={})
    finally:
        keyring.set_keyring(previous)
    assert safe.passwords == {} and encrypted.passwords == {}


def test_auth_set_refuses_then_honours_the_config_opt_in(plaintext_keyring: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[ado]\norg_url = "{ORG}"\n', encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pat\n"))
    code, out, err = run(["auth", "set", "--config", str(config)], capsys)
    assert code == 1 and "FLOWTUI_PAT" in err and plaintext_keyring.passwords == {}
    code, out, err = run(["auth", "status", "--config", str(config)], capsys)
    assert "keeps secrets in plain files" in out
    config.write_text(f'[ado]\norg_url = "{ORG}"\n\n[auth]\nallow_plaintext_keyring = true\n', encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pat\n"))
    code, out, err = run(["auth", "set", "--config", str(config)], capsys)
    assert code == 0, err
    assert plaintext_keyring.passwords == {("flowtui", ORG): "s3cret-pat"}


# --- logging: --verbose, --debug, redaction -----------------------------------------------------------


def test_verbose_is_flowtui_only_and_debug_adds_http_and_sql() -> None:
    stream = io.StringIO()
    handler = configure_logging(verbose=True, stream=stream)
    try:
        assert logging.getLogger("flowtui.sync").isEnabledFor(logging.DEBUG)
        for name in ("httpx", "httpcore.http11", "peewee", "asyncio"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        handler = configure_logging(debug=True, stream=stream)
        for name in ("flowtui.ado", "httpx", "httpcore.connection", "peewee"):
            assert logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        assert not logging.getLogger("asyncio").isEnabledFor(logging.INFO)
    finally:
        remove_logging(handler)
    assert not logging.getLogger("flowtui").isEnabledFor(logging.INFO)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


def test_the_filter_hides_the_pat_its_base64_and_authorization_headers() -> None:
    pat = "pat-" + "x7Q" * 12
    basic = base64.b64encode(f":{pat}".encode()).decode()
    register_secret(pat)
    stream = io.StringIO()
    handler = configure_logging(debug=True, stream=stream)
    try:
        log = logging.getLogger("httpcore.http11")
        log.debug("send_request_headers.started headers=%r", [(b"Authorization", f"Basic {basic}".encode())])
        logging.getLogger("httpx").debug("Authorization: Bearer eyJhbGciOi.payload.sig")
        logging.getLogger("flowtui.ado").debug("token %s and %s", pat, basic.rstrip("="))
        try:
            raise RuntimeError(f"failed with {pat}")
        except RuntimeError:
            logging.getLogger("flowtui.sync").exception("boom")
    finally:
        remove_logging(handler)
    text = stream.getvalue()
    assert pat not in text and basic not in text and basic.rstrip("=") not in text and "eyJhbGciOi" not in text
    assert "headers=[headers hidden]" in text and f"DEBUG httpx: Authorization: {MASK}" in text
    assert f"token {MASK} and {MASK}" in text and f"failed with {MASK}" in text and "Traceback" in text
    assert redact("Basic OmRlbW8tcGF0") == f"Basic {MASK}"
    assert redact("{'authorization': 'Basic OmRlbW8tcGF0'}") == f"{{'authorization': '{MASK}'}}"


@pytest.mark.parametrize(("flag", "http_logged"), [("--debug", True), ("--verbose", False)])
def test_a_demo_sync_with_debug_never_prints_the_pat(tiny_demo: None, tmp_path: Path, flag: str, http_logged: bool,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--demo", "sync", flag, "--db", str(tmp_path / "s.sqlite")], capsys)
    assert code == 0, err[-2000:]
    assert "DEBUG flowtui." in err  # flowtui's own loggers talk in both modes
    assert (" httpx: HTTP Request" in err) is http_logged
    assert ("DEBUG peewee:" in err) is http_logged
    pat = demo_mode.DEMO_PAT
    for secret in (pat, base64.b64encode(f":{pat}".encode()).decode().rstrip("="),
                   base64.b64encode(pat.encode()).decode().rstrip("=")):
        assert secret not in err and secret not in out


def test_debug_against_a_real_http_server_prints_no_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], no_keyring: Any) -> None:
    """A loopback server answers 401 with a Set-Cookie: the httpcore trace is on, its header lists are not."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(401)
            self.send_header("Set-Cookie", "session=COOKIE-VALUE-42")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    pat = "loopback-pat-" + "Zq9" * 10
    monkeypatch.setenv("FLOWTUI_PAT", f"  {pat}\n")
    try:
        code, out, err = run(["sync", "--debug", "--org-url", f"http://127.0.0.1:{server.server_address[1]}/tfs/Coll",
                              "--project", "P", "--db", str(tmp_path / "s.sqlite")], capsys)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1 and "rejected the personal access token" in err
    assert "DEBUG httpcore.http11: receive_response_headers.complete" in err and "[headers hidden]" in err
    assert "COOKIE-VALUE-42" not in err and "Set-Cookie" not in err
    basic = base64.b64encode(f":{pat}".encode()).decode()
    assert pat not in err + out and basic not in err and basic.rstrip("=") not in err


# --- verify_tls = false -------------------------------------------------------------------------------


def test_insecure_tls_warns_once_per_sync(tiny_demo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[ado]\nverify_tls = false\n", encoding="utf-8")
    for _ in range(2):  # every run, once
        code, out, err = run(["--demo", "sync", "--config", str(config), "--db", str(tmp_path / "s.sqlite")], capsys)
        assert code == 0, err
        assert err.count("TLS certificate verification is off") == 1
        assert f"from file {config}" in err and "ado.ca_bundle" in err
    config.write_text("[ado]\nverify_tls = true\n", encoding="utf-8")
    code, out, err = run(["--demo", "sync", "--config", str(config), "--db", str(tmp_path / "s.sqlite")], capsys)
    assert "TLS" not in err
