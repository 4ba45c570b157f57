"""Numbers written the way finance people write them (core/numbers.py).

How figures are shown (format_money and the rest) is tested in tests/core/test_display.py.
"""

from __future__ import annotations

import math
import re

import pytest

from commitcast.core.numbers import (
    AMOUNT_PATTERN,
    ANY_NUMBER_PATTERN,
    NUMBER_PATTERN,
    parse_amount,
    parse_number,
    without_currency,
    written_currency,
)


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


# Amounts that say their currency (issue 13): a code in capitals before or after, a symbol
# before; which currency an amount must be in is checked with the scenario (model/fields.py).
@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("EUR 400M", 400e6, "EUR"),
        ("EUR400M", 400e6, "EUR"),
        ("400M EUR", 400e6, "EUR"),
        ("400 EUR", 400, "EUR"),
        ("€400M", 400e6, "EUR"),
        ("£2.5k", 2_500, "GBP"),
        ("¥3B", 3e9, "JPY"),
        ("$1,250,000", 1_250_000, "USD"),
        ("USD 5M", 5e6, "USD"),
        ("-$5M", -5e6, "USD"),
        ("1.5bn CHF", 1.5e9, "CHF"),
        ("5 TRY", 5, "TRY"),  # T is a multiplier only when no code follows
        ("5M", 5e6, None),
        ("3%", 0.03, None),
    ],
)
def test_an_amount_says_its_currency(text, value, currency):
    number, written = parse_amount(text)
    assert number == pytest.approx(value, rel=1e-15)
    assert written == currency
    assert written_currency(text) == currency


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("EUR 3%", "'EUR 3%': a percentage takes no currency; write 3%"),
        ("€3%", "'€3%': a percentage takes no currency; write 3%"),
        ("$5M USD", "'$5M USD' names its currency twice; write it once, e.g. USD 5M"),
        ("EUR 5M GBP", "'EUR 5M GBP' names its currency twice; write it once, e.g. GBP 5M"),
        ("eur 5M", "write the currency code in capitals (EUR, not eur)"),
        ("5M €", "cannot read '5M €' as a number"),  # a symbol goes before the figure
        ("5MEUR", "cannot read '5MEUR' as a number"),  # a code after it needs a space
        ("EUR", "cannot read 'EUR' as a number"),
    ],
)
def test_a_currency_written_wrong_is_refused_saying_how(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_amount(text)
    assert written_currency(text) is None  # unreadable: no currency to check


def test_written_currency_of_what_is_not_text_is_none():
    assert written_currency(5e6) is None
    assert written_currency(None) is None


@pytest.mark.parametrize(
    ("text", "figure"),
    [("EUR 400M", "400M"), ("400M EUR", "400M"), ("$1,250,000", "1,250,000"), ("-€5.5k", "-5.5k")],
)
def test_without_currency_keeps_the_figure_as_written(text, figure):
    assert without_currency(text) == figure


# The JSON Schema's patterns say what the parser reads: an amount (currency, no percentage),
# another number (percentage, no currency), a distribution's parameter (either).
@pytest.mark.parametrize(
    ("text", "amount", "number"),
    [
        ("1.25B", True, True),
        ("EUR 400M", True, False),
        ("400M EUR", True, False),
        ("€400M", True, False),
        ("¥3B", True, False),
        ("$1,250,000,000", True, False),
        ("3%", False, True),
        ("EUR 3%", False, False),
        ("$5M USD", False, False),
        ("eur 5M", False, False),
        ("5M €", False, False),
        ("$", False, False),
        ("1,25B", False, False),
    ],
)
def test_the_schema_patterns_agree_with_the_parser(text, amount, number):
    assert bool(re.match(AMOUNT_PATTERN, text)) is amount
    assert bool(re.match(NUMBER_PATTERN, text)) is number
    assert bool(re.match(ANY_NUMBER_PATTERN, text)) is (amount or number)
    try:
        _, currency = parse_amount(text)
        readable = True
    except ValueError:
        readable, currency = False, None
    assert readable is (amount or number)
    assert (currency is None) is (number or not readable)
