"""The Variance sheet (render.excel_variance), recalculated by LibreOffice: every formula cell
to the value stored (analysis.variance's figures), the figures `commitcast variance` gives, and
an actual edited in the Actuals sheet moving the variance as re-running `variance` with that
actual changed does. The workbooks are written and recalculated once, in
tests/render/test_excel_actuals.py's `close_books`."""

from __future__ import annotations

import openpyxl
import pytest

from commitcast.analysis.variance import Comparison, variance
from commitcast.load.actuals import actuals_from_text, read_actuals
from commitcast.load.validation import load_scenario
from commitcast.render.excel_variance import percent_formula
from tests.render.test_excel_actuals import (
    ACTUALS,
    BASE,
    CENT,
    RATIO,
    close_books,  # noqa: F401  (the shared LibreOffice run)
    mismatches,
)
from tests.render.test_excel_libreoffice import recalculate

pytestmark = pytest.mark.filterwarnings("ignore:Unable to read chart:UserWarning")


def test_libreoffice_recalculates_the_variance_workbook_to_its_stored_values(close_books):  # noqa: F811
    checked, problems = mismatches(*close_books["export"])
    assert not problems, f"{len(problems)} of {checked} differ:\n" + "\n".join(problems[:20])
    book = openpyxl.load_workbook(close_books["export"][0])
    ws = book["Variance"]
    formulas = [c for row in ws.iter_rows() for c in row if str(c.value).startswith("=")]
    assert len(formulas) > 500


def _blocks(ws) -> dict[str, dict[str, list]]:
    """Each block's rows by label: {block title: {label: [plan, actual, variance, %, F/U]}}."""
    blocks: dict[str, dict[str, list]] = {}
    current = None
    for r in range(5, ws.max_row + 1):
        label = ws.cell(r, 1).value
        if label is None:
            continue
        if ws.cell(r, 2).value is None and ws.cell(r, 3).value is None:
            current = blocks.setdefault(label, {})
            continue
        if current is not None and label != "figure":
            current[label] = [ws.cell(r, c).value for c in range(3, 8)]
    return blocks


def _check(blocks, result) -> None:
    months = list(blocks)[: len(result.periods)]
    assert months == ["Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026", "Nov 2026"]
    spans = [*months, f"Year to date 2026 ({result.ytd_months} months)"]
    for line in result.figures:
        for span, compared in zip(spans, [*line.periods, line.ytd], strict=True):
            plan, actual, diff, pct, letter = blocks[span][line.label]
            # tokens: LibreOffice saves 15 significant digits (3.3e15 tokens to ~6)
            tokens = max(1.0, abs(compared.plan) * 1e-12)
            tol = RATIO if line.unit == "ratio" else CENT if line.unit == "money" else tokens
            assert plan == pytest.approx(compared.plan, abs=tol), (span, line.key)
            assert actual == pytest.approx(compared.actual, abs=tol), (span, line.key)
            assert diff == pytest.approx(compared.variance, abs=tol), (span, line.key)
            if compared.variance_pct is not None and line.unit != "tokens":
                assert pct == pytest.approx(compared.variance_pct, abs=1e-6), (span, line.key)
            want = {"favourable": "F", "unfavourable": "U"}.get(compared.assessment, "")
            assert (letter or "") == want, (span, line.key)
    for split in result.splits:
        for span, part in zip(spans, [*split.periods, split.ytd], strict=True):
            rows = blocks[span]
            volume = rows[f"{split.name}: volume effect"][2]
            price = rows[f"{split.name}: price effect"][2]
            flat = rows[f"{split.name}: flat"][2]
            assert volume == pytest.approx(part.volume, abs=CENT), (span, split.name)
            assert price == pytest.approx(part.price, abs=CENT), (span, split.name)
            assert flat == pytest.approx(part.flat, abs=CENT), (span, split.name)
            # the parts add up to the stream's revenue variance
            revenue = rows[f"{split.name} revenue"][2]
            assert volume + price + flat == pytest.approx(revenue, abs=CENT)


def test_the_variance_sheet_is_commitcast_variance(close_books):  # noqa: F811
    plan = load_scenario(BASE)
    result = variance(plan, read_actuals(ACTUALS, plan), "month")
    book = openpyxl.load_workbook(close_books["export"][1], data_only=True)
    _check(_blocks(book["Variance"]), result)


def test_an_edited_actual_moves_the_variance_as_re_running_variance(close_books):  # noqa: F811
    """The API's August revenue set to $1.2B in the Actuals sheet: LibreOffice's Variance sheet
    is `variance` run on the actuals file with that one figure changed."""
    plan = load_scenario(BASE)
    text = ACTUALS.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    column = header.index("revenue.API.revenue")
    august = next(i for i, line in enumerate(text) if line.startswith("2026-08"))
    cells = text[august].split(",")
    assert cells[column] != "1200000000"
    cells[column] = "1200000000"
    text[august] = ",".join(cells)
    changed = actuals_from_text("\n".join(text) + "\n", plan, "edited.csv")
    result = variance(plan, changed, "month")
    book = openpyxl.load_workbook(close_books["edited"][1], data_only=True)
    blocks = _blocks(book["Variance"])
    _check(blocks, result)
    # and the figure moved: the API's August revenue variance differs from the original's
    original = variance(plan, read_actuals(ACTUALS, plan), "month")
    api = original.figure("revenue.API.revenue").periods[2].variance
    assert blocks["Aug 2026"]["API revenue"][2] != pytest.approx(api, abs=1.0)


def test_libreoffice_leaves_no_percent_of_a_plan_that_shows_as_zero(tmp_path):
    import xlsxwriter

    # plan, actual, unit: either side of showing as zero ($0.005, 0.05%, half a token)
    cases = [
        (0.004, 5e6, "money"),
        (0.006, 5e6, "money"),
        (-0.004, 2.0, "money"),
        (0.0004, 0.1, "ratio"),
        (0.0006, 0.1, "ratio"),
        (0.4, 1000.0, "tokens"),
        (0.6, 1000.0, "tokens"),
        (0.004, 0.65, "seconds"),
    ]
    path = tmp_path / "percent.xlsx"
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("P")
    for row, (plan, actual, unit) in enumerate(cases, start=1):
        ws.write_number(f"A{row}", plan)
        ws.write_number(f"B{row}", actual)
        ws.write_formula(f"C{row}", f"=B{row}-A{row}", None, actual - plan)
        ws.write_formula(f"D{row}", percent_formula(f"C{row}", f"A{row}", unit), None, "?")
    book.close()
    out = tmp_path / "out"
    out.mkdir()
    recalculate([path], out)
    sheet = openpyxl.load_workbook(out / path.name, data_only=True)["P"]
    for row, (plan, actual, unit) in enumerate(cases, start=1):
        expected = Comparison(plan, actual, "higher", unit=unit).variance_pct
        found = sheet[f"D{row}"].value
        if expected is None:
            assert found in (None, ""), (plan, unit, found)
        else:
            assert found == pytest.approx(expected, rel=1e-9), (plan, unit)
    # the cases do fall either side: five of the eight have no percent, three have one
    assert sum(Comparison(p, a, "higher", unit=u).variance_pct is None for p, a, u in cases) == 5
