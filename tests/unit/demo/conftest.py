"""Fixtures for the simulated-ADO tests: a fixed clock, a tiny org and authenticated clients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from flowtui.demo import Faults, SimulatedAdo, SimulatedOrg, generate_org

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
V = {"api-version": "7.1"}


@pytest.fixture
def org() -> SimulatedOrg:
    """A fresh tiny org (function scope: some tests advance it)."""
    return generate_org(7, "tiny", now=NOW)


def make_client(sim: SimulatedAdo, *, pat: str = "demo-pat", suppress: bool = True,
                base_url: str | None = None) -> httpx.Client:
    headers = {"X-TFS-FedAuthRedirect": "Suppress"} if suppress else {}
    return httpx.Client(transport=sim.transport, base_url=base_url or sim.base_url, auth=("", pat),
                        headers=headers, follow_redirects=False)


@pytest.fixture
def client_for() -> Callable[..., tuple[SimulatedAdo, httpx.Client]]:
    """Build (SimulatedAdo, client) for an org and optional Faults."""
    clients: list[httpx.Client] = []

    def build(org: SimulatedOrg, faults: Faults | None = None, **kw) -> tuple[SimulatedAdo, httpx.Client]:
        sim = SimulatedAdo(org, faults=faults, **{k: v for k, v in kw.items() if k in ("pat", "clock")})
        client = make_client(sim, **{k: v for k, v in kw.items() if k in ("suppress", "base_url")})
        clients.append(client)
        return sim, client

    yield build
    for c in clients:
        c.close()
