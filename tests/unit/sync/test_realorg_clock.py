"""The server's clock, not the client's: a client clock days off changes nothing in the store.
Every sync here runs on SQLite and on a real PostgreSQL (tests/conftest.py's `store_targets`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowtui.ado.server_clock import ServerClock, parse_http_date
from flowtui.store import open_store

from .realorg_helpers import real_sim, run

SKEWS = (timedelta(days=3), -timedelta(days=3))


def _sync_pair(tmp_path: Path, skew: timedelta, store_targets):  # noqa: ANN001
    """The same org synced twice (first sync, 30 h of changes, incremental sync), with the client's
    clock right and with it `skew` off; returns both dumps and the skewed run's last summary."""
    right, wrong = real_sim(), real_sim()
    right_store, wrong_store = store_targets("right"), store_targets("wrong")
    run(tmp_path, right, target=right_store)
    run(tmp_path, wrong, now=wrong.org.now + skew, target=wrong_store)
    for sim in (right, wrong):
        sim.org.advance(hours=30)
    _, right_data, _ = run(tmp_path, right, target=right_store)
    summary, wrong_data, path = run(tmp_path, wrong, now=wrong.org.now + skew, target=wrong_store)
    return right_data, wrong_data, summary, path, wrong


@pytest.mark.parametrize("skew", SKEWS, ids=["client-3-days-ahead", "client-3-days-behind"])
def test_a_client_clock_three_days_off_gives_the_same_store(tmp_path: Path, skew: timedelta, store_targets) -> None:  # noqa: ANN001
    right_data, wrong_data, summary, path, sim = _sync_pair(tmp_path, skew, store_targets)
    assert summary.status == "success"
    assert wrong_data == right_data
    # nothing closed between the two syncs was skipped: every PR closed in the window is there
    closed = {p.uid for p in sim.org.domain_pull_requests() if p.closed_at >= sim.org.now - timedelta(days=365)}
    assert closed <= {p.uid for p in wrong_data["prs"]}
    # the PR watermark is the server's time of the last sync, not the client's
    with open_store(path) as store:
        cursor = store.get_cursor(sim.org.name, "Fabrikam Web", "git.pullrequests")
        assert cursor is not None and cursor.watermark == sim.org.now


def test_the_skewed_store_still_matches_ground_truth_for_the_synced_window(tmp_path: Path, store_target: Path | str) -> None:
    sim = real_sim()
    _, data, _ = run(tmp_path, sim, now=sim.org.now + timedelta(days=3), target=store_target)
    assert_matches_truth_subset(sim, data)


def assert_matches_truth_subset(sim, data) -> None:
    """Every live item changed in the last year or open now is stored exactly as the truth has it."""
    start_ms = int((sim.org.now - timedelta(days=365)).timestamp() * 1000)
    truth = {w.id: w.history() for w in sim.org.work_items.values()
             if not w.is_deleted and w.project.name != "Sandbox 001" and (w.is_open or w.latest.t >= start_ms)}
    stored = {w.id: w for w in data["items"]}
    assert set(truth) <= set(stored)
    assert all(stored[i] == truth[i].item for i in truth)


def test_server_clock_reads_the_newest_valid_date_header() -> None:
    clock = ServerClock()
    assert clock.now() is None
    clock.observe({"date": "Mon, 23 Nov 2026 12:00:00 GMT"})
    clock.observe({"date": "Mon, 23 Nov 2026 11:59:00 GMT"})  # an older answer never moves it back
    for bad in ("", "yesterday", "Thu, 01 Jan 1970 00:00:00 GMT", "x" * 500):
        clock.observe({"date": bad})
    clock.observe({})
    assert clock.now() == datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert parse_http_date("Mon, 23 Nov 2026 12:00:00 +0100") == datetime(2026, 11, 23, 11, tzinfo=UTC)

