"""The flow set: hand-written golden CSVs, agreement with the metrics report, as_of / window / filters."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from export_store import AS_OF, DATA

from flowtui.config import Settings
from flowtui.domain import ItemFilter
from flowtui.export import FLOW_FILES, FLOW_HEADERS, export
from flowtui.metrics import FlowPolicy, build_report, dumps
from flowtui.store import Store

CSV_FILES = tuple(FLOW_HEADERS)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", CSV_FILES)
def test_flow_csv_matches_the_hand_written_golden_file(store: Store, settings: Settings, out: Path, name: str) -> None:
    result = export(store, settings, out, what="flow", as_of=AS_OF)
    assert [p.name for p in result.paths] == list(FLOW_FILES)
    assert (out / name).read_bytes() == (DATA / name).read_bytes()


def test_metrics_json_is_the_metrics_report_for_the_same_inputs(store: Store, settings: Settings, out: Path) -> None:
    f = ItemFilter(projects=("Fabrikam",))
    export(store, settings, out, what="flow", item_filter=f, as_of=AS_OF)
    expected = build_report(
        store.work_item_histories(f), store.state_categories(), store.pull_requests(f), store.sync_runs(),
        FlowPolicy.from_settings(settings), as_of=AS_OF, filters=f, last_success=store.last_successful_sync(),
    )
    assert (out / "metrics.json").read_text(encoding="utf-8") == dumps(expected)


def test_flow_csvs_agree_with_metrics_json(store: Store, settings: Settings, out: Path) -> None:
    export(store, settings, out, what="flow", as_of=AS_OF)
    report = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    items = _read(out / "work_items.csv")
    weekly = _read(out / "throughput_weekly.csv")
    # Weekly throughput: the same weeks and counts; 3 completions in the window (101, 104, 105).
    assert [{"week": r["week"], "count": int(r["count"])} for r in weekly] == report["throughput"]["weekly"]
    assert sum(int(r["count"]) for r in weekly) == report["throughput"]["total"] == 3
    # Buckets per item vs the report's counts: 1 doing (102), 3 done, 1 removed (103), 0 todo.
    buckets = [r["bucket"] for r in items]
    for bucket in ("todo", "doing", "done", "removed"):
        assert buckets.count(bucket) == report["counts"][bucket]
    assert len(items) == report["counts"]["items"] == 5
    # Cycle times 2.5 (101) and 7.5 (105): n 2, mean 5.0, max 7.5.
    cycles = [float(r["cycle_time_days"]) for r in items if r["cycle_time_days"]]
    assert sorted(cycles) == [2.5, 7.5]
    assert report["cycle_time_days"]["n"] == len(cycles)
    assert report["cycle_time_days"]["max"] == max(cycles)
    assert report["cycle_time_days"]["mean"] == round(sum(cycles) / len(cycles), 3) == 5.0
    # Lead times 3.5, 2.0, 8.5: mean 14/3 = 4.667.
    leads = [float(r["lead_time_days"]) for r in items if r["lead_time_days"]]
    assert report["lead_time_days"]["n"] == len(leads) == 3
    assert report["lead_time_days"]["mean"] == round(sum(leads) / 3, 3) == 4.667
    # Age of the one item in doing: 7.0 days; WIP 1; blocked 3.0 days (102, 11-20 12:00 -> as_of).
    ages = [float(r["age_days"]) for r in items if r["age_days"]]
    assert ages == [7.0] and report["age_days"]["max"] == 7.0 and report["wip"]["current"] == 1
    assert sum(float(r["blocked_days"]) for r in items) == report["blocked_days_total"] == 3.0


def test_as_of_moves_every_value(store: Store, settings: Settings, out: Path) -> None:
    # At 2026-11-04T12:00Z: 101 is Active (started 11-03 09:00 -> age 1 d 3 h = 1.125 d); 102 and 106 do
    # not exist yet; 104 is New; 105 is Closed since 11-04 00:00 (cycle 11-02 -> 11-04 = 2.0, lead 3.0,
    # its reopen on 11-05 has not happened yet).
    as_of = datetime(2026, 11, 4, 12, 0, 0, tzinfo=UTC)
    export(store, settings, out, what="flow", as_of=as_of)
    items = {r["id"]: r for r in _read(out / "work_items.csv")}
    assert sorted(items) == ["101", "103", "104", "105"]
    assert (items["101"]["state"], items["101"]["bucket"], items["101"]["age_days"]) == ("Active", "doing", "1.125")
    assert items["101"]["completed_at"] == ""
    assert (items["104"]["state"], items["104"]["bucket"]) == ("New", "todo")
    row = items["105"]
    assert (row["completed_at"], row["cycle_time_days"], row["lead_time_days"], row["reopen_count"]) == (
        "2026-11-04T00:00:00Z", "2.0", "3.0", "0")
    transitions = [(r["work_item_id"], r["rev"]) for r in _read(out / "transitions.csv")]
    # Revisions after as_of are left out: 101 rev 3, 104 rev 2, 105 revs 4-5.
    assert transitions == [("101", "1"), ("101", "2"), ("103", "1"), ("103", "2"), ("104", "1"),
                           ("105", "1"), ("105", "2"), ("105", "3")]
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["as_of"] == "2026-11-04T12:00:00Z"


def test_window_selects_the_weeks_but_not_the_item_rows(store: Store, settings: Settings, out: Path) -> None:
    # 2026-11-06..08 lies in ISO week 45 (Mon 11-02 .. Sun 11-08); only 104 (closed 11-06) completes in it.
    export(store, settings, out, what="flow", as_of=AS_OF, window_from=date(2026, 11, 6), window_to=date(2026, 11, 8))
    assert _read(out / "throughput_weekly.csv") == [{"week": "2026-W45", "count": "1"}]
    assert len(_read(out / "work_items.csv")) == 5
    report = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert report["window"] == {"from": "2026-11-06", "to": "2026-11-08", "timezone": "UTC"}


def test_type_filter_with_no_match_writes_headers_only(store: Store, settings: Settings, out: Path) -> None:
    result = export(store, settings, out, what="flow", as_of=AS_OF, item_filter=ItemFilter(types=("Bug",)))
    rows = {f.path.name: f.rows for f in result.files}
    assert rows["work_items.csv"] == 0 and rows["transitions.csv"] == 0 and rows["metrics.json"] is None
    assert not result.store_empty  # the store has data; the filter matched none of it
    assert (out / "work_items.csv").read_text(encoding="utf-8") == ",".join(FLOW_HEADERS["work_items.csv"]) + "\n"


def test_empty_store_flow_set(empty_store: Store, settings: Settings, out: Path) -> None:
    result = export(empty_store, settings, out, what="flow", as_of=AS_OF)
    assert result.store_empty
    for name in ("work_items.csv", "transitions.csv"):
        assert (out / name).read_text(encoding="utf-8") == ",".join(FLOW_HEADERS[name]) + "\n"
    report = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert report["counts"]["items"] == 0
    # The default window (90 days ending 2026-11-23) overlaps ISO weeks 35..48: 14 zero rows.
    assert [r["count"] for r in _read(out / "throughput_weekly.csv")] == ["0"] * 14


def test_full_re_export_is_byte_identical(store: Store, settings: Settings, tmp_path: Path) -> None:
    export(store, settings, tmp_path / "a", as_of=AS_OF)
    first = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    assert len(first) == 10
    export(store, settings, tmp_path / "a", as_of=AS_OF)
    export(store, settings, tmp_path / "b", as_of=AS_OF)
    for name, raw in first.items():
        assert (tmp_path / "a" / name).read_bytes() == raw == (tmp_path / "b" / name).read_bytes()


def test_every_csv_of_a_full_export_round_trips_through_a_csv_parser(store: Store, settings: Settings,
                                                                     out: Path) -> None:
    # Parse each file with the csv module, re-encode the parsed rows: the bytes must come back unchanged,
    # so no field was mis-quoted, split or merged (special characters included).
    from flowtui.export import ALL_FILES
    from flowtui.export.csvfmt import encode_row

    export(store, settings, out, as_of=AS_OF)
    names = [n for n in ALL_FILES if n.endswith(".csv")]
    assert len(names) == 9
    for name in names:
        raw = (out / name).read_bytes().decode("utf-8")  # no newline translation: keep the CR
        with (out / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert len({len(r) for r in rows}) == 1, name
        assert "".join(encode_row(r) for r in rows) == raw, name


def test_unknown_file_set_is_a_usage_error(store: Store, settings: Settings, out: Path) -> None:
    from flowtui.errors import UsageError

    with pytest.raises(UsageError, match="powerbi, flow, all"):
        export(store, settings, out, what="excel")
    assert not out.exists()
