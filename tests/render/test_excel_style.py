"""Cell formats and the row writer of the workbook's time-series sheets (render/excel_style.py).

That both ways of storing formulas write the same file is in tests/render/test_excel.py
(test_fast_formula_path_writes_the_same_file); the whole workbook in test_excel.py and, through
LibreOffice, in test_excel_libreoffice.py.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import openpyxl
import pytest
import xlsxwriter

from commitcast.render import excel_style
from commitcast.render.excel_style import (
    Formats,
    SeriesSheet,
    cell_value,
    col_name,
    money_format,
    money_scale,
    serial,
    sheet_ref,
    utc_now,
)


def test_serial_is_the_spreadsheet_date_number():
    # a spreadsheet counts days from 1899-12-30 (the 1900 system, leap-year bug included)
    epoch = dt.date(1899, 12, 30)
    assert serial(0) == (dt.date(1970, 1, 1) - epoch).days == 25569
    day = (dt.date(2026, 6, 1) - dt.date(1970, 1, 1)).days
    assert serial(day) == (dt.date(2026, 6, 1) - epoch).days


@pytest.mark.parametrize(
    ("index", "name"), [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_col_name(index, name):
    assert col_name(index) == name


@pytest.mark.parametrize(
    ("sheet", "ref"),
    [("Summary", "Summary"), ("Calc base case", "'Calc base case'"), ("O'Brien", "'O''Brien'")],
)
def test_sheet_ref_quotes_what_needs_it(sheet, ref):
    assert sheet_ref(sheet) == ref


def test_money_format_in_billions_with_negatives_in_parentheses():
    # three commas divide by 1,000^3; positives leave room for the ")" of negatives; zero is a
    # dash
    assert money_format("USD", 3, "B", 2) == ('"$"#,##0.00,,,"B"_);("$"#,##0.00,,,"B");"–"_)')
    assert money_format("CHF", 2, "M", 1) == '"CHF "#,##0.0,,"M"_);("CHF "#,##0.0,,"M");"–"_)'
    assert money_format("EUR", 0, "", 0) == '"€"#,##0_);("€"#,##0);"–"_)'


@pytest.mark.parametrize(
    ("largest", "scale"),
    [
        (1.9523e12, (4, "T", 2)),  # $1.95T as the terminal writes it, not $1,952.30B
        (999.996e9, (4, "T", 2)),  # shown $1.00T
        (994.9e9, (3, "B", 2)),
        (7.5e9, (3, "B", 2)),
        (1e9, (3, "B", 2)),
        (999e6, (3, "B", 2)),  # shown $1.00B
        (994e6, (2, "M", 1)),
        (1e6, (2, "M", 1)),
        (5e5, (1, "K", 1)),
        (0.0, (1, "K", 1)),
    ],
)
def test_money_scale(largest, scale):
    assert money_scale(largest) == scale


def test_cell_value():
    assert cell_value(None, "money") == ""
    assert cell_value(float("nan"), "money") == ""  # undefined: an empty text, not 0
    assert cell_value(np.float64("nan"), "ratio") == ""
    assert cell_value(np.float64(2.5), "money") == 2.5
    assert type(cell_value(np.float64(2.5), "money")) is float
    assert cell_value(0.0, "date") == 25569  # day 0 is 1970-01-01
    assert cell_value(31.0, "month") == 25569 + 31


def test_utc_now_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert utc_now() == dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    now = utc_now()
    assert now.tzinfo == dt.UTC and now.microsecond == 0
    assert now.year >= 2025


def workbook():
    buffer = io.BytesIO()
    return buffer, xlsxwriter.Workbook(buffer, {"in_memory": True})


def test_formats_are_made_once_each():
    _, book = workbook()
    formats = Formats(book)
    assert formats.get(bold=True) is formats.get(bold=True)
    assert formats.get(bold=True) is not formats.get(bold=True, italic=True)
    assert formats.input("0.00%") is formats.input("0.00%")
    assert len(formats.cache) == 3
    book.close()


@pytest.mark.parametrize("fast", [True, False])
def test_series_rows_repeat_one_formula_across_the_months(monkeypatch, fast):
    monkeypatch.setattr(excel_style, "FAST_FORMULAS", fast)
    buffer, book = workbook()
    ws = book.add_worksheet("Calc")
    formats = Formats(book)
    sheet = SeriesSheet(ws, formats, 2, 3, {"money": "#,##0", "month": "mmm yyyy"})
    sheet.row = 3
    sheet.series("fee", "Fee", "$", "money", "=2*{c}3", [10.0, 20.0, float("nan")])
    sheet.series("sum", "Running", "$", "money", "={p}5+{c}4", [10.0, 30.0, 30.0], start=1)
    sheet.series("next", "Next", "", "money", "={n}4", [20.0, 0.0, 0.0], bold=True)
    book.close()
    assert sheet.r("fee") == 4 and sheet.r("sum") == 5
    assert sheet.span("fee") == "$C$4:$E$4"
    assert sheet.span("fee", absolute=False) == "$C4:$E4"
    assert (sheet.first("sum"), sheet.last("sum")) == ("$C5", "$E5")
    assert sheet.kinds["fee"] == "money"
    assert sheet.values["sum"].tolist() == [10.0, 30.0, 30.0]

    formulas = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Calc"]
    assert [formulas.cell(4, c).value for c in (1, 2, 3, 4, 5)] == [
        "Fee",
        "$",
        "=2*C3",
        "=2*D3",
        "=2*E3",
    ]
    # start=1 leaves the first month empty; {p} is the column before, {n} the one after
    assert [formulas.cell(5, c).value for c in (3, 4, 5)] == [None, "=C5+D4", "=D5+E4"]
    assert [formulas.cell(6, c).value for c in (3, 4, 5)] == ["=D4", "=E4", "=F4"]
    assert formulas.cell(6, 1).font.b  # a bold row
    stored = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), data_only=True)["Calc"]
    assert [stored.cell(4, c).value for c in (3, 4)] == [10, 20]
    assert stored.cell(4, 5).value in ("", None)  # NaN is stored as an empty text, never 0


def test_an_anchor_takes_the_unit_column():
    buffer, book = workbook()
    ws = book.add_worksheet("Calc")
    sheet = SeriesSheet(ws, Formats(book), 2, 2, {"month": "mmm yyyy"})
    sheet.series("ms", "Month", "", "month", "=EOMONTH({p}1,0)+1", [0.0, 31.0], anchor=("=A9", 5))
    sheet.section("Costs")
    book.close()
    formulas = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Calc"]
    assert formulas.cell(1, 2).value == "=A9"  # the column before the months starts the chain
    assert formulas.cell(1, 3).value == "=EOMONTH(B1,0)+1"
    assert formulas.cell(1, 2).number_format == ";;;"  # hidden
    assert formulas.cell(2, 1).value == "Costs"
    assert sheet.row == 2
