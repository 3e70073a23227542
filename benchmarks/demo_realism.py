"""Realism check of the default demo org: do its flow metrics look like a real team's?

Computed straight from the generator's ground truth, per project, over the 90 days ending at the
org's `now` (SPEC §7 definitions, cycle_start = "first", Resolved counted as doing):
started = first transition into an InProgress/Resolved state, completed = last transition into a
Completed state (items whose current state is Completed), cycle time = completed − started,
throughput/week = completions in the window / 90 × 7, WIP = items now in InProgress/Resolved.
Prints each figure next to its target band and exits 1 when one is outside it.

    python benchmarks/demo_realism.py [seed]
"""

from __future__ import annotations

import statistics
import sys
from datetime import UTC, datetime

from flowtui.demo import generate_org

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAY_MS = 86_400_000
TARGETS = {"cycle p50 (days)": (2.0, 7.0), "cycle p85 (days)": (7.0, 21.0),
           "throughput/week": (5.0, 30.0), "WIP": (10, 60)}


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def project_figures(org, project) -> dict[str, float]:
    window_start = org.now_ms - 90 * DAY_MS
    cycle, done, wip = [], 0, 0
    for item in org.items_of(project.name):
        category = item.category
        if category in ("InProgress", "Resolved"):
            wip += 1
        if category != "Completed":
            continue
        started = completed = None
        prev = None
        for rev in item.revisions:
            cat = item.type.category_of(rev.state)
            if rev.state != prev:
                if cat in ("InProgress", "Resolved") and started is None:
                    started = rev.t
                if cat == "Completed":
                    completed = rev.t
            prev = rev.state
        if completed is not None and completed >= window_start:
            done += 1
            if started is not None:
                cycle.append((completed - started) / DAY_MS)
    return {"cycle p50 (days)": _pct(cycle, 50), "cycle p85 (days)": _pct(cycle, 85),
            "throughput/week": done / 90 * 7, "WIP": wip}


def main(argv: list[str]) -> int:
    seed = int(argv[0]) if argv else 7
    org = generate_org(seed, "default", now=NOW)
    failed = False
    for project in org.projects:
        figures = project_figures(org, project)
        print(f"[{project.name}] ({project.process.name})")
        for name, value in figures.items():
            lo, hi = TARGETS[name]
            ok = lo <= value <= hi
            failed |= not ok
            print(f"  {name:18} {value:8.1f}   target {lo:g}..{hi:g}   {'ok' if ok else 'MISS'}")
    prs = [p for p in org.pull_requests.values() if p.status == "completed"]
    hours = [(p.closed - p.creation).total_seconds() / 3600 for p in prs]
    print(f"[pull requests] completed {len(prs)}, cycle p50 {_pct(hours, 50):.1f} h, p90 {_pct(hours, 90):.1f} h, "
          f"active {len(org.prs_of(status='active'))}, abandoned {len(org.prs_of(status='abandoned'))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
