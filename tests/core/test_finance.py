"""Discounting (core/finance.py): the monthly rate of an annual one, and end-of-month factors.

The hand example of the module: 12.68250301% a year is 1% a month, since 1.01^12 = 1.1268250301.
"""

from __future__ import annotations

import numpy as np
import pytest

from commitcast.core.finance import discount_factors, monthly_rate

ONE_PERCENT_A_MONTH = 1.01**12 - 1  # 0.126825030131969...


def test_monthly_rate_compounds_back_to_the_annual_rate():
    assert float(monthly_rate(ONE_PERCENT_A_MONTH)) == pytest.approx(0.01, abs=1e-12)
    assert float(monthly_rate(0.0)) == 0.0
    annual = np.array([0.0, 0.05, 0.10, -0.5, 3.0])
    # twelve months of the monthly rate make the annual one
    assert ((1 + monthly_rate(annual)) ** 12 - 1).tolist() == pytest.approx(
        annual.tolist(), abs=1e-12
    )


def test_two_months_of_100_at_one_percent_a_month():
    factors = discount_factors(ONE_PERCENT_A_MONTH, 2)
    assert factors.shape == (1, 2)
    # 100 / 1.01 = 99.00990099..., 100 / 1.0201 = 98.02960494...: 197.0395... in all
    assert float((100 * factors).sum()) == pytest.approx(197.0395059, abs=0.005)
    assert factors[0].tolist() == pytest.approx([1 / 1.01, 1 / 1.0201], abs=1e-12)


def test_factors_are_one_row_per_run_and_start_at_month_one():
    factors = discount_factors(np.array([0.0, ONE_PERCENT_A_MONTH]), 3)
    assert factors.shape == (2, 3)
    assert factors[0].tolist() == [1.0, 1.0, 1.0]  # no discount at 0%
    # month t = 1 is already discounted: the flow is at the end of the month
    assert factors[1].tolist() == pytest.approx([1.01**-1, 1.01**-2, 1.01**-3], abs=1e-12)


def test_a_spreadsheet_npv_of_a_monthly_row():
    # NPV(r_m, row) in a spreadsheet discounts the first value one period: the same convention
    npf = pytest.importorskip("numpy_financial")
    flows = np.array([-500.0, 120.0, 130.0, 140.0, 150.0])
    ours = float((flows * discount_factors(ONE_PERCENT_A_MONTH, len(flows))[0]).sum())
    # numpy_financial.npv discounts the first value zero periods: prepend a zero flow
    theirs = float(npf.npv(0.01, [0.0, *flows]))
    assert ours == pytest.approx(theirs, abs=0.005)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_present_value_counts_no_cash_as_no_value_where_the_factors_overflow():
    from commitcast.core.finance import present_value

    # -99.9999% a year: (1 + r_m) ** -t passes 1e308 long before month 1,200
    factors = discount_factors(-0.999999, 1200)
    assert not np.isfinite(factors).all()
    net = np.zeros((2, 1200))
    net[1, :12] = 100.0  # cash only in months where the factors are finite
    pv = present_value(net, factors)
    assert pv[0] == 0.0
    assert pv[1] == pytest.approx((100.0 * factors[0, :12]).sum(), rel=1e-12)
    net[1, -1] = 1.0  # cash discounted past the range of numbers still overflows
    assert not np.isfinite(present_value(net, factors)[1])


def test_present_value_is_the_plain_sum_where_the_factors_are_finite():
    from commitcast.core.finance import present_value

    factors = discount_factors(np.array([0.1, 0.2]), 24)
    net = np.arange(48, dtype=np.float64).reshape(2, 24) - 10
    assert np.array_equal(present_value(net, factors), np.multiply(net, factors).sum(axis=1))
