"""`flowtui metrics` and `flowtui forecast` against a real store built from hand-made histories."""

from __future__ import annotations

import argparse
import json

import pytest

from flowtui.cli import forecast_cmd, metrics_cmd
from flowtui.errors import UsageError
from flowtui.store import open_store

from metrics_helpers import STATES, at, hist, pr

AS_OF = "2026-11-15T12:00:00Z"
HISTORIES = [
    hist(1, (at(0), "New"), (at(1), "Active"), (at(4), "Closed")),                       # cycle 3, lead 4
    hist(2, (at(0), "New"), (at(2), "Active"), (at(5), "Review"), (at(8), "Closed")),    # cycle 6, lead 8
    hist(3, (at(1), "New"), (at(3), "Active", ["Blocked"])),                             # doing
    hist(4, (at(1), "New"), (at(2), "Active"), (at(3), "Closed"), project="Q"),          # other project
]


@pytest.fixture
def env(tmp_path, monkeypatch):
    for var in ("FLOWTUI_ORG_URL", "FLOWTUI_PROJECTS", "FLOWTUI_CONFIG", "FLOWTUI_DB"):
        monkeypatch.delenv(var, raising=False)
    db = tmp_path / "flowtui.sqlite"
    store = open_store(db)
    with store.transaction():
        store.upsert_state_categories(STATES + [s.__class__("Q", s.work_item_type, s.state, s.category) for s in STATES])
        store.upsert_work_items([h.item for h in HISTORIES])
        store.upsert_revisions([r for h in HISTORIES for r in h.revisions])
        store.upsert_pull_requests([pr(1, at(0), at(1), votes={"u1": 10})])
    store.close()
    return ["--db", str(db), "--config", str(tmp_path / "none.toml")]


def run(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    metrics_cmd.register(sub)
    forecast_cmd.register(sub)
    args = parser.parse_args(argv)
    return args.handler(args)


def test_json_report_is_reproducible_and_filtered(env, capsys):
    assert run(["metrics", "--format", "json", "--as-of", AS_OF, *env]) == 0
    first = capsys.readouterr().out
    assert run(["metrics", "--format", "json", "--as-of", AS_OF, *env]) == 0
    assert capsys.readouterr().out == first  # byte-identical
    doc = json.loads(first)
    # All projects: items 1, 2, 4 done (3 completions), item 3 doing.
    assert doc["counts"]["items"] == 4 and doc["counts"]["completed_in_window"] == 3
    assert run(["metrics", "--format", "json", "--as-of", AS_OF, "--project", "P", *env]) == 0
    only_p = json.loads(capsys.readouterr().out)
    assert only_p["filters"]["projects"] == ["P"]
    assert only_p["counts"]["items"] == 3
    # cycle times of P: [3, 6] → p50 4.5
    assert only_p["cycle_time_days"]["p50"] == 4.5


def test_policy_flags_override_config(env, capsys):
    run(["metrics", "--format", "json", "--as-of", AS_OF, "--cycle-start", "last", "--resolved-is-done", *env])
    doc = json.loads(capsys.readouterr().out)
    assert doc["policy"] == {"cycle_start": "last", "resolved_is_done": True}


def test_explain_prints_the_derivation(env, capsys):
    assert run(["metrics", "--explain", "2", "--as-of", AS_OF, *env]) == 0
    out = capsys.readouterr().out
    assert "started_at   = 2026-11-04T00:00:00Z (rev 2: first move into doing)" in out
    assert "completed_at = 2026-11-10T00:00:00Z (rev 4: last move into done)" in out
    assert "cycle time   = completed_at − started_at = 6.0 d" in out
    run(["metrics", "--explain", "2", "--format", "json", "--as-of", AS_OF, *env])
    doc = json.loads(capsys.readouterr().out)
    assert doc["cycle_time_days"] == 6.0 and doc["started_by"]["rev"] == 2


def test_csv_and_table(env, capsys):
    run(["metrics", "--format", "csv", "--as-of", AS_OF, *env])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "metric,value"
    assert "counts.completed_in_window,3" in lines
    assert "flow_efficiency.mean,0.5" not in lines  # sanity: rows are name,value pairs
    run(["metrics", "--as-of", AS_OF, *env])
    assert "Durations (days)" in capsys.readouterr().out


def test_bad_input_is_a_usage_error(env):
    for argv in (["--as-of", "2026-11-15"], ["--from", "15/11/2026"], ["--from", "2026-11-10", "--to", "2026-11-01"],
                 ["--explain", "abc"], ["--explain", "999"]):
        with pytest.raises(UsageError) as err:
            run(["metrics", *argv, *env])
        assert err.value.exit_code == 2


def test_empty_store_says_run_sync(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("FLOWTUI_PROJECTS", raising=False)
    args = ["--db", str(tmp_path / "empty.sqlite"), "--config", str(tmp_path / "none.toml"), "--as-of", AS_OF]
    assert run(["metrics", *args]) == 0
    assert "no data yet — run sync" in capsys.readouterr().out
    assert run(["forecast", "--days", "10", "--format", "json", *args]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["results"] == [] and doc["reason"].startswith("not enough data")


def test_forecast_flags(env, capsys):
    assert run(["forecast", "--items", "3", "--format", "json", "--as-of", AS_OF, "--trials", "200", "--seed", "5", *env]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["mode"], doc["target"], doc["trials"], doc["seed"]) == ("when", 3, 200, 5)
    # 3 completions in the last 90 days < 5 → no numbers.
    assert doc["results"] == [] and "3 completions" in doc["reason"]
    with pytest.raises(SystemExit):
        run(["forecast", "--items", "0", *env])
    with pytest.raises(SystemExit):
        run(["forecast", *env])  # one of --items/--days is required


def test_report_csv_quotes_a_bare_carriage_return() -> None:
    # A reviewer display name holding a CR must be quoted, or a CSV reader splits the record in two.
    from flowtui.cli.metrics_cmd import report_csv

    text = report_csv({"schema": "s", "pull_requests": {"reviewers": [{"user": "Ann\rLee", "voted": 2}]},
                       "sle": {"percentile": 85, "days": None}, "flag": True})
    assert text == ('metric,value\nschema,s\n"pull_requests.reviewers.Ann\rLee",2\n'
                    "sle.percentile,85\nsle.days,\nflag,true\n")
