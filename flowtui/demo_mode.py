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


def demo_faults(seed: int = DEMO_SEED, env: Mapping[str, str] | None = None) -> Any:
    """The `--demo` fault preset, with `FLOWTUI_DEMO_LATENCY_S` and `FLOWTUI_DEMO_PAGE` applied."""
    from dataclasses import replace

    from flowtui.demo import Faults

    env = os.environ if env is None else env
    faults = Faults.demo(seed=seed)
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
    return flags, paths.demo_db_path()


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
