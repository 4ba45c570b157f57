"""The month grid: calendar months as day numbers, so the engine can prorate by days.

Days are numbered as numpy's datetime64[D] does (days since 1970-01-01); months as numpy's
datetime64[M] (months since 1970-01). Both fit float64 exactly, which lets the engine hold
dates in the same arrays as money.

numpy is imported by the functions that make arrays, not with the module: loading and
validating a scenario use only the day and month numbers, and `validate` does without numpy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def date_from_day(number: float) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


def month_number(day: dt.date) -> int:
    return (day.year - 1970) * 12 + day.month - 1


def month_start(month: int) -> dt.date:
    year, index = divmod(month, 12)
    return dt.date(1970 + year, index + 1, 1)


def month_label(month: int) -> str:
    return month_start(month).strftime("%Y-%m")


def months_of_days(days: np.ndarray) -> np.ndarray:
    """Month number of each day number (vectorized)."""
    return days.astype("int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")


@dataclass(frozen=True)
class MonthGrid:
    """Consecutive calendar months `first` .. `first + count - 1` as day numbers."""

    first: int  # month number of the grid's first month
    count: int

    @property
    def months(self) -> np.ndarray:
        import numpy as np

        return np.arange(self.first, self.first + self.count, dtype=np.int64)

    @property
    def starts(self) -> np.ndarray:
        """Day number of the first day of each month, plus one past the end (count + 1)."""
        import numpy as np

        edges = np.arange(self.first, self.first + self.count + 1, dtype=np.int64)
        return edges.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)

    @property
    def days(self) -> np.ndarray:
        import numpy as np

        return np.diff(self.starts)

    def labels(self) -> list[str]:
        return [month_label(int(m)) for m in self.months]


def fiscal_year(year: int, month: int, start_month: int = 1) -> int:
    """The fiscal year calendar month `year`-`month` falls in, named by the calendar year in
    which that fiscal year ends: with `start_month` 2 (February), February 2026 to January 2027
    is fiscal 2027. With `start_month` 1 the fiscal year is the calendar year."""
    if not 1 <= start_month <= 12 or not 1 <= month <= 12:
        raise ValueError(f"months run from 1 to 12 (month {month}, start month {start_month})")
    return year + 1 if start_month > 1 and month >= start_month else year


def fiscal_year_label(year: int, month: int, start_month: int = 1) -> str:
    """`FY2027`: the fiscal year of `year`-`month` (see `fiscal_year`)."""
    return f"FY{fiscal_year(year, month, start_month)}"


def fiscal_quarter(month: int, start_month: int = 1) -> int:
    """The quarter (1-4) of its fiscal year that calendar month `month` falls in: Q1 is the
    fiscal year's first three months. With `start_month` 2, February to April is Q1 and
    November to January Q4."""
    if not 1 <= start_month <= 12 or not 1 <= month <= 12:
        raise ValueError(f"months run from 1 to 12 (month {month}, start month {start_month})")
    return (month - start_month) % 12 // 3 + 1
