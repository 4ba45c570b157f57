"""The workbook of a re-forecast (render.excel_actuals): the plan beside its re-forecast, the
actuals as input cells, the closed months marked and laid over with them.

LibreOffice recalculates every formula cell of the bundled base case with its six closed months
to the re-forecast's stored values (money to the cent, ratios to 1e-9, tokens to a token: the
closed months' unserved demand is a difference of two figures near 5e14, whose last bit is
0.0625 of a token), and the re-forecast's figures are engine.actuals.reforecast's. The
LibreOffice run is shared with tests/render/test_excel_variance.py (`close_books`).
"""

from __future__ import annotations

import openpyxl
import pytest

from commitcast.engine.actuals import reforecast
from commitcast.load.actuals import read_actuals
from commitcast.load.validation import load_scenario
from commitcast.render.excel import write_workbook
from tests.conftest import SCENARIOS
from tests.render.test_excel_libreoffice import recalculate

BASE = SCENARIOS / "colossus-base.yaml"
ACTUALS = SCENARIOS / "colossus-base-actuals.csv"
CENT, RATIO = 0.01, 1e-9

pytestmark = pytest.mark.filterwarnings("ignore:Unable to read chart:UserWarning")


def tolerance(number_format: str, stored: float) -> float:
    if "%" in number_format:
        return RATIO
    if number_format.startswith('"'):  # money: the quoted currency symbol first
        return CENT
    if '"T"' in number_format:  # tokens: an ulp of a month's demand is 0.0625
        return max(1.0, abs(stored) * 1e-12)
    return max(1e-9, abs(stored) * 1e-12)


def empty(value) -> bool:
    return value is None or value == ""


def mismatches(exported, recalculated) -> tuple[int, list[str]]:
    """Every formula cell whose recalculated value differs from the stored one."""
    formulas = openpyxl.load_workbook(exported)
    stored = openpyxl.load_workbook(exported, data_only=True)
    judged = openpyxl.load_workbook(recalculated, data_only=True)
    checked, problems = 0, []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    continue
                checked += 1
                mine = stored[ws.title][cell.coordinate].value
                theirs = judged[ws.title][cell.coordinate].value
                if empty(mine) or empty(theirs):
                    ok = empty(mine) and empty(theirs)
                elif not all(isinstance(v, int | float) for v in (mine, theirs)):
                    ok = mine == theirs  # texts (F, U, actual) and dates
                else:
                    ok = abs(mine - theirs) <= tolerance(cell.number_format, mine)
                if not ok:
                    problems.append(
                        f"{ws.title}!{cell.coordinate} {cell.value}: {mine!r} {theirs!r}"
                    )
    return checked, problems


def set_cells(source, target, sheet: str, values: dict[str, float]) -> None:
    book = openpyxl.load_workbook(source)
    for coordinate, value in values.items():
        book[sheet][coordinate] = value
    book.save(target)


@pytest.fixture(scope="session")
def close_books(tmp_path_factory):
    """The close workbooks, written and recalculated by LibreOffice in one run: `project`
    (the re-forecast), `export` (with the Variance sheet), `edited` (an actual changed)."""
    folder = tmp_path_factory.mktemp("close")
    out = folder / "recalculated"
    out.mkdir()
    plan = load_scenario(BASE)
    actuals = read_actuals(ACTUALS, plan)
    books = {
        "project": folder / "project.xlsx",
        "keep-plan": folder / "keep-plan.xlsx",
        "export": folder / "export.xlsx",
    }
    write_workbook(books["project"], [plan], actuals=actuals, command_line="test")
    write_workbook(books["keep-plan"], [plan], actuals=actuals, keep_plan=True, command_line="test")
    write_workbook(books["export"], [plan], actuals=actuals, variance=True, command_line="test")
    # the API's revenue of August 2026 (the third closed month) edited in the Actuals sheet
    book = openpyxl.load_workbook(books["export"])
    ws = book["Actuals"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    edited = folder / "edited.xlsx"
    set_cells(books["export"], edited, "Actuals", {f"E{rows['revenue.API.revenue']}": 1.2e9})
    books["edited"] = edited
    recalculate(list(books.values()), out)
    return {key: (path, out / path.name) for key, path in books.items()}


@pytest.mark.parametrize("key", ["project", "keep-plan"])
def test_libreoffice_recalculates_the_re_forecast_to_its_stored_values(close_books, key):
    checked, problems = mismatches(*close_books[key])
    assert not problems, f"{len(problems)} of {checked} differ:\n" + "\n".join(problems[:20])
    assert checked > 1000


@pytest.mark.parametrize("keep_plan", [False, True])
def test_the_re_forecast_sheet_holds_the_re_forecast(close_books, keep_plan):
    plan = load_scenario(BASE)
    expected = reforecast(plan, read_actuals(ACTUALS, plan), keep_plan)
    _, recalculated = close_books["keep-plan" if keep_plan else "project"]
    book = openpyxl.load_workbook(recalculated, data_only=True)
    assert book.sheetnames[:5] == [
        "Summary",
        "Charts",
        "Assumptions",
        "Plan Colossus reservation, base",
        "Re-forecast Colossus",
    ]
    ws = book["Re-forecast Colossus"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    # the basis row: six closed months actual, then forecast
    basis = [ws.cell(3, 3 + m).value for m in range(36)]
    assert basis == expected.basis == ["actual"] * 6 + ["forecast"] * 30
    for label, column in (
        ("Revenue", "revenue"),
        ("Cash in (revenue collected)", "cash_in"),
        ("Cash out (fees paid, overflow, serving)", "cash_out"),
        ("Cumulative cash", "cumulative_cash"),
        ("Gross margin", "gross_margin"),
    ):
        got = [ws.cell(rows[label], 3 + m).value for m in range(36)]
        assert got == pytest.approx(list(expected.columns[column]), abs=CENT), label
    served = [ws.cell(rows["Served on committed capacity"], 3 + m).value for m in range(6)]
    # August to November 2026: the served tokens of the actuals file
    assert served[2:] == pytest.approx([4.92323e14, 4.94293e14, 4.95170e14, 5.27689e14])
    summary = book["Summary"]
    srows = {summary.cell(r, 1).value: r for r in range(1, summary.max_row + 1)}
    ending = summary.cell(srows["Ending cumulative cash"], 3).value
    assert ending == pytest.approx(expected.summary["ending_cash"], abs=CENT)
    npv = summary.cell(srows["NPV of net cash flow"], 3).value
    assert npv == pytest.approx(expected.summary["npv"], abs=CENT)


def test_the_actuals_are_input_cells_and_the_closed_months_refer_to_them(close_books):
    exported, _ = close_books["project"]
    book = openpyxl.load_workbook(exported)
    ws = book["Actuals"]
    labels = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1)]
    assert labels == [
        "sla_credits",
        "served_tokens",
        "inference_cost",
        "training_cost",
        "cash_in",
        "cash_out",
        "revenue.API.tokens",
        "revenue.API.revenue",
        "revenue.Subscriptions.tokens",
        "revenue.Subscriptions.revenue",
        'contracts."Colossus 1".fees',
    ]
    assert ws["C9"].value == 1106614512  # cash in, June 2026: a number, not a formula
    calc = book["Re-forecast Colossus"]
    rows = {calc.cell(r, 1).value: r for r in range(1, calc.max_row + 1)}
    cash_in = calc.cell(rows["Cash in (revenue collected)"], 3).value
    assert cash_in.startswith("=IF(Actuals!$C$9=") and "Plan Colossus" in cash_in
    # a forecast month keeps the re-based scenario's formula; derived figures stay formulas
    assert "Actuals" not in calc.cell(rows["Cash in (revenue collected)"], 9).value
    margin = calc.cell(rows["Gross margin"], 3).value
    assert margin == f"=C{rows['Revenue']}-C{rows['Inference cost']}"
    # the closed months are shaded by the basis row
    formats = calc.conditional_formatting
    assert any('="actual"' in rule.formula[0] for cf in formats for rule in cf.rules)


def test_export_with_actuals_needs_one_plan(cli, tmp_path):
    base = SCENARIOS / "colossus-downside.yaml"
    target = tmp_path / "x.xlsx"
    result = cli("export", BASE, base, "--actuals", ACTUALS, "-o", target)
    assert result.exit_code == 2 and "one plan" in result.output
    assert cli("export", BASE, "--keep-plan", "-o", target).exit_code == 2
    result = cli("export", BASE, "--actuals", ACTUALS, "--keep-plan", "-o", target)
    assert result.exit_code == 0, result.output
    assert "Variance" in openpyxl.load_workbook(target).sheetnames


def test_commits_and_foreign_streams_are_refused_with_actuals(tmp_path, cli):
    """cover-demand.yaml with actuals: the re-forecast's closed months do not follow its
    commit or its euro stream yet (LibreOffice recalculated 142 formula cells away from the
    stored figures: the commit's tokens and period spend, overflow, the euro revenue), so the
    export is refused at each line, exit 2, and nothing is written."""
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(
        "month,revenue.API.revenue,served_tokens\n2027-01,70000000,17000000000000\n",
        encoding="utf-8",
    )
    book = tmp_path / "close.xlsx"
    scenario = SCENARIOS / "cover-demand.yaml"
    result = cli("export", scenario, "--actuals", actuals, "-o", book)
    assert result.exit_code == 2, result.output
    text = " ".join((result.stdout + result.stderr).split())
    assert f"{scenario}:36:5: contracts[2].kind: the workbook of a re-forecast (--actuals) " in text
    assert "take-or-pay commit ('Inference commit')" in text
    assert f"{scenario}:46:16: revenue[1].currency: " in text
    assert not book.exists()
    # the plan alone exports
    assert cli("export", scenario, "-o", book).exit_code == 0
