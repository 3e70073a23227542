"""Schema 3: per-item facts derived when revisions are written, re-derived once per fingerprint change,
and reports that read them give exactly the numbers the revisions give. Every test runs on SQLite and on a
real PostgreSQL (the `store`/`store_target` fixtures of tests/conftest.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowtui.domain import ItemFilter, Revision, StateCategory, WorkItem
from flowtui.errors import StoreError
from flowtui.metrics import FlowPolicy, analyse, build_report, dumps
from flowtui.reporting import load_inputs, report_from
from flowtui.store import Store, open_store
from flowtui.store.facts import facts_fingerprint

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AS_OF = T0 + timedelta(days=60)
STATES = [StateCategory("Web", "Bug", s, c) for s, c in
          (("New", "Proposed"), ("Active", "InProgress"), ("Review", "InProgress"), ("Closed", "Completed"))]


def us(days: float) -> int:
    return int((T0 + timedelta(days=days)).timestamp() * 1_000_000)


def item(wid: int, state: str, rev: int, *, project: str = "Web", area: str = "Web") -> WorkItem:
    return WorkItem(id=wid, project=project, type="Bug", title=f"Item {wid}", state=state, created_at=T0,
                    changed_at=T0 + timedelta(days=rev), rev=rev, area_path=area)


def rev(wid: int, n: int, day: float, state: str, tags: tuple[str, ...] = (), by: str = "Ann",
        blocked: bool = False) -> Revision:
    return Revision(wid, n, T0 + timedelta(days=day), state, changed_by=by, tags=tags, blocked=blocked)


def write(store: Store, items: list[WorkItem], revisions: list[Revision]) -> None:
    with store.transaction():
        store.upsert_state_categories(STATES)
        store.upsert_work_items(items)
        store.upsert_revisions(revisions)


def timeline(store: Store, wid: int) -> list[list]:
    row = store.db.execute_sql(f"SELECT timeline FROM item_fact WHERE work_item_id = {store.db.param}", (wid,)).fetchone()
    return json.loads(row[0])


def test_a_new_store_derives_the_timeline_on_write_keeping_only_changes(store: Store) -> None:
    write(store, [item(1, "Closed", 5)], [
        rev(1, 1, 0, "New"),
        rev(1, 2, 1, "Active", by="Bo"),
        rev(1, 3, 2, "Active", by="Cy"),             # assignee edit: no state/tag/blocked change, dropped
        rev(1, 4, 3, "Active", tags=("bLoCkEd",)),   # the blocked tag, compared case-insensitively
        rev(1, 5, 4, "Closed", tags=("bLoCkEd",)),
    ])
    assert store.facts_state() == facts_fingerprint("Blocked")
    assert timeline(store, 1) == [
        [1, us(0), "New", "Ann", 0], [2, us(1), "Active", "Bo", 0], [4, us(3), "Active", "Ann", 1],
        [5, us(4), "Closed", "Ann", 1],
    ]


def test_only_the_items_a_page_touches_are_rederived(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    write(store, [item(1, "Active", 2), item(2, "New", 1)], [rev(1, 1, 0, "New"), rev(1, 2, 1, "Active"),
                                                              rev(2, 1, 0, "New")])
    before = timeline(store, 1)
    seen: list[list[int]] = []
    original = Store._revision_rows
    monkeypatch.setattr(Store, "_revision_rows", lambda self, ids: seen.append(list(ids)) or original(self, ids))
    write(store, [item(2, "Active", 2)], [rev(2, 2, 5, "Active")])
    assert seen == [[2]]
    assert timeline(store, 1) == before
    assert timeline(store, 2) == [[1, us(0), "New", "Ann", 0], [2, us(5), "Active", "Ann", 0]]


def test_a_different_blocked_tag_rederives_every_item_once_with_progress(store: Store) -> None:
    write(store, [item(i, "Active", 2) for i in (1, 2, 3)],
          [r for i in (1, 2, 3) for r in (rev(i, 1, 0, "New"), rev(i, 2, 1, "Active", tags=("Impeded",)))])
    assert timeline(store, 2)[1][4] == 0  # not blocked under the default tag
    calls: list[tuple[int, int]] = []
    assert store.ensure_facts("IMPEDED", lambda done, total: calls.append((done, total))) is True
    assert calls == [(3, 3)]
    assert store.facts_state() == facts_fingerprint("impeded")
    assert [timeline(store, i)[1][4] for i in (1, 2, 3)] == [1, 1, 1]
    assert store.ensure_facts("Impeded", lambda *a: calls.append(a)) is False  # same fingerprint (case-folded)
    assert calls == [(3, 3)]
    # later writes use the stored tag
    write(store, [item(4, "Active", 2)], [rev(4, 1, 0, "New", tags=("impeded",))])
    assert timeline(store, 4)[0][4] == 1


def test_an_upgraded_store_has_no_fingerprint_until_its_first_report(store_target: Path | str) -> None:
    with open_store(store_target) as store:
        write(store, [item(1, "Active", 2)], [rev(1, 1, 0, "New"), rev(1, 2, 1, "Active")])
        with store.transaction():  # a schema-2 store: no facts tables (nor schema 4's views) yet
            for view in ("work_item_facts", "pull_requests", "reviewers", "throughput_weekly"):
                store.db.execute_sql(f"DROP VIEW {view}")
            store.db.execute_sql("DROP TABLE item_fact")
            store.db.execute_sql("DROP TABLE fact_meta")
            store.db.execute_sql("UPDATE schema_version SET version = 2")
    with open_store(store_target) as store:
        assert store.facts_state() is None
        assert store.db.execute_sql("SELECT COUNT(*) FROM item_fact").fetchone()[0] == 0
        load_inputs(store, FlowPolicy(), as_of=AS_OF)
        assert store.facts_state() == facts_fingerprint("Blocked")
        assert timeline(store, 1) == [[1, us(0), "New", "Ann", 0], [2, us(1), "Active", "Ann", 0]]


def _history_store(store: Store) -> None:
    items = [item(1, "Closed", 6), item(2, "Active", 3), item(3, "Closed", 4, project="Api", area="Api\\X"),
             item(4, "Review", 4)]
    revisions = [
        rev(1, 1, 0, "New"), rev(1, 2, 2, "Active"), rev(1, 3, 4, "Active", tags=("Hold",)),
        rev(1, 4, 6, "Active"), rev(1, 5, 8, "Review"), rev(1, 6, 12.5, "Closed"),
        rev(2, 1, 0, "New"), rev(2, 2, 1, "Active", blocked=True), rev(2, 3, 9, "Active"),
        rev(3, 1, 0, "New"), rev(3, 2, 3, "Active"), rev(3, 3, 4, "Closed"), rev(3, 4, 5, "Closed", tags=("x",)),
        rev(4, 1, 0, "New"), rev(4, 2, 10, "Active", tags=("hold",)), rev(4, 3, 7, "Review"),  # out of time order
    ]
    write(store, items, revisions)


@pytest.mark.parametrize("tag", ["Blocked", "hold"])
@pytest.mark.parametrize("item_filter", [ItemFilter(), ItemFilter(projects=("Api",)), ItemFilter(area="Web")])
def test_a_report_from_facts_equals_the_report_from_revisions(store: Store, tag: str, item_filter: ItemFilter) -> None:
    _history_store(store)
    policy = FlowPolicy(blocked_tag=tag, cycle_start="last")
    inputs = load_inputs(store, policy, item_filter, as_of=AS_OF, every_item=True)
    states = store.state_categories()
    raw = analyse(store.work_item_histories(item_filter, changes_only=True), states, policy, AS_OF)
    expected = build_report(None, states, [], [], policy, as_of=AS_OF, filters=item_filter, analysis=raw,
                            history=store.history_health(list(item_filter.projects)))
    assert report_from(inputs).to_json() == dumps(expected)
    assert {f.id for f in inputs.analysis.flows} == {f.id for f in raw.flows}
    if tag == "hold" and not item_filter.projects:
        assert inputs.analysis.flow(1).blocked_days == pytest.approx(2.0)  # days 4..6 under "Hold"


def test_excluded_and_deleted_items_stay_out_of_the_facts_read(store: Store) -> None:
    _history_store(store)
    store.db.execute_sql("UPDATE work_item SET excluded = 'moved' WHERE id = 2")
    store.db.execute_sql(f"UPDATE work_item SET is_deleted = {store.db.param} WHERE id = 3", (True,))
    assert [h.item.id for h in store.item_timelines(blocked_tag="Blocked")] == [1, 4]


def test_a_store_that_cannot_be_written_derives_in_memory_with_one_warning(
        store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    _history_store(store)
    policy = FlowPolicy(blocked_tag="hold")
    expected = report_from(load_inputs(store, policy, as_of=AS_OF)).to_json()
    store.ensure_facts("Blocked")

    def refuse(*_a: object) -> None:
        raise StoreError("The store x is read-only; nothing from this step was kept.")

    monkeypatch.setattr(Store, "_rederive_all", refuse)
    assert report_from(load_inputs(store, policy, as_of=AS_OF)).to_json() == expected
    assert store.facts_state() == facts_fingerprint("Blocked")
    assert sum("read-only" in r.getMessage() for r in caplog.records) == 1


def test_the_cli_reports_the_one_time_rederive_on_stderr(store_target: Path | str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from flowtui.cli.main import main

    path = store_target
    with open_store(path) as store:
        _history_store(store)
    argv = ["metrics", "--format", "json", "--db", str(path), "--config", str(tmp_path / "none.toml"),
            "--as-of", "2026-03-02T00:00:00Z"]
    assert main(argv) == 0
    first = capsys.readouterr()
    assert "deriving" not in first.err  # facts were derived as the revisions were written
    with open_store(path) as store:
        store.db.execute_sql("DELETE FROM fact_meta")
    assert main(argv) == 0
    second = capsys.readouterr()
    assert second.err.count("deriving per-item facts") == 1 and "4/4 items" in second.err
    assert second.out == first.out
    assert main(argv) == 0
    assert "deriving" not in capsys.readouterr().err
