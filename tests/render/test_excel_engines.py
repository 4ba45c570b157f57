"""Three independent spreadsheet engines compute every formula of the bundled scenarios' workbooks.

Each bundled scenario's workbook is exported, then copied with every stored formula result
removed (openpyxl loads the formulas and saves them without cached values; the test checks the
copy has none, so an engine that merely echoed the stored results would give empty cells and
fail). The copy is recalculated by

- LibreOffice Calc (headless, recalculation forced on load, as in test_excel_libreoffice.py),
- Gnumeric (`ssconvert --recalc`),
- the Python `formulas` package (its own parser and function library, no spreadsheet program),

and every formula cell each computes must equal the value the engine stored in the exported
workbook: to the cent for money, 1e-9 for ratios, dates exactly, empty where empty.

Without LibreOffice or Gnumeric their tests are skipped with the reason printed, except when
COMMITCAST_REQUIRE_LIBREOFFICE=1 or COMMITCAST_REQUIRE_GNUMERIC=1 (CI, .ci/run), where they fail.
`formulas` is in the test extra. The `formulas` package computes every function the workbook
uses (SUM, SUMPRODUCT, INDEX, MATCH, MIN, MAX, IF, COUNT, COUNTIF, EOMONTH, DATE, YEAR, MONTH,
INT, MOD, POWER, SQRT, NPV): no cell is left to the other two engines.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from commitcast.load.validation import load_scenario
from commitcast.render.excel import write_workbook
from tests.conftest import SCENARIOS
from tests.render.test_excel_libreoffice import empty, recalculate, soffice, tolerance

SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))
KEYS = [p.stem for p in SCENARIO_FILES]
ENGINES = ("libreoffice", "gnumeric", "formulas")

pytestmark = pytest.mark.filterwarnings("ignore:Unable to read chart:UserWarning")


def ssconvert() -> str:
    found = shutil.which("ssconvert")
    if found:
        return found
    reason = (
        "Gnumeric (ssconvert) is not installed, so the workbook's formulas cannot be "
        "recalculated by it here; .ci/run installs it and sets COMMITCAST_REQUIRE_GNUMERIC=1"
    )
    if os.environ.get("COMMITCAST_REQUIRE_GNUMERIC") == "1":
        pytest.fail(reason)
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


def strip_results(source: Path, target: Path) -> None:
    """The workbook's formulas without their stored results (openpyxl writes no cached values)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        openpyxl.load_workbook(source).save(target)


def formula_cells(path: Path) -> list[tuple[str, str, str, str]]:
    """(sheet, coordinate, formula, number format) of every formula cell."""
    book = openpyxl.load_workbook(path)
    return [
        (ws.title, cell.coordinate, cell.value, cell.number_format)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=")
    ]


def read_values(path: Path) -> dict[tuple[str, str], Any]:
    """(SHEET, coordinate) -> value of every cell of a recalculated workbook (openpyxl)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, data_only=True)
    return {
        (ws.title.upper(), cell.coordinate): cell.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
    }


def formulas_values(path: str) -> dict[tuple[str, str], Any]:
    """(SHEET, coordinate) -> value of every cell the `formulas` package computes (a process of
    its own: a workbook takes it tens of seconds, so the workbooks run side by side)."""
    import formulas

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solution = formulas.ExcelModel().loads(path).finish().calculate()
    values: dict[tuple[str, str], Any] = {}
    for key, ranges in solution.items():
        sheet, _, coordinate = key.rpartition("!")
        if ":" in coordinate:
            continue
        # '[book.xlsx]SHEET NAME' -> SHEET NAME (formulas upper-cases sheet names)
        sheet = sheet.strip("'").partition("]")[2].replace("''", "'")
        value = getattr(ranges, "value", ranges)
        value = value[0, 0] if hasattr(value, "shape") else value
        if type(value).__name__ == "XlError":
            value = str(value)
        elif type(value).__name__ in ("EmptyValue", "Token") and str(value) == "empty":
            value = None
        elif hasattr(value, "item"):  # numpy scalars
            value = value.item()
        if not (value is None or isinstance(value, bool | int | float | str)):
            value = repr(value)  # anything else (sent back from a worker process) as text
        values[(sheet.upper(), coordinate.upper())] = value
    return values


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """key -> exported workbook, its copy without results, and each engine's values."""
    folder = tmp_path_factory.mktemp("engines")
    books: dict[str, dict[str, Any]] = {}
    for path in SCENARIO_FILES:
        exported = folder / f"{path.stem}.xlsx"
        write_workbook(exported, [load_scenario(path)], command_line="test")
        stripped = folder / "stripped" / f"{path.stem}.xlsx"
        stripped.parent.mkdir(exist_ok=True)
        strip_results(exported, stripped)
        books[path.stem] = {"exported": exported, "stripped": stripped}
    return books


@pytest.fixture(scope="module")
def computed(books, tmp_path_factory) -> dict[str, dict[str, Any]]:
    """engine -> key -> values (or the reason the engine is not installed, to skip with).
    `formulas` runs in worker processes while LibreOffice and Gnumeric convert."""
    folder = tmp_path_factory.mktemp("recalculated")
    stripped = [books[key]["stripped"] for key in KEYS]
    results: dict[str, dict[str, Any]] = {engine: {} for engine in ENGINES}
    workers = max(1, min(len(KEYS), (os.cpu_count() or 2) - 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(formulas_values, str(books[key]["stripped"])) for key in KEYS}
        # LibreOffice: one soffice call for all the copies
        try:
            soffice()
            out = folder / "libreoffice"
            out.mkdir()
            recalculate(stripped, out)
            for key in KEYS:
                results["libreoffice"][key] = read_values(out / f"{key}.xlsx")
        except pytest.skip.Exception as skipped:
            results["libreoffice"] = {"skip": str(skipped)}
        # Gnumeric: one ssconvert per copy
        try:
            executable = ssconvert()
            out = folder / "gnumeric"
            out.mkdir()
            for key in KEYS:
                target = out / f"{key}.xlsx"
                done = subprocess.run(
                    [executable, "--recalc", str(books[key]["stripped"]), str(target)],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                )
                assert target.exists(), f"ssconvert did not convert {key}: {done.stderr}"
                results["gnumeric"][key] = read_values(target)
        except pytest.skip.Exception as skipped:
            results["gnumeric"] = {"skip": str(skipped)}
        for key in KEYS:
            results["formulas"][key] = futures[key].result()
    return results


def differences(
    cells: list[tuple[str, str, str, str]],
    stored: dict[tuple[str, str], Any],
    theirs: dict[tuple[str, str], Any],
) -> list[str]:
    """Every formula cell whose recalculated value is not the stored one."""
    problems = []
    for sheet, coordinate, formula, number_format in cells:
        key = (sheet.upper(), coordinate)
        mine, got = stored[key], theirs.get(key)
        if empty(mine) or empty(got):
            ok = empty(mine) and empty(got)
        elif isinstance(mine, dt.datetime):
            if isinstance(got, int | float) and not isinstance(got, bool):
                got = openpyxl.utils.datetime.from_excel(got)
            ok = mine == got
        elif isinstance(mine, str) or isinstance(got, str | bool):
            ok = mine == got
        else:
            ok = abs(mine - got) <= tolerance(number_format, mine)
        if not ok:
            problems.append(f"{sheet}!{coordinate} {formula[:120]}: stored {mine!r}, got {got!r}")
    return problems


@pytest.mark.parametrize("key", KEYS)
def test_the_copies_hold_no_stored_results(books, key):
    """An engine that returned the cached values would give empty cells: every non-empty
    stored result would differ."""
    cells = formula_cells(books[key]["exported"])
    stored = read_values(books[key]["exported"])
    copy = read_values(books[key]["stripped"])
    assert len(cells) > 1000
    assert all(copy[(sheet.upper(), c)] is None for sheet, c, _, _ in cells)
    assert len(differences(cells, stored, copy)) > len(cells) // 2
    # the copy keeps the formulas and the inputs
    assert formula_cells(books[key]["stripped"]) == cells


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("key", KEYS)
def test_every_engine_recalculates_every_formula_cell(books, computed, engine, key):
    if "skip" in computed[engine]:
        pytest.skip(computed[engine]["skip"])
    cells = formula_cells(books[key]["exported"])
    stored = read_values(books[key]["exported"])
    problems = differences(cells, stored, computed[engine][key])
    assert not problems, (
        f"{engine}: {len(problems)} of {len(cells)} formula cells differ:\n"
        + "\n".join(problems[:20])
    )


def test_missing_gnumeric_fails_when_required(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("COMMITCAST_REQUIRE_GNUMERIC", "1")
    with pytest.raises(pytest.fail.Exception, match="ssconvert"):
        ssconvert()
    monkeypatch.setenv("COMMITCAST_REQUIRE_GNUMERIC", "0")
    with pytest.raises(pytest.skip.Exception):
        ssconvert()
