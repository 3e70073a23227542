"""Issue #10, family "waits", at the CLI: `flowtui sync` against a hostile loopback server.

A real HTTP server on 127.0.0.1 answers every request with a 429 (or a 200) carrying a chosen
Retry-After, or holds every request without answering (bounded: it lets go after `HOLD_S` or when
the test ends). The console script runs as a subprocess for Ctrl+C (SIGINT) and in-process through
`main()` for the table of bad headers. Times are measured with time.monotonic, with wide margins.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flowtui.cli.main import main
from flowtui.store import open_store

HOLD_S = 20.0  # a held request is let go after this long at most
BUDGET_MESSAGE = "wait budget"


class Hostile(ThreadingHTTPServer):
    """mode: "429" (throttled with `retry_after`), "200" (an empty list with `retry_after`) or "hang"."""

    daemon_threads = True

    def __init__(self, mode: str, retry_after: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode, self.retry_after = mode, retry_after
        self.hits = 0
        self.release = threading.Event()

    @property
    def org_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/org"


class _Handler(BaseHTTPRequestHandler):
    server: Hostile

    def _answer(self) -> None:
        self.server.hits += 1
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.server.mode == "hang":
            self.server.release.wait(HOLD_S)
            return  # the connection closes without an answer
        if self.server.mode == "429":
            status, body = 429, {"$id": "1", "message": "TF400733: The request has been canceled: Request was blocked.",
                                 "typeKey": "RequestBlockedException", "errorCode": 0, "eventId": 3000}
        else:
            status, body = 200, {"count": 0, "value": []}
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Retry-After", self.server.retry_after)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def hostile() -> Iterator[object]:
    servers: list[Hostile] = []

    def start(mode: str, retry_after: str = "30") -> Hostile:
        server = Hostile(mode, retry_after)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def pat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWTUI_PAT", "cli-pat-0123456789")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


def _argv(server: Hostile, tmp_path: Path) -> list[str]:
    return ["sync", "--org-url", server.org_url, "--project", "Proj", "--db", str(tmp_path / "s.sqlite"),
            "--config", str(tmp_path / "none.toml")]


def _last_run(tmp_path: Path) -> str:
    with open_store(tmp_path / "s.sqlite") as store:
        return store.sync_runs(1)[0].status


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # even when the test runner was started with SIGINT ignored


@pytest.mark.parametrize("mode", ["429", "hang"])
def test_ctrl_c_during_a_long_wait_or_a_hanging_request_exits_130_at_once(
        mode: str, hostile, pat_env: None, tmp_path: Path) -> None:  # noqa: ANN001
    server = hostile(mode, "30")  # 429: "come back in 30 s"; hang: no answer for 20 s
    script = Path(sys.executable).parent / "flowtui"
    proc = subprocess.Popen([str(script), *_argv(server, tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 30
        while server.hits == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert server.hits >= 1, "flowtui never reached the server"
        time.sleep(0.5)  # now inside the throttle wait / the request in flight
        assert proc.poll() is None
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
        took = time.monotonic() - interrupted
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    assert took < 3.0  # the interpreter's own exit included; not the 30 s / 20 s the server asked for
    assert "Traceback" not in err and "cancelled" in err
    assert "cli-pat-0123456789" not in err
    assert _last_run(tmp_path) == "cancelled"


def test_a_year_9999_retry_after_ends_the_cli_with_one_sentence(hostile, pat_env: None, tmp_path: Path) -> None:  # noqa: ANN001
    server = hostile("429", "Fri, 31 Dec 9999 23:59:59 GMT")
    script = Path(sys.executable).parent / "flowtui"
    started = time.monotonic()
    proc = subprocess.run([str(script), *_argv(server, tmp_path)], capture_output=True, text=True, timeout=60,
                          preexec_fn=_default_sigint)
    assert proc.returncode == 1 and time.monotonic() - started < 30
    assert "Traceback" not in proc.stderr and "OverflowError" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("flowtui: sync failed") and BUDGET_MESSAGE in last
    assert server.hits == 1  # it neither slept nor asked again
    assert _last_run(tmp_path) == "failed"


@pytest.mark.parametrize("mode", ["429", "200"])
@pytest.mark.parametrize("raw", ["1000000000", "inf", "nan", "-5", "soon", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_bad_retry_after_through_main_exits_1_within_the_budget(
        mode: str, raw: str, hostile, pat_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    server = hostile(mode, raw)
    started = time.monotonic()
    code = main(_argv(server, tmp_path))
    took = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 1 and took < 10
    assert "Traceback" not in err
    failures = [line for line in err.splitlines() if line.startswith("flowtui:")]
    assert len(failures) == 1 and BUDGET_MESSAGE in failures[0]
    assert server.hits <= 2  # one request, or (on a 200) the one whose answer carried the header and no more
    assert _last_run(tmp_path) == "failed"


def test_sync_max_wait_s_is_a_documented_config_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    assert main(["config", "set", "sync.max_wait_s", "120", "--config", str(config)]) == 0
    assert "max_wait_s = 120" in config.read_text()
    assert main(["config", "set", "sync.max_wait_s", "-1", "--config", str(config)]) == 2
    assert "0 to 86400" in capsys.readouterr().err
