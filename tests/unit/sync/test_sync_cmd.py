"""`flowtui sync` command: flags, JSON summary line, plain progress lines, exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import flowtui.sync
from flowtui.cli import sync_cmd
from flowtui.errors import UsageError
from flowtui.store import open_store
from flowtui.sync.progress import SyncProgress

from .mini_server import ORG_URL, MiniAdo, rev


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="flowtui")
    sync_cmd.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MiniAdo:
    server = MiniAdo([rev(1, 1, "New", "2026-11-01T10:00:00Z")])
    real = flowtui.sync.run_sync
    monkeypatch.setattr(flowtui.sync, "run_sync", lambda *a, **kw: real(*a, **{**kw, "transport": server.transport}))
    monkeypatch.setenv("FLOWTUI_PAT", "cli-pat")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for var in ("FLOWTUI_ORG_URL", "FLOWTUI_PROJECTS", "FLOWTUI_DB", "FLOWTUI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    return server


def _argv(tmp_path: Path, *extra: str, project: str = "Proj") -> list[str]:
    return ["sync", "--org-url", ORG_URL, "--project", project, "--db", str(tmp_path / "s.sqlite"),
            "--config", str(tmp_path / "none.toml"), *extra]


def test_flags_are_parsed() -> None:
    args = _parse(["sync", "--since", "2026-01-01", "--full", "--only", "prs", "--json"])
    assert (args.since, args.full, args.only, args.json) == ("2026-01-01", True, "prs", True)
    assert args.handler is sync_cmd.run


def test_json_summary_line_and_exit_0(tmp_path: Path, cli_env: MiniAdo, capsys: pytest.CaptureFixture[str]) -> None:
    code = sync_cmd.run(_parse(_argv(tmp_path, "--json", "--since", "2026-01-01")))
    out, err = capsys.readouterr()
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["status"] == "success" and summary["revisions"] == 1 and summary["schema"] == "flowtui.sync/1"
    assert "sync:" in err  # plain progress lines: stderr is not a TTY here
    assert "cli-pat" not in out + err


def test_the_store_named_by_the_environment_gets_the_sync(tmp_path: Path, cli_env: MiniAdo, store_target: Path | str,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A pipeline names the store in its environment: FLOWTUI_DB_URL (PostgreSQL) or FLOWTUI_DB (SQLite)."""
    monkeypatch.setenv("FLOWTUI_DB_URL" if isinstance(store_target, str) else "FLOWTUI_DB", str(store_target))
    argv = ["sync", "--org-url", ORG_URL, "--project", "Proj", "--config", str(tmp_path / "none.toml"), "--json",
            "--since", "2026-01-01"]
    assert sync_cmd.run(_parse(argv)) == 0
    assert json.loads(capsys.readouterr().out)["revisions"] == 1
    with open_store(store_target) as store:
        assert [(r.rev, r.state) for r in store.revisions_for(1)] == [(1, "New")]
        assert [r.status for r in store.sync_runs()] == ["success"]


def test_failed_project_exits_1_with_one_sentence(tmp_path: Path, cli_env: MiniAdo, capsys: pytest.CaptureFixture[str]) -> None:
    code = sync_cmd.run(_parse(_argv(tmp_path, project="Nope")))
    _, err = capsys.readouterr()
    assert code == 1
    assert "sync failed (project Nope)" in err and "'Nope'" in err


def test_bad_since_is_a_usage_error(tmp_path: Path, cli_env: MiniAdo) -> None:
    with pytest.raises(UsageError) as info:
        sync_cmd.run(_parse(_argv(tmp_path, "--since", "23/11/2026")))
    assert info.value.exit_code == 2 and "YYYY-MM-DD" in str(info.value)


def test_plain_display_rate_limits_stream_lines() -> None:
    lines: list[str] = []
    clock = iter([0.0, 0.5, 1.2, 1.3, 1.4]).__next__
    display = sync_cmd.PlainDisplay(lines.append, clock=clock)
    for n in range(4):
        display.update(SyncProgress(stage="work_items", project="P", stream="work_items", done=n, message=f"{n} revisions"))
    display.update(SyncProgress(stage="throttled", message="throttled, resuming in 3 s", throttle_wait_s=3))
    # events at t=0 and t=1.2 print (≥ 1 s apart); 0.5 and 1.3 are dropped; the first throttle line prints
    assert [line.split(" (")[0] for line in lines] == ["sync: [P] 0 revisions", "sync: [P] 2 revisions", "sync: throttled, resuming in 3 s"]


def test_plain_display_prints_one_line_for_a_pause_every_worker_reports() -> None:
    # Four workers wait through the same Retry-After and each reports it at t=5.0 → one line;
    # the next pause, 2 s later, prints again.
    lines: list[str] = []
    clock = iter([5.0, 5.0, 5.0, 5.0, 7.0]).__next__
    display = sync_cmd.PlainDisplay(lines.append, clock=clock)
    for _ in range(5):
        display.update(SyncProgress(stage="throttled", message="throttled, resuming in 1 s", throttle_wait_s=1))
    assert len(lines) == 2


def test_rich_display_shows_a_live_throttle_countdown() -> None:
    from rich.console import Console

    now = {"t": 100.0}
    display = sync_cmd.RichDisplay(clock=lambda: now["t"])
    console = Console(record=True, width=160, force_terminal=False)
    display.update(SyncProgress(stage="work_items", project="P", stream="work_items", done=40, requests=3))
    display.update(SyncProgress(stage="throttled", project="P", message="throttled, resuming in 10 s", throttle_wait_s=10, requests=3))
    now["t"] = 104.0  # 4 s later the countdown says 6 s (10 - 4), without any new event
    console.print(display.board)
    text = console.export_text()
    assert "throttled, resuming in 6 s" in text
    assert "P · work items" in text and "40 revisions" in text
