"""The Obligations sheet (render/excel_obligations.py): live formulas over the Contracts sheet.

Checked three ways: the stored values are the figures of `analysis.obligations` (what the
command prints); LibreOffice, recalculating every formula, arrives at the stored values to the
cent; and editing an input cell (a monthly fee, a notice date) recalculates the sheet to the
figures `--set` gives for the same change.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import openpyxl
import pytest

from commitcast.analysis.obligations import BUCKETS, FIGURES, obligations
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from commitcast.render.excel import write_workbook
from tests.analysis.test_obligations import EDGE
from tests.conftest import SCENARIOS
from tests.render.test_excel_libreoffice import empty, recalculate, set_inputs, soffice

BASE = SCENARIOS / "colossus-base.yaml"
PORTFOLIO = SCENARIOS / "portfolio.yaml"
COVER = SCENARIOS / "cover-demand.yaml"
CENT = 0.01  # LibreOffice saves 15 significant digits
EDGE_FILE = (
    "name: Edge obligations\nhorizon: {start: 2026-03, months: 30}\n"
    "fiscal_year_start_month: 7\ncontracts:\n" + EDGE
)
# input cells changed in a copy, and the same change as --set
EDITS = {
    "fee": ("base", {"S1_C1_MonthlyFee": 1.1e9}, ["contracts[0].monthly_fee=1.1B"]),
    "notice": (
        "edge",
        {"S1_C3_NoticeGiven": dt.datetime(2027, 3, 1), "S1_C2_MonthlyFee": 15_000_000},
        [
            'contracts."Option not used".termination.notice_given=2027-03-01',
            "contracts[1].monthly_fee=15M",
        ],
    ),
    # issue 13 (cover-demand.yaml): the US reservation billed every six months with a larger
    # prepayment, the commit's minimum raised, the euro cheaper (the EU reservation converted
    # at its rate)
    "cover": (
        "cover",
        {
            "S1_C1_BillingMonths": 6,
            "S1_C1_Prepayment": 150e6,
            "S1_C3_Minimum": 450e6,
            "S1_FX_Eur_Rate": 1.05,
        },
        [
            "contracts[0].payment.every_months=6",
            "contracts[0].prepayment.amount=150M",
            "contracts[2].minimum.amount=450M",
            "fx.EUR.rate=1.05",
        ],
    ),
}

pytestmark = pytest.mark.filterwarnings("ignore:Unable to read chart:UserWarning")


def summary(ws) -> dict[tuple[str, str], list[float | None]]:
    """(contract, figure) -> the four buckets and the total, read off the sheet's summary of
    its first scenario."""
    found: dict[tuple[str, str], list[float | None]] = {}
    name = None
    for r in range(1, ws.max_row + 1):
        label, figure = ws.cell(r, 1).value, ws.cell(r, 2).value
        if label == "Month by month (the columns of the Contracts sheet)":
            break
        if figure in FIGURES:
            name = label or name
            found[(name, figure)] = [ws.cell(r, 3 + j).value for j in range(len(BUCKETS) + 1)]
    return found


def expected(result) -> dict[tuple[str, str], list[float]]:
    lines = [(line.name, line) for line in result.contracts]
    if len(result.contracts) != 1:
        lines.append(("All contracts", result.total))
    return {
        (name, figure): [*line.figure(figure), line.total(figure)]
        for name, line in lines
        for figure in FIGURES
    }


def same(got, want) -> None:
    assert got.keys() == want.keys()
    for key, values in want.items():
        for value, cell in zip(values, got[key], strict=True):
            assert cell == pytest.approx(value, abs=CENT), key


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("obligations")
    edge = folder / "edge.yaml"
    edge.write_text(EDGE_FILE, encoding="utf-8")
    paths = {"base": BASE, "edge": edge, "portfolio": PORTFOLIO, "cover": COVER}
    books = {}
    for key, path in paths.items():
        books[key] = folder / f"{key}.xlsx"
        write_workbook(books[key], [load_scenario(path)], command_line="test")
    books["both"] = folder / "both.xlsx"
    write_workbook(books["both"], [load_scenario(PORTFOLIO), load_scenario(edge)])
    return {"_folder": folder, **paths, **{f"book-{k}": v for k, v in books.items()}}


def test_the_stored_figures_are_the_commands(files):
    for key in ("base", "edge", "portfolio", "cover"):
        ws = openpyxl.load_workbook(files[f"book-{key}"], data_only=True)["Obligations"]
        same(summary(ws), expected(obligations(load_scenario(files[key]))))


def test_the_sheet_is_formulas_over_the_contracts_sheet(files):
    ws = openpyxl.load_workbook(files["book-edge"])["Obligations"]
    rows: dict[str, int] = {}
    for r in range(1, ws.max_row + 1):
        rows.setdefault(ws.cell(r, 1).value, r)  # the first: a contract's summary row
    # a bucket adds up the payments whose month falls in it
    cell = ws.cell(rows["Arrears with a fee"], 3).value
    assert cell.startswith("=SUMPRODUCT(") and ">=0)*(" in cell and "<=11)" in cell
    assert ws.cell(rows["Arrears with a fee"], 7).value == "=SUM(C{0}:F{0})".format(
        rows["Arrears with a fee"]
    )
    # the month columns read the Contracts sheet's same column
    service = ws.cell(rows["Noncancelable, by month of service"], 4).value
    assert "Contracts!D" in service and "Contracts!$C$" in service


@pytest.fixture(scope="module")
def recalculated(files) -> dict[str, tuple[Path, Path]]:
    soffice()
    folder = files["_folder"]
    out = folder / "recalculated"
    out.mkdir()
    books = {key[5:]: path for key, path in files.items() if key.startswith("book-")}
    for key, (source, cells, _) in EDITS.items():
        target = folder / f"edit-{key}.xlsx"
        set_inputs(files[f"book-{source}"], target, cells)
        books[f"edit-{key}"] = target
    recalculate(list(books.values()), out)
    return {key: (path, out / path.name) for key, path in books.items()}


@pytest.mark.parametrize("key", ["base", "edge", "portfolio", "both", "cover"])
def test_libreoffice_recalculates_the_stored_values(recalculated, key):
    exported, judged = recalculated[key]
    formulas = openpyxl.load_workbook(exported)["Obligations"]
    stored = openpyxl.load_workbook(exported, data_only=True)["Obligations"]
    theirs = openpyxl.load_workbook(judged, data_only=True)["Obligations"]
    problems, checked = [], 0
    for row in formulas.iter_rows():
        for cell in row:
            if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                continue
            checked += 1
            mine, got = stored[cell.coordinate].value, theirs[cell.coordinate].value
            if empty(mine) or empty(got):
                ok = empty(mine) and empty(got)
            elif isinstance(mine, dt.datetime) or isinstance(got, dt.datetime):
                ok = mine == got
            else:
                ok = math.isclose(mine, got, abs_tol=CENT)
            if not ok:
                problems.append(f"{cell.coordinate} {cell.value[:120]}: {mine!r} {got!r}")
    assert not problems, f"{len(problems)} of {checked} differ:\n" + "\n".join(problems[:20])
    assert checked > 100


@pytest.mark.parametrize("key", EDITS)
def test_an_edited_input_recalculates_like_set(files, recalculated, key):
    source, _, sets = EDITS[key]
    scenario = load_scenario(files[source])
    want = expected(obligations(apply_overrides(scenario, sets)))
    before = expected(obligations(scenario))
    ws = openpyxl.load_workbook(recalculated[f"edit-{key}"][1], data_only=True)["Obligations"]
    same(summary(ws), want)
    moved = [
        k
        for k in want
        if any(
            not math.isclose(a, b, abs_tol=CENT) for a, b in zip(want[k], before[k], strict=True)
        )
    ]
    assert moved, "the edit must move a figure for the test to mean anything"


def test_billed_contracts_are_shown_unless_a_later_notice_is_given(tmp_path):
    """cover-demand.yaml's US reservation (quarterly in advance, prepaid) has its rows and its
    figures are the command's; a contract billed ahead with a notice given after the as-of
    day is named instead (noncancelable then needs the payments as if no notice were given,
    which the Contracts sheet does not hold)."""
    from tests.render.test_excel_libreoffice import SHEET_EDGE

    cover = load_scenario(SCENARIOS / "cover-demand.yaml")
    book = write_workbook(tmp_path / "cover.xlsx", [cover])
    ws = openpyxl.load_workbook(book, data_only=True)["Obligations"]
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert "US reservation (billed ahead or prepaid)" in labels
    assert not any(str(label).startswith("Not shown") for label in labels)
    table = obligations(cover)
    row = labels.index("US reservation") + 1
    assert ws.cell(row, 2).value == "scheduled"
    assert ws.cell(row, 7).value == pytest.approx(table.contracts[0].total("scheduled"), abs=CENT)
    assert ws.cell(row, 7).value == pytest.approx(576_000_000.00, abs=CENT)  # 36 x $16M

    text = SHEET_EDGE.replace(
        "    capacity:",
        "    termination: {notice_days: 30, notice_given: 2026-06-10}\n    capacity:",
    )
    path = tmp_path / "noticed.yaml"
    path.write_text(text, encoding="utf-8")
    book = write_workbook(tmp_path / "noticed.xlsx", [load_scenario(path)])
    ws = openpyxl.load_workbook(book, data_only=True)["Obligations"]
    notes = [ws.cell(r, 1).value for r in range(1, 8) if str(ws.cell(r, 1).value).startswith("Not")]
    assert notes == [
        "Not shown: the workbook's obligations by maturity do not follow a contract billed over "
        "several months or prepaid with a notice given after the as-of day yet ('Rack'); "
        "commitcast obligations shows them."
    ]
