"""Discounting, with the convention written down.

NPV discounts the net cash flow of horizon month t (t = 1..N, the first month is t = 1) at the
end of that month, with the monthly rate r_m = (1 + annual) ** (1 / 12) - 1:

    NPV = sum(cash_t / (1 + r_m) ** t)

which is what a spreadsheet's NPV(r_m, <monthly row>) computes. Example: $100 a month for two
months at 12.68250301% a year (r_m = 1%) is 100 / 1.01 + 100 / 1.01 ** 2 = 197.0395...
"""

from __future__ import annotations

import numpy as np


def monthly_rate(annual: np.ndarray | float) -> np.ndarray:
    return np.power(1.0 + np.asarray(annual, dtype=np.float64), 1.0 / 12.0) - 1.0


def discount_factors(annual: np.ndarray | float, months: int) -> np.ndarray:
    """(runs, months) factors 1 / (1 + r_m) ** t for t = 1..months."""
    rate = np.atleast_1d(monthly_rate(annual))[:, None]
    t = np.arange(1, months + 1, dtype=np.float64)[None, :]
    return np.power(1.0 + rate, -t)


def present_value(net: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """NPV of each run: sum over months of net_t x factor_t.

    A factor past the range of numbers (a rate near -100% a year over a long horizon makes
    (1 + r_m) ** -t overflow) times no cash is no value, not an undefined one: 0 x inf counts
    0. Any other product is as numpy computes it, so every finite NPV is unchanged and cash
    discounted past the range of numbers still overflows (engine.run.check_finite says so)."""
    values = np.multiply(net, factors)
    if not np.isfinite(factors).all():
        values[np.broadcast_to(net == 0, values.shape)] = 0.0
    return values.sum(axis=1)  # type: ignore[no-any-return]
