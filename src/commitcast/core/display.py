"""How figures look to people: money, tokens, percentages and months, with currency symbols.

The one place for display rules; the terminal, Markdown, the what-if tables, the workbook's
number formats and error messages (which any layer raises, hence core) read it. Values are
rounded here and only here (half up, as a person rounds).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from commitcast.core.measures import unit_of

# The one table of currency symbols: a scenario may write an amount with one of these symbols
# (core/numbers.py reads `€400M` as EUR 400M), and outputs show the symbols in SHOWN. ¥ is read
# as the yen but never shown (it is the yuan's too: JPY 1.2B is unambiguous); "$" alone means
# USD to the readers of these reports. Every other currency shows its code and a space.
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
SHOWN = ("USD", "EUR", "GBP")


def undefined(value: Any) -> bool:
    """The one rule for a figure without a value: None, NaN (0/0: a margin without revenue) or
    an infinity (a ratio or total past the range of numbers, such as a margin % on a revenue of
    1e-300). Every output shows it the same way: blank in the terminal, Markdown and CSV, null
    in JSON; no non-finite number reaches any output."""
    if value is None:
        return True
    if isinstance(value, float):  # numpy's float64 too
        return not math.isfinite(value)
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():  # other numpy scalars
        return not math.isfinite(float(value))
    return False


def defined(value: Any) -> Any:
    """`value`, or None when it is `undefined`: what a machine-readable writer stores."""
    return None if undefined(value) else value


def currency_symbol(currency: str) -> str:
    """What goes before an amount in `currency` in every output: $, € or £; otherwise the ISO
    code and a space (JPY 1.2B, CHF 1.2M)."""
    return SYMBOLS[currency] if currency in SHOWN else f"{currency} "


def currency_unit(currency: str) -> str:
    """The currency as a unit in a label, without the space before a figure: `$ per million
    tokens`, `€ per GPU-hour`, `JPY per month`."""
    return currency_symbol(currency).strip()


def currency_of_symbol(symbol: str) -> str | None:
    """The currency a symbol written before an amount stands for ($ USD, € EUR, £ GBP, ¥ JPY);
    None for anything else."""
    return next((code for code, sign in SYMBOLS.items() if sign == symbol), None)


def _round_half_up(value: float, decimals: int) -> Decimal:
    """Round as a person rounds the figure the CSV shows: halves up, from the shortest decimal
    that is the float (7.345 is $7.35B, though the float 7.345 lies a hair below 7.345). A
    spreadsheet's number format displays the same, and Python's round() would give 7.34."""
    if not math.isfinite(value):
        return Decimal(0)
    # float(): numpy 2 writes repr(np.float64(0.25)) as 'np.float64(0.25)'
    shortest = Decimal(repr(float(value)))
    return shortest.quantize(_QUANTUM[decimals], context=_ROUNDING)


# Room for every digit up to 1.8e308 (the default 28 digits made a cost per million tokens of
# 1e39, served tokens falling 99.9999% a month, an InvalidOperation), whatever the caller's own
# decimal context says
_ROUNDING = Context(prec=400, rounding=ROUND_HALF_UP)
_QUANTUM = {decimals: Decimal(1).scaleb(-decimals) for decimals in range(10)}


def _in_unit(
    magnitude: float, units: tuple[tuple[float, str, int], ...]
) -> tuple[Decimal, str, int] | None:
    """The first of `units` (size, suffix, decimals; largest first) in which `magnitude` shows
    as at least 1, rounded as shown there: 999,999 is $1.0M, not $1,000.0K, because the figure
    is compared as shown. None if it shows below 1 in every one. A ratio below 0.9 of a unit
    shows below 1 however it is rounded to one or two decimals, so that unit is passed over
    without rounding (a figure is rounded in the unit it is shown in, not in each above it)."""
    for size, suffix, decimals in units:
        ratio = magnitude / size
        if ratio < 0.9:
            continue
        shown = _round_half_up(ratio, decimals)
        if shown >= 1:
            return shown, suffix, decimals
    return None


_MONEY_UNITS = ((1e12, "T", 2), (1e9, "B", 2), (1e6, "M", 1), (1e3, "K", 1))
_TOKEN_UNITS = ((1e15, "P", 2), (1e12, "T", 2), (1e9, "G", 2), (1e6, "M", 2))
_QUANTITY_UNITS = ((1e12, "T", 2), (1e9, "B", 2), (1e6, "M", 2))


def format_money(value: float | None, currency: str = "USD") -> str:
    """$1.25B, $900.0M, ($3.2M) for negatives; '' for undefined."""
    if undefined(value):
        return ""
    symbol = currency_symbol(currency)
    found = _in_unit(abs(float(value)), _MONEY_UNITS)
    if found:
        shown, suffix, decimals = found
        text = f"{symbol}{shown:,.{decimals}f}{suffix}"
    else:
        shown = _round_half_up(abs(float(value)), 2)
        text = f"{symbol}{shown:,.2f}"
    if value < 0 and shown != 0:
        return f"({text})"
    return text


def format_tokens(value: float | None) -> str:
    """1.00P (999,999,999,999,999 tokens, not 1,000.00T), 158.40M; below a million the count."""
    return _count(value, _TOKEN_UNITS)


def format_quantity(value: float | None) -> str:
    """A count of things (GPU-hours, GPUs) as a CFO writes it: 1.93B, 158.40M, 6,720."""
    return _count(value, _QUANTITY_UNITS)


def _count(value: float | None, units: tuple[tuple[float, str, int], ...]) -> str:
    if undefined(value):
        return ""
    sign = "-" if value < 0 else ""
    found = _in_unit(abs(float(value)), units)
    if found:
        shown, suffix, decimals = found
        return f"{sign}{shown:,.{decimals}f}{suffix}"
    return f"{sign}{_round_half_up(abs(float(value)), 0):,.0f}"


def format_percent(value: float | None) -> str:
    if undefined(value):
        return ""
    shown = _round_half_up(abs(value) * 100, 1)
    text = f"{shown:.1f}%"
    return f"({text})" if value < 0 and shown != 0 else text


def format_figure(name: str, value: Any, currency: str = "USD") -> str:
    """A measure's value as people read it, by its unit in the measures registry."""
    unit = unit_of(name)
    if undefined(value):
        return "—" if unit == "month" else ""
    if unit == "month" or isinstance(value, str):
        return str(value)
    return format_unit(unit, value, currency)


def format_unit(unit: str, value: Any, currency: str = "USD") -> str:
    """A value as a figure of `unit` shows (money for a unit that is not one of the others);
    '' for undefined."""
    if undefined(value):
        return ""
    if unit == "ratio":
        return format_percent(value)
    if unit == "tokens":
        return format_tokens(value)
    if unit == "quantity":
        return format_quantity(value)
    if unit == "count":
        return f"{_round_half_up(value, 0):,.0f}"
    if unit == "seconds":
        return format_seconds(value)
    return format_money(value, currency)


def shows_as_zero(unit: str, value: float) -> bool:
    """Whether `value` shows as zero in `unit` ($0.00, 0.0%, 0.00 s): a percent of it cannot
    be read from what is shown."""
    return format_unit(unit, abs(value)) == format_unit(unit, 0.0)


def percent_of(amount: float, base: float, unit: str) -> float | None:
    """`amount` as a share of |base| (a difference's percent); None where the base shows as
    zero in its `unit`, exactly 0 or not (compare's and variance's percents alike)."""
    return None if shows_as_zero(unit, base) else amount / abs(base)


# Near zero, what each unit shows: |value| x scale to so many decimals ($0.00, 0.0%, 0.00 s,
# a count of tokens). For a spreadsheet's formula: a value shows as zero where
# ROUND(ABS(value) * scale, decimals) = 0, as `shows_as_zero` finds (a test holds them together).
_NEAR_ZERO = {
    "ratio": (100.0, 1),
    "seconds": (1.0, 2),
    "count": (1.0, 0),
    "tokens": (1.0, 0),
    "quantity": (1.0, 0),
}


def near_zero_precision(unit: str) -> tuple[float, int]:
    """(scale, decimals) of `unit` near zero (money, and any other unit: cents)."""
    return _NEAR_ZERO.get(unit, (1.0, 2))


def format_seconds(value: float | None) -> str:
    """A duration in seconds: 0.42 s, 12.50 s; '' for undefined."""
    if undefined(value):
        return ""
    return f"{_round_half_up(value, 2):,.2f} s"


def format_points(value: float, decimals: int = 1, sign: bool = False) -> str:
    """A difference of two ratios in percentage points: 0.012 -> 1.2pt."""
    return f"{value * 100:{'+' if sign else ''}.{decimals}f}pt"
