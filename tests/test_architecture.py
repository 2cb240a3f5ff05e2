"""The package's layers (ARCHITECTURE.md): imports point down only, with no cycles.

The import graph is read from the source (every import, also those inside functions;
only `if TYPE_CHECKING:` blocks are left out, they never run), one node per module.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_cnn"
#: each top-level part of the package and its layer: a module imports only from its own
#: layer or lower ones (the package facade `tinygrad_cnn` itself is the top)
LAYERS = {"kernels": 0, "dtypes": 0, "rng": 0, "devices": 0, "cuda": 0, "accelerator": 0,
          "backends": 0, "atomic": 0, "checks": 0, "errors": 0, "lazy": 0, "autograd": 1, "ops": 2, "tensor": 3,
          "creation": 4, "functions": 4, "nn": 5, "optim": 5, "data": 5, "utils": 5,
          "serialization": 5, "models": 6, "training": 6, "viz": 6, "export": 6, "cli": 7,
          "__main__": 8, "": 9}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> Set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                skipped.update(id(n) for n in ast.walk(sub))
    return skipped


def _exists(module: str) -> bool:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or path.is_dir()


def _imports(path: Path) -> Set[str]:
    """The package modules `path` imports (`from .x import name` names module x, or
    module x.name when that is a module)."""
    me = _module(path).split(".")
    here = me if path.name == "__init__.py" else me[:-1]
    tree = ast.parse(path.read_text())
    skipped = _type_checking_nodes(tree)
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if _exists(sub) else module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy_names":
            found.update(".".join(here + [m]) for m in _lazy_targets(node))
    return {m for m in found if m.split(".")[0] == PACKAGE.name}


def _lazy_targets(call: ast.Call) -> Set[str]:
    """The modules a `lazy_names(__name__, {name: ".module:attribute", ...})` table imports
    on first use (relative to its package), f-string entries included."""
    return {c.value[1:].split(":")[0] for c in ast.walk(call)
            if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value[:1] == "."}


def import_graph() -> Dict[str, Set[str]]:
    """module -> the package modules it imports, leaving out its own parent packages
    (a package's __init__ re-exporting its modules is not a cycle through them)."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = _module(path)
        graph[name] = {m for m in _imports(path) if m != name and not name.startswith(m + ".")}
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    found: List[List[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while component[-1:] != [v]:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1] if len(parts) > 1 else "", LAYERS[""])  # unlisted: see below


def test_the_package_has_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_autograd_imports_neither_tensor_nor_kernels():
    graph = import_graph()
    outside = {m: sorted(t for t in targets if not t.startswith("tinygrad_cnn.autograd"))
               for m, targets in graph.items() if m.startswith("tinygrad_cnn.autograd")}
    assert {m: t for m, t in outside.items() if t} == {}


@pytest.mark.parametrize("module", sorted(import_graph()))
def test_imports_point_down_the_layers(module):
    upward = sorted(t for t in import_graph()[module] if _layer(t) > _layer(module)
                    and t != "tinygrad_cnn")  # the facade: `from tinygrad_cnn import Tensor`
    assert upward == [], f"{module} imports from a higher layer"


def test_every_part_of_the_package_has_a_layer():
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    missing = sorted(parts - {"__init__"} - set(LAYERS))
    assert missing == [], f"give {missing} a layer in LAYERS (tests/test_architecture.py)"
