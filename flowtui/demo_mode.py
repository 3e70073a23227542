"""`--demo`: the built-in simulated organization, its store in the cache directory, and its transport.

No Textual here: the CLI's headless commands use it too (`flowtui sync --demo`, `flowtui metrics
--demo`). The demo org is generated from a fixed seed at a fixed instant (`DEMO_NOW`), so every demo
run shows the same organization and the same numbers, and re-running `--demo` on an existing demo
store is a cheap incremental sync. The demo never touches the keyring or the network: the simulated
ADO accepts exactly `DEMO_PAT`, and its transport is in-process.

Three environment variables reshape the demo org for tests and demonstrations (each is checked;
a bad value is a ConfigError naming it): `FLOWTUI_DEMO_SIZE` (tiny | default | large),
`FLOWTUI_DEMO_LATENCY_S` (seconds added to every simulated response, 0–5) and `FLOWTUI_DEMO_PAGE`
(work item revisions per page of the reporting stream, 1–10000). `flowtui sync --demo` with a tiny,
slow, finely paged org is what the SIGKILL test kills mid-stream.

`FLOWTUI_DEMO_MISBEHAVE` (a comma-separated list of `MISBEHAVIOURS`) makes the simulated server
misbehave the way real ones do, so `flowtui --demo` shows what flowtui does about it: hostile text
(markup-like names, an ESC sequence, wide characters — its store is kept apart, `…-hostile`), a
`Retry-After` beyond the wait budget, a repeated continuation token, endless empty batches, a PR
list that ignores `$skip`, a request the server never answers.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowtui import paths
from flowtui.errors import ConfigError

DEMO_SEED = 7
DEMO_SIZE = "default"
#: The only PAT the simulated ADO accepts (it is not a secret: it opens nothing real).
DEMO_PAT = "demo-pat"

if TYPE_CHECKING:
    import httpx


ENV_SIZE = "FLOWTUI_DEMO_SIZE"
ENV_LATENCY = "FLOWTUI_DEMO_LATENCY_S"
ENV_PAGE = "FLOWTUI_DEMO_PAGE"
ENV_MISBEHAVE = "FLOWTUI_DEMO_MISBEHAVE"
#: name -> Faults fields (hostile-text changes the organization itself, not the server)
MISBEHAVIOURS: dict[str, dict[str, Any]] = {
    "hostile-text": {},
    "retry-after-forever": {"retry_after_text": "1000000000", "ok_retry_after": "1000000000",
                            "ok_retry_after_routes": ("reporting_revisions",)},
    "repeat-token": {"repeat_token_routes": ("reporting_revisions",), "revisions_default_page": 50},
    "endless-empty": {"endless_empty_batches": True},
    "ignore-skip": {"ignore_skip_routes": ("pullrequests",)},
    "hang": {"hang_s": 30.0},
}
MAX_LATENCY_S = 5.0
MAX_PAGE = 10_000


def demo_size(env: Mapping[str, str] | None = None) -> str:
    """The demo org's size: `FLOWTUI_DEMO_SIZE` when set, else DEMO_SIZE."""
    from flowtui.demo.generator import SIZES

    text = (os.environ if env is None else env).get(ENV_SIZE, "").strip()
    if not text:
        return DEMO_SIZE
    if text not in SIZES:
        raise ConfigError(f"{ENV_SIZE}={text[:40]!r} is not a demo size; allowed: {', '.join(SIZES)}.")
    return text


def _env_number(env: Mapping[str, str], name: str, low: float, high: float, *, integer: bool) -> float | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        value = math.nan
    if not (low <= value <= high):
        kind = "a whole number" if integer else "a number of seconds"
        raise ConfigError(f"{name}={text[:40]!r} is not valid; use {kind} from {low:g} to {high:g}.")
    return value


def demo_misbehaviours(env: Mapping[str, str] | None = None) -> list[str]:
    """The names in `FLOWTUI_DEMO_MISBEHAVE` (ConfigError for an unknown one)."""
    text = (os.environ if env is None else env).get(ENV_MISBEHAVE, "")
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in MISBEHAVIOURS]
    if unknown:
        raise ConfigError(f"{ENV_MISBEHAVE} names {unknown[0][:40]!r}, which is not a misbehaviour; allowed: "
                          f"{', '.join(MISBEHAVIOURS)}.")
    return names


def demo_faults(seed: int = DEMO_SEED, env: Mapping[str, str] | None = None) -> Any:
    """The `--demo` fault preset, with `FLOWTUI_DEMO_LATENCY_S`, `FLOWTUI_DEMO_PAGE` and
    `FLOWTUI_DEMO_MISBEHAVE` applied."""
    from dataclasses import replace

    from flowtui.demo import Faults, FaultRule

    env = os.environ if env is None else env
    faults = Faults.demo(seed=seed)
    for name in demo_misbehaviours(env):
        faults = replace(faults, **MISBEHAVIOURS[name])
        if name == "retry-after-forever":
            faults.rules.append(FaultRule("429", route="reporting_revisions"))
        elif name == "hang":
            faults.rules.append(FaultRule("hang", route="pullrequests"))
    latency = _env_number(env, ENV_LATENCY, 0.0, MAX_LATENCY_S, integer=False)
    page = _env_number(env, ENV_PAGE, 1, MAX_PAGE, integer=True)
    if latency is not None:
        faults = replace(faults, latency_s=latency)
    if page is not None:
        faults = replace(faults, revisions_default_page=int(page))
    return faults


def demo_org_name() -> str:
    from flowtui.demo.generator import ORG_NAME

    return ORG_NAME


def demo_org_url() -> str:
    """The demo collection URL (served only by the in-process simulated ADO)."""
    return f"https://dev.azure.com/{demo_org_name()}"


def demo_now() -> datetime:
    """The demo organization's clock: a fixed instant, so the demo always shows the same numbers."""
    from flowtui.demo import DEFAULT_NOW

    return DEFAULT_NOW


def demo_project_names(size: str = DEMO_SIZE) -> list[str]:
    """The project names of the demo org of that size, without generating it (the generator's table)."""
    from flowtui.demo.generator import _PROJECTS, SIZES

    return [name for name, _process, _areas in _PROJECTS[: SIZES[size].projects]]


def demo_overrides(size: str | None = None) -> tuple[dict[str, Any], Path]:
    """Flags that point the settings at the demo org, and the demo store path (in the cache directory).

    size: default `demo_size()` (the environment's, else DEMO_SIZE)."""
    flags: dict[str, Any] = {"ado.org_url": demo_org_url(), "ado.projects": demo_project_names(size or demo_size())}
    db = paths.demo_db_path()
    if "hostile-text" in demo_misbehaviours():  # another organization: never mixed with the plain demo's store
        db = db.with_name(f"{db.stem}-hostile{db.suffix}")
    return flags, db


def demo_simulator(size: str | None = None, *, faults: Any = None, seed: int = DEMO_SEED,
                   hostile_text: bool = False, realities: bool = True) -> Any:
    """The simulated ADO (a `flowtui.demo.SimulatedAdo`) serving the seeded demo org.

    size: default `demo_size()`. faults: a `flowtui.demo.Faults`; default the demo preset (an
    occasional 429 with Retry-After, see `demo_faults`). hostile_text: markup-like names and titles,
    an ESC sequence and wide characters in the org (`flowtui.demo.hostile`). realities: history older
    than the default start (stale WIP, long-runners), moves and a type change, items in the recycle
    bin (see `flowtui.demo.realities`). Generating the default org takes a moment: call this from a
    worker thread.
    """
    from flowtui.demo import SimulatedAdo, generate_org

    hostile_text = hostile_text or "hostile-text" in demo_misbehaviours()
    org = generate_org(seed=seed, size=size or demo_size(), now=demo_now(), hostile_text=hostile_text,
                       realities=realities)
    return SimulatedAdo(org, pat=DEMO_PAT, faults=faults if faults is not None else demo_faults(seed))


def demo_transport(size: str | None = None, *, faults: Any = None) -> httpx.BaseTransport:
    """The httpx transport of `demo_simulator(size, faults=faults)`."""
    return demo_simulator(size, faults=faults).transport


__all__ = [
    "DEMO_PAT", "DEMO_SEED", "DEMO_SIZE", "demo_faults", "demo_now", "demo_org_name", "demo_org_url", "demo_overrides",
    "demo_project_names", "demo_simulator", "demo_size", "demo_transport",
]
