"""Screens draw; `flowtui.reporting` computes: no module under screens/ or widgets/ imports the store,
the ADO client or the metrics engine (imports under `if TYPE_CHECKING:` never run and are allowed).

A plain `ast` walk over the files, so imports inside functions (lazy imports) count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from import_scan import runtime_imports

ROOT = Path(__file__).resolve().parents[2]
UI_DIRS = ("flowtui/screens", "flowtui/widgets")
FORBIDDEN = ("flowtui.store", "flowtui.ado", "flowtui.metrics")
#: (file, module) pairs allowed for now. The Settings screen's "test connection" builds an AdoClient;
#: issue #12's connection factory (another part of the same issue) replaces it — delete the entry then.
KNOWN: dict[str, str] = {"flowtui/screens/settings.py": "flowtui.ado"}


def _imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    """Every absolute module imported anywhere (functions included) outside `if TYPE_CHECKING:`;
    `from flowtui import metrics` counts as `flowtui.metrics`."""
    found: list[tuple[str, int]] = []
    for node in runtime_imports(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        else:
            found.append((str(node.module), node.lineno))
            found.extend((f"{node.module}.{alias.name}", node.lineno) for alias in node.names)
    return sorted(found, key=lambda f: f[1])


def violations(relpath: str, source: str) -> list[str]:
    """`file:line imports module` for each forbidden import of a UI module."""
    out: list[tuple[int, str]] = []
    for module, line in _imported_modules(ast.parse(source, filename=relpath)):
        hit = next((f for f in FORBIDDEN if module == f or module.startswith(f + ".")), None)
        known = KNOWN.get(relpath)
        if hit is not None and not (known and (module == known or module.startswith(known + "."))):
            out.append((line, module))
    return [f"{relpath}:{line} imports {module}" for line, module in sorted(set(out))]


def test_the_check_sees_every_import_form() -> None:
    source = (
        "from flowtui.metrics import percentile\n"
        "import flowtui.store\n"
        "def f():\n    from flowtui.ado.endpoints import list_projects\n"
        "from flowtui import metrics\n"
        "from flowtui.reporting.flow import FlowData\n"
        "from flowtui.metrics_extra import x\n"
        "if TYPE_CHECKING:\n    from flowtui.store import Store\n"
    )
    assert violations("flowtui/screens/x.py", source) == [
        "flowtui/screens/x.py:1 imports flowtui.metrics", "flowtui/screens/x.py:1 imports flowtui.metrics.percentile",
        "flowtui/screens/x.py:2 imports flowtui.store", "flowtui/screens/x.py:4 imports flowtui.ado.endpoints",
        "flowtui/screens/x.py:4 imports flowtui.ado.endpoints.list_projects", "flowtui/screens/x.py:5 imports flowtui.metrics",
    ]


def test_screens_and_widgets_import_only_the_reporting_core() -> None:
    files = sorted(p for d in UI_DIRS for p in (ROOT / d).rglob("*.py"))
    assert len(files) > 10
    problems: list[str] = []
    for path in files:
        relpath = path.relative_to(ROOT).as_posix()
        problems.extend(violations(relpath, path.read_text(encoding="utf-8")))
    assert problems == []
