"""Benchmark the data views on a large store (SPEC §12: switching views or applying a filter ≤ 100 ms;
the Flow view's data ≤ 1.0 s).

Measures, on a store of 100,000 work items / ~1,000,000 revisions / 50,000 PRs (built once with
`metrics_bench.build_store`, then reused):

* Work items, query only: `query_page` (count + one 500-row page in SQL) for the unfiltered first
  page, each kind of filter, a search, a sort and a page switch — median of several runs.
* Work items, in the app: the time from changing a filter (or pressing `n`) to the new page being
  applied to the table, in a headless Textual app — what a user waits for.
* Pull requests: loading every PR (once per data version) and filtering 50,000 PRs in memory.
* Flow: `compute_flow` (the whole analysis behind the charts; runs in a worker; ≤ 1.0 s).

Prints each figure next to its budget; exits 1 when one is missed. `measure_views(db)` returns the
figures for benchmarks/tui_bench.py to reuse.

    python benchmarks/tui_views_bench.py [--db PATH] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from flowtui.config import load_settings  # noqa: E402
from flowtui.metrics import FlowPolicy  # noqa: E402
from flowtui.reporting.flow import compute_flow  # noqa: E402
from flowtui.reporting.pull_requests import PrQuery, query_prs  # noqa: E402
from flowtui.reporting.work_items import WorkItemQuery, query_context, query_page  # noqa: E402
from flowtui.store import Store, open_store  # noqa: E402

AS_OF = datetime(2026, 11, 23, 12, tzinfo=UTC)
FILTER_BUDGET_MS = 100.0  # SPEC §12: applying a filter
FLOW_BUDGET_S = 1.0  # SPEC §12: the Flow view's data
PR_LOAD_BUDGET_S = 3.0


def _median_ms(fn: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def query_figures(store: Store, policy: FlowPolicy) -> dict[str, float]:
    """Median milliseconds of `query_page` (what a Work items worker runs) per kind of request, plus
    the once-per-data-version `query_context`."""
    first = store.work_items(limit=1)
    assignee = next((w.assigned_to for w in store.work_items(limit=50) if w.assigned_to), None)
    area = first[0].area_path.split("\\")[0] if first and first[0].area_path else None
    wtype = first[0].type if first else None
    total = store.count_work_items()
    queries = {
        "first page (no filter)": WorkItemQuery(),
        "type filter": WorkItemQuery(type=wtype),
        "bucket filter (doing)": WorkItemQuery(bucket="doing"),
        "state filter": WorkItemQuery(state="Active"),
        "assignee filter": WorkItemQuery(assignee=assignee),
        "area prefix filter": WorkItemQuery(area=area),
        "tag filter": WorkItemQuery(tag="Blocked"),
        "search (title text)": WorkItemQuery(search="item 12"),
        "sort by title": WorkItemQuery(order_by="title"),
        "page switch (offset 500)": WorkItemQuery(offset=500),
        "last page": WorkItemQuery(offset=max(0, total - 500)),
    }
    out = {"query context (once per data version)": _median_ms(lambda: query_context(store, policy), runs=3)}
    ctx = query_context(store, policy)
    out |= {name: _median_ms(lambda q=q: query_page(store, ctx, q)) for name, q in queries.items()}
    return out


async def _settle(app: Any) -> None:
    """Wait for the app's workers; an exclusive worker replaced by a newer one counts as finished."""
    from textual.worker import WorkerCancelled

    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await asyncio.sleep(0.005)  # its thread is still finishing; look again shortly


async def _app_figures(store: Store, settings: Any) -> dict[str, float]:
    """Milliseconds from an input to the new page in the table, in a headless app."""
    from textual.widgets import Select

    from flowtui.screens.work_items import WorkItemsScreen

    sys.path.insert(0, str(ROOT / "tests" / "ui"))
    from conftest_views import ViewsApp  # the UI tests' stand-in for FlowApp (its filter state included)

    async def until_new_page(screen: WorkItemsScreen, old: object, start: float) -> float:
        while screen.page is old:
            if time.perf_counter() - start > 60:
                raise TimeoutError("no new page within 60 s")
            await asyncio.sleep(0.001)
        return (time.perf_counter() - start) * 1000

    app = ViewsApp(WorkItemsScreen, store, settings)
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        start = time.perf_counter()
        screen = app.screen
        assert isinstance(screen, WorkItemsScreen)
        out["app: first page after mount"] = await until_new_page(screen, None, start)
        await _settle(app)
        types = store.distinct_values("type")
        for label, value in (("app: type filter", types[0]), ("app: another type", types[-1])):
            old, start = screen.page, time.perf_counter()
            screen.query_one("#wi-type", Select).value = value
            out[label] = await until_new_page(screen, old, start)
            await _settle(app)
        old, start = screen.page, time.perf_counter()
        screen.query_one("#wi-bucket", Select).value = "done"
        out["app: bucket filter"] = await until_new_page(screen, old, start)
        await _settle(app)
        # Key actions are invoked directly: Pilot.press adds its own idle-waiting to the figure.
        old, start = screen.page, time.perf_counter()
        screen.action_clear_filters()  # `c`: back to all 100k items
        out["app: clear filters (c)"] = await until_new_page(screen, old, start)
        await _settle(app)
        for label in ("app: next page (n)", "app: next page again"):
            old, start = screen.page, time.perf_counter()
            screen.action_next_page()
            out[label] = await until_new_page(screen, old, start)
            await _settle(app)
        await pilot.pause()
    return out


def measure_views(db: Path) -> dict[str, tuple[float, float, str]]:
    """{figure: (value, budget, unit)} for the data views on the store at `db`."""
    tmp = Path(tempfile.mkdtemp())
    settings = load_settings(config=tmp / "absent.toml", db=db, env={})
    policy = FlowPolicy.from_settings(settings)
    figures: dict[str, tuple[float, float, str]] = {}
    with open_store(db) as store:
        for name, ms in query_figures(store, policy).items():
            figures[f"work items query: {name}"] = (ms, FILTER_BUDGET_MS, "ms")
        for name, ms in asyncio.run(_app_figures(store, settings)).items():
            figures[f"work items {name}"] = (ms, FILTER_BUDGET_MS, "ms")
        t = time.perf_counter()
        prs = store.pull_requests(status=None)
        figures["pull requests: load all (once per data version)"] = (time.perf_counter() - t, PR_LOAD_BUDGET_S, "s")
        repo = prs[0].repository_name if prs else None
        figures["pull requests: repository filter + sort + page"] = (
            _median_ms(lambda: query_prs(prs, PrQuery(repository=repo))), FILTER_BUDGET_MS, "ms")
        figures["pull requests: title search"] = (
            _median_ms(lambda: query_prs(prs, PrQuery(search="fix"))), FILTER_BUDGET_MS, "ms")
        t = time.perf_counter()
        compute_flow(store, policy, AS_OF)
        figures["flow: compute_flow (worker)"] = (time.perf_counter() - t, FLOW_BUDGET_S, "s")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "flowtui-bench" / "views-large.sqlite")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.rebuild or not args.db.exists():
        from metrics_bench import build_store

        args.db.parent.mkdir(parents=True, exist_ok=True)
        build_store(args.db, 100_000, 50_000)
    missed = 0
    for name, (value, budget, unit) in measure_views(args.db).items():
        ok = value <= budget
        missed += not ok
        shown = f"{value:8.1f} {unit}" if unit == "ms" else f"{value:8.2f} {unit}"
        print(f"{'ok  ' if ok else 'MISS'} {name:<58} {shown}   budget {budget:g} {unit}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
