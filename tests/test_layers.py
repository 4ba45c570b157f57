"""The package's layers import in one direction, with no cycles (docs/design.md draws them).

Every import counts, function-level and TYPE_CHECKING ones included: a cycle hidden inside a
function is still a cycle a reader has to untangle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "commitcast"
# Each layer may import the layers before it in this list, and itself.
LAYERS = ("core", "model", "load", "variants", "engine", "analysis", "report", "render", "cli")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["commitcast", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def imports_of(name: str, path: Path) -> set[str]:
    """The package's modules that `name` imports, anywhere in the file."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            candidates = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in MODULES:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name and candidate != "commitcast":
                targets.add(candidate)
    return targets


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def layer_of(name: str) -> int | None:
    """The layer's position; None for the package's facade (`commitcast`, `__main__`)."""
    parts = name.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 2 or parts[-1] in LAYERS else None


def test_every_module_belongs_to_a_layer():
    loose = [
        name
        for name in MODULES
        if layer_of(name) is None and name not in ("commitcast", "commitcast.__main__")
    ]
    assert loose == [], f"modules outside the layer packages: {loose}"


def test_imports_follow_the_layers():
    against = [
        f"{name} ({LAYERS[layer_of(name)]}) imports {target} ({LAYERS[layer_of(target)]})"
        for name, targets in GRAPH.items()
        if layer_of(name) is not None
        for target in targets
        if layer_of(target) is not None and layer_of(target) > layer_of(name)
    ]
    assert against == []


def test_no_import_cycles():
    # Tarjan's strongly connected components; any component of two or more is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_layer_test_sees_function_level_imports(tmp_path):
    source = "def f():\n    from commitcast.cli.app import app\n"
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert imports_of("commitcast.core.probe", path) == {"commitcast.cli.app"}


HEAVY = ("yaml", "rich", "typer", "pandas", "openpyxl", "xlsxwriter", "scipy")


@pytest.mark.parametrize(
    "module",
    [
        "commitcast.engine.contracts",
        "commitcast.engine.run",
        "commitcast.engine.projection",
        "commitcast.model.scenario",
    ],
)
def test_engine_and_model_import_nothing_heavy(module):
    """The engine takes models, never files: importing it loads no reader, UI or spreadsheet
    library. Run in a fresh interpreter, since this test process has loaded everything."""
    code = f"import sys, {module}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_projecting_a_scenario_built_in_python_loads_no_yaml():
    code = """
import sys
from commitcast.model.scenario import Scenario
from commitcast.engine.projection import projection
scenario = Scenario.model_validate({
    "name": "x", "horizon": {"start": "2026-01", "months": 2},
    "contracts": [{"name": "c", "start": "2026-01-01", "end": "2026-12-31",
                   "monthly_fee": 100}],
})
# 100 a month for January and February: 200 committed in the horizon
assert abs(projection(scenario).summary["total_committed_fees"] - 200) < 0.005
print(",".join(m for m in ("yaml", "pandas", "rich", "typer") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
