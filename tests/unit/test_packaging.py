"""Packaging: what `pip install .` declares (markers, ranges, extras, one version source) and the
platformdirs folders (no doubled `flowtui\\flowtui` on Windows)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

import flowtui
from flowtui import paths

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def _deps_by_name(specs: list[str]) -> dict[str, str]:
    return {re.match(r"[A-Za-z0-9_.-]+", s).group(0).lower(): s for s in specs}  # type: ignore[union-attr]


DEPS = _deps_by_name(PROJECT["dependencies"])


def test_tzdata_is_declared_for_windows_only() -> None:
    spec = DEPS["tzdata"].replace('"', "'")
    assert spec.split(";", 1)[1].strip() == "sys_platform == 'win32'"


@pytest.mark.parametrize("name", ["rich", "httpx", "tenacity", "platformdirs", "keyring", "tomlkit", "shtab"])
def test_runtime_dependencies_use_compatible_ranges(name: str) -> None:
    spec = DEPS[name].split(";")[0]
    assert "==" not in spec
    assert ">=" in spec and "<" in spec, f"{spec} needs a lower bound and a ceiling"


def test_only_textual_and_peewee_are_pinned_and_each_pin_has_a_comment() -> None:
    pinned = sorted(name for name, spec in DEPS.items() if "==" in spec.split(";")[0])
    assert pinned == ["peewee", "textual"]
    lines = (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    for name in pinned:
        i = next(i for i, line in enumerate(lines) if line.strip().startswith(f'"{name}=='))
        assert lines[i - 1].strip().startswith("# Pinned:"), f"{name} pin has no comment saying why"


def test_extras_and_the_test_extra_install_them() -> None:
    extras = PROJECT["optional-dependencies"]
    assert extras["xlsx"] == ["xlsxwriter>=3,<4"]
    assert extras["truststore"] == ["truststore>=0.9"]
    test = _deps_by_name(extras["test"])
    assert test["xlsxwriter"] == "xlsxwriter>=3,<4" and test["truststore"] == "truststore>=0.9"


def test_version_has_exactly_one_source() -> None:
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "flowtui.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|(a|b|rc)\d+)?", flowtui.__version__)  # PEP 440, dev builds too
    hits = [p for p in (ROOT / "flowtui").rglob("*.py") if re.search(r"__version__\s*=", p.read_text(encoding="utf-8"))]
    assert hits == [ROOT / "flowtui" / "__init__.py"]


def test_metadata_license_classifiers_urls_python() -> None:
    assert PROJECT["requires-python"] == ">=3.11"
    assert "License :: OSI Approved :: MIT License" in PROJECT["classifiers"]
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in PROJECT["classifiers"])
    assert PROJECT["urls"]["Repository"] == "https://github.com/flowtui/flowtui"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 flowtui contributors" in text


def test_paths_pass_appauthor_false(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, tuple, dict]] = []
    for fn in ("user_config_path", "user_data_path", "user_cache_path"):
        monkeypatch.setattr(paths, fn, lambda *a, _fn=fn, **kw: calls.append((_fn, a, kw)) or Path("/x"))
    paths.config_dir(), paths.data_dir(), paths.cache_dir(), paths.demo_db_path()
    assert {c[0] for c in calls} == {"user_config_path", "user_data_path", "user_cache_path"}
    assert all(a == ("flowtui",) and kw == {"appauthor": False} for _, a, kw in calls)


def test_every_platformdirs_call_in_flowtui_passes_appauthor_false() -> None:
    """Any user_*_path / user_*_dir call anywhere in the package (a log folder included) must say appauthor=False."""
    offenders = []
    for path in (ROOT / "flowtui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                if re.fullmatch(r"(user|site)_\w+_(path|dir)", name):
                    kw = {k.arg: k.value for k in node.keywords}
                    ok = isinstance(kw.get("appauthor"), ast.Constant) and kw["appauthor"].value is False
                    if not ok:
                        offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_windows_folder_is_not_doubled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Windows resolution, with the shell folder faked: one `flowtui` segment, not two."""
    from platformdirs import windows
    from platformdirs.windows import Windows

    monkeypatch.setattr(windows, "get_win_folder", lambda _csidl: "C:/Users/u/AppData/Local")

    doubled = Windows("flowtui").user_data_dir
    single = Windows("flowtui", appauthor=False).user_data_dir
    assert doubled.replace("\\", "/") == "C:/Users/u/AppData/Local/flowtui/flowtui"
    assert single.replace("\\", "/") == "C:/Users/u/AppData/Local/flowtui"


def test_changelog_keeps_a_changelog_with_a_released_section_and_compare_links() -> None:
    """Keep a Changelog: [Unreleased] first, released versions with dates, and a link for each heading."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, flags=re.M)
    assert headings[0] == ("Unreleased", "")
    released = headings[1:]
    assert released and all(re.fullmatch(r"\d+\.\d+\.\d+", v) and day for v, day in released)
    links = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", text, flags=re.M))
    assert links["Unreleased"].endswith(f"/compare/v{released[0][0]}...HEAD")
    for version, _day in released:
        assert version in links
    # the package is ahead of the newest release, never behind it
    newest = tuple(int(x) for x in released[0][0].split("."))
    assert tuple(int(x) for x in re.findall(r"\d+", flowtui.__version__)[:3]) > newest
