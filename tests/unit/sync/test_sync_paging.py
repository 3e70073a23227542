"""Hardening, paging family at sync and CLI level: `run_sync` against a simulator that misbehaves.

Each misbehaviour ends within a few requests with one sentence, the project fails (exit 1) while
the other projects and every committed page stay; capped PR pages lose nothing. The `run_sync` tests
run on SQLite and on a real PostgreSQL (tests/conftest.py's `store_target`/`store_targets`): the pages
committed before a stop must be kept on both.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

import flowtui.sync
from flowtui.cli import sync_cmd
from flowtui.demo import generator
from flowtui.demo.faults import Faults
from flowtui.demo.transport import SimulatedAdo
from flowtui.store import open_store
from flowtui.sync import run_sync

from .helpers import FakeTime, dump, make_settings
from .test_sync_sim import NOW, _NoReporting, make_sim


@pytest.fixture
def pr_org(monkeypatch: pytest.MonkeyPatch):
    """One project with 300 PRs (275 completed) and a dozen items: generated in ~10 ms."""
    monkeypatch.setitem(generator.SIZES, "paging", replace(generator.SIZES["tiny"], projects=1, items_per_project=12,
                                                             pull_requests=300))
    return lambda: generator.generate_org(seed=7, size="paging", now=NOW)


def _sync(tmp_path: Path, sim: SimulatedAdo, transport=None, target: Path | str | None = None, **values):
    fake = FakeTime()
    settings = make_settings(tmp_path, sim.base_url, [p.name for p in sim.org.projects], target=target, **values)
    with open_store(settings.store_target) as store:
        summary = run_sync(settings, store, pat=sim.pat, transport=transport or sim.transport, sleep=fake.sleep,
                           clock=fake.clock, now=sim.org.now)
        return summary, dump(store)


def _requests(sim: SimulatedAdo, project: str, route_part: str) -> int:
    return sum(1 for _, path, _ in sim.request_log if f"/{project}/" in path.replace("%20", " ") and route_part in path)


def _completed(sim: SimulatedAdo) -> set[str]:
    return {p.uid for p in sim.org.domain_pull_requests()}


class OneProjectOnly(httpx.BaseTransport):
    """Turn a fault knob on for the requests of one project only (the others see a healthy server)."""

    def __init__(self, sim: SimulatedAdo, project: str, **knobs: object) -> None:
        self.sim, self.project, self.knobs = sim, project, knobs
        self.healthy = {name: getattr(sim.faults, name) for name in knobs}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        mine = f"/{self.project}/" in request.url.path
        for name, value in self.knobs.items():
            setattr(self.sim.faults, name, value if mine else self.healthy[name])
        return self.sim.transport.handle_request(request)


def test_capped_pr_pages_lose_nothing(tmp_path: Path, store_targets, pr_org) -> None:  # noqa: ANN001
    plain_store, capped_store = store_targets("plain"), store_targets("capped")
    plain = SimulatedAdo(pr_org())
    summary, data = _sync(tmp_path, plain, target=plain_store)
    want = _completed(plain)
    assert summary.status == "success" and len(want) == 275 and {p.uid for p in data["prs"]} == want
    # 275 PRs in pages of 100: 100 + 100 + 75 — the 75 is shorter than a page this list already served,
    # so it is the end (⌈275/100⌉, no confirming request)
    assert plain.counts_by_route()["pullrequests"] == 3

    capped = SimulatedAdo(pr_org(), faults=Faults(pr_page_cap=37))
    summary, capped_data = _sync(tmp_path, capped, target=capped_store)
    assert summary.status == "success" and summary.warnings == []
    assert {p.uid for p in capped_data["prs"]} == want and capped_data["prs"] == data["prs"]
    # 275 = 7 x 37 + 16: eight pages; the 16 is shorter than the 37 this list already served, so it is the end
    assert capped.counts_by_route()["pullrequests"] == 8


def test_pr_list_ignoring_skip_fails_the_project_at_the_second_page(tmp_path: Path, store_target: Path | str, pr_org) -> None:
    sim = SimulatedAdo(pr_org(), faults=Faults(ignore_skip_routes=("pullrequests",)))
    summary, data = _sync(tmp_path, sim, target=store_target)
    assert summary.status == "failed" and summary.error_project == "Fabrikam Web"
    assert summary.first_error == ("_apis/git/pullrequests of 'Fabrikam Web' ignored $skip: asked for the rows after "
                                   "100, it sent 100 rows already received; stopped.")
    assert sim.counts_by_route()["pullrequests"] == 2
    assert len(data["prs"]) == 100 and len(data["items"]) == len(sim.org.items_of())  # committed pages stay


def test_repeated_stream_token_fails_one_project_and_the_others_go_on(tmp_path: Path, store_target: Path | str) -> None:
    sim = make_sim(Faults(revisions_default_page=50, no_org_revisions=True))  # per-project streams
    transport = OneProjectOnly(sim, "Fabrikam Web", repeat_token_routes=("reporting_revisions",))
    summary, data = _sync(tmp_path, sim, transport=transport, target=store_target)
    assert summary.status == "failed" and summary.error_project == "Fabrikam Web"
    assert summary.first_error.startswith("The revisions stream of 'Fabrikam Web' repeated the continuation token '")
    assert summary.first_error.endswith("; stopped after 2 requests.")
    assert _requests(sim, "Fabrikam Web", "reporting/workitemrevisions") == 2
    assert summary.projects["Contoso Platform"].status == "success"
    contoso = {w.id for w in sim.org.items_of("Contoso Platform")}
    assert contoso <= {i.id for i in data["items"]}


def test_endless_empty_batches_stop_three_requests_after_the_data(tmp_path: Path, store_target: Path | str) -> None:
    sim = make_sim(Faults(endless_empty_batches=True, no_org_revisions=True))  # per-project streams
    summary, data = _sync(tmp_path, sim, target=store_target)
    assert summary.status == "failed"
    for project in ("Fabrikam Web", "Contoso Platform"):
        counts = summary.projects[project]
        assert counts.status == "failed"
        assert counts.error == (f"The revisions stream of {project!r} answered 3 batches in a row with no new "
                                "revisions while saying more follow (isLastBatch false); stopped.")
        # every revision fits the first batch (default page 1000); then three empty "not last" batches
        assert _requests(sim, project, "reporting/workitemrevisions") == 1 + 3
    truth = sorted((r.work_item_id, r.rev) for h in sim.org.histories() for r in h.revisions)
    assert sorted((r[0], r[1]) for r in data["revisions"]) == truth  # the data before the stall is all kept


def test_endless_empty_batches_on_the_organization_stream_stop_three_requests_after_the_data(tmp_path: Path, store_target: Path | str) -> None:
    """The organization-level stream (the default) is guarded like a project's: 1 batch of data + 3 stalls."""
    sim = make_sim(Faults(endless_empty_batches=True))
    summary, data = _sync(tmp_path, sim, target=store_target)
    assert summary.status == "failed"
    for project in ("Fabrikam Web", "Contoso Platform"):
        assert summary.projects[project].error == (
            "The organization's revisions stream answered 3 batches in a row with no new revisions while saying "
            "more follow (isLastBatch false); stopped.")
    org_stream = [p for _, p, _ in sim.request_log if p.endswith("_apis/wit/reporting/workitemrevisions")
                  and "/Fabrikam" not in p and "/Contoso" not in p]
    assert len(org_stream) == 1 + 3
    truth = sorted((r.work_item_id, r.rev) for h in sim.org.histories() for r in h.revisions)
    assert sorted((r[0], r[1]) for r in data["revisions"]) == truth  # the data before the stall is all kept


def test_request_budget_fails_a_runaway_stream_and_other_projects_go_on(tmp_path: Path, store_target: Path | str) -> None:
    # pages of 3 revisions: Contoso Platform has 244 visible revisions (deleted items' are hidden), so
    # ⌈244 / 3⌉ = 82 batches; Fabrikam Web needs more than 100; the budget is 100
    sim = make_sim(Faults(revisions_default_page=3, no_org_revisions=True))  # per-project streams
    summary, data = _sync(tmp_path, sim, sync__max_requests_per_stream=100, target=store_target)
    fabrikam = summary.projects["Fabrikam Web"]
    assert fabrikam.status == "failed" and fabrikam.error == (
        "The revisions stream of 'Fabrikam Web' was still not at its end after 100 requests; stopped "
        "(raise sync.max_requests_per_stream if the project is really that large).")
    assert _requests(sim, "Fabrikam Web", "reporting/workitemrevisions") == 100
    assert summary.projects["Contoso Platform"].status == "success"
    assert sum(1 for r in sim.org.project("Contoso Platform").revisions if not r.item.is_deleted) == 244
    assert _requests(sim, "Contoso Platform", "reporting/workitemrevisions") == 82
    stored_fabrikam = [r for r in data["revisions"] if r[0] in {w.id for w in sim.org.items_of("Fabrikam Web")}]
    assert len(stored_fabrikam) == 300  # 100 committed batches of 3


def test_fallback_updates_capped_lose_nothing_and_an_ignored_skip_fails(tmp_path: Path, store_targets) -> None:  # noqa: ANN001
    """The WIQL + updates path: updates capped at 5 per page are all read; ignoring `$skip` too is an error."""
    capped_store, ignored_store = store_targets("capped"), store_targets("ignored")
    sim = make_sim(Faults(updates_default_page=5))
    summary, data = _sync(tmp_path, sim, transport=_NoReporting(sim.transport), target=capped_store)
    assert summary.status == "success", summary.first_error
    truth = sorted((r.work_item_id, r.rev) for h in sim.org.histories() for r in h.revisions)
    assert sorted((r[0], r[1]) for r in data["revisions"]) == truth
    # one request per 5 updates of each item, none more: the item's rev says when its list is complete
    assert sim.counts_by_route()["workitem_updates"] == sum(-(-len(w.revisions) // 5) for w in sim.org.items_of())

    sim = make_sim(Faults(updates_default_page=5, ignore_skip_routes=("workitem_updates",)))
    summary, _ = _sync(tmp_path, sim, transport=_NoReporting(sim.transport), target=ignored_store)
    assert summary.status == "failed"
    for name, counts in summary.projects.items():
        assert re.fullmatch(rf"_apis/wit/workitems/\d+/updates of '{name}' ignored \$skip: asked for the rows "
                            r"after 5, it sent 5 rows already received; stopped\.", counts.error or ""), counts.error


def test_cli_sync_against_a_stalling_stream_exits_1_with_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make_sim(Faults(repeat_token_routes=("reporting_revisions",), revisions_default_page=50, no_org_revisions=True))
    real = flowtui.sync.run_sync
    monkeypatch.setattr(flowtui.sync, "run_sync", lambda *a, **kw: real(*a, **{**kw, "transport": sim.transport}))
    monkeypatch.setenv("FLOWTUI_PAT", sim.pat)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for var in ("FLOWTUI_ORG_URL", "FLOWTUI_PROJECTS", "FLOWTUI_DB", "FLOWTUI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    parser = argparse.ArgumentParser(prog="flowtui")
    sync_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sync", "--org-url", sim.base_url, "--project", "Fabrikam Web", "--db",
                              str(tmp_path / "s.sqlite"), "--config", str(tmp_path / "none.toml"), "--json"])
    code = sync_cmd.run(args)
    out, err = capsys.readouterr()
    assert code == 1
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "failed" and "repeated the continuation token" in summary["first_error"]
    assert "Traceback" not in out + err
    assert _requests(sim, "Fabrikam Web", "reporting/workitemrevisions") == 2
