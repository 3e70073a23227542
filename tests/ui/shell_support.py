"""Constants and helpers shared by the UI tests and their conftest.

They live here, not in conftest.py, because `from conftest import ...` resolves to whichever
`conftest` module pytest imported first (tests/unit/export has one too).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flowtui.config import Settings, load_settings
from flowtui.demo_mode import demo_now, demo_org_url, demo_project_names

AS_OF: datetime = demo_now()
SYNCED_AT: datetime = AS_OF - timedelta(hours=3)
TINY = "tiny"
TINY_PROJECTS: list[str] = demo_project_names(TINY)


def tiny_settings(tmp: Path, **flags: Any) -> Settings:
    """Settings for the tiny demo org; config file and store live in `tmp`; no environment is read."""
    values = {"ado.org_url": demo_org_url(), "ado.projects": TINY_PROJECTS, **flags}
    return load_settings(config=tmp / "config.toml", db=tmp / "flowtui.sqlite", flags=values, env={})
