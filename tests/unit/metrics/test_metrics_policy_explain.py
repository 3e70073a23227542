"""FlowPolicy from settings and flags; the explain derivation; CFD per state; CSV rendering."""

from __future__ import annotations

from datetime import date

import pytest

from flowtui.cli.metrics_cmd import report_csv
from flowtui.config import load_settings
from flowtui.errors import ConfigError
from flowtui.metrics import FlowPolicy, analyse, explain_item, explain_lines
from flowtui.metrics import flow as fm

from metrics_helpers import STATES, at, hist


def test_policy_from_config_file_and_flags(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[flow]\ncycle_start = "last"\nresolved_is_done = true\ntimezone = "Europe/Berlin"\n'
                   'percentiles = [95, 50]\n[flow.state_overrides]\n"Parked" = "wait"\n'
                   '[forecast]\ntrials = 500\nseed = 9\n', encoding="utf-8")
    settings = load_settings(config=cfg, env={})
    p = FlowPolicy.from_settings(settings)
    assert (p.cycle_start, p.resolved_is_done, p.timezone) == ("last", True, "Europe/Berlin")
    assert p.percentiles == (50, 95) and p.overrides == {"Parked": "wait"}
    assert (p.trials, p.seed, p.history_days) == (500, 9, 90)
    flagged = FlowPolicy.from_settings(settings, cycle_start="first", resolved_is_done=False, timezone=None)
    assert (flagged.cycle_start, flagged.resolved_is_done, flagged.timezone) == ("first", False, "Europe/Berlin")
    with pytest.raises(ConfigError):
        FlowPolicy.from_settings(settings, timezone="Mars/Olympus")


def test_explain_names_the_revisions_behind_each_value():
    h = hist(7, (at(0), "New"), (at(1), "Active"), (at(2), "Active", ["Blocked"]), (at(3), "Active"),
             (at(4), "Closed"), (at(5), "Active"), (at(6), "Closed"))
    a = analyse([h], STATES, FlowPolicy(), at(10))
    doc = explain_item(a.flow(7), a.policy)
    assert doc["started_by"] == {"rev": 2, "at": "2026-11-03T00:00:00Z", "from_state": "New", "to_state": "Active",
                                 "from_bucket": "todo", "to_bucket": "doing"}
    assert doc["completed_by"]["rev"] == 7 and doc["reopened_by"][0]["rev"] == 6
    # cycle 6 − 1 = 5; lead 6; blocked d2..d3 = 1. Segments: Active d1–2, Active+blocked d2–3,
    # Active d3–4, Closed d4–5, Active d5–6 → Active 4, Closed 1; active (not blocked) 3 → 3/5 = 0.6.
    assert (doc["cycle_time_days"], doc["lead_time_days"], doc["blocked_days"]) == (5.0, 6.0, 1.0)
    assert doc["time_in_state_days"] == {"Active": 4.0, "Closed": 1.0}
    assert doc["flow_efficiency"] == 0.6
    assert doc["blocked_intervals"] == [["2026-11-04T00:00:00Z", "2026-11-05T00:00:00Z"]]
    text = "\n".join(explain_lines(a.flow(7), a.policy))
    assert "reopened     = rev 6 (Closed → Active)" in text
    assert "flow efficiency = active 3.0 d / cycle 5.0 d = 60%" in text


def test_cfd_per_state_and_bucket():
    hs = [hist(1, (at(0), "New"), (at(1), "Active"), (at(2, 12), "Closed")),
          hist(2, (at(1, 6), "New"), (at(2, 6), "Removed"), (at(3, 6), "New"))]
    a = analyse(hs, STATES, FlowPolicy(), at(5))
    days = [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)]
    # End of 11-02: #1 New. 11-03: #1 Active, #2 New. 11-04: #1 Closed, #2 Removed (not counted).
    # 11-05: #1 Closed, #2 New again.
    assert fm.cfd(a.live, days, a.policy.tz) == [
        (days[0], {"todo": 1, "doing": 0, "done": 0}), (days[1], {"todo": 1, "doing": 1, "done": 0}),
        (days[2], {"todo": 0, "doing": 0, "done": 1}), (days[3], {"todo": 1, "doing": 0, "done": 1})]
    per_state = fm.cfd(a.live, days, a.policy.tz, by_state=True)
    assert per_state[1][1] == {"Active": 1, "Closed": 0, "New": 1}
    assert per_state[2][1] == {"Active": 0, "Closed": 1, "New": 0}  # removed states are left out


def test_report_csv_rows():
    doc = {"schema": "s", "window": {"from": "2026-01-01"}, "throughput": {"weekly": [{"week": "2026-W01", "count": 3}]},
           "trends": {"weeks": ["2026-W01"], "wip": [4], "age_p85": [None]},
           "pull_requests": {"reviewers": [{"user": "Ann, B", "voted": 2, "approved": 1, "rejected": 0}]},
           "flow_efficiency": {"reason": None}}
    assert report_csv(doc).splitlines() == [
        "metric,value", "schema,s", "window.from,2026-01-01", "throughput.weekly.2026-W01,3",
        "trends.wip.2026-W01,4", "trends.age_p85.2026-W01,",
        '"pull_requests.reviewers.Ann, B.voted",2', '"pull_requests.reviewers.Ann, B.approved",1',
        '"pull_requests.reviewers.Ann, B.rejected",0', "flow_efficiency.reason,"]
