"""Numbers the way finance people write them, and money the way they read it.

Parsing accepts `1250000000`, `1_250_000_000`, `1.25B`, `$900M`, `$1,250,000,000` and, for
rates, `3%`. Anything ambiguous (`1,25B`, `12 million`) is refused rather than guessed.
Numbers and dates are written with the digits 0-9 only: Arabic-Indic (`١٢`), fullwidth (`１２`)
and other digits that Python would read are refused, naming the character, as the JSON Schema
(whose patterns say [0-9]) refuses them.
"""

from __future__ import annotations

import math
import re
import unicodedata

SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9, "t": 1e12}

# Also the JSON Schema pattern for numbers written as text, so it avoids Python-only syntax.
AMOUNT_PATTERN = (
    r"^\s*([-+])?\s*(\$|USD\s*)?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9][0-9_]*)?(\.[0-9]+)?"
    r"([eE][-+]?[0-9]+)?"
    r"\s*([kKmMbBtT]|bn|BN|Bn|%)?\s*$"
)
_AMOUNT = re.compile(AMOUNT_PATTERN)


def parse_number(value: object, *, allow_percent: bool = True) -> float:
    """Turn a scalar from a scenario into a float, or raise ValueError saying why not.

    >>> parse_number("1.25B"), parse_number("$1,250,000,000"), parse_number("3%")
    (1250000000.0, 1250000000.0, 0.03)
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    try:
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            number = _parse_text(value, allow_percent)
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
    return number


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


def _parse_text(text: str, allow_percent: bool) -> float:
    problem = digit_problem(text)
    if problem:
        raise ValueError(problem)
    match = _AMOUNT.match(text)
    if not match or not (match[3] or match[4]):
        raise ValueError(
            f"cannot read {text!r} as a number; write e.g. 1250000000, 1.25B, $900M "
            "or $1,250,000,000"
        )
    sign, _currency, whole, fraction, exponent, suffix = match.groups()
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
    return -number if sign == "-" else number
