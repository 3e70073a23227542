"""Benchmark `flowtui metrics --format json` on a large store (SPEC §12: ≤ 1.0 s wall, ≤ 300 MB peak RSS),
and the cost of the per-item facts (full re-derive ≤ 5 s; store writes with facts ≥ 20,000 revisions/s).

Builds (once, then reuses) a store of 100,000 work items with ~1,000,000 revisions and 50,000
completed PRs from seeded synthetic domain objects written through the Store's upserts (the facts are
derived as the revisions are written: the build prints revisions/s with facts included), then
runs the command as a subprocess a few times and prints wall time and peak RSS next to the budget,
then times a full re-derive of every item's facts (a flow-settings change). Exits 1 when a budget
is missed.

    python benchmarks/metrics_bench.py [--db PATH] [--rebuild] [--runs 3] [--phases]
    python benchmarks/metrics_bench.py --scale-1m          # prints the 1M-item scale-point command
    python benchmarks/metrics_bench.py --scale-1m --run    # runs it (≤ 10 s, ≤ 1 GB; ~10M revisions to build)
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flowtui.domain import PullRequest, Reviewer, Revision, StateCategory, WorkItem  # noqa: E402
from flowtui.store import open_store  # noqa: E402

AS_OF = datetime(2026, 11, 23, 12, tzinfo=UTC)
BUDGET_WALL_S = 1.0
BUDGET_RSS_MB = 300.0
BUDGET_REDERIVE_S = 5.0
BUDGET_WRITES_PER_S = 20_000
#: The 1M-item scale point (SPEC §12).
SCALE_WALL_S = 10.0
SCALE_RSS_MB = 1024.0
PROJECTS = [f"Project {i:02d}" for i in range(10)]
TYPES = ("User Story", "Bug", "Task")
STATES = (("New", "Proposed"), ("Active", "InProgress"), ("Code Review", "InProgress"),
          ("Resolved", "Resolved"), ("Closed", "Completed"), ("Removed", "Removed"))
PEOPLE = [f"person{i:03d}" for i in range(150)]


def _item(rng: random.Random, item_id: int) -> tuple[WorkItem, list[Revision]]:
    """One synthetic item: a realistic state path plus blocked tags and filler edits (~10 revisions)."""
    project = PROJECTS[item_id % len(PROJECTS)]
    wtype = TYPES[rng.randrange(3)]
    t = AS_OF - timedelta(days=rng.uniform(0, 730))
    path: list[tuple[datetime, str, tuple[str, ...]]] = [(t, "New", ())]

    def step(days: float, state: str, tags: tuple[str, ...] = ()) -> None:
        nonlocal t
        t = t + timedelta(days=days)
        path.append((t, state, tags))

    if rng.random() < 0.03:
        step(rng.uniform(0.1, 20), "Removed")
    elif rng.random() < 0.85:
        step(rng.lognormvariate(0.7, 1.0), "Active")
        if rng.random() < 0.1:
            step(rng.lognormvariate(0, 1), "New")
            step(rng.lognormvariate(0, 1), "Active")
        if rng.random() < 0.15:
            step(rng.lognormvariate(0, 1), "Active", ("Blocked",))
            step(rng.lognormvariate(0, 1), "Active")
        if rng.random() < 0.5:
            step(rng.lognormvariate(0.5, 1), "Code Review")
        if rng.random() < 0.3:
            step(rng.lognormvariate(0, 1), "Resolved")
        if rng.random() < 0.8:
            step(rng.lognormvariate(0.5, 1), "Closed")
            if rng.random() < 0.05:
                step(rng.lognormvariate(0, 1), "Active")
                step(rng.lognormvariate(0, 1), "Closed")
    target = rng.randint(6, 14)
    while len(path) < target:  # field edits that change neither state nor tags
        i = rng.randrange(len(path))
        nxt = path[i + 1][0] if i + 1 < len(path) else path[i][0] + timedelta(days=1)
        when = path[i][0] + (nxt - path[i][0]) * rng.random()
        path.insert(i + 1, (when, path[i][1], path[i][2]))
    path = [p for p in path if p[0] <= AS_OF] or path[:1]
    revs = [Revision(item_id, n, when, state, None, PEOPLE[rng.randrange(150)], tags, False)
            for n, (when, state, tags) in enumerate(path, start=1)]
    last = revs[-1]
    item = WorkItem(item_id, project, wtype, f"Synthetic item {item_id}", last.state, revs[0].changed_at,
                    last.changed_at, last.rev, assigned_to=PEOPLE[item_id % 150],
                    area_path=f"{project}\\Team {item_id % 3}", tags=last.tags)
    return item, revs


def _pr(rng: random.Random, n: int) -> PullRequest:
    created = AS_OF - timedelta(days=rng.uniform(0.5, 730))
    closed = min(created + timedelta(hours=rng.lognormvariate(3, 1.2)), AS_OF)
    uid = f"repo{n % 30:02d}-{n}"
    reviewers = tuple(Reviewer(uid, p, p.title(), rng.choice((10, 10, 5, 0, -5, -10)))
                      for p in rng.sample(PEOPLE, rng.randint(0, 4)))
    author = PEOPLE[rng.randrange(150)]
    return PullRequest(uid, n, "bench", PROJECTS[n % 10], f"repo{n % 30:02d}", f"repo{n % 30:02d}", author,
                       author.title(), f"PR {n}", "completed", created, closed, reviewers=reviewers,
                       first_comment_at=created + timedelta(hours=rng.uniform(0.1, 10)) if rng.random() < 0.5 else None)


def build_store(path: Path, items: int, prs: int) -> float:
    """Write the synthetic organisation into a fresh store at `path`; returns revisions/s of the
    work-item writes (snapshots + revisions + facts, generation excluded)."""
    if path.exists():
        path.unlink()
    rng = random.Random(42)
    store = open_store(path)
    started = time.perf_counter()
    with store.transaction():
        store.upsert_state_categories([StateCategory(p, t, s, c, i) for p in PROJECTS for t in TYPES
                                       for i, (s, c) in enumerate(STATES)])
    revisions = 0
    batch = 5000
    writing = 0.0
    for lo in range(1, items + 1, batch):
        made = [_item(rng, i) for i in range(lo, min(lo + batch, items + 1))]
        t0 = time.perf_counter()
        with store.transaction():
            store.upsert_work_items([m[0] for m in made])
            revisions += store.upsert_revisions([r for m in made for r in m[1]])
        writing += time.perf_counter() - t0
    for lo in range(1, prs + 1, batch):
        with store.transaction():
            store.upsert_pull_requests([_pr(rng, n) for n in range(lo, min(lo + batch, prs + 1))])
    with store.transaction():
        run = store.start_run("bench")
        store.finish_run(run, status="success")
    stats = store.stats()
    store.close()
    print(f"built {path}: {stats['work_item']:,} work items, {stats['revision']:,} revisions, "
          f"{stats['pull_request']:,} PRs in {time.perf_counter() - started:.0f} s (revisions written: {revisions:,})")
    return revisions / writing if writing else 0.0


def rederive(db: Path) -> float:
    """Seconds to re-derive every item's facts after a flow-settings change (the blocked tag), as a
    report does once; the store is left derived under the default tag again (not timed)."""
    from flowtui.metrics import FlowPolicy

    store = open_store(db)
    try:
        store.ensure_facts(FlowPolicy().blocked_tag)
        last: list[tuple[int, int]] = []
        t0 = time.perf_counter()
        store.ensure_facts("Impeded", lambda done, total: last.append((done, total)))
        took = time.perf_counter() - t0
        store.ensure_facts(FlowPolicy().blocked_tag)
    finally:
        store.close()
    print(f"  (re-derive progress callbacks: {len(last)}, last {last[-1] if last else None})")
    return took

def _command() -> tuple[list[str], str]:
    from flowtui.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    if "metrics" in sub.choices:
        return [sys.executable, "-m", "flowtui", "metrics"], "python -m flowtui metrics"
    driver = ("import argparse, sys; from flowtui.cli import metrics_cmd; p = argparse.ArgumentParser(); "
              "s = p.add_subparsers(); metrics_cmd.register(s); a = p.parse_args(sys.argv[1:]); sys.exit(a.handler(a))")
    return [sys.executable, "-c", driver, "metrics"], "metrics_cmd driver (flowtui.cli.main does not register `metrics` yet)"


def measure(db: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Run the command `runs` times; wall seconds, CPU seconds and peak RSS (MB) of each run."""
    command, label = _command()
    print(f"command: {label}")
    config = Path(tempfile.mkdtemp()) / "absent.toml"
    argv = [*command, "--format", "json", "--db", str(db), "--config", str(config), "--as-of", "2026-11-23T12:00:00Z"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWTUI_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out = proc.stdout.read()  # type: ignore[union-attr]
        err = proc.stderr.read()  # type: ignore[union-attr]
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t0)
        rss.append(usage.ru_maxrss / 1024)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0 or not out.startswith(b"{"):
            sys.exit(f"the command failed (status {status}): {err.decode(errors='replace')[-2000:]}")
    return walls, cpus, rss


def phases(db: Path) -> None:
    """In-process CPU seconds of each stage of the report, to show where the time goes."""
    import gc

    from flowtui.metrics import FlowPolicy, analyse, build_report, dumps
    from flowtui.metrics.calendar import complete_weeks, day_start

    policy = FlowPolicy()
    gc.disable()
    clock = time.process_time
    t0 = clock()
    store = open_store(db)
    store.ensure_facts(policy.blocked_tag)
    histories = store.item_timelines(None, blocked_tag=policy.blocked_tag)
    t1 = clock()
    states = store.state_categories()
    since = min(day_start(AS_OF.date() - timedelta(days=89), policy.tz),
                day_start(complete_weeks(AS_OF, policy.tz, 12)[0], policy.tz))
    prs = store.pull_requests(None, closed_after=since - timedelta(microseconds=1))
    runs = store.sync_runs(20)
    store.close()
    t2 = clock()
    analysis = analyse(histories, states, policy, AS_OF)
    t3 = clock()
    report = build_report(None, (), prs, runs, policy, as_of=AS_OF, analysis=analysis)
    dumps(report)
    t4 = clock()
    gc.enable()
    revisions = sum(len(h.revisions) for h in histories)
    print(f"phases (CPU s, in-process): store.item_timelines {t1 - t0:.2f} ({len(histories):,} items, "
          f"{revisions:,} timeline steps from facts) · PRs+states+runs {t2 - t1:.2f} ({len(prs):,} PRs) · "
          f"analyse {t3 - t2:.2f} · build_report+dumps {t4 - t3:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "flowtui-bench" / "metrics-large.sqlite")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store even if it exists")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--prs", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--phases", action="store_true", help="also print an in-process breakdown by stage")
    parser.add_argument("--scale-1m", action="store_true",
                        help="the 1M-item / 10M-revision scale point (prints the command unless --run is given)")
    parser.add_argument("--run", action="store_true", help="with --scale-1m: really build and measure it")
    args = parser.parse_args()
    wall_budget, rss_budget = BUDGET_WALL_S, BUDGET_RSS_MB
    if args.scale_1m:
        db = args.db.with_name("metrics-1m.sqlite")
        if not args.run:
            print("1M-item scale point (SPEC §12: metrics ≤ 10 s, ≤ 1 GB RSS); building it writes ~10M revisions"
                  f" (tens of minutes, several GB). Run:\n  python {Path(__file__).name} --scale-1m --run --runs 1"
                  f"  (store: {db})")
            return 0
        args.db, args.items, args.prs = db, 1_000_000, 500_000
        wall_budget, rss_budget = SCALE_WALL_S, SCALE_RSS_MB
    args.db.parent.mkdir(parents=True, exist_ok=True)
    write_rate = None
    if args.rebuild or not args.db.exists():
        write_rate = build_store(args.db, args.items, args.prs)
    else:
        print(f"reusing {args.db} (pass --rebuild to regenerate and measure store writes)")
    load = os.getloadavg()[0]
    walls, cpus, rss = measure(args.db, args.runs)
    if args.phases:
        phases(args.db)
    wall = sorted(walls)[len(walls) // 2]
    peak = max(rss)
    ok_wall, ok_rss = wall <= wall_budget, peak <= rss_budget
    print(f"metrics --format json wall (median of {len(walls)}): {wall:6.2f} s   budget {wall_budget:.1f} s   "
          f"{'ok' if ok_wall else 'MISS'}   runs: {', '.join(f'{w:.2f}' for w in walls)}")
    print(f"metrics --format json peak RSS (max):        {peak:6.0f} MB  budget {rss_budget:.0f} MB   "
          f"{'ok' if ok_rss else 'MISS'}")
    took = rederive(args.db)
    ok_derive = args.scale_1m or took <= BUDGET_REDERIVE_S
    print(f"full re-derive of every item's facts:       {took:6.2f} s   budget {BUDGET_REDERIVE_S:.1f} s   "
          f"{'ok' if ok_derive else 'MISS'}")
    ok_writes = True
    if write_rate is not None:
        ok_writes = write_rate >= BUDGET_WRITES_PER_S
        print(f"store writes with facts (build):     {write_rate:10,.0f} rev/s  budget {BUDGET_WRITES_PER_S:,} rev/s   "
              f"{'ok' if ok_writes else 'MISS'}")
    print(f"CPU time (user+sys) per run: {', '.join(f'{c:.2f}' for c in cpus)} s; "
          f"1-minute load average before the runs: {load:.2f} on {os.cpu_count()} CPUs")
    return 0 if ok_wall and ok_rss and ok_derive and ok_writes else 1


if __name__ == "__main__":
    raise SystemExit(main())
