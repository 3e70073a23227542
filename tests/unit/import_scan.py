"""The import statements of a module that can run: an `ast` walk shared by the layering tests.

Imports inside functions (lazy imports) count; imports under `if TYPE_CHECKING:` (or
`typing.TYPE_CHECKING`) never run and are skipped, while their `else:` branch counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every `import` and absolute `from … import` node outside `if TYPE_CHECKING:` blocks."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
            yield node
        stack.extend(ast.iter_child_nodes(node))
