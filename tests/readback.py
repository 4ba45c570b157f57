"""Every workbook commitcast writes must read back in the readers people use: openpyxl (values
and formulas) and pandas.read_excel on every sheet, with no non-finite number anywhere."""

from __future__ import annotations

import math
from pathlib import Path


def assert_readable_workbook(path: Path) -> int:
    """Read `path` with openpyxl and pandas; fail on an error or a non-finite number. Returns
    the number of numeric cells seen."""
    import warnings

    import openpyxl
    import pandas as pd

    numbers = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl cannot read back XlsxWriter's chart data
        for data_only in (True, False):
            book = openpyxl.load_workbook(path, data_only=data_only, read_only=True)
            try:
                for sheet in book.worksheets:
                    for row in sheet.iter_rows(values_only=True):
                        for value in row:
                            if isinstance(value, float | int) and not isinstance(value, bool):
                                numbers += 1
                                assert math.isfinite(value), (path.name, sheet.title, value)
                            if isinstance(value, str):
                                assert value.strip().lower() not in {"inf", "-inf", "nan"}, (
                                    path.name,
                                    sheet.title,
                                    value,
                                )
            finally:
                book.close()
        frames = pd.read_excel(path, sheet_name=None, header=None)
    for title, frame in frames.items():
        for value in frame.to_numpy().ravel():
            if isinstance(value, float):
                assert math.isfinite(value) or math.isnan(value), (path.name, title, value)
    return numbers
