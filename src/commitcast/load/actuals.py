"""The actuals CSV: the closed months' figures, read and checked against the plan.

One row per closed month, `month` (YYYY-MM) first, then any of

- company figures (`model.actuals.COMPANY_FIGURES`: `revenue`, `committed_fees`, ...),
- `revenue.<name>.tokens` and `revenue.<name>.revenue` for a revenue stream of the plan,
- `contracts.<name>.fees` for a contract of the plan,

names written as in `--set` paths (quoted when they hold dots or spaces:
`contracts."Colossus 1".fees`). Amounts are read as in scenario files (`1.2B`, `$900M`); a blank
cell is a figure not given that month. The months are consecutive from the horizon's first.

Every problem is collected, each at `file:line:column` with the column's name as its field, and
raised together as one CommitcastError (exit 2). A byte-order mark and CRLF line ends are read
as if absent.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.numbers import parse_number
from commitcast.load.addressing import parse_path_text
from commitcast.load.reader import decode_utf8, read_input
from commitcast.model.actuals import (
    COMPANY_FIGURES,
    CONTRACT_FIGURES,
    DERIVED_FIGURES,
    STREAM_FIGURES,
    Actuals,
)
from commitcast.model.scenario import MAX_MONEY, MAX_TOKENS, Scenario

MAX_FILE_BYTES = 5 * 1024 * 1024  # ten years of months with a thousand columns is far less
TOKEN_FIGURES = tuple(name for name in COMPANY_FIGURES if name.endswith("_tokens"))
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
# a name needs quotes in a column name when it would not read back as one plain name
_PLAIN_NAME = re.compile(r"^[^.\[\]\"'\s]+$")
EXAMPLE_HEADER = "month,revenue,revenue.API.tokens,contracts.C.fees"


def column_name(group: str, name: str, figure: str) -> str:
    """A per-item column as the actuals file writes it: `revenue.API.tokens`, quoting a name
    that holds dots, spaces, brackets or quotes: `contracts."Colossus 1".fees`."""
    if _PLAIN_NAME.match(name):
        return f"{group}.{name}.{figure}"
    quote = "'" if '"' in name else '"'
    return f"{group}.{quote}{name}{quote}.{figure}"


@dataclass(frozen=True)
class _Cell:
    text: str
    column: int  # 1-based


@dataclass(frozen=True)
class _Column:
    """What a header cell names: ("company", figure, "") or ("revenue", figure, stream name)
    or ("contracts", figure, contract name)."""

    group: str
    figure: str
    name: str = ""


def read_actuals(path: str | os.PathLike[str], scenario: Scenario) -> Actuals:
    """Read an actuals CSV file and check it against the plan `scenario`; raise
    CommitcastError listing every problem found."""
    path = Path(path)
    name = str(path)
    raw = read_input(path, "an actuals file", "an actuals file", "a .csv file", MAX_FILE_BYTES)
    text = decode_utf8(raw, name, "save it as UTF-8 (CSV UTF-8 in Excel)", bom=True)
    actuals = actuals_from_text(text, scenario, name)
    return Actuals(
        actuals.months,
        actuals.company,
        actuals.streams,
        actuals.contracts,
        file=name,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def actuals_from_text(text: str, scenario: Scenario, file: str = "<actuals>") -> Actuals:
    """Actuals from CSV text (see the module); raise CommitcastError listing every problem."""
    text = text.removeprefix("\ufeff")
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    problems: list[Problem] = []

    def problem(message: str, line: int, column: int | None, field: str | None, hint=None):
        problems.append(
            Problem(message, file=file, line=line, column=column, field=field, hint=hint)
        )

    if not lines:
        raise CommitcastError.single(
            "the actuals file is empty",
            file=file,
            line=1,
            hint=f"write a header such as {EXAMPLE_HEADER}, then one row per closed month",
        )
    header_line, header_text = lines[0]
    header = _split(header_text, header_line, file)
    columns = _header(header, header_line, scenario, problem)
    rows = lines[1:]
    if not rows:
        problem(
            "no closed months: the file has a header but no rows",
            header_line,
            None,
            None,
            "add one row per closed month from the horizon's first, "
            f"{scenario.horizon.start:%Y-%m}",
        )
        raise CommitcastError(problems)

    months: list[dt.date] = []
    values: dict[int, list[float | None]] = {i: [] for i, c in enumerate(columns) if c}
    first = scenario.horizon.start
    last = scenario.horizon_end().replace(day=1)
    for line, row_text in rows:
        cells = _split(row_text, line, file)
        if len(cells) != len(header):
            problem(
                f"the row has {len(cells)} cell(s) but the header {len(header)}",
                line,
                cells[min(len(cells), len(header)) - 1].column if cells else 1,
                None,
                "every row needs a cell for each column; leave a figure not given blank",
            )
        month = _month(cells[0], line, first, last, months, problem)
        months.append(month if month is not None else _next(months, first))
        for index in values:
            cell = cells[index] if index < len(cells) else None
            values[index].append(_value(cell, columns[index], header[index], line, problem))
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise CommitcastError(problems)

    company: dict[str, tuple[float | None, ...]] = {}
    streams: dict[str, dict[str, tuple[float | None, ...]]] = {}
    contracts: dict[str, dict[str, tuple[float | None, ...]]] = {}
    for index, row in values.items():
        column = columns[index]
        assert column is not None
        if column.group == "company":
            company[column.figure] = tuple(row)
        else:
            target = streams if column.group == "revenue" else contracts
            target.setdefault(column.name, {})[column.figure] = tuple(row)
    # in the plan's order, whatever the file's
    streams = {s.name: streams[s.name] for s in scenario.revenue if s.name in streams}
    contracts = {c.name: contracts[c.name] for c in scenario.contracts if c.name in contracts}
    return Actuals(tuple(months), company, streams, contracts, file=file)


def _next(months: list[dt.date], first: dt.date) -> dt.date:
    """Where a month that could not be read stands: after the one before it."""
    if not months:
        return first
    before = months[-1]
    return dt.date(before.year + before.month // 12, before.month % 12 + 1, 1)


def _split(text: str, line: int, file: str) -> list[_Cell]:
    """The cells of one CSV line with their 1-based columns. A quoted cell ("a, b") may hold
    commas and doubled quotes; quotes inside an unquoted cell are kept as they are (so
    `contracts."Colossus 1".fees` needs no CSV quoting)."""
    cells: list[_Cell] = []
    position = 0
    while True:
        start = position
        if position < len(text) and text[position] == '"':
            value: list[str] = []
            position += 1
            while True:
                end = text.find('"', position)
                if end < 0:
                    raise CommitcastError.single(
                        "a quoted cell is not closed on its line",
                        file=file,
                        line=line,
                        column=start + 1,
                        hint='close the quote; write a quote inside a quoted cell as ""',
                    )
                value.append(text[position:end])
                if text.startswith('""', end):
                    value.append('"')
                    position = end + 2
                    continue
                position = end + 1
                break
            end = text.find(",", position)
            end = len(text) if end < 0 else end
            cells.append(_Cell("".join(value) + text[position:end], start + 1))
        else:
            end = text.find(",", position)
            end = len(text) if end < 0 else end
            cells.append(_Cell(text[position:end], start + 1))
        if end >= len(text):
            return cells
        position = end + 1


def _known_columns(scenario: Scenario) -> list[str]:
    known = ["month", *COMPANY_FIGURES]
    for stream in scenario.revenue:
        known += [column_name("revenue", stream.name, f) for f in STREAM_FIGURES]
    for contract in scenario.contracts:
        known += [column_name("contracts", contract.name, f) for f in CONTRACT_FIGURES]
    return known


def _header(header: list[_Cell], line: int, scenario: Scenario, problem) -> list[_Column | None]:
    """What each header cell names (None for `month` and for a cell with a problem)."""
    columns: list[_Column | None] = []
    seen: dict[_Column, int] = {}
    known = _known_columns(scenario)
    first = header[0]
    if first.text.strip() != "month":
        problem(
            f"the first column must be 'month', not {first.text.strip()!r}",
            line,
            first.column,
            None,
            f"write a header such as {EXAMPLE_HEADER}",
        )
    columns.append(None)
    for cell in header[1:]:
        text = cell.text.strip()
        column = _column(text, cell, line, scenario, known, problem)
        if column is not None and column in seen:
            problem(
                f"the column {text!r} is given twice (also column {seen[column]})",
                line,
                cell.column,
                text,
                "keep one of them",
            )
            column = None
        if column is not None:
            seen[column] = cell.column
        columns.append(column)
    return columns


def _column(text: str, cell: _Cell, line: int, scenario: Scenario, known: list[str], problem):
    def bad(message: str, hint: str | None = None) -> None:
        problem(message, line, cell.column, text or None, hint)

    if not text:
        bad("a column without a name", "name every column, or remove the empty one")
        return None
    if text == "month":
        bad("'month' is given twice", "keep the first column only")
        return None
    if text in COMPANY_FIGURES:
        return _Column("company", text)
    if text in DERIVED_FIGURES:
        bad(
            f"{text} is recomputed from the month's figures and cannot be given",
            "give the figures it is worked out from instead: revenue, inference_cost, "
            "served_tokens, cash_in, cash_out ...",
        )
        return None
    try:
        parts = parse_path_text(text)
    except ValueError:
        parts = [text]
    if len(parts) == 3 and parts[0] in ("revenue", "contracts") and isinstance(parts[1], str):
        group, name, figure = parts
        items = scenario.revenue if group == "revenue" else scenario.contracts
        figures = STREAM_FIGURES if group == "revenue" else CONTRACT_FIGURES
        what = "revenue stream" if group == "revenue" else "contract"
        names = [item.name for item in items]
        ok = True
        if name not in names:
            close = [n for n in names if n.casefold() == name.casefold()]
            close = close or difflib.get_close_matches(name, names, n=1, cutoff=0.5)
            listing = ", ".join(repr(n) for n in names) or "none"
            bad(
                f"no {what} named {name!r} in the plan; names there: {listing}",
                f"did you mean {column_name(group, close[0], str(figure))!r}?" if close else None,
            )
            ok = False
        if name in names:
            code = scenario.currency_of(items[names.index(name)])
            if code != scenario.currency:
                # its own figures would mix its currency into the company's sums
                bad(
                    f"the {what} {name!r} is in {code}; actuals of an item in another currency "
                    "are not read yet",
                    f"give the company figures instead (revenue, committed_fees, ...), in "
                    f"{scenario.currency}",
                )
                ok = False
        if figure not in figures:
            close = difflib.get_close_matches(str(figure), figures, n=1, cutoff=0.5)
            bad(
                f"no figure {figure!r} for a {what}; figures: {', '.join(figures)}",
                f"did you mean {close[0]!r}?" if close else None,
            )
            ok = False
        return _Column(group, str(figure), name) if ok else None
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    bad(
        f"unknown column {text!r}",
        f"did you mean {close[0]!r}?"
        if close
        else "columns are company figures (revenue, committed_fees, ...), "
        "revenue.<stream>.tokens, revenue.<stream>.revenue and contracts.<contract>.fees",
    )
    return None


def _month(
    cell: _Cell, line: int, first: dt.date, last: dt.date, months: list[dt.date], problem
) -> dt.date | None:
    text = cell.text.strip()
    match = _MONTH.match(text)
    month = None
    if match and 1 <= int(match[2]) <= 12:
        month = dt.date(int(match[1]), int(match[2]), 1)
    if month is None:
        problem(
            f"cannot read {text!r} as a month" if text else "the month is missing",
            line,
            cell.column,
            "month",
            "write YYYY-MM, e.g. 2026-06",
        )
        return None
    label = f"{month:%Y-%m}"
    if month < first or month > last:
        problem(
            f"{label} is outside the plan's horizon ({first:%Y-%m} to {last:%Y-%m})",
            line,
            cell.column,
            "month",
            "give only closed months of the plan",
        )
        return month
    if not months:
        if month != first:
            problem(
                f"the first closed month is {label}, but the horizon starts in {first:%Y-%m}",
                line,
                cell.column,
                "month",
                f"start with {first:%Y-%m}; the closed months run from the horizon's first",
            )
        return month
    before = months[-1]
    expected = _next(months, first)
    if month == before or month in months:
        problem(f"{label} is given twice", line, cell.column, "month", "keep one row a month")
    elif month < before:
        problem(
            f"{label} is out of order: it comes after {before:%Y-%m}",
            line,
            cell.column,
            "month",
            "sort the rows by month",
        )
    elif month != expected:
        problem(
            f"{label} follows {before:%Y-%m}: {expected:%Y-%m} is missing",
            line,
            cell.column,
            "month",
            "closed months are consecutive; add the missing month, with blank cells for "
            "figures not known",
        )
    return month


def _value(cell: _Cell | None, column: _Column, header: _Cell, line: int, problem):
    if cell is None or not cell.text.strip():
        return None
    name = header.text.strip()
    try:
        number = parse_number(cell.text, allow_percent=False)
    except ValueError as error:
        problem(str(error), line, cell.column, name)
        return None
    tokens = column.figure == "tokens" or column.figure in TOKEN_FIGURES
    if number < 0 and tokens:
        problem(
            f"a token count cannot be negative ({cell.text.strip()})",
            line,
            cell.column,
            name,
            "write the tokens of the month, 0 or more",
        )
        return None
    # the scenario's own bounds: a figure past them is a typo, and adding a few of them up
    # would overflow (1e308 twice is no number)
    largest, what = (MAX_TOKENS, "a token count") if tokens else (MAX_MONEY, "an amount")
    if abs(number) > largest:
        problem(
            f"{cell.text.strip()} is out of range; {what} must be at most {largest:g}"
            + ("" if tokens else " either side of 0"),
            line,
            cell.column,
            name,
            "check the figure and its unit: 1.25B is 1.25e9",
        )
        return None
    return number
