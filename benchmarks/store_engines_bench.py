"""Store engines side by side: the simulated organization synced into SQLite and into PostgreSQL (issue #15).

For each engine it runs a first sync of the same organization (a fresh simulated server each time)
and prints the revisions written per second by the store step (the one transaction per page that
writes snapshots, revisions with their facts, completeness notes and the cursor — timed exactly as
`sync_bench.py` does: wall seconds, and CPU seconds of the writing thread; on PostgreSQL the server's
own CPU is not in that figure, so the wall rate is the one to compare), the whole sync's wall time,
then `flowtui metrics --format json` as a subprocess against each store (median wall of `--runs`,
peak RSS), checks that both engines print byte-identical JSON and that `flowtui export` writes
byte-identical files, and prints each figure next to its budget. Budgets: store writes ≥ 20,000
revisions/s (SQLite, CPU; SPEC §12) and metrics ≤ 1.0 s on the 100k store — the PostgreSQL figures are
printed beside them for comparison; the issue sets no separate PostgreSQL budget. Exits 1 when the
outputs differ, a sync fails, or an SQLite budget is missed.

The PostgreSQL server is a throw-away one started from initdb/pg_ctl (`tests/pg_server.py`, as the
test fixtures do, but with PostgreSQL's durable defaults — fsync and synchronous commit on — where the
tests turn them off), on this machine over loopback TCP; or the database at `--pg-url` (it must be
empty; nothing is dropped there).

    python benchmarks/store_engines_bench.py [--size large|default] [--seed 7] [--runs 3] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sync_bench  # noqa: E402  (the same store-step instrumentation as the sync benchmark)

from flowtui.config import load_settings  # noqa: E402
from flowtui.demo import SimulatedAdo, generate_org  # noqa: E402
from flowtui.store import open_store  # noqa: E402
from flowtui.sync import run_sync  # noqa: E402

REVISIONS_PER_S_BUDGET = 20_000
METRICS_WALL_BUDGET_S = 1.0


def sync_into(target: Path | str, org, tmp: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """A first sync of `org` into the store at `target`; the figures of its store step and the whole run."""
    sim = SimulatedAdo(org)
    projects = [p.name for p in org.projects]
    flags = {"ado.org_url": sim.base_url, "ado.projects": projects}
    if isinstance(target, str):
        flags["store.url"] = target
    settings = load_settings(config=tmp / "none.toml", db=None if isinstance(target, str) else target,
                             flags=flags, env={})
    since = (org.now - timedelta(days=3650)).date()
    sync_bench.STORE_TIME.update(s=0.0, cpu=0.0, revs=0)
    store = open_store(settings.store_target)
    try:
        t0 = time.perf_counter()
        summary = run_sync(settings, store, pat=sim.pat, transport=sim.transport, now=org.now, since=since)
        wall = time.perf_counter() - t0
    finally:
        store.close()
    if summary.status != "success":
        sys.exit(f"the sync into {target} ended {summary.status}: {summary.first_error}")
    st = sync_bench.STORE_TIME
    return {"revisions": summary.revisions, "requests": summary.requests, "sync_wall": wall,
            "store_wall": st["s"], "store_cpu": st["cpu"], "written": st["revs"]}


#: A small process started before the organization is generated runs every measured command: on
#: Linux a child's peak RSS starts from its parent's at fork (kept across exec), so commands forked by
#: this process, which holds the whole simulated organization, would all report about 650 MB.
_LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    argv, env, out_path, err_path = json.loads(line)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps([proc.returncode, wall, usage.ru_maxrss / 1024]), flush=True)
"""
_launcher: subprocess.Popen[str] | None = None


def start_launcher() -> None:
    global _launcher  # noqa: PLW0603 - one launcher per benchmark run
    _launcher = subprocess.Popen([sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)


def _run(argv: list[str]) -> tuple[bytes, float, float]:
    """Run a flowtui command through the launcher; its stdout, wall seconds and own peak RSS (MB)."""
    assert _launcher is not None and _launcher.stdin is not None and _launcher.stdout is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWTUI_", "PG"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.NamedTemporaryFile() as out_file, tempfile.NamedTemporaryFile() as err_file:
        _launcher.stdin.write(json.dumps([[sys.executable, "-m", "flowtui", *argv], env, out_file.name,
                                          err_file.name]) + "\n")
        _launcher.stdin.flush()
        code, wall, rss = json.loads(_launcher.stdout.readline())
        out, err = Path(out_file.name).read_bytes(), Path(err_file.name).read_bytes()
    if code != 0:
        sys.exit(f"`flowtui {' '.join(argv)}` failed ({code}): {err.decode(errors='replace')[-2000:]}")
    return out, wall, rss


def metrics(target: Path | str, as_of: str, config: Path, runs: int) -> tuple[bytes, list[float], float]:
    """`flowtui metrics --format json` `runs` times against `target`: its output, wall times, peak RSS."""
    argv = ["metrics", "--format", "json", "--db", str(target), "--config", str(config), "--as-of", as_of]
    outputs, walls, rss = [], [], 0.0
    for _ in range(runs):
        out, wall, peak = _run(argv)
        outputs.append(out)
        walls.append(wall)
        rss = max(rss, peak)
    if len(set(outputs)) != 1:
        sys.exit(f"metrics on {target} printed different JSON on repeated runs")
    return outputs[0], walls, rss


def export(target: Path | str, as_of: str, config: Path, out_dir: Path) -> list[str]:
    _run(["export", "--db", str(target), "--config", str(config), "--as-of", as_of, str(out_dir)])
    return sorted(p.name for p in out_dir.iterdir())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=("default", "large"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-url", help="an empty PostgreSQL database to use instead of a throw-away server")
    args = parser.parse_args()

    sync_bench._instrument()  # noqa: SLF001
    start_launcher()
    t0 = time.perf_counter()
    org = generate_org(seed=args.seed, size=args.size)
    print(f"{args.size}: {len(org.work_items):,} items, {len(org.revisions):,} revisions, "
          f"{len(org.pull_requests):,} PRs (generated in {time.perf_counter() - t0:.1f} s)")
    tmp = Path(tempfile.mkdtemp(prefix="flowtui-engines-"))
    config = tmp / "absent.toml"
    as_of = org.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    server = None
    pg_url = args.pg_url
    if not pg_url:
        from tests.pg_server import start_server

        server = start_server(durable=True)
        pg_url = server.create_database("bench")
    failures: list[str] = []
    try:
        targets: dict[str, Path | str] = {"SQLite": tmp / "store.sqlite", "PostgreSQL": pg_url}
        rows: dict[str, dict[str, float]] = {}
        json_out: dict[str, bytes] = {}
        for name, target in targets.items():
            print(f"syncing into {name} …", flush=True)
            rows[name] = sync_into(target, org, tmp)
            out, walls, rss = metrics(target, as_of, config, args.runs)
            json_out[name] = out
            rows[name].update(metrics_wall=statistics.median(walls), metrics_min=min(walls), metrics_rss=rss)
            rows[name]["files"] = len(export(target, as_of, config, tmp / f"export-{name}"))

        print(f"\n{'':34} {'SQLite':>14} {'PostgreSQL':>14}   budget")
        def line(label: str, key: str, fmt: str, budget: str = "") -> None:
            print(f"{label:<34} {format(rows['SQLite'][key], fmt):>14} {format(rows['PostgreSQL'][key], fmt):>14}   {budget}")
        for r in rows.values():
            r["rate_wall"] = r["written"] / r["store_wall"] if r["store_wall"] else 0.0
            r["rate_cpu"] = r["written"] / r["store_cpu"] if r["store_cpu"] else 0.0
        line("revisions synced", "revisions", ",.0f")
        line("requests", "requests", ",.0f")
        line("whole first sync, wall s", "sync_wall", ".1f")
        line("store step, wall s", "store_wall", ".1f")
        line("store writes, revisions/s (wall)", "rate_wall", ",.0f")
        line("store writes, revisions/s (CPU)", "rate_cpu", ",.0f", f">= {REVISIONS_PER_S_BUDGET:,}/s (SQLite)")
        line("metrics --format json, median s", "metrics_wall", ".2f", f"<= {METRICS_WALL_BUDGET_S:.1f} s (100k store)")
        line("metrics --format json, best s", "metrics_min", ".2f")
        line("metrics peak RSS, MB", "metrics_rss", ".0f")
        line("export files", "files", ".0f")

        same_json = json_out["SQLite"] == json_out["PostgreSQL"]
        names = sorted(p.name for p in (tmp / "export-SQLite").iterdir())
        match, mismatch, errors = filecmp.cmpfiles(tmp / "export-SQLite", tmp / "export-PostgreSQL", names, shallow=False)
        print(f"\nmetrics JSON byte-identical on both engines: {same_json} ({len(json_out['SQLite']):,} bytes)")
        print(f"export files byte-identical: {len(match)} of {len(names)}" + (f"; differ: {mismatch + errors}" if mismatch or errors else ""))
        if not same_json:
            failures.append("metrics JSON differs between the engines")
        if mismatch or errors:
            failures.append(f"exports differ between the engines: {mismatch + errors}")
        if rows["SQLite"]["rate_cpu"] < REVISIONS_PER_S_BUDGET:
            failures.append(f"SQLite store writes {rows['SQLite']['rate_cpu']:,.0f}/s < {REVISIONS_PER_S_BUDGET:,}/s")
        if rows["SQLite"]["metrics_wall"] > METRICS_WALL_BUDGET_S:
            failures.append(f"SQLite metrics {rows['SQLite']['metrics_wall']:.2f} s > {METRICS_WALL_BUDGET_S} s")
    finally:
        if server is not None:
            server.drop_database(pg_url)
            server.stop()
    for failure in failures:
        print(f"MISSED: {failure}")
    print("all budgets met" if not failures else f"{len(failures)} budget(s) missed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
