"""The package layout keeps its promises: no import cycles (type-only and function-level imports
included), few top-level modules, and lower layers never import higher ones."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import fsclust

PACKAGE = Path(fsclust.__file__).resolve().parent

# lower layers first; a module may import its own layer and the layers before it
LAYERS = [
    {"errors", "_validation"},
    {"problem"},
    {"assign"},
    {"models"},
    {"engine", "localsearch"},     # the driver adds local search; local search runs the loop
    {"pairwise"},
    {"distributed"},
    {"estimators", "testing"},
    {"app"},
    {"cli", "__main__", "__init__"},
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every fsclust module ``path`` imports, anywhere in the file (resolving relative imports;
    ``from pkg import mod`` counts as importing ``pkg.mod``)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m in modules and m != name}


def _graph() -> nx.DiGraph:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        graph.add_edges_from((name, target) for target in _imports(path, set(files)))
    return graph


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    return next(i for i, layer in enumerate(LAYERS) if top in layer)


def test_no_import_cycle() -> None:
    cycles = list(nx.simple_cycles(_graph()))
    assert cycles == []


def test_lower_layers_never_import_higher_ones() -> None:
    upward = [(a, b) for a, b in _graph().edges if _layer(b) > _layer(a)]
    assert upward == []


def test_at_most_eight_top_level_modules() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


@pytest.mark.parametrize("name", fsclust.__all__)
def test_public_names_importable(name: str) -> None:
    assert getattr(fsclust, name) is not None


def test_tests_mirror_the_package() -> None:
    tests = Path(__file__).resolve().parent
    folders = {p.name for p in tests.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    subpackages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert folders - subpackages <= {"examples", "benchmarks"}
    assert not any("sys.path" in p.read_text() for p in tests.rglob("*.py") if p != Path(__file__))
