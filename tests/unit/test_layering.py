"""Layering: Textual only in the UI, Peewee only in store/, httpx only in ado/ and demo/.

Two independent checks: import-linter with the project's `.importlinter` contracts, and a plain
`ast` walk over every module (which also sees imports inside functions and needs no packages to exist).
"""

from __future__ import annotations

import ast
import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from import_scan import runtime_imports

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "flowtui"
CONFIG = ROOT / ".importlinter"

#: third-party package -> where in flowtui it may be imported (paths relative to the repository)
ALLOWED: dict[str, tuple[str, ...]] = {
    "textual": ("flowtui/app.py", "flowtui/screens/", "flowtui/widgets/", "flowtui/messages.py", "flowtui/commands.py"),
    "peewee": ("flowtui/store/",),
    "httpx": ("flowtui/ado/", "flowtui/demo/"),
}


def _lint_imports() -> str:
    exe = Path(sys.executable).parent / "lint-imports"
    found = str(exe) if exe.exists() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports (import-linter, in the test extra) is not installed")
    return found


def _module_exists(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _contract_modules(parser: configparser.ConfigParser) -> set[str]:
    names: set[str] = set()
    for section in parser.sections():
        if section.startswith("importlinter:contract:"):
            for key in ("source_modules", "forbidden_modules"):
                names.update(m.strip() for m in parser.get(section, key, fallback="").split() if m.strip())
    return {n for n in names if n == "flowtui" or n.startswith("flowtui.")}


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    # --no-cache: import-linter would otherwise write .import_linter_cache/ into the checkout
    return subprocess.run([_lint_imports(), "--no-cache", "--no-logo", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_lint_imports_with_the_project_contracts() -> None:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    missing = sorted(m for m in _contract_modules(parser) if not _module_exists(m))
    if missing:
        pytest.skip(
            "import-linter refuses contracts naming packages that do not exist yet: " + ", ".join(missing)
            + " (test_contracts_hold_for_the_packages_that_exist checks the rest)"
        )
    proc = _run([])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_contracts_hold_for_the_packages_that_exist(tmp_path: Path) -> None:
    """The same contracts, minus modules that are not there yet, so they are enforced from day one."""
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    if all(_module_exists(m) for m in _contract_modules(parser)):
        pytest.skip("every package exists: test_lint_imports_with_the_project_contracts runs the real config")
    kept = 0
    for section in list(parser.sections()):
        if not section.startswith("importlinter:contract:"):
            continue
        for key in ("source_modules", "forbidden_modules"):
            modules = [m for m in parser.get(section, key, fallback="").split() if m.strip()]
            present = [m for m in modules if not m.startswith("flowtui") or _module_exists(m)]
            parser.set(section, key, "\n" + "\n".join(present))
        if not parser.get(section, "source_modules").split() or not parser.get(section, "forbidden_modules").split():
            parser.remove_section(section)
        else:
            kept += 1
    config = tmp_path / "importlinter.ini"
    with config.open("w") as fh:
        parser.write(fh)
    assert kept >= 3  # textual, peewee and httpx contracts all have existing sources already
    proc = _run(["--config", str(config)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BROKEN" not in proc.stdout and "KEPT" in proc.stdout


def _third_party_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """Top-level names of absolute imports, anywhere (functions included) except under `if TYPE_CHECKING:`,
    which never runs (annotations are strings with `from __future__ import annotations`)."""
    found: list[tuple[str, int]] = []
    for node in runtime_imports(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], node.lineno) for alias in node.names)
        else:
            found.append((str(node.module).split(".")[0], node.lineno))
    return sorted(found, key=lambda f: f[1])


def _violations(relpath: str, source: str) -> list[str]:
    out = []
    for top, line in _third_party_imports(ast.parse(source, filename=relpath)):
        allowed = ALLOWED.get(top)
        if allowed is not None and not any(relpath == a or (a.endswith("/") and relpath.startswith(a)) for a in allowed):
            out.append(f"{relpath}:{line} imports {top}")
    return out


def test_the_ast_check_sees_every_import_form() -> None:
    source = (
        "import textual\nimport textual.app as a\nfrom textual.widgets import DataTable\n"
        "def f():\n    import peewee\n    from httpx import Client\n"
        "from . import textual\nimport rich\n"
        "if TYPE_CHECKING:\n    import httpx\nelse:\n    import peewee\n"
        "if typing.TYPE_CHECKING:\n    import textual\n"
    )
    assert _violations("flowtui/metrics/x.py", source) == [
        "flowtui/metrics/x.py:1 imports textual", "flowtui/metrics/x.py:2 imports textual",
        "flowtui/metrics/x.py:3 imports textual", "flowtui/metrics/x.py:5 imports peewee",
        "flowtui/metrics/x.py:6 imports httpx", "flowtui/metrics/x.py:12 imports peewee",
    ]
    assert _violations("flowtui/screens/dash.py", "import textual") == []
    assert _violations("flowtui/app.py", "import textual") == []
    assert _violations("flowtui/screens_extra.py", "import textual") == ["flowtui/screens_extra.py:1 imports textual"]
    assert _violations("flowtui/application.py", "import textual") == ["flowtui/application.py:1 imports textual"]
    assert _violations("flowtui/store/models.py", "import peewee") == []
    assert _violations("flowtui/demo/transport.py", "import httpx") == []
    assert _violations("flowtui/sync/engine.py", "import httpx") == ["flowtui/sync/engine.py:1 imports httpx"]


def test_no_module_imports_a_framework_outside_its_layer() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    problems: list[str] = []
    for path in files:
        relpath = path.relative_to(ROOT).as_posix()
        problems.extend(_violations(relpath, path.read_text(encoding="utf-8")))
    assert problems == []
