"""Numbers written the way finance people write them (core/numbers.py).

How figures are shown (format_money and the rest) is tested in tests/core/test_display.py.
"""

from __future__ import annotations

import math

import pytest

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


@pytest.mark.parametrize("text", ["١٢٥٠", "１.２５B", "$٣M", "1٠%", "१०"])
def test_digits_other_than_0_to_9_are_refused_naming_the_character(text):
    with pytest.raises(ValueError, match=r"U\+[0-9A-F]{4} .* is not one of the digits 0-9"):
        parse_number(text)
