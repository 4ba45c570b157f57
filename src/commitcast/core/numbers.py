"""Numbers the way finance people write them, and money the way they read it.

Parsing accepts `1250000000`, `1_250_000_000`, `1.25B`, `$900M`, `$1,250,000,000` and, for
rates, `3%`. Anything ambiguous (`1,25B`, `12 million`) is refused rather than guessed.
Numbers and dates are written with the digits 0-9 only: Arabic-Indic (`١٢`), fullwidth (`１２`)
and other digits that Python would read are refused, naming the character, as the JSON Schema
(whose patterns say [0-9]) refuses them.

An amount may say its currency: an ISO code in capitals before or after it (`EUR 400M`,
`EUR400M`, `400M EUR`; after it, with a space) or a symbol before it (`$` USD, `€` EUR, `£` GBP,
`¥` JPY; the table is core.display.SYMBOLS), once. A lower-case code (`eur 400M`) is refused:
`400 mil` or `5 bnx` must not read as a currency. A percentage takes no currency. Which currency
an amount must be in (its contract's, its stream's, the scenario's) is checked where the
scenario is known (model.scenario.currency_issues); here an amount only says what it is written in.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

from commitcast.core.display import SYMBOLS, currency_of_symbol

SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9, "t": 1e12}

# The JSON Schema's patterns for numbers written as text (ECMAScript and Python alike: no named
# groups, no look-behind). A figure has digits; a multiplier may follow it.
_FIGURE = (
    r"(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9][0-9_]*)(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"(?:\s*(?:[kKmMbBtT]|bn|BN|Bn))?"
)
_SYMBOL = "[" + "".join(re.escape(symbol) for symbol in SYMBOLS.values()) + "]"
_CODE = "[A-Z]{3}"
_MONEY = rf"(?:(?:{_SYMBOL}|{_CODE})\s*{_FIGURE}|{_FIGURE}(?:\s+{_CODE})?)"
# A number that is not money (a token count, a rate): no currency, a percentage allowed.
NUMBER_PATTERN = rf"^\s*[-+]?\s*{_FIGURE}(?:\s*%)?\s*$"
# An amount of money or a price: a currency allowed, no percentage.
AMOUNT_PATTERN = rf"^\s*[-+]?\s*{_MONEY}\s*$"
# Either (a distribution's parameters, which serve amounts and rates alike).
ANY_NUMBER_PATTERN = rf"^\s*[-+]?\s*(?:{_MONEY}|{_FIGURE}\s*%)\s*$"

# What parsing reads: sign, symbol, code before, whole, fraction, exponent, multiplier or %,
# code after. Looser than the patterns above so that each mistake gets its own message.
_AMOUNT = re.compile(
    rf"^\s*([-+])?\s*(?:({_SYMBOL})|([A-Z]{{3}}))?\s*"
    r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9][0-9_]*)?(\.[0-9]+)?([eE][-+]?[0-9]+)?"
    r"\s*([kKmMbBtT]|bn|BN|Bn|%)?(?:\s+([A-Z]{3}))?\s*$"
)


def parse_number(value: object, *, allow_percent: bool = True) -> float:
    """Turn a scalar from a scenario into a float, or raise ValueError saying why not.

    >>> parse_number("1.25B"), parse_number("$1,250,000,000"), parse_number("3%")
    (1250000000.0, 1250000000.0, 0.03)
    """
    return parse_amount(value, allow_percent=allow_percent)[0]


def parse_amount(value: object, *, allow_percent: bool = True) -> tuple[float, str | None]:
    """A scalar from a scenario as a float and the currency it is written in (None if none).

    >>> parse_amount("EUR 400M"), parse_amount("400M EUR"), parse_amount("£2.5k")
    ((400000000.0, 'EUR'), (400000000.0, 'EUR'), (2500.0, 'GBP'))
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    currency = None
    try:
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            number, currency = _parse_text(value, allow_percent)
        else:
            raise ValueError(f"expected a number, got {type(value).__name__}")
    except OverflowError:  # an integer with hundreds of digits does not fit a float
        number = math.inf
    if math.isnan(number):
        raise ValueError("not a number (.nan) is not allowed; write the figure")
    if math.isinf(number):
        if isinstance(value, float):
            raise ValueError("infinity is not allowed; write a finite figure")
        raise ValueError("the number is too large; write a finite figure")
    return number, currency


def written_currency(value: object) -> str | None:
    """The currency an amount is written in (`EUR 400M`: EUR); None if it names none or does
    not read as a number (that is a problem of its own)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_amount(value)[1]
    except ValueError:
        return None


def without_currency(text: str) -> str:
    """An amount as written, less its currency: `EUR 400M` -> `400M`, `$1,250` -> `1,250`."""
    match = _AMOUNT.match(text)
    if not match:
        return text.strip()
    start, end = match.span(4) if match[4] else match.span(5)
    end = max(end, match.end(5), match.end(6), match.end(7))
    sign = "-" if match[1] == "-" else ""
    return sign + text[start:end]


def digit_problem(text: str) -> str | None:
    """Why `text` cannot be read as a number or a date: it has a digit other than 0-9 (which
    Python's int() and float() would read, and the JSON Schema would not); None if it has not."""
    for character in text:
        if character.isdigit() and not "0" <= character <= "9":
            name = unicodedata.name(character, "a digit")
            return (
                f"{character!r} (U+{ord(character):04X} {name}) is not one of the digits 0-9; "
                "write numbers and dates with the digits 0-9"
            )
    return None


# A long portfolio writes the same few amounts thousands of times (fees, capacities): each text
# is read once. The result is immutable; a text that cannot be read raises every time (an
# exception is not cached), so every place it is written gets its message.
@functools.lru_cache(maxsize=4096)
def _parse_text(text: str, allow_percent: bool) -> tuple[float, str | None]:
    problem = digit_problem(text)
    if problem:
        raise ValueError(problem)
    match = _AMOUNT.match(text)
    leading = re.match(r"\s*[-+]?\s*([A-Za-z]{3})(?![A-Za-z])", text)
    capitals = leading and _AMOUNT.match(text.replace(leading[1], leading[1].upper(), 1))
    if not match and capitals and (capitals[4] or capitals[5]):
        raise ValueError(
            f"cannot read {text!r} as a number; write the currency code in capitals "
            f"({leading[1].upper()}, not {leading[1]})"
        )
    if not match or not (match[4] or match[5]):
        raise ValueError(
            f"cannot read {text!r} as a number; write e.g. 1250000000, 1.25B, $900M "
            "or $1,250,000,000"
        )
    sign, symbol, before, whole, fraction, exponent, suffix, after = match.groups()
    written = [c for c in (symbol and currency_of_symbol(symbol), before, after) if c]
    if len(written) > 1:
        raise ValueError(
            f"{text!r} names its currency twice; write it once, e.g. "
            f"{written[-1]} {without_currency(text)}"
        )
    if written and suffix == "%":
        raise ValueError(
            f"{text!r}: a percentage takes no currency; write {without_currency(text)}"
        )
    digits = (whole or "0").replace(",", "").replace("_", "")
    number = float(digits + (fraction or "") + (exponent or ""))
    if suffix == "%":
        if not allow_percent:
            raise ValueError(
                f"{text!r}: a percentage is not allowed here; write the figure itself "
                "(e.g. 1.25B); percentages are for rates and shares"
            )
        number /= 100.0
    elif suffix:
        number *= SUFFIXES[suffix.lower()]
    return (-number if sign == "-" else number), (written[0] if written else None)
