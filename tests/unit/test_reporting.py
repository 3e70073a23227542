"""The shared report loader: leaving settled items out of the read must not change a single byte.

`load_inputs(every_item=False)` counts done/removed items unchanged since `settle_cutoff` in SQL
instead of loading them; `every_item=True` loads everything. Both must give the same report JSON for
any as_of, window and policy — and the first must really leave items out, or it saves nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flowtui.demo import generate_org
from flowtui.domain import ItemFilter, StateCategory, WorkItem, WorkItemHistory, Revision
from flowtui.metrics import FlowPolicy, build_report, dumps, settle_cutoff, settled_states
from flowtui.reporting import load_inputs, report_from
from flowtui.store import open_store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):
    org = generate_org(seed=7, size="default", now=NOW)
    store = open_store(tmp_path_factory.mktemp("reporting") / "s.sqlite")
    histories = org.histories()
    with store.transaction():
        store.upsert_state_categories(org.state_categories())
        store.upsert_work_items([h.item for h in histories])
        store.upsert_revisions([r for h in histories for r in h.revisions])
        store.upsert_pull_requests(org.domain_pull_requests())
    yield store
    store.close()


CASES = [
    (NOW, None, None, FlowPolicy()),
    (NOW, date(2026, 10, 1), date(2026, 10, 31), FlowPolicy()),
    (NOW - timedelta(days=40), None, None, FlowPolicy(cycle_start="last", resolved_is_done=True)),
    (NOW, date(2026, 11, 20), None, FlowPolicy(timezone="Europe/Berlin", history_days=30)),
]


@pytest.mark.parametrize(("as_of", "window_from", "window_to", "policy"), CASES)
def test_settled_shortcut_gives_the_same_report(demo_store, as_of, window_from, window_to, policy) -> None:
    kwargs = dict(as_of=as_of, window_from=window_from, window_to=window_to)
    full = load_inputs(demo_store, policy, ItemFilter(), every_item=True, **kwargs)
    lean = load_inputs(demo_store, policy, ItemFilter(), every_item=False, **kwargs)
    assert report_from(lean).to_json() == report_from(full).to_json()
    # The shortcut must actually have skipped items, and counted each one it skipped.
    assert sum(lean.analysis.settled.values()) > 0
    assert len(lean.analysis.flows) + sum(lean.analysis.settled.values()) == len(full.analysis.flows)


def test_count_settled_matches_a_hand_count(demo_store) -> None:
    policy = FlowPolicy()
    states = demo_store.state_categories()
    cutoff = settle_cutoff(policy, NOW)
    done_states = settled_states(states, policy)
    bucket_of = {(p, t, s): b for p, t, s, b in done_states}
    expected: dict[str, int] = {}
    for h in demo_store.work_item_histories():
        w = h.item
        b = bucket_of.get((w.project, w.type, w.state))
        if b is not None and w.changed_at < cutoff:
            expected[b] = expected.get(b, 0) + 1
    assert demo_store.count_settled(None, settled_before=cutoff, settled_states=done_states) == expected
    kept = demo_store.work_item_histories(settled_before=cutoff, settled_states=done_states)
    assert all(bucket_of.get((h.item.project, h.item.type, h.item.state)) is None or h.item.changed_at >= cutoff
               for h in kept)


def _item(item_id: int, states_at: list[tuple[str, datetime]]) -> WorkItemHistory:
    revs = tuple(Revision(item_id, i + 1, at, state) for i, (state, at) in enumerate(states_at))
    last = states_at[-1]
    item = WorkItem(item_id, "P", "Bug", f"item {item_id}", last[0], states_at[0][1], last[1], len(revs))
    return WorkItemHistory(item, revs)


def test_data_health_covers_the_report_horizon_only(tmp_path) -> None:
    # Two items that went New -> Closed without ever being Active ("done without doing"):
    # #1 closed in 2024, long before the horizon (settle_cutoff is at most 90 days + 12 weeks back);
    # #2 closed 5 days before as_of, inside it. Only #2 is a finding, with or without the shortcut.
    states = [StateCategory("P", "Bug", "New", "Proposed"), StateCategory("P", "Bug", "Active", "InProgress"),
              StateCategory("P", "Bug", "Closed", "Completed")]
    old = _item(1, [("New", datetime(2024, 1, 1, tzinfo=UTC)), ("Closed", datetime(2024, 1, 3, tzinfo=UTC))])
    new = _item(2, [("New", NOW - timedelta(days=8)), ("Closed", NOW - timedelta(days=5))])
    store = open_store(tmp_path / "h.sqlite")
    with store.transaction():
        store.upsert_state_categories(states)
        store.upsert_work_items([old.item, new.item])
        store.upsert_revisions([*old.revisions, *new.revisions])
    for every_item in (True, False):
        report = report_from(load_inputs(store, FlowPolicy(), as_of=NOW, every_item=every_item))
        skip = [f for f in report.data_health if f.code == "done_without_doing"]
        assert [f.count for f in skip] == [1]
        assert report.counts.items == 2 and report.counts.done == 2
    store.close()


@pytest.mark.parametrize(("as_of", "window_from", "window_to", "policy"), CASES[:2] + CASES[3:])
def test_typed_report_writes_the_engines_json_byte_for_byte(demo_store, as_of, window_from, window_to, policy) -> None:
    """The typed report replaces the dict at the layer boundary; `to_json()` must be the exact
    bytes of the engine's document (keys, order, rounding, non-default percentiles and zones)."""
    inputs = load_inputs(demo_store, policy, ItemFilter(), as_of=as_of, window_from=window_from, window_to=window_to)
    document = build_report(None, inputs.states, inputs.prs, inputs.runs, policy, as_of=inputs.analysis.as_of,
                            window_from=window_from, window_to=window_to, filters=inputs.item_filter,
                            last_success=inputs.last_success, analysis=inputs.analysis, history=inputs.history)
    report = report_from(inputs)
    assert report.to_json() == dumps(document)
    assert report.as_document() == document
    # Typed access reads the same numbers the document holds.
    assert report.counts.completed_in_window == document["counts"]["completed_in_window"] > 0
    assert report.cycle_time_days.get("p85") == document["cycle_time_days"]["p85"]
    assert report.trends["throughput"] == tuple(document["trends"]["throughput"])
    assert report.window.from_ == document["window"]["from"]


def test_demo_cli_and_dashboard_agree_on_the_demo_clock(demo_store, tmp_path, monkeypatch, capsys) -> None:
    """`flowtui metrics --demo` evaluates at the demo organization's clock, as the TUI does, so the
    dashboard's "done in window" and the CLI's count are one number on the same demo store."""
    import json

    from flowtui.cli.common import settings_from_args
    from flowtui.cli.main import build_parser, main
    from flowtui.demo_mode import demo_now
    from flowtui.reporting.dashboard import build_dashboard

    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    argv = ["metrics", "--demo", "--db", str(demo_store.path), "--format", "json"]
    assert main(argv) == 0
    cli = json.loads(capsys.readouterr().out)
    assert demo_now() == NOW and cli["as_of"] == "2026-11-23T12:00:00Z"  # not the wall clock
    dashboard = build_dashboard(demo_store, settings_from_args(build_parser().parse_args(argv)), demo_now())
    done = cli["counts"]["completed_in_window"]
    assert done > 100
    assert {k.key: k for k in dashboard.kpis}["throughput"].note == f"{done} done in window"
    assert dashboard.report is not None and dashboard.report.counts.completed_in_window == done
