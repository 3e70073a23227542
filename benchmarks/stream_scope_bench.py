"""Org-level revisions stream vs per-project streams, measured on the simulated organization.

Prints, for a first read of the whole history and for an incremental read after a day of changes
with moves (between synced projects and out of them) and a type change: requests, response bytes
and what each design sees of the moved items, when all projects are synced and when one is.
No store is involved: this reads the streams the way `flowtui.sync` does (POST, the sync's field
list, identity refs) and counts what comes over the wire.

    python benchmarks/stream_scope_bench.py [--size default] [--seed 7]
"""

from __future__ import annotations

import argparse
from typing import Any

import httpx

from flowtui.ado import endpoints
from flowtui.ado.client import AdoClient
from flowtui.demo import SimulatedAdo, generate_org


class Metered(httpx.BaseTransport):
    """Counts requests and response bytes of an inner transport."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests = 0
        self.bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.requests += 1
        self.bytes += len(response.content)
        return response


def read(client: AdoClient, project: str | None, token: str | None) -> tuple[list[Any], str | None]:
    """Every entry of one stream from `token` to its end, and the token to resume from."""
    values: list[Any] = []
    while True:
        batch = endpoints.reporting_revisions(client, project, continuation_token=token)
        values.extend(batch.values)
        token = batch.continuation_token or token
        if batch.is_last_batch:
            return values, token


def scope_of(values: list[Any]) -> dict[int, tuple[str, str]]:
    """Item id -> (project, type) of its latest revision seen."""
    out: dict[int, tuple[int, str, str]] = {}
    for v in values:
        f = v["fields"]
        if v["id"] not in out or v["rev"] >= out[v["id"]][0]:
            out[v["id"]] = (v["rev"], f.get("System.TeamProject", ""), f.get("System.WorkItemType", ""))
    return {i: (p, t) for i, (_, p, t) in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="default")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    org = generate_org(seed=args.seed, size=args.size, realities=True, extra_empty_projects=1)
    sim = SimulatedAdo(org)
    meter = Metered(sim.transport)
    client = AdoClient(sim.base_url, sim.pat, transport=meter)
    names = [p.name for p in org.projects if p.repositories]
    sandbox = next(p.name for p in org.projects if not p.repositories)

    def measure(label: str, fn: Any) -> Any:
        r0, b0 = meter.requests, meter.bytes
        out = fn()
        print(f"  {label:<46} {meter.requests - r0:>6} requests {(meter.bytes - b0) / 1e6:>9.2f} MB")
        return out

    print(f"== {args.size}: {len(org.work_items):,} items, {len(org.revisions):,} revisions, {len(names)} projects")
    print("first read of the whole history")
    org_values, org_token = measure("org-level stream (all projects)", lambda: read(client, None, None))
    per: dict[str, tuple[list[Any], str | None]] = {}
    for name in names:
        per[name] = measure(f"project stream {name!r}", lambda n=name: read(client, n, None))
    # a day of changes, with two moves between synced projects, one out, and a type change
    org.advance(hours=24)
    live = [w for w in org.work_items.values() if not w.is_deleted and w.project.name in names and len(w.revisions) > 2]
    a, b = names[0], names[1]
    moved = [w.id for w in live if w.project.name == a][:2]
    out = [w.id for w in live if w.project.name == b][0]
    retyped = [w for w in live if w.project.name == a and w.id not in moved][0]
    for i in moved:
        org.move_item(i, b)
    org.move_item(out, sandbox)
    other = next(t.name for t in retyped.project.process.types if t.name != retyped.type.name)
    org.change_type(retyped.id, other)
    print("incremental read after a day of changes (2 moves between synced projects, 1 move out, 1 type change)")
    org_inc, _ = measure("org-level stream", lambda: read(client, None, org_token))
    per_inc: list[Any] = []
    for name in names:
        vals, _ = measure(f"project stream {name!r}", lambda n=name: read(client, n, per[n][1]))
        per_inc.extend(vals)
    seen_org, seen_per = scope_of(org_inc), scope_of(per_inc)
    print("what each design sees of the moved items")
    for label, ids in (("moved between synced projects", moved), ("moved out (to an unsynced project)", [out]),
                       ("type changed", [retyped.id])):
        print(f"  {label:<36} org-level: {[seen_org.get(i) for i in ids]}  per-project: {[seen_per.get(i) for i in ids]}")
    print("syncing one project of several: bytes of the first read")
    single = names[0]
    org_bytes = sum(len(str(v)) for v in org_values)
    mine = sum(len(str(v)) for v in org_values if scope_of([v]).get(v["id"], ("", ""))[0] == single)
    print(f"  org-level stream reads {org_bytes / 1e6:.2f} MB of entries to keep {mine / 1e6:.2f} MB for {single!r} "
          f"({org_bytes / max(mine, 1):.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
