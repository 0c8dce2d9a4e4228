"""The package's layout: every module imports, no import cycles, no private names borrowed.

Cycles are found over the ``import`` statements themselves (``ast``), module-level and
inside functions alike: an import tucked into a function to dodge a cycle at load time
still ties the two modules together, so it counts here.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "newsbot"


def module_names() -> list[str]:
    """Every module of the package (``__main__`` modules run when imported: left out)."""
    names = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


MODULES = module_names()


def source_of(module: str) -> Path:
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def imports_of(module: str) -> Iterator[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import statement of ``module``."""
    tree = ast.parse(source_of(module).read_text(encoding="utf-8"))
    is_package = source_of(module).name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, [alias.name for alias in node.names]


def project_edges(module: str) -> set[str]:
    """The project's modules ``module`` imports (``from a import b``: ``a.b`` if a module)."""
    edges = set()
    for target, names in imports_of(module):
        for name in names or [""]:
            full = f"{target}.{name}" if name else target
            if full in MODULES:
                edges.add(full)
            elif target in MODULES:
                edges.add(target)
    edges.discard(module)
    return edges


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The graph's strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module)


def test_no_import_cycles() -> None:
    graph = {module: project_edges(module) for module in MODULES}
    assert find_cycles(graph) == []


def test_no_private_names_imported_across_modules() -> None:
    borrowed = [
        f"{module} imports {name} from {target}"
        for module in MODULES
        for target, names in imports_of(module)
        if target.split(".")[0] == PACKAGE
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert borrowed == []
