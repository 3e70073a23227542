"""Fault knobs, throttling, determinism of bytes, and the async client."""

from __future__ import annotations

import httpx
import pytest

from flowtui.demo import FaultRule, Faults, SimulatedAdo, generate_org

from .conftest import NOW, V, make_client


class FakeClock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_nth_request_fails_with_503_then_recovers(org, client_for) -> None:
    sim, c = client_for(org, Faults(rules=[FaultRule("503", nth=2, retry_after=3)]))
    assert c.get("/_apis/projects", params=V).status_code == 200
    r = c.get("/_apis/projects", params=V)
    assert r.status_code == 503 and r.headers["retry-after"] == "3"
    assert r.json()["typeKey"] == "ServiceUnavailableException"
    assert c.get("/_apis/projects", params=V).status_code == 200
    assert [s for _, _, s in sim.request_log] == [200, 503, 200]


def test_route_rule_429_with_rate_limit_headers(org, client_for) -> None:
    _, c = client_for(org, Faults(rules=[FaultRule("429", route="reporting_revisions", count=2)],
                                  retry_after_s=0.5))
    url = "/Fabrikam Web/_apis/wit/reporting/workitemrevisions"
    assert c.get("/_apis/projects", params=V).status_code == 200  # other routes untouched
    for _ in range(2):
        r = c.get(url, params=V)
        assert r.status_code == 429 and r.headers["retry-after"] == "0.5"
        assert r.json()["message"].startswith("TF400733:")
        assert r.headers["x-ratelimit-remaining"] == "0" and "x-ratelimit-reset" in r.headers
    assert c.get(url, params=V).status_code == 200


@pytest.mark.parametrize("kind,exc", [("connect_error", httpx.ConnectError),
                                      ("reset", httpx.RemoteProtocolError),
                                      ("read_timeout", httpx.ReadTimeout)])
def test_connection_faults_raise(org, client_for, kind, exc) -> None:
    sim, c = client_for(org, Faults(rules=[FaultRule(kind, nth=1)]))
    with pytest.raises(exc):
        c.get("/_apis/projects", params=V)
    assert sim.request_log[-1][2] == 0
    assert c.get("/_apis/projects", params=V).status_code == 200


def test_random_faults_are_seeded(org) -> None:
    def statuses(seed: int) -> list[int]:
        sim = SimulatedAdo(org, faults=Faults(random_rate=0.3, random_kinds=("500", "503"), seed=seed))
        with make_client(sim) as c:
            return [c.get("/_apis/projects", params=V).status_code for _ in range(40)]

    a, b, other = statuses(1), statuses(1), statuses(2)
    assert a == b and a != other
    # 40 draws at 30 %: some faults, mostly successes
    assert 0 < sum(s != 200 for s in a) < 40
    assert set(a) <= {200, 500, 503}


def test_org_stopped_tf24668_with_bom(org, client_for) -> None:
    _, c = client_for(org, Faults(org_stopped=True))
    r = c.get("/_apis/projects", params=V)
    assert r.status_code == 503 and r.content.startswith(b"\xef\xbb\xbf{")
    assert "TF24668" in r.content.decode("utf-8-sig") and "x-tfs-serviceerror" in r.headers


def test_bom_on_every_json_body(org, client_for) -> None:
    _, c = client_for(org, Faults(bom=True))
    r = c.get("/_apis/projects", params=V)
    assert r.content.startswith(b"\xef\xbb\xbf") and r.content[3:4] == b"{"


def test_malformed_route(org, client_for) -> None:
    _, c = client_for(org, Faults(malformed_routes=("workitemtypes",)))
    r = c.get("/Fabrikam Web/_apis/wit/workitemtypes", params=V)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        r.json()
    assert c.get("/_apis/projects", params=V).json()["count"] == 2


def test_forbidden_route_and_no_batch_route(org, client_for) -> None:
    _, c = client_for(org, Faults(forbidden_routes=("pullrequests",), no_workitemsbatch=True))
    r = c.get("/Fabrikam Web/_apis/git/pullrequests", params=V)
    assert r.status_code == 401 and r.json()["message"].startswith("TF400813:")
    r = c.post("/Fabrikam Web/_apis/wit/workitemsbatch", params=V, json={"ids": [1]})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")


def test_slow_responses_use_the_injected_sleep(org, client_for) -> None:
    slept: list[float] = []
    _, c = client_for(org, Faults(latency_s=0.25, latency_routes=("projects",), sleep=slept.append))
    c.get("/_apis/projects", params=V)
    c.get("/Fabrikam Web/_apis/wit/workitemtypes", params=V)
    assert slept == [0.25]


def test_throttle_stages(org) -> None:
    # limit 10 TSTU, 1 per request, block at 1.5 x 10 = 15:
    # requests 1-8 (usage before 0..7) plain; 9-10 (usage 8, 9 >= 0.8*10) carry X-RateLimit-*;
    # 11-15 (usage 10..14 >= 10) are delayed 200s with Retry-After; from 16 on (usage 15) -> 429.
    clock = FakeClock()
    slept: list[float] = []
    faults = Faults(rate_limit=10, window_s=300, retry_after_s=2, throttle_delay_s=0.5, throttle_sleep=True,
                    sleep=slept.append)
    sim = SimulatedAdo(org, faults=faults, clock=clock)
    with make_client(sim) as c:
        rs = [c.get("/_apis/projects", params=V) for _ in range(16)]
        assert all("x-ratelimit-limit" not in r.headers for r in rs[:8])
        assert [r.headers["x-ratelimit-remaining"] for r in rs[8:10]] == ["2", "1"]
        assert all(r.status_code == 200 and r.headers["retry-after"] == "2"
                   and r.headers["x-ratelimit-delay"] == "0.500" for r in rs[10:15])
        assert slept == [0.5] * 5
        assert rs[15].status_code == 429 and rs[15].json()["message"].startswith("TF400733")
        assert rs[15].headers["x-ratelimit-reset"] == str(int(clock.t + 300))
        clock.t += 301  # the window slides past every recorded request
        assert "retry-after" not in c.get("/_apis/projects", params=V).headers


def test_demo_preset_throttles_occasionally_with_short_retry_after(org) -> None:
    sim = SimulatedAdo(org, faults=Faults.demo(seed=0))
    with make_client(sim) as c:
        rs = [c.get("/_apis/projects", params=V) for _ in range(200)]
    throttled = [r for r in rs if r.status_code == 429]
    assert 0 < len(throttled) < 20  # 3 % of 200 = 6 expected
    assert all(float(r.headers["retry-after"]) <= 1.0 for r in throttled)


def _transcript(seed: int) -> list[bytes]:
    org = generate_org(seed, "tiny", now=NOW)
    sim = SimulatedAdo(org)
    out = []
    with make_client(sim) as c:
        calls = [c.get("/_apis/projects", params=V),
                 c.post("/Fabrikam Web/_apis/wit/reporting/workitemrevisions", params=V, json={}),
                 c.get("/Contoso Platform/_apis/git/pullrequests", params={**V, "searchCriteria.status": "all"}),
                 c.post("/Fabrikam Web/_apis/wit/wiql", params=V,
                        json={"query": "SELECT [System.Id] FROM WorkItems ORDER BY [System.ChangedDate] DESC"}),
                 c.get("/Fabrikam Web/_apis/wit/workItems/3/updates", params=V)]
        for r in calls:
            assert r.status_code == 200
            out.append(r.content + repr(sorted(r.headers.items())).encode())
    return out


def test_same_seed_gives_byte_identical_responses() -> None:
    assert _transcript(7) == _transcript(7)
    assert _transcript(7) != _transcript(8)


async def test_async_client(org) -> None:
    sim = SimulatedAdo(org, faults=Faults(rules=[FaultRule("503", nth=1)], latency_s=0.01))
    async with httpx.AsyncClient(transport=sim.transport, base_url=sim.base_url, auth=("", "demo-pat"),
                                 headers={"X-TFS-FedAuthRedirect": "Suppress"}) as c:
        first = await c.get("/_apis/projects", params=V)
        second = await c.post("/Fabrikam Web/_apis/wit/reporting/workitemrevisions", params=V,
                              json={"fields": ["System.Id"]})
    assert first.status_code == 503 and second.status_code == 200
    assert second.json()["values"][0]["fields"] == {"System.Id": second.json()["values"][0]["id"]}
    assert sim.counts_by_route() == {"projects": 1, "reporting_revisions": 1}


def test_fault_validation() -> None:
    with pytest.raises(ValueError):
        FaultRule("418", nth=1)
    with pytest.raises(ValueError):
        FaultRule("503")
    with pytest.raises(ValueError):
        Faults(bad_pat_mode="maybe")


def test_html_fault_is_a_200_that_is_not_json(org, client_for) -> None:
    _, c = client_for(org, Faults(rules=[FaultRule("html", route="projects")]))
    r = c.get("/_apis/projects", params=V)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert c.get("/_apis/projects", params=V).headers["content-type"].startswith("application/json")


_SCRIPT = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.unit.demo.test_faults import _transcript
print(hashlib.sha256(b"".join(_transcript(7))).hexdigest())
"""


def test_byte_identical_across_processes_and_hash_seeds() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[3])
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": root}
        out = subprocess.run([sys.executable, "-c", _SCRIPT.format(root=root)], env=env, capture_output=True,
                             text=True, check=True)
        digests.add(out.stdout.strip())
    import hashlib

    digests.add(hashlib.sha256(b"".join(_transcript(7))).hexdigest())  # this process, its own hash seed
    assert len(digests) == 1
