"""`FLOWTUI_DEMO_MISBEHAVE`: `flowtui --demo` and `flowtui sync --demo` against a server that misbehaves.

Each misbehaviour ends the way the hardening rules say — one sentence and exit 1, within the wait
budget and a few requests — or, for hostile text, a clean sync whose report shows the text verbatim.
The tiny demo org keeps each run to a second or two.
"""

from __future__ import annotations

import json
import time

import pytest

from flowtui import paths
from flowtui.cli.main import main
from flowtui.demo.hostile import ESCAPE
from flowtui.demo_mode import MISBEHAVIOURS, demo_faults, demo_misbehaviours
from flowtui.errors import ConfigError


@pytest.fixture
def tiny_demo(xdg, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("FLOWTUI_DEMO_SIZE", "tiny")


def test_unknown_misbehaviour_is_refused_naming_the_allowed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWTUI_DEMO_MISBEHAVE", "repeat-token, teleport")
    with pytest.raises(ConfigError, match="'teleport', which is not a misbehaviour; allowed: hostile-text"):
        demo_misbehaviours()


def test_every_misbehaviour_changes_the_demo_server(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = demo_faults()
    for name in MISBEHAVIOURS:
        if name == "hostile-text":
            continue  # changes the organization, not the server
        monkeypatch.setenv("FLOWTUI_DEMO_MISBEHAVE", name)
        assert demo_faults() != plain, name


@pytest.mark.parametrize(("name", "sentence"), [
    ("repeat-token", "repeated the continuation token"),
    ("endless-empty", "batches in a row with no new revisions"),
    ("retry-after-forever", "wait budget"),
])
def test_sync_demo_against_a_misbehaving_server_ends_with_one_sentence(
    tiny_demo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, sentence: str,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("FLOWTUI_DEMO_MISBEHAVE", name)
    started = time.monotonic()
    code = main(["sync", "--demo", "--json"])
    took = time.monotonic() - started
    out, err = capsys.readouterr()
    assert code == 1 and took < 30  # never a hang: the budget or the paging guard stops it
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "failed" and sentence in summary["first_error"]
    assert "Traceback" not in out + err


def test_hostile_text_demo_syncs_into_its_own_store_and_reports_the_text_verbatim(
    tiny_demo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # noqa: ANN001
) -> None:
    monkeypatch.setenv("FLOWTUI_DEMO_MISBEHAVE", "hostile-text")
    assert main(["sync", "--demo"]) == 0
    assert (paths.cache_dir() / "demo-v2-hostile.sqlite").exists()
    assert not (paths.cache_dir() / "demo-v2.sqlite").exists()  # the plain demo's store is never mixed in
    capsys.readouterr()
    assert main(["metrics", "--demo", "--format", "json"]) == 0
    out = capsys.readouterr().out
    reviewers = {r["user"] for r in json.loads(out)["pull_requests"]["reviewers"]}
    assert reviewers & {"John Smith [Contractor]", "Mallory [/oops]", "[link=http://x]y[/link]"}
    assert main(["metrics", "--demo"]) == 0  # the table: markup-like names print as they are
    table = capsys.readouterr().out
    assert "\x1b" not in table and ESCAPE not in table
