"""The architecture the README draws, checked: layers, the one seam to AWS, small modules, no cycles.

Data flows one way (desired -> planning -> applying -> app -> cli; renderers beside them), boto3
lives in `reconciler/connect/` only, and the emulator is a sibling that imports nothing of the
reconciler. These rules are read from the source itself (every `import`, at any depth, including
those under TYPE_CHECKING), so a shortcut taken in a hurry fails here rather than in review.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support.demo import REPO

PACKAGES = ("reconciler", "connect_emulator")
MAX_LINES = 400

# What each layer of the reconciler may import from the project (besides itself and the root modules).
ALLOWED = {
    "reconciler.desired": set(),
    "reconciler.planning": {"reconciler.desired"},
    "reconciler.render": {"reconciler.desired", "reconciler.planning", "reconciler.applying.results"},
    "reconciler.applying": {"reconciler.desired", "reconciler.planning"},
    "reconciler.connect": {"reconciler.desired", "reconciler.planning", "reconciler.applying.lock"},
    "reconciler.app": {
        "reconciler.desired",
        "reconciler.planning",
        "reconciler.applying",
        "reconciler.connect",
        "reconciler.render",
        "connect_emulator",
    },
    "reconciler.cli": {
        "reconciler.desired",
        "reconciler.planning",
        "reconciler.applying",
        "reconciler.app",
        "reconciler.render",
        "connect_emulator.cli",
    },
}
ROOT_MODULES = {"reconciler", "reconciler.errors", "reconciler.port", "reconciler.gcpause"}


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


MODULES = dict(modules())


def imports(name: str, path: Path) -> set[str]:
    """Every project module `name` imports, anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in MODULES}


GRAPH = {name: imports(name, path) for name, path in MODULES.items()}


def third_party(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_boto3_is_imported_in_the_connect_package_only() -> None:
    for name, path in MODULES.items():
        uses_aws = {"boto3", "botocore", "mypy_boto3_connect"} & third_party(path)
        if name.startswith("reconciler.") and uses_aws:
            assert name.startswith("reconciler.connect"), f"{name} imports {uses_aws}"


def test_each_layer_imports_only_the_layers_below_it() -> None:
    for name, imported in GRAPH.items():
        layer = next((layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")), None)
        if layer is None:
            continue
        allowed = ALLOWED[layer] | ROOT_MODULES
        for other in imported:
            if other == layer or other.startswith(layer + "."):
                continue
            assert any(other == a or other.startswith(a + ".") for a in allowed), f"{name} imports {other}"


def test_the_emulator_imports_nothing_of_the_reconciler() -> None:
    for name, imported in GRAPH.items():
        if name.startswith("connect_emulator"):
            assert not {m for m in imported if m.startswith("reconciler")}, name


def test_the_reconciler_imports_the_emulator_only_for_its_command_and_the_demo() -> None:
    users = {
        n
        for n, imported in GRAPH.items()
        if n.startswith("reconciler") and any(m.startswith("connect_emulator") for m in imported)
    }
    assert users == {"reconciler.cli.base", "reconciler.app.demo"}


def test_there_is_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(GRAPH[name]):
            if other == name or name.startswith(other + "."):  # a package importing itself or a parent
                continue
            if state.get(other) == 1:
                cycle = [*path[path.index(other) :], other] if other in path else [name, other]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])


def test_no_module_is_over_400_lines() -> None:
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in MODULES.items()}
    assert {n: lines for n, lines in long.items() if lines > MAX_LINES} == {}


@pytest.mark.parametrize("module", ["reconciler.render", "reconciler.planning.planner", "reconciler.cli"])
def test_importing_renderers_planning_or_the_cli_loads_no_aws_sdk(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.strip() == "[]"
