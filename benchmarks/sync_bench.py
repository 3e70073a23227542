"""Sync benchmark: first and incremental sync of the simulated org (SPEC §12).

For each size (default: `default` and `large`) it prints, per project and stream, the requests made
next to the SPEC formula — ⌈revisions / page⌉ + ⌈PRs / 100⌉ + a small constant (project, types,
states per type, repositories, recycle bin, stale-WIP WIQL, the empty PR page that proves the list's end) — the thread
requests (one per PR closed in the last
`pr_threads_days`), the requests of an incremental sync after `org.advance(hours=24)` and of an
unchanged re-sync (≤ 3 per project), revisions written per second by the store step (CPU time of
the thread doing the writes, i.e. "on one core"; budget ≥ 20,000/s; wall rate printed too), wall
time and peak RSS; then the backfill cost of a first sync from the default history start (a year
back) of an org with older history, next to a first sync from its beginning. Exits 1 when a budget
is missed.

    python benchmarks/sync_bench.py [--sizes default,large] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from flowtui.config import load_settings
from flowtui.demo import Faults, SimulatedAdo, generate_org
from flowtui.store import open_store
from flowtui.sync import run_sync
from flowtui.sync import org_stream as org_module
from flowtui.sync import work_items as wi_module

REVISIONS_PER_S_BUDGET = 20_000
UNCHANGED_BUDGET = 3
STORE_TIME = {"s": 0.0, "cpu": 0.0, "revs": 0}


def _instrument() -> None:
    """Time the store step of every page: the one transaction that writes snapshots, revisions with
    their derived facts, completeness notes and the cursor (parsing the page is not a store write)."""
    original = wi_module.store_page

    def timed(ctx, items, revisions, **kwargs):  # type: ignore[no-untyped-def]
        start, cpu = time.perf_counter(), time.thread_time()
        before = ctx.counts.revisions
        original(ctx, items, revisions, **kwargs)
        STORE_TIME["s"] += time.perf_counter() - start
        STORE_TIME["cpu"] += time.thread_time() - cpu
        STORE_TIME["revs"] += ctx.counts.revisions - before

    wi_module.store_page = timed
    original_org = org_module.commit_org_page

    def timed_org(ctx, items, revisions, *args, **kwargs):  # type: ignore[no-untyped-def]
        start, cpu = time.perf_counter(), time.thread_time()
        original_org(ctx, items, revisions, *args, **kwargs)
        STORE_TIME["s"] += time.perf_counter() - start
        STORE_TIME["cpu"] += time.thread_time() - cpu
        STORE_TIME["revs"] += len(revisions)  # every revision written (moved-out items' included)

    org_module.commit_org_page = timed_org


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _route_counts(log: list[tuple[str, str, int]], start: int) -> dict[str, Counter[str]]:
    """Requests per project and stream from the server's request log (entries after `start`)."""
    out: dict[str, Counter[str]] = {}
    for _method, path, _status in log[start:]:
        parts = [p for p in path.split("/") if p]
        if "_apis" not in parts:
            continue
        cut = parts.index("_apis")
        project = parts[cut - 1] if cut >= 2 else "(org)"
        rest = "/".join(parts[cut + 1 :]).lower()
        if "reporting/workitemrevisions" in rest:
            stream = "revisions"
        elif rest.endswith("/threads"):
            stream = "threads"
        elif "pullrequests" in rest:
            stream = "prs"
        else:
            stream = "constant"
        out.setdefault(project, Counter())[stream] += 1
    return out


def bench(size: str, seed: int, failures: list[str]) -> None:
    t0 = time.perf_counter()
    org = generate_org(seed=seed, size=size)
    gen_s = time.perf_counter() - t0
    faults = Faults()
    page = faults.revisions_default_page
    sim = SimulatedAdo(org, faults=faults)
    tmp = Path(tempfile.mkdtemp(prefix=f"flowtui-bench-{size}-"))
    projects = [p.name for p in org.projects]
    settings = load_settings(config=tmp / "none.toml", db=tmp / "store.sqlite",
                             flags={"ado.org_url": sim.base_url, "ado.projects": projects}, env={})
    since = (org.now - timedelta(days=3650)).date()
    print(f"\n== {size}: {len(org.work_items):,} items, {len(org.revisions):,} revisions, "
          f"{len(org.pull_requests):,} PRs (generated in {gen_s:.1f} s)")
    store = open_store(settings.db_path)
    STORE_TIME.update(s=0.0, cpu=0.0, revs=0)
    start_log = len(sim.request_log)
    t0 = time.perf_counter()
    summary = run_sync(settings, store, pat=sim.pat, transport=sim.transport, now=org.now, since=since)
    wall = time.perf_counter() - t0
    if summary.status != "success":
        failures.append(f"{size}: first sync {summary.status}: {summary.first_error}")
    counts = _route_counts(sim.request_log, start_log)
    threads_days = settings["sync.pr_threads_days"]
    print(f"first sync: {summary.revisions:,} revisions, {summary.pull_requests:,} PRs, {summary.requests} requests, "
          f"wall {wall:.1f} s")
    print(f"  {'project':<20} {'revisions':>10} {'budget':>7} {'prs':>5} {'budget':>7} {'const':>6} {'budget':>7} {'threads':>8} {'PRs<N d':>8}")
    for proj in org.projects:
        c = counts.get(proj.name, Counter()) + counts.get(proj.id, Counter())
        revs = sum(1 for w in org.items_of(proj.name) for _ in w.revisions)
        prs = [p for p in org.prs_of(proj.name, "completed") if p.closed and p.closed.date() >= since]
        recent = sum(1 for p in prs if p.closed > org.now - timedelta(days=threads_days))
        rev_budget = max(1, math.ceil(revs / page))
        pr_budget = math.ceil(len(prs) / 100) + 1  # + the empty page that proves the end (SPEC §5: a short page is not)
        # project, types, states per type, repositories, the recycle bin, the stale-WIP WIQL
        const_budget = 5 + len(proj.process.types)
        print(f"  {proj.name:<20} {c['revisions']:>10} {rev_budget:>7} {c['prs']:>5} {pr_budget:>7} "
              f"{c['constant']:>6} {const_budget:>7} {c['threads']:>8} {recent:>8}")
        for what, got, budget in (("revisions", c["revisions"], rev_budget), ("prs", c["prs"], pr_budget),
                                  ("constant", c["constant"], const_budget), ("threads", c["threads"], recent)):
            if got > budget:
                failures.append(f"{size}/{proj.name}: {what} requests {got} > budget {budget}")
    wall_rate = STORE_TIME["revs"] / STORE_TIME["s"] if STORE_TIME["s"] else float("inf")
    org_counts = counts.get("(org)", Counter())
    org_rev_budget = max(1, math.ceil(len(org.revisions) / page)) + 1  # + a last empty batch
    print(f"  organization-level revisions stream (every project): {org_counts['revisions']} requests "
          f"(budget <= {org_rev_budget})")
    if org_counts["revisions"] > org_rev_budget:
        failures.append(f"{size}: organization stream {org_counts['revisions']} requests > {org_rev_budget}")
    org_level = sum(org_counts.values()) - org_counts["revisions"]
    print(f"  other organization-level requests (project list): {org_level} (budget <= {math.ceil(len(org.projects) / 100)})")
    if org_level > math.ceil(len(org.projects) / 100):
        failures.append(f"{size}: {org_level} organization-level requests")
    rate = STORE_TIME["revs"] / STORE_TIME["cpu"] if STORE_TIME["cpu"] else float("inf")
    print(f"  store writes: {STORE_TIME['revs']:,} revisions in {STORE_TIME['cpu']:.2f} s CPU = {rate:,.0f}/s on one core "
          f"(budget >= {REVISIONS_PER_S_BUDGET:,}/s); wall {STORE_TIME['s']:.2f} s = {wall_rate:,.0f}/s; "
          f"end-to-end {summary.revisions / wall:,.0f} revisions/s incl. the simulated server")
    if rate < REVISIONS_PER_S_BUDGET:
        failures.append(f"{size}: store writes {rate:,.0f} revisions/s < {REVISIONS_PER_S_BUDGET:,}/s")

    change = org.advance(hours=24)
    start_log = len(sim.request_log)
    t0 = time.perf_counter()
    inc = run_sync(settings, store, pat=sim.pat, transport=sim.transport, now=org.now)
    inc_wall = time.perf_counter() - t0
    counts = _route_counts(sim.request_log, start_log)
    per = {p: sum(c.values()) for p, c in counts.items()}
    print(f"incremental after advance(24 h): +{change.new_revision_count} revisions, +{len(change.completed_pr_ids)} "
          f"completed PRs -> {inc.revisions} revisions, {inc.pull_requests} PRs, {inc.requests} requests "
          f"({per}), wall {inc_wall:.2f} s")
    if inc.status != "success":
        failures.append(f"{size}: incremental sync {inc.status}: {inc.first_error}")
    start_log = len(sim.request_log)
    again = run_sync(settings, store, pat=sim.pat, transport=sim.transport, now=org.now + timedelta(minutes=5))
    counts = _route_counts(sim.request_log, start_log)
    worst = max((sum(c.values()) for c in counts.values()), default=0)
    print(f"unchanged re-sync: {again.requests} requests for {len(projects)} projects, worst project {worst} "
          f"(budget <= {UNCHANGED_BUDGET})")
    if worst > UNCHANGED_BUDGET:
        failures.append(f"{size}: unchanged re-sync made {worst} requests in one project > {UNCHANGED_BUDGET}")
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"peak RSS so far: {_rss_mb():,.0f} MB (generator + simulated server + sync in one process)")


def bench_backfill(size: str, seed: int, failures: list[str]) -> None:
    """First sync of an org older than the default history start: from the beginning vs the default
    start (a year back) with its backfill of items started before it and its stale-WIP query."""
    org = generate_org(seed=seed, size=size, realities=True)
    projects = [p.name for p in org.projects]
    results = {}
    for label, since in (("from the beginning", (org.now - timedelta(days=3650)).date()), ("default start", None)):
        sim = SimulatedAdo(org, faults=Faults())
        tmp = Path(tempfile.mkdtemp(prefix=f"flowtui-bench-backfill-{size}-"))
        settings = load_settings(config=tmp / "none.toml", db=tmp / "store.sqlite",
                                 flags={"ado.org_url": sim.base_url, "ado.projects": projects}, env={})
        with open_store(settings.db_path) as store:
            t0 = time.perf_counter()
            summary = run_sync(settings, store, pat=sim.pat, transport=sim.transport, now=org.now, since=since)
            results[label] = (summary, time.perf_counter() - t0)
        shutil.rmtree(tmp, ignore_errors=True)
        if summary.status != "success":
            failures.append(f"{size}/backfill ({label}): {summary.status}: {summary.first_error}")
    (full, full_s), (late, late_s) = results["from the beginning"], results["default start"]
    print(f"first sync with realities ({len(org.work_items):,} items, {len(org.revisions):,} revisions): "
          f"from the beginning {full.requests} requests, {full_s:.1f} s; default start {late.requests} requests, "
          f"{late_s:.1f} s")
    print(f"backfill cost: {late.backfill_requests} requests, {late.backfilled} items backfilled, "
          f"{late.stale_items} stale open items found (budget: requests <= items backfilled + paging)")
    if late.backfill_requests > late.backfilled + late.backfilled // 10 + 1:
        failures.append(f"{size}: backfill made {late.backfill_requests} requests for {late.backfilled} items")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="default,large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-backfill", action="store_true", help="skip the backfill-cost measurement")
    args = parser.parse_args()
    _instrument()
    failures: list[str] = []
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        bench(size, args.seed, failures)
        if not args.no_backfill:
            bench_backfill(size, args.seed, failures)
    print()
    for failure in failures:
        print(f"MISS: {failure}")
    print("all sync budgets met" if not failures else f"{len(failures)} budget(s) missed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
