"""`--demo`: the built-in simulated organization, its store in the cache directory, and its transport.

No Textual here: the CLI's headless commands use it too (`flowtui sync --demo`, `flowtui metrics
--demo`). The demo org is generated from a fixed seed at a fixed instant (`DEMO_NOW`), so every demo
run shows the same organization and the same numbers, and re-running `--demo` on an existing demo
store is a cheap incremental sync. The demo never touches the keyring or the network: the simulated
ADO accepts exactly `DEMO_PAT`, and its transport is in-process.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any


from flowtui import paths

DEMO_SEED = 7
DEMO_SIZE = "default"
#: The only PAT the simulated ADO accepts (it is not a secret: it opens nothing real).
DEMO_PAT = "demo-pat"

if TYPE_CHECKING:
    import httpx


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


def demo_overrides(size: str = DEMO_SIZE) -> tuple[dict[str, Any], Path]:
    """Flags that point the settings at the demo org, and the demo store path (in the cache directory)."""
    flags: dict[str, Any] = {"ado.org_url": demo_org_url(), "ado.projects": demo_project_names(size)}
    return flags, paths.demo_db_path()


def demo_simulator(size: str = DEMO_SIZE, *, faults: Any = None, seed: int = DEMO_SEED, realities: bool = True) -> Any:
    """The simulated ADO (a `flowtui.demo.SimulatedAdo`) serving the seeded demo org.

    faults: a `flowtui.demo.Faults`; default the demo preset (an occasional 429 with Retry-After).
    realities: history older than the default start (stale WIP, long-runners), moves and a type
    change, items in the recycle bin (see `flowtui.demo.realities`). Generating the default org takes
    a moment: call this from a worker thread.
    """
    from flowtui.demo import Faults, SimulatedAdo, generate_org

    org = generate_org(seed=seed, size=size, now=demo_now(), realities=realities)
    return SimulatedAdo(org, pat=DEMO_PAT, faults=faults if faults is not None else Faults.demo(seed=seed))


def demo_transport(size: str = DEMO_SIZE, *, faults: Any = None) -> httpx.BaseTransport:
    """The httpx transport of `demo_simulator(size, faults=faults)`."""
    return demo_simulator(size, faults=faults).transport


__all__ = [
    "DEMO_PAT", "DEMO_SEED", "DEMO_SIZE", "demo_now", "demo_org_name", "demo_org_url", "demo_overrides",
    "demo_project_names", "demo_simulator", "demo_transport",
]
