"""Fixtures of the export tests; the data and its hand-worked numbers are in export_store.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from export_store import ORG_URL, fill_flow, fill_powerbi

from flowtui.config import Settings, load_settings
from flowtui.store import Store, open_store


@pytest.fixture
def settings() -> Settings:
    return load_settings(flags={"ado.org_url": ORG_URL}, env={})


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "empty.sqlite")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "flowtui.sqlite")
    fill_powerbi(store)
    fill_flow(store)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An export directory that does not exist yet (tmp_path itself holds the stores)."""
    return tmp_path / "out"
