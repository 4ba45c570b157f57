"""Every source module has its test module: src/commitcast/<layer>/<module>.py is tested in
tests/<layer>/test_<module>.py, so the tests of a module are where anyone would look first.

A module added without one fails here, naming the file to create. (Cross-cutting suites, such
as test_docs, test_layers and test_properties, stay at the top of tests/; a module may also be
exercised there, but it still has its own test module.)
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT

SOURCE = ROOT / "src" / "commitcast"
TESTS = ROOT / "tests"
NOT_MODULES = {"__init__.py", "__main__.py"}

# Modules other engineers were writing when this test was added; their test modules come with
# their work. Take a name out once its test module exists (the last test below says when).
IN_FLIGHT: set[str] = set()


def source_modules() -> list[str]:
    """Every module under src/commitcast, as a path relative to it (`engine/run.py`)."""
    return sorted(
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if path.name not in NOT_MODULES
    )


def mirror_of(module: str) -> Path:
    """`engine/run.py` -> tests/engine/test_run.py"""
    path = Path(module)
    return TESTS / path.parent / f"test_{path.name}"


def test_the_name_of_a_modules_test_module():
    assert mirror_of("engine/run.py") == TESTS / "engine" / "test_run.py"
    assert mirror_of("render/excel_calc.py") == TESTS / "render" / "test_excel_calc.py"
    assert mirror_of("core/display.py") == TESTS / "core" / "test_display.py"


def test_the_walk_sees_every_layer():
    modules = source_modules()
    assert "engine/run.py" in modules and "cli/app.py" in modules
    layers = {module.split("/")[0] for module in modules}
    assert {"core", "model", "load", "variants", "engine", "analysis", "report"} <= layers
    assert {"render", "cli"} <= layers
    assert not any(module.endswith(tuple(NOT_MODULES)) for module in modules)


def test_every_module_has_its_test_module():
    missing = [
        f"src/commitcast/{module} has no test module: create {mirror_of(module).relative_to(ROOT)}"
        for module in source_modules()
        if module not in IN_FLIGHT and not mirror_of(module).exists()
    ]
    assert not missing, "\n" + "\n".join(missing)


def test_each_test_folder_is_a_package():
    # tests import shared things as `from tests.conftest import ...`
    folders = {mirror_of(module).parent for module in source_modules()}
    missing = [
        f"{(folder / '__init__.py').relative_to(ROOT)}"
        for folder in sorted(folders)
        if folder.exists() and not (folder / "__init__.py").exists()
    ]
    assert not missing, "create (empty): " + ", ".join(missing)


def test_the_in_flight_list_holds_only_modules_still_without_tests():
    stale = [
        f"{module}: "
        + ("it has no source file" if not (SOURCE / module).exists() else "its tests exist")
        + f"; remove it from IN_FLIGHT in {Path(__file__).relative_to(ROOT)}"
        for module in sorted(IN_FLIGHT)
        if not (SOURCE / module).exists() or mirror_of(module).exists()
    ]
    assert not stale, "\n" + "\n".join(stale)
