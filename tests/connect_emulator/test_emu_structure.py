"""The emulator package's shape: an acyclic import graph and modules of a readable size.

Every import counts, wherever it is written: at the top, under ``TYPE_CHECKING`` or inside a
function. A cycle hidden in a function-local import is still a cycle: the two modules can only
be understood, tested and changed together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import connect_emulator

PACKAGE = Path(connect_emulator.__file__).parent
NAME = "connect_emulator"
MAX_LINES = 400


def modules() -> dict[str, Path]:
    return {(NAME if p.stem == "__init__" else f"{NAME}.{p.stem}"): p for p in sorted(PACKAGE.glob("*.py"))}


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Every module of the package that ``module`` imports, anywhere in its source."""
    found: set[str] = set()
    package = NAME
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package if node.level else ""
            target = f"{base}.{node.module}" if base and node.module else base or node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in found if m in known and m != module}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    edges = {m: imports_of(m, p, known) for m, p in mods.items()}
    # ``from connect_emulator import x`` names the submodule x, not the package's __init__
    for deps in edges.values():
        if any(d.startswith(f"{NAME}.") for d in deps):
            deps.discard(NAME)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state:
                cycle = visit(dep)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_import_graph_is_acyclic() -> None:
    edges = graph()
    assert edges[f"{NAME}.server"] >= {f"{NAME}.admin", f"{NAME}.httpd"}  # the walk sees imports
    cycle = find_cycle(edges)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_function_local_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_admin_works_on_an_interface_not_the_server() -> None:
    assert f"{NAME}.server" not in graph()[f"{NAME}.admin"]


def test_fixture_loading_does_not_know_the_state() -> None:
    edges = graph()
    assert f"{NAME}.state" not in edges[f"{NAME}.fixture"] | edges[f"{NAME}.fixture_check"]


def test_every_module_is_under_400_lines() -> None:
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules().items()}
    assert {m: n for m, n in sizes.items() if n >= MAX_LINES} == {}
