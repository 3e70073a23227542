"""Benchmark: generation time and peak RSS of the simulated ADO org (flowtui.demo.generate_org).

Each size is generated in a fresh child process (so peak RSS is per size). Prints every figure next
to its budget and exits 1 when one is missed.

    python benchmarks/demo_generate.py            # default + large
    python benchmarks/demo_generate.py default    # only the listed sizes
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

# size -> (max seconds, max peak RSS MB, (min, max) revisions)
BUDGETS: dict[str, tuple[float, float, tuple[int, int]]] = {
    "tiny": (0.5, 150.0, (300, 1_000)),
    "default": (2.0, 300.0, (20_000, 60_000)),
    "large": (60.0, 2_000.0, (900_000, 1_150_000)),
}
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _child(size: str) -> None:
    from flowtui.demo import generate_org

    start = time.perf_counter()
    org = generate_org(7, size, now=NOW)
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "items": len(org.work_items),
                      "revisions": len(org.revisions), "prs": len(org.pull_requests)}))


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--child":
        _child(argv[1])
        return 0
    sizes = argv or ["default", "large"]
    failed = False
    for size in sizes:
        max_s, max_mb, (lo, hi) = BUDGETS[size]
        proc = subprocess.run([sys.executable, __file__, "--child", size], capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            print(f"{size}: generation failed\n{proc.stderr}", file=sys.stderr)
            failed = True
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        checks = [
            ("generation time", f"{r['seconds']:.2f} s", f"< {max_s:g} s", r["seconds"] < max_s),
            ("peak RSS", f"{r['rss_mb']:.0f} MB", f"<= {max_mb:g} MB", r["rss_mb"] <= max_mb),
            ("revisions", f"{r['revisions']:,}", f"{lo:,}..{hi:,}", lo <= r["revisions"] <= hi),
        ]
        print(f"[{size}] work items {r['items']:,}, pull requests {r['prs']:,}")
        for name, value, budget, ok in checks:
            print(f"  {name:16} {value:>14}   budget {budget:>18}   {'ok' if ok else 'MISS'}")
            failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
