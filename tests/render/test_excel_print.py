"""render.excel_print: the print layout's arithmetic (the printed pages themselves are looked at
through LibreOffice in test_excel_pages.py)."""

from __future__ import annotations

import openpyxl
import xlsxwriter

from commitcast.render.excel_print import column_points, months_across, scale_for, wrapped_height


def test_column_points():
    # Calibri 11: 7 pixels a character plus 5 of padding, 3/4 of a point a pixel
    assert column_points(10) == (70 + 5) * 0.75
    assert column_points(44) == (308 + 5) * 0.75


def test_scale_fits_a_year_of_months_beside_the_labels():
    scale = scale_for([44, 7], [10] * 12)
    printable = (11.0 - 0.8) * 72
    needed = sum(column_points(w) for w in [44, 7, *[10] * 12])
    assert needed * scale / 100 <= printable
    assert needed * (scale + 8) / 100 > printable  # not much smaller than it needs to be
    assert scale_for([10], [10]) == 100  # never enlarged
    assert scale_for([44], [10] * 1000) == 10  # never below 10%


def test_wrapped_height():
    assert wrapped_height("short", 110) is None
    assert wrapped_height("word " * 60, 110) == 45.0  # 300 characters: three lines of 110
    assert wrapped_height("x" * 250, 110) == 45.0  # a long word is broken too


def test_months_across(tmp_path):
    path = tmp_path / "print.xlsx"
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("Sheet")
    ws.write(0, 0, "x")
    months_across(
        ws,
        label_widths=[44, 7],
        widths=[10] * 30 + [2, 11, 11, 11],
        page_starts=[2, 9, 21, 32, 40],  # 2: the first month, 40: past the end (both ignored)
        header_rows=(3, 3),
    )
    book.close()
    ws = openpyxl.load_workbook(path)["Sheet"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 1
    assert [b.id for b in ws.col_breaks.brk] == [9, 21, 32]
    assert ws.print_title_cols == "$A:$B" and ws.print_title_rows == "$4:$4"
    assert int(ws.page_setup.scale) == scale_for([44, 7], [10] * 12)  # the widest: 9..20
