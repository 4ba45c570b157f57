"""The month grid (core/calendar.py): day and month numbers, and the days each month holds.

Day numbers are checked against Unix time, an independent route: 2000-01-01 00:00 UTC is
946,684,800 s = 10,957 days after 1970-01-01, and 2024-01-01 is 1,704,067,200 s = 19,723 days.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from commitcast.core.calendar import (
    EPOCH,
    MonthGrid,
    date_from_day,
    day_number,
    month_label,
    month_number,
    month_start,
    months_of_days,
)


def test_day_numbers_count_from_1970():
    assert day_number(EPOCH) == 0
    assert day_number(dt.date(2000, 1, 1)) == 946_684_800 // 86_400 == 10_957
    assert day_number(dt.date(2024, 1, 1)) == 1_704_067_200 // 86_400 == 19_723
    assert day_number(dt.date(1969, 12, 31)) == -1


def test_a_day_number_back_to_its_date_even_as_a_float():
    assert date_from_day(10_957) == dt.date(2000, 1, 1)
    assert date_from_day(10_957.0) == dt.date(2000, 1, 1)  # the engine holds days as floats
    assert date_from_day(-1) == dt.date(1969, 12, 31)
    for day in (dt.date(2026, 2, 28), dt.date(2028, 2, 29), dt.date(2031, 12, 31)):
        assert date_from_day(day_number(day)) == day


def test_month_numbers_count_from_january_1970():
    assert month_number(dt.date(1970, 1, 31)) == 0
    assert month_number(dt.date(2026, 6, 15)) == (2026 - 1970) * 12 + 5 == 677
    assert month_number(dt.date(1969, 12, 1)) == -1
    assert month_start(677) == dt.date(2026, 6, 1)
    assert month_start(-1) == dt.date(1969, 12, 1)
    assert month_label(677) == "2026-06"
    assert month_label(12 * 30 + 11) == "2000-12"


def test_months_of_days_vectorized():
    # 2000-01-31 is day 10,957 + 30; 2000-02-01 the day after; 1969-12-31 is day -1
    days = np.array([10_987.0, 10_988.0, -1.0, 0.0])
    assert months_of_days(days).tolist() == [360, 361, -1, 0]


def test_grid_of_a_leap_february():
    grid = MonthGrid(first=month_number(dt.date(2024, 1, 1)), count=3)
    assert grid.months.tolist() == [648, 649, 650]
    # the first day of each month and one past the end: Jan 1, Feb 1, Mar 1, Apr 1 of 2024
    assert grid.starts.tolist() == [19_723, 19_723 + 31, 19_723 + 60, 19_723 + 91]
    assert grid.days.tolist() == [31, 29, 31]
    assert grid.labels() == ["2024-01", "2024-02", "2024-03"]


def test_grid_across_a_year_end():
    grid = MonthGrid(first=month_number(dt.date(2025, 11, 1)), count=3)
    assert grid.labels() == ["2025-11", "2025-12", "2026-01"]
    assert grid.days.tolist() == [30, 31, 31]
    assert grid.starts[0] == day_number(dt.date(2025, 11, 1))
    assert grid.starts[-1] == day_number(dt.date(2026, 2, 1))
    assert int(grid.days.sum()) == 92  # 30 + 31 + 31


def test_a_grid_is_a_value():
    assert MonthGrid(600, 12) == MonthGrid(600, 12)
    assert hash(MonthGrid(600, 12)) == hash(MonthGrid(600, 12))  # frozen: usable as a key


def test_a_fiscal_year_is_named_by_the_calendar_year_it_ends_in():
    from commitcast.core.calendar import fiscal_year, fiscal_year_label

    # starting in February: Feb 2026 .. Jan 2027 is FY2027, so Jan 2026 still ends FY2026
    assert fiscal_year(2026, 1, 2) == 2026
    assert fiscal_year(2026, 2, 2) == 2027
    assert fiscal_year(2026, 12, 2) == 2027
    assert fiscal_year(2027, 1, 2) == 2027
    assert fiscal_year_label(2027, 2, 2) == "FY2028"
    # July: Jul 2026 .. Jun 2027 is FY2027 (the US federal style with October: Oct 2026 is FY2027)
    assert fiscal_year(2026, 6, 7) == 2026
    assert fiscal_year(2026, 7, 7) == 2027
    assert fiscal_year(2026, 10, 10) == 2027
    # January: the calendar year, every month
    assert [fiscal_year(2026, m) for m in (1, 6, 12)] == [2026, 2026, 2026]
    assert fiscal_year_label(2026, 12, 1) == "FY2026"
    # December: only December belongs to the next year's name
    assert fiscal_year(2026, 11, 12) == 2026
    assert fiscal_year(2026, 12, 12) == 2027
    with pytest.raises(ValueError):
        fiscal_year(2026, 1, 13)


def test_a_fiscal_quarter_counts_from_the_fiscal_years_first_month():
    from commitcast.core.calendar import fiscal_quarter

    # February start: Feb-Apr Q1, May-Jul Q2, Aug-Oct Q3, Nov-Jan Q4 (January is Q4 of the
    # fiscal year that ends with it)
    assert [fiscal_quarter(m, 2) for m in (2, 4, 5, 7, 8, 10, 11, 12, 1)] == [
        1, 1, 2, 2, 3, 3, 4, 4, 4,
    ]  # fmt: skip
    # January: the calendar quarters
    assert [fiscal_quarter(m) for m in (1, 3, 4, 6, 7, 9, 10, 12)] == [1, 1, 2, 2, 3, 3, 4, 4]
    # July: Jul-Sep Q1, ..., Apr-Jun Q4
    assert [fiscal_quarter(m, 7) for m in (7, 9, 10, 1, 3, 4, 6)] == [1, 1, 2, 3, 3, 4, 4]
    with pytest.raises(ValueError):
        fiscal_quarter(0, 2)
    with pytest.raises(ValueError):
        fiscal_quarter(3, 13)
