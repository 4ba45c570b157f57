"""Output of `commitcast obligations`: a Rich table for people, CSV, JSON and Markdown.

Machine formats carry unrounded figures (report/obligations.py); the table rounds for display.
The table has a row per figure (scheduled, noncancelable, cancelable) of each contract, and of
all contracts when there are several, and a column per period then the total. Where it does not
fit the terminal, contract names break onto more lines, then the periods go on in further
tables (the total in the last), never a figure cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from commitcast.analysis.obligations import FIGURES, Line
from commitcast.core.display import format_money
from commitcast.render.tables import csv_rows, markdown_list, markdown_table, to_json
from commitcast.render.terminal import (
    break_label,
    figure_table,
    fit_first_column,
    fits,
    phrase,
    print_prose,
    split_evenly,
)
from commitcast.report.obligations import CSV_HEADER, TOTAL, obligation_rows, obligations_dict

if TYPE_CHECKING:
    from commitcast.analysis.obligations import Obligations

ALL = "all contracts"
BY_TEXT = {
    "bucket": "by months from {month} to the payment",
    "year": "by calendar year of payment",
    "fiscal-year": "by fiscal year of payment (FY named by the year it ends in; starts in {start})",
    "fiscal-quarter": "by fiscal quarter of payment (FY from {start}, named by its end year)",
}


def _lines(result: Obligations) -> list[tuple[str, Line]]:
    lines: list[tuple[str, Line]] = [(c.name, c) for c in result.contracts]
    if len(result.contracts) != 1:
        lines.append((ALL, result.total))
    return lines


def _title(result: Obligations) -> str:
    scenario = result.scenario
    how = BY_TEXT[result.by].format(
        month=f"{result.as_of:%b %Y}", start=_month_name(scenario.fiscal_year_start_month)
    )
    return (
        f"obligations as of {result.as_of:%-d %b %Y}: {scenario.name} ({scenario.currency}), "
        + phrase(how)
    )


def _month_name(month: int) -> str:
    import calendar

    return calendar.month_name[month]


def _notes(result: Obligations) -> list[str]:
    notes = [
        "Payments in the month they are made (advance: the month of service; arrears: the "
        f"month after); service before {result.as_of:%-d %b %Y} and SLA credits left out. "
        "noncancelable: the payments left if notice were given on "
        f"{result.as_of:%-d %b %Y} (or the earliest notice day); cancelable: the rest."
    ]
    for c in result.contracts:
        contract = result.scenario.contracts[c.index]
        if not c.terminable:
            notes.append(f"{c.name}: no termination terms, wholly noncancelable")
        elif c.notice_applied:
            term = contract.termination
            assert term is not None and term.notice_given is not None
            notes.append(
                f"{c.name}: notice given on {term.notice_given}; noncancelable is the rest of "
                "the shortened schedule"
            )
        elif contract.termination is not None and contract.termination.notice_given:
            notes.append(
                f"{c.name}: notice planned on {contract.termination.notice_given}; scheduled is "
                "the shortened schedule, noncancelable as if notice were still to be given"
            )
        if contract.kind == "commit":
            notes.append(
                f"{c.name}: a take-or-pay commit; each period's unmet minimum, in the month it "
                "is billed (usage above the minimums is not an obligation)"
            )
        elif contract.payment.every_months > 1 or contract.prepayment is not None:
            notes.append(
                f"{c.name}: billed "
                + (
                    f"every {contract.payment.every_months} months"
                    if contract.payment.every_months > 1
                    else "monthly"
                )
                + (", prepaid" if contract.prepayment is not None else "")
                + "; its payments as billed, less what is already paid; noncancelable is the "
                "earliest of them"
            )
        if result.scenario.currency_of(contract) != result.scenario.currency:
            notes.append(
                f"{c.name}: in {result.scenario.currency_of(contract)}, converted at the rate "
                "of the month before the as-of date"
            )
    return notes


def _table(
    result: Obligations,
    columns: Sequence[int | None],
    width: int | None,
    narrow: bool,
) -> Table:
    """The rows of every line over `columns` (period indexes; None: the total), the contract
    names broken to `width` (None: whole), headers broken onto two lines if `narrow`."""
    table = figure_table()
    table.add_column("contract", no_wrap=True)
    table.add_column("", no_wrap=True)
    for index in columns:
        label = TOTAL if index is None else result.periods[index]
        header = label.replace(" ", "\n", 1) if narrow else label
        table.add_column(header, justify="right", no_wrap=True)
    lines = _lines(result)
    for number, (name, line) in enumerate(lines):
        shown = name if width is None else break_label(name, width)
        for row, figure in enumerate(FIGURES):
            values = line.figure(figure)
            cells = [
                format_money(line.total(figure) if i is None else values[i], result.currency)
                for i in columns
            ]
            table.add_row(
                shown if row == 0 else "",
                figure,
                *cells,
                end_section=row == len(FIGURES) - 1 and number < len(lines) - 1,
            )
    return table


def obligation_tables(console: Console, result: Obligations) -> list[Table]:
    """The tables as printed at the console's width (see the module)."""
    every: list[int | None] = [*range(len(result.periods)), None]
    names = ["contract", *(name for name, _ in _lines(result))]
    for count in range(1, len(every) + 1):
        groups = split_evenly(every, count)
        # whole names first (headers on one line, then two), then names on more lines
        for narrow in (False, True):
            tables = [_table(result, group, None, narrow) for group in groups]
            if fits(console, tables):
                return tables
        for narrow in (False, True):
            found = [
                fit_first_column(
                    console, lambda w, g=group, n=narrow: _table(result, g, w, n), names, 10
                )
                for group in groups
            ]
            if all(found):
                return [t for t in found if t is not None]
    return [_table(result, group, None, True) for group in split_evenly(every, len(every))]


def print_obligations(console: Console, result: Obligations) -> None:
    print_prose(console, _title(result), style="bold")
    overrides = list(result.scenario.provenance.overrides)
    print_prose(console, "overrides: " + (", ".join(overrides) if overrides else "none"))
    for table in obligation_tables(console, result):
        console.print(table)
    for note in _notes(result):
        print_prose(console, note)


def obligations_csv(result: Obligations) -> str:
    return csv_rows(CSV_HEADER, obligation_rows(result))


def obligations_json(result: Obligations) -> str:
    return to_json(obligations_dict(result))


def obligations_markdown(result: Obligations) -> str:
    header = ["contract", "figure", *result.periods, TOTAL]
    rows = []
    for name, line in _lines(result):
        for figure in FIGURES:
            values = line.figure(figure)
            rows.append(
                [
                    name,  # escaped by markdown_table, as every cell
                    figure,
                    *(format_money(v, result.currency) for v in values),
                    format_money(line.total(figure), result.currency),
                ]
            )
    table = markdown_table(header, rows)
    notes = markdown_list([_title(result), *_notes(result)])
    return notes + "\n" + table
