"""The PostgreSQL writer lock belongs to the store's own database: two stores on one server are
synced at once, and each store's holder row lives in that store (issue #15; it used to be taken in
libpq's default database, so every store on a server shared one lock)."""

from __future__ import annotations

from typing import Any

import pytest

from flowtui.errors import StoreError
from flowtui.store import open_store


def test_two_stores_on_one_server_each_have_their_own_writer(pg_server: Any, pg_url: str) -> None:
    second = pg_server.create_database()
    try:
        with open_store(pg_url) as a, open_store(second) as b, open_store(pg_url) as a_again:
            run_a = a.start_run("org")
            run_b = b.start_run("org")  # another store: not refused
            assert a.db.execute_sql("SELECT count(*) FROM flowtui_writer").fetchone()[0] == 1
            assert b.db.execute_sql("SELECT count(*) FROM flowtui_writer").fetchone()[0] == 1
            with pytest.raises(StoreError, match="being synced by another flowtui process"):
                a_again.start_run("org")  # the same store: refused, naming the holder
            a.finish_run(run_a, status="success")
            b.finish_run(run_b, status="success")
    finally:
        pg_server.drop_database(second)
