"""The workbook shows figures as the terminal does, says when it holds central values, and its
charts cover every month (issue 15, section 3)."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from commitcast.core.display import format_points
from commitcast.load.validation import load_scenario
from commitcast.render.excel import write_workbook
from commitcast.render.excel_style import col_name
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.filterwarnings("ignore:Unable to read chart:UserWarning")

BASE = SCENARIOS / "colossus-base.yaml"
RISK = SCENARIOS / "colossus-risk.yaml"
EARLY = SCENARIOS / "colossus-early-exit.yaml"
PORTFOLIO = SCENARIOS / "portfolio.yaml"


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    path = tmp_path_factory.mktemp("display") / "compare.xlsx"
    write_workbook(path, [load_scenario(p) for p in (BASE, RISK, PORTFOLIO)], command_line="t")
    return path


def summary_rows(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}


def test_ratio_differences_are_in_points_as_the_terminal_writes_them(compared):
    ws = openpyxl.load_workbook(compared)["Summary"]
    values = openpyxl.load_workbook(compared, data_only=True)["Summary"]
    row = summary_rows(ws)["Gross margin %"]
    # B: base, C: risk, D: portfolio; E, F: their differences to the base, in points
    assert ws.cell(row, 6).value.endswith("*100))")
    assert ws.cell(row, 6).number_format == '+0.0"pt";-0.0"pt";+0.0"pt"'
    base, portfolio = values.cell(row, 2).value, values.cell(row, 4).value
    assert values.cell(row, 6).value == pytest.approx((portfolio - base) * 100, abs=1e-9)
    # the format's reading of the stored points is format_points of the ratio's difference
    shown = f"{values.cell(row, 6).value:+.1f}pt"
    assert shown == format_points(portfolio - base, sign=True)
    # a ratio itself: negatives in parentheses, as format_percent writes them
    assert ws.cell(row, 2).number_format == "0.0%_);(0.0%)"


def test_trillions_as_the_terminal_writes_them(tmp_path):
    # fees of $60B a month for 36 months: $2.16T in total (the terminal's $2.16T, not
    # $2,160.00B)
    text = BASE.read_text(encoding="utf-8")
    assert "monthly_fee: 1.25B " in text
    big = tmp_path / "big.yaml"
    big.write_text(text.replace("monthly_fee: 1.25B ", "monthly_fee: 60B "), encoding="utf-8")
    path = tmp_path / "big.xlsx"
    write_workbook(path, [load_scenario(big)], command_line="t")
    ws = openpyxl.load_workbook(path)["Summary"]
    row = summary_rows(ws)["Total committed fees"]
    assert ',,,,"T"' in ws.cell(row, 2).number_format
    assert "money in trillions" in ws["A2"].value


def test_central_values_are_said_on_the_summary_and_the_audit(compared):
    book = openpyxl.load_workbook(compared)
    notes = [c.value for c in book["Summary"]["A"] if isinstance(c.value, str)]
    said = [n for n in notes if n.startswith("Central values:")]
    # only the risk case has distributions
    assert len(said) == 1 and "Colossus reservation, risk case gives 7 input(s)" in said[0]
    assert said[0].endswith("The Audit sheet lists them.")
    audit = book["Audit"]
    lines = [(audit.cell(r, 1).value, audit.cell(r, 2).value) for r in range(1, audit.max_row + 1)]
    given = [value for key, value in lines if key == "Distributions"]
    assert len(given) == 3
    assert given[0] == given[2] == "none: every input is a single value"
    assert given[1].startswith("Central values: Colossus reservation, risk case gives 7")
    assert "triangular(low=900, mode=1400, high=2200), central 1400" in given[1]


def chart_ranges(path) -> dict[str, list[str]]:
    """A chart's title -> the ranges of its series' values."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                continue
            xml = archive.read(name).decode("utf-8")
            title = "".join(re.findall(r"<a:t>([^<]*)</a:t>", xml))
            out[title] = re.findall(r"<c:val><c:numRef><c:f>([^<]*)</c:f>", xml)
    return out


def test_charts_cover_every_month_even_past_a_notice(tmp_path):
    """The early exit gives notice: service ends after ten months, but clearing the notice
    date in the workbook runs service through the horizon, so the charts take every month."""
    scenario = load_scenario(EARLY)
    path = tmp_path / "early.xlsx"
    write_workbook(path, [scenario], command_line="t")
    last = col_name(2 + scenario.months - 1)
    ranges = chart_ranges(path)
    utilization = next(v for k, v in ranges.items() if k.startswith("Utilization"))
    assert utilization and all(r.endswith(f"${last}$" + r.rsplit("$", 1)[1]) for r in utilization)
    for series in ranges.values():
        for reference in series:
            if "Summary" in reference or "Charts" in reference:
                continue
            assert f":${last}$" in reference, reference
