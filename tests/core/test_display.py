"""How figures are shown to people (core/display.py): money, tokens, percentages, points and the
currency symbol, rounded half up as a person rounds.

Where the display rules reach the terminal, the what-if tables and the workbook's number formats,
see tests/render/ (test_terminal.py, test_whatif.py, test_excel_style.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from commitcast.core.display import (
    SYMBOLS,
    currency_of_symbol,
    currency_symbol,
    currency_unit,
    format_figure,
    format_money,
    format_percent,
    format_points,
    format_quantity,
    format_tokens,
    near_zero_precision,
    shows_as_zero,
)


@pytest.mark.parametrize(
    ("currency", "symbol"),
    [("USD", "$"), ("EUR", "€"), ("GBP", "£"), ("JPY", "JPY "), ("CNY", "CNY "), ("CHF", "CHF ")],
)
def test_currency_symbol_only_for_unambiguous_symbols(currency, symbol):
    # ¥ is both the yen and the yuan: every currency but $, € and £ shows its code and a space
    assert currency_symbol(currency) == symbol


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.25e9, "$1.25B"),
        (9e8, "$900.0M"),
        (-3.2e6, "($3.2M)"),
        (1.5e12, "$1.50T"),
        (1234.5, "$1.2K"),
        (12.345, "$12.35"),
        (0.0, "$0.00"),
        (-0.001, "$0.00"),  # rounds to zero: no parentheses around nothing
        # at a unit's edge the rounded figure moves up a unit instead of showing 1,000.0K
        (999_999, "$1.0M"),
        (999_960_000, "$1.00B"),
        (999.996, "$1.0K"),
        (None, ""),
        (math.nan, ""),
        # halves round up, as a person (and a spreadsheet's number format) rounds the figure
        # the CSV shows: 7,345,000,000 is $7.35B although the float 7.345 lies a hair below
        (7_345_000_000, "$7.35B"),
        (-7_345_000_000, "($7.35B)"),
        (2.675, "$2.68"),
        (1_250_000, "$1.3M"),
        (-0.005, "($0.01)"),
    ],
)
def test_format_money(value, text):
    assert format_money(value) == text


def test_format_money_other_currency():
    assert format_money(2.5e6, "EUR") == "€2.5M"
    assert format_money(2.5e6, "CHF") == "CHF 2.5M"  # no symbol of its own: the code


def test_format_percent_and_tokens():
    assert format_percent(0.3632) == "36.3%"
    assert format_percent(-0.05) == "(5.0%)"
    assert format_percent(0.3625) == "36.3%"  # 36.25% rounds half up
    assert format_percent(-0.0004) == "0.0%"  # rounds to zero: no parentheses
    assert format_percent(None) == ""
    assert format_tokens(5e15) == "5.00P"
    assert format_tokens(2.5e12) == "2.50T"
    assert format_tokens(1234) == "1,234"
    assert format_tokens(math.nan) == ""
    assert format_tokens(999_999_999_999_999) == "1.00P"  # not 1,000.00T
    assert format_tokens(1.125e15) == "1.13P"  # halves up
    assert format_tokens(-2.5e6) == "-2.50M"
    assert format_tokens(0) == "0"


def test_negative_money_in_another_currency_keeps_its_symbol_inside_the_parentheses():
    assert format_money(-3.2e6, "EUR") == "(€3.2M)"
    assert format_money(-1.5e9, "JPY") == "(JPY 1.50B)"


def test_money_from_numpy_and_integers():
    assert format_money(np.float64(1.25e9)) == "$1.25B"
    assert format_money(np.float64("nan")) == ""
    assert format_money(2_000) == "$2.0K"
    assert format_tokens(np.float64(2.5e12)) == "2.50T"


def test_percent_from_numpy():
    assert format_percent(np.float64(0.25)) == "25.0%"


def test_tokens_in_billions_and_below_a_million():
    assert format_tokens(2.5e9) == "2.50G"
    assert format_tokens(1e6) == "1.00M"
    assert format_tokens(994_999) == "994,999"  # below a million shown: the count itself
    assert format_tokens(999_999) == "1.00M"  # 0.999999M shows as 1.00M, so it is one
    assert format_tokens(None) == ""


def test_percent_of_a_whole_and_of_nothing():
    assert format_percent(1.0) == "100.0%"
    assert format_percent(0.0) == "0.0%"
    assert format_percent(math.nan) == ""


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("npv", 1.25e9, "$1.25B"),  # money
        ("total_revenue", -3.2e6, "($3.2M)"),
        ("gross_margin_pct", 0.3632, "36.3%"),  # ratio
        ("utilization", 0.5, "50.0%"),
        ("capacity_tokens", 5e15, "5.00P"),  # tokens
        ("peak_funding_month", "2026-07", "2026-07"),  # month: as written
        ("payback_month", None, "—"),  # an undefined month is a dash
        ("npv", None, ""),  # an undefined amount is empty
        ("gross_margin_pct", math.nan, ""),
        ("contracts[0].monthly_fee", 9e8, "$900.0M"),  # not a measure: money
    ],
)
def test_format_figure_follows_the_measures_unit(name, value, text):
    assert format_figure(name, value) == text


def test_format_figure_in_another_currency():
    assert format_figure("npv", 2.5e6, "GBP") == "£2.5M"
    assert format_figure("gross_margin_pct", 0.25, "GBP") == "25.0%"  # ratios have no currency


def test_format_points():
    # a difference of two ratios: 0.012 is 1.2 percentage points
    assert format_points(0.012) == "1.2pt"
    assert format_points(0.012, sign=True) == "+1.2pt"
    assert format_points(-0.012, sign=True) == "-1.2pt"
    assert format_points(0.0123, 2) == "1.23pt"
    assert format_points(0.0) == "0.0pt"


def test_quantities_read_as_a_cfo_writes_counts():
    # GPU-hours: 220,000 GPUs x 24 x 31 days = 163,680,000 -> 163.68M
    assert format_figure("gpu_hours", 163_680_000.0) == "163.68M"
    assert format_figure("gpu_hours", 1_927_200_000.0) == "1.93B"
    assert format_figure("gpu_hours", 6_720.0) == "6,720"
    assert format_figure("months_saturated_at_peak", 32.0) == "32"
    assert format_figure("max_queue_wait_seconds", 3.2747977) == "3.27 s"


def test_one_rule_for_undefined_figures():
    import numpy as np

    from commitcast.core.display import defined, format_figure, format_percent, undefined

    for value in (None, math.nan, math.inf, -math.inf, np.float64("-inf"), np.float32("nan")):
        assert undefined(value) and defined(value) is None
    for value in (0.0, -1e308, 5, np.float64(2.5), "2026-06"):
        assert not undefined(value)
    # a margin % past the range of numbers was 0.0% on the terminal, null in JSON, -inf in CSV
    assert format_percent(-math.inf) == ""
    assert format_figure("gross_margin_pct", -math.inf) == ""
    assert format_figure("total_revenue", math.inf) == ""


@pytest.mark.parametrize(
    ("symbol", "currency"), [("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("¥", "JPY"), ("₹", None)]
)
def test_a_symbol_written_before_an_amount_reads_as_its_currency(symbol, currency):
    # one table for reading and showing: ¥ reads as the yen, though JPY is shown by its code
    assert currency_of_symbol(symbol) == currency
    if currency is not None:
        assert SYMBOLS[currency] == symbol


@pytest.mark.parametrize(
    ("currency", "unit"), [("USD", "$"), ("EUR", "€"), ("GBP", "£"), ("JPY", "JPY"), ("CHF", "CHF")]
)
def test_a_currency_as_a_unit_in_a_label(currency, unit):
    # `$ per million tokens`, `JPY per million tokens`: the symbol or the code, no space
    assert currency_unit(currency) == unit


def test_a_unit_is_chosen_by_the_figure_as_rounded_near_the_boundary():
    """Each format tries its units from the largest; a ratio below 0.9 of a unit cannot round
    up to 1 of it and goes to the next, one at or above 0.9 is rounded to see. Worked out:"""
    assert format_money(950_000) == "$1.0M"  # 0.95M rounds half up to 1.0M
    assert format_money(949_999) == "$950.0K"  # 0.949999M is 0.9M: shown in K, 949.999 -> 950.0
    assert format_money(899_999.99) == "$900.0K"  # 0.89999999M: not rounded in M at all
    assert format_money(-950_000) == "($1.0M)"
    assert format_tokens(995e9) == "1.00T"  # 0.995T -> 1.00T
    assert format_tokens(994_999_999_999) == "995.00G"  # 0.994999...T -> 0.99T: in G
    assert format_quantity(899_999_999) == "900.00M"  # 0.899999999B: in M, 899.999999 -> 900.00
    assert format_quantity(995_000_000) == "1.00B"


UNITS = ("money", "ratio", "seconds", "count", "tokens", "quantity")


@pytest.mark.parametrize("unit", UNITS)
def test_near_zero_precision_is_what_shows_as_zero(unit):
    # a spreadsheet finds "shows as zero" as ROUND(ABS(value) * scale, decimals) = 0: the same
    # values as the display, either side of half the last digit shown and far from it
    scale, decimals = near_zero_precision(unit)
    half = 0.5 * 10.0**-decimals / scale  # $0.005, 0.05% (0.0005), 0.005 s, half a token
    values = [half * (1 - 1e-9), half * (1 + 1e-9), 0.0, half / 10, half * 10]
    values += list(np.random.default_rng(7).uniform(0, 4 * half, 200))
    for value in values:
        rounded = round(value * scale * 10**decimals)  # whole last digits shown (none at half)
        for signed in (value, -value):
            assert shows_as_zero(unit, signed) == (rounded == 0), (unit, signed)
    assert shows_as_zero(unit, half * (1 - 1e-9)) and not shows_as_zero(unit, half * (1 + 1e-9))
