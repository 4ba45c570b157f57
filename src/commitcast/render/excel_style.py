"""Cell formats and a row writer for the workbook's time-series sheets.

A time-series row carries ONE formula template for every month column: `{c}` stands for the
column's letter, `{p}` for the previous column's and `{n}` for the next one's, so each row holds
the same formula across (the FAST standard). Each formula cell also stores the value the engine
computed, so previews and pandas see figures before any recalculation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from commitcast.core.display import currency_symbol, format_money, undefined

EXCEL_EPOCH_OFFSET = 25569  # spreadsheet serial of 1970-01-01 (day number 0)

C, P, N = "{c}", "{p}", "{n}"

INPUT_FILL = "#FFF2CC"
INPUT_FONT = "#1F4E9E"
HEADER_FILL = "#1F3864"
SECTION_FILL = "#D9E1F2"
FIXED_FILL = "#EDEDED"  # values that need a new export to change (the horizon, ...)
FONT = "Calibri"


def serial(day: float) -> float:
    """Spreadsheet date serial of an engine day number."""
    return day + EXCEL_EPOCH_OFFSET


# Excel's longest sheet name, in UTF-16 code units as Excel (and XlsxWriter) count them: a
# character outside the Basic Multilingual Plane (CJK Extension B, mathematical letters,
# emoji) is two
SHEET_NAME_UNITS = 31


def utf16_units(text: str) -> int:
    """The length of `text` as Excel counts it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def shorten(text: str, units: int) -> str:
    """`text` in at most `units` UTF-16 units: whole words while they fit (a sheet name cut
    mid-word reads as a typo), else as many characters as fit when the words that fit would
    keep less than half of the room; never half a character, never an opening parenthesis
    without its closing one, never a trailing space or comma."""
    if utf16_units(text) <= units:
        return text
    kept = ""
    for word in text.split(" "):
        candidate = f"{kept} {word}" if kept else word
        if utf16_units(candidate) > units:
            break
        kept = candidate
    if utf16_units(kept) < units // 2:
        kept = ""
        for character in text:
            if utf16_units(kept + character) > units:
                break
            kept += character
    kept = kept.rstrip(" ,.&-_")
    if kept.count("(") > kept.count(")"):
        # the cut fell inside parentheses: end before them, or drop the lone "(" when that
        # would keep less than half of the room
        before = kept
        while before.count("(") > before.count(")"):
            before = before[: before.rindex("(")].rstrip(" ,.&-_")
        if utf16_units(before) >= units // 2:
            return before
        kept = re.sub(r"\s+", " ", kept.replace("(", " ")).strip(" ,.&-_")
    return kept


def distinct_sheet_names(names: Sequence[str], taken: Sequence[str]) -> list[str]:
    """Sheet names from scenario names: letters, digits and plain punctuation only (so a name
    never reads as a formula or needs escaping), at most SHEET_NAME_UNITS as Excel counts
    them, shortened at a word boundary, distinct from each other and from `taken` (ignoring
    case, as Excel does): the second "Base" is "Base (2)"."""
    out: list[str] = []
    used = {name.lower() for name in taken}
    for number, name in enumerate(names, start=1):
        clean = re.sub(r"[^\w ,.&()-]", " ", name)
        clean = re.sub(r"\s+", " ", clean).strip(" ,.&-_")
        clean = shorten(clean, SHEET_NAME_UNITS) or f"Scenario {number}"
        candidate = clean
        suffix = 2
        while candidate.lower() in used:
            tail = f" ({suffix})"
            candidate = shorten(clean, SHEET_NAME_UNITS - utf16_units(tail)) + tail
            suffix += 1
        used.add(candidate.lower())
        out.append(candidate)
    return out


def col_name(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return str(xl_col_to_name(index))


def sheet_ref(sheet: str) -> str:
    from xlsxwriter.utility import quote_sheetname

    return str(quote_sheetname(sheet))


def money_format(currency: str, divisor: int, suffix: str, decimals: int) -> str:
    """Slide style: thousands separators, negatives in parentheses, zero as a dash."""
    symbol = currency_symbol(currency)
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    scale = "," * divisor
    unit = f'"{suffix}"' if suffix else ""
    sym = '"' + symbol.replace('"', "") + '"'
    return f'{sym}{digits}{scale}{unit}_);({sym}{digits}{scale}{unit});"–"_)'


def money_in(num_formats: dict[str, str], reporting: str, code: str) -> str:
    """The kind of a sheet's money rows in the currency `code` (a contract's or a stream's
    own amounts, before conversion): 'money' in the reporting currency, else a kind added to
    `num_formats` with the same format and `code`'s symbol (€4.0M, not $4.0M)."""
    if code == reporting:
        return "money"
    kind = f"money {code}"
    if kind not in num_formats:
        old, new = ('"' + currency_symbol(c).replace('"', "") + '"' for c in (reporting, code))
        num_formats[kind] = num_formats["money"].replace(old, new)
    return kind


# format_money's units as a number format's thousands divisors (a comma each)
DIVISORS = {"T": 4, "B": 3, "M": 2, "K": 1}


def money_scale(largest: float) -> tuple[int, str, int]:
    """(thousands divisors, suffix, decimals) for figures up to `largest`: the unit and
    decimals core.display.format_money writes `largest` in, the terminal's rule ($1.95T, not
    $1,952.30B; $2.40B; $900.0M), thousands at least."""
    shown = format_money(abs(float(largest)))
    found = re.search(r"(?:\.(\d+))?([TBMK])$", shown)
    if found is None:  # under a thousand
        return 1, "K", 1
    return DIVISORS[found.group(2)], found.group(2), len(found.group(1) or "")


class Formats:
    """Named cell formats, created once per workbook."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.cache: dict[tuple[Any, ...], Any] = {}

    def get(self, **properties: Any) -> Any:
        key = tuple(sorted(properties.items()))
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format({"font_name": FONT, **properties})
        return self.cache[key]

    def title(self) -> Any:
        return self.get(bold=True, font_size=14, font_color=HEADER_FILL)

    def subtitle(self) -> Any:
        return self.get(italic=True, font_color="#595959")

    def header(self, **extra: Any) -> Any:
        return self.get(bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL, **extra)

    def section(self) -> Any:
        return self.get(bold=True, bg_color=SECTION_FILL)

    def text(self, **extra: Any) -> Any:
        return self.get(**extra)

    def input(self, num_format: str) -> Any:
        return self.get(
            num_format=num_format,
            bg_color=INPUT_FILL,
            font_color=INPUT_FONT,
            border=1,
            border_color="#BFBFBF",
        )

    def hidden(self) -> Any:
        return self.get(num_format=";;;")


def cell_value(value: Any, kind: str) -> Any:
    """The value a formula cell stores: an undefined figure (None, NaN, an infinity: the one
    rule of `core.display.undefined`) is an empty text, dates are serials."""
    if undefined(value):
        return ""
    if kind in ("date", "month"):
        return serial(float(value))
    return float(value)


def blank_undefined(workbook: Any) -> int:
    """Store every formula cell's undefined value (NaN, an infinity: `core.display.undefined`)
    as an empty text, as `cell_value` does, whichever sheet wrote it; returns how many there
    were. XlsxWriter would write an infinity as the text 'inf' in a number's place, which no
    reader takes (openpyxl and pandas fail on it); write_number refuses them itself."""
    from xlsxwriter.worksheet import CellFormulaTuple

    count = 0
    for worksheet in workbook.worksheets():
        for cells in getattr(worksheet, "table", {}).values():
            for col, cell in cells.items():
                if isinstance(cell, CellFormulaTuple) and undefined(cell.value):
                    cells[col] = cell._replace(value="")
                    count += 1
    return count


def compounded(base: str, exponent: str, previous: str, row: int) -> str:
    """A row's formula for `base` ^ `exponent` (cell references with {c}, {p}) that no
    spreadsheet turns into #NUM!: LibreOffice's POWER gives #NUM! when the result falls below
    the smallest normal number, 2.2e-308 (an escalator or growth of -99.9999% after 52 steps),
    though a product that small is simply 0 or tiny. From a base of 1 up it is POWER, as
    before (what passes 1e308 the engine refuses); below 1, the previous month's factor (this
    `row`, one column left) times `base` ^ (`exponent` - `previous`), a step of 0 or 1. Not for
    a row's first month column, which has no previous month: POWER there."""
    return f"IF({base}>=1,{base}^{exponent},{P}{row}*{base}^({exponent}-{previous}))"


def escalation_row(
    s: SeriesSheet, key: str, rate: str, every: str, k_row: int, values: Any
) -> None:
    """The "Escalation factor" row: (1 + rate) ^ INT(MAX(k, 0) / every) for contract month k
    (row `k_row`), compounded so that no spreadsheet gives #NUM! (`compounded`); POWER in the
    first month column, which has no month before it."""
    steps = f"INT(MAX({C}{k_row},0)/{every})"
    row = s.row
    s.series(
        key,
        "Escalation factor",
        "x",
        "factor",
        "=" + compounded(f"(1+{rate})", steps, f"INT(MAX({P}{k_row},0)/{every})", row + 1),
        values,
        start=1,
    )
    s.ws.write_formula(
        row,
        s.first_col,
        f"=(1+{rate})^{steps.replace(C, s.letters[1])}",
        s.formats.get(num_format=s.num_formats["factor"]),
        cell_value(values[0], "factor"),
    )


def ramp_lookup(s: SeriesSheet, fields: str, inputs: Any, steps: Sequence[Any], k: str) -> str:
    """The ramp fraction of contract month `k` (a cell reference, {c} for the month's column)
    as one lookup, however many steps: writes the contract's ramp table on `s` as two rows
    (each step's first contract month, the sum of the months before it, and its fraction;
    then the month after the last step, fraction 1) and returns the formula
    IF(k<0,1,INDEX(fractions,1,MATCH(k,starts,1))), of the same length for 1 step or 1,000
    (an IF per step passed Excel's 8,192 characters at 29 steps and its 64 levels of nesting).
    `fields` is the contract's path (contracts[0]); `inputs` maps a field to its cell."""
    ws, formats, first = s.ws, s.formats, s.first_col
    count = len(steps)
    starts_row, fractions_row = s.row, s.row + 1
    ws.write_string(starts_row, 0, "Ramp steps: first contract month of each (then the full fee)")
    ws.write_string(starts_row, 1, "k", formats.text(font_color="#7F7F7F"))
    ws.write_string(fractions_row, 0, "Ramp steps: fraction of fee and capacity")
    ws.write_string(fractions_row, 1, "x", formats.text(font_color="#7F7F7F"))
    whole = formats.get(num_format=s.num_formats["int"])
    factor = formats.get(num_format=s.num_formats["factor"])
    start = 0
    for j in range(count + 1):
        col = first + j
        if j == 0:
            ws.write_formula(starts_row, col, "=0", whole, 0)
        else:
            before = f"{col_name(col - 1)}{starts_row + 1}"
            months = inputs[f"{fields}.ramp[{j - 1}].months"]
            ws.write_formula(starts_row, col, f"={before}+{months}", whole, start)
        if j < count:
            fraction = float(steps[j].fraction)
            ws.write_formula(
                fractions_row, col, f"={inputs[f'{fields}.ramp[{j}].fraction']}", factor, fraction
            )
            start += int(steps[j].months)
        else:
            ws.write_formula(fractions_row, col, "=1", factor, 1)
    last = col_name(first + count)
    span = f"${col_name(first)}${{row}}:${last}${{row}}"
    s.row += 2
    # INDEX(row, 1, n): Gnumeric reads INDEX(one_row_range, n) as a row number
    return (
        f"=IF({k}<0,1,INDEX({span.format(row=fractions_row + 1)},1,"
        f"MATCH({k},{span.format(row=starts_row + 1)},1)))"
    )


class SeriesSheet:
    """Writes rows of a time-series sheet: label, unit, then one formula per month column."""

    def __init__(
        self, worksheet: Any, formats: Formats, first_col: int, count: int, num_formats: dict
    ) -> None:
        self.ws = worksheet
        self.formats = formats
        self.first_col = first_col
        self.count = count
        self.num_formats = num_formats  # kind -> number format
        self.row = 0
        self.rows: dict[str, int] = {}  # key -> 1-based row number
        self.kinds: dict[str, str] = {}
        self.values: dict[str, np.ndarray] = {}
        self.letters = [col_name(first_col + j) for j in range(-1, count + 1)]

    def r(self, key: str) -> int:
        return self.rows[key]

    def span(self, key: str, absolute: bool = True) -> str:
        """The row's month range, e.g. $C$12:$AX$12."""
        row = self.rows[key]
        first, last = self.letters[1], self.letters[self.count]
        dollar = "$" if absolute else ""
        return f"${first}{dollar}{row}:${last}{dollar}{row}"

    def first(self, key: str) -> str:
        return f"${self.letters[1]}{self.rows[key]}"

    def last(self, key: str) -> str:
        return f"${self.letters[self.count]}{self.rows[key]}"

    def skip(self, lines: int = 1) -> None:
        self.row += lines

    def section(self, label: str) -> None:
        fmt = self.formats.section()
        self.ws.write_string(self.row, 0, label, fmt)
        self.ws.write_blank(self.row, 1, None, fmt)
        self.row += 1

    def scalar(self, label: str, formula: str, value: float, kind: str) -> str:
        """One figure in column B, bold, after its label in A; returns its cell, e.g. $B$7."""
        fmt = self.formats.get(num_format=self.num_formats[kind], bold=True)
        self.ws.write_string(self.row, 0, label)
        self.ws.write_formula(self.row, 1, formula, fmt, cell_value(value, kind))
        self.row += 1
        return f"$B${self.row}"

    def series(
        self,
        key: str,
        label: str,
        unit: str,
        kind: str,
        template: str,
        values: Sequence[Any] | np.ndarray,
        *,
        start: int = 0,
        anchor: tuple[str, Any] | None = None,
        bold: bool = False,
    ) -> int:
        """One row; returns its 0-based row index. `start` skips leading columns."""
        ws, row = self.ws, self.row
        label_format = self.formats.text(bold=True) if bold else None
        ws.write_string(row, 0, label, label_format)
        if anchor is not None:
            formula, value = anchor
            ws.write_formula(row, 1, formula, self.formats.hidden(), value)
        else:
            ws.write_string(row, 1, unit, self.formats.text(font_color="#7F7F7F"))
        extra = {"bold": True} if bold else {}
        fmt = self.formats.get(num_format=self.num_formats[kind], **extra)
        letters = self.letters
        store = _formula_store(ws, template) if FAST_FORMULAS else None
        if store is not None:
            # XlsxWriter prepares each formula with ~30 regular expressions; the template is
            # the same for the whole row, so prepare it once and store the cells directly.
            template = ws._prepare_formula(template)
            ws._check_dimensions(row, self.first_col + start)
            ws._check_dimensions(row, self.first_col + self.count - 1)
            cells = ws.table[row]
        for j in range(start, self.count):
            formula = (
                template.replace(C, letters[j + 1])
                .replace(P, letters[j])
                .replace(N, letters[j + 2])
            )
            value = cell_value(values[j], kind)
            if store is not None:
                cells[self.first_col + j] = store(formula, fmt, value)
            else:
                ws.write_formula(row, self.first_col + j, formula, fmt, value)
        self.rows[key] = row + 1
        self.kinds[key] = kind
        self.values[key] = np.asarray(values, dtype=np.float64)
        self.row += 1
        return row

    def numbers(
        self, key: str, label: str, unit: str, kind: str, values: Sequence[Any] | np.ndarray
    ) -> int:
        """A row of values, not formulas (what no spreadsheet formula can work out), in the
        grey of a cell that needs a new export to change; returns its 0-based row index."""
        ws, row = self.ws, self.row
        ws.write_string(row, 0, label)
        ws.write_string(row, 1, unit, self.formats.text(font_color="#7F7F7F"))
        fmt = self.formats.get(num_format=self.num_formats[kind], bg_color=FIXED_FILL)
        for j in range(self.count):
            value = cell_value(values[j], kind)
            if value == "":
                ws.write_blank(row, self.first_col + j, None, fmt)
            else:
                ws.write_number(row, self.first_col + j, value, fmt)
        self.rows[key] = row + 1
        self.kinds[key] = kind
        self.values[key] = np.asarray(values, dtype=np.float64)
        self.row += 1
        return row

    def note(self, text: str) -> None:
        """A line of explanation under a row, in the label column (it runs on across the
        empty cells to its right)."""
        self.ws.write_string(self.row, 0, text, self.formats.subtitle())
        self.row += 1


FAST_FORMULAS = True  # tests switch it off to check both paths write the same file


def _formula_store(ws: Any, template: str) -> Any:
    """XlsxWriter's cell record for formulas, if this version exposes what the fast path
    needs and the formula is a plain one; else None (use the public write_formula)."""
    try:
        from xlsxwriter.worksheet import CellFormulaTuple, re_dynamic_function
    except ImportError:
        return None
    if getattr(ws, "constant_memory", True) or not hasattr(ws, "_prepare_formula"):
        return None
    if not isinstance(getattr(ws, "table", None), dict) or re_dynamic_function.search(template):
        return None
    return CellFormulaTuple


def utc_now() -> dt.datetime:
    """The run's time: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
