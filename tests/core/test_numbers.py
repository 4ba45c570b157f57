"""Numbers written the way finance people write them, and money shown the way they read it."""

from __future__ import annotations

import math

import pytest

from commitcast.core.display import format_money, format_percent, format_tokens
from commitcast.core.numbers import parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1250000000", 1_250_000_000),
        ("1_250_000_000", 1_250_000_000),
        ("1.25B", 1_250_000_000),
        ("1.25b", 1_250_000_000),
        ("1.5bn", 1_500_000_000),
        ("$900M", 900_000_000),
        ("900m", 900_000_000),
        ("$1,250,000,000", 1_250_000_000),
        ("USD 5M", 5_000_000),
        ("2k", 2_000),
        ("1T", 1_000_000_000_000),
        ("3%", 0.03),
        ("-1%", -0.01),
        ("0.5%", 0.005),
        ("-$5M", -5_000_000),
        (" 7 ", 7),
        ("6.00", 6),
        ("5.0e15", 5e15),
    ],
)
def test_parse_number_accepts_finance_forms(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-15)


def test_parse_number_passes_numbers_through():
    assert parse_number(12) == 12.0
    assert parse_number(0.1) == 0.1


@pytest.mark.parametrize("text", ["1,25B", "12 million", "$", "", "1,2345", "abc", "1.2.3", "5%%"])
def test_parse_number_refuses_ambiguous_text_with_examples(text):
    with pytest.raises(ValueError, match=r"cannot read .* write e\.g\. 1250000000, 1\.25B"):
        parse_number(text)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "expected a number, got true"),
        (None, "expected a number, got NoneType"),
        ([1], "expected a number, got list"),
        (math.nan, "not a number"),
        (math.inf, "infinity is not allowed"),
    ],
)
def test_parse_number_refuses_non_numbers(value, message):
    with pytest.raises(ValueError, match=message):
        parse_number(value)


def test_percent_can_be_refused():
    with pytest.raises(ValueError, match="percentage is not allowed"):
        parse_number("3%", allow_percent=False)


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
