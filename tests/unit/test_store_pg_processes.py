"""One PostgreSQL store shared by separate processes, as two machines would: one writer committing
pages while two readers read, a second writer refused. No errors, no lost rows, readers only ever
see whole pages (each page's items with both of their revisions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowtui.errors import StoreError
from flowtui.store import open_store

ROOT = Path(__file__).parents[2]
PAGES, PER_PAGE = 30, 40

_WRITER = """
import sys, time
from flowtui.store import open_store
from tests.unit.test_store import item, rev
url, pages, per_page = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open_store(url) as store:
    run = store.start_run("https://dev.azure.com/acme", command="flowtui sync --nightly")
    print("locked", flush=True)
    sys.stdin.readline()  # "go" once the readers are reading
    for page in range(pages):
        ids = range(page * per_page + 1, (page + 1) * per_page + 1)
        with store.transaction():
            store.upsert_work_items([item(i) for i in ids])
            store.upsert_revisions([r for i in ids for r in (rev(i, 1, "New"), rev(i, 2, "Active"))])
        time.sleep(0.02)
    store.finish_run(run, status="success", work_items=pages * per_page)
print("done", flush=True)
"""

_READER = """
import json, sys, time
from flowtui.store import open_store
url = sys.argv[1]
seen, deadline = [], time.monotonic() + 60
with open_store(url) as store:
    print("ready", flush=True)
    while time.monotonic() < deadline:
        # the product's own read path (items, then their revisions: one snapshot inside the Store)
        histories = store.work_item_histories()
        items = [h.item for h in histories]
        revisions = sum(len(h.revisions) for h in histories)
        status = store.latest_run()
        seen.append((len(items), revisions, len({w.id for w in items})))
        if status and status.status != "running":
            break
        time.sleep(0.01)
print(json.dumps(seen), flush=True)
"""


def _spawn(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def test_one_writer_and_two_reader_processes_share_a_store(pg_url: str) -> None:
    with open_store(pg_url):
        pass  # created and migrated once, before the processes start
    writer = _spawn(_WRITER, pg_url, PAGES, PER_PAGE)
    readers: list[subprocess.Popen[str]] = []
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "locked", writer.stderr
        with open_store(pg_url) as second, pytest.raises(StoreError, match="being synced by another") as info:
            second.start_run("https://dev.azure.com/acme", command="flowtui sync")
        assert f"pid {writer.pid} on " in info.value.message and "flowtui sync --nightly" in info.value.message
        readers = [_spawn(_READER, pg_url) for _ in range(2)]
        for reader in readers:
            assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
        out, err = writer.communicate(timeout=90)
        assert writer.returncode == 0 and out.strip() == "done", err
        results = [r.communicate(timeout=90) for r in readers]
    finally:
        for proc in [writer, *readers]:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    total = PAGES * PER_PAGE
    for reader, (out, err) in zip(readers, results, strict=True):
        assert reader.returncode == 0, err
        seen = [tuple(s) for s in json.loads(out)]
        assert seen, "a reader read nothing"
        for items, revisions, distinct in seen:
            assert items % PER_PAGE == 0 and revisions == 2 * items and distinct == items, seen  # whole pages
        counts = [s[0] for s in seen]
        assert counts == sorted(counts), "a reader saw rows disappear"
        assert seen[-1] == (total, 2 * total, total), "a reader's last read after the run missed rows"
    with open_store(pg_url) as store:
        assert len(store.work_items()) == total
        assert store.db.execute_sql("SELECT COUNT(*) FROM revision").fetchone()[0] == 2 * total
        assert store.db.execute_sql("SELECT status FROM sync_run").fetchall() == [("success",)]
