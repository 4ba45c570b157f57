"""Options shared by several commands, so each is spelled and documented once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer


class By(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"
    fiscal_quarter = "fiscal-quarter"
    fiscal_year = "fiscal-year"


BY_HELP = (
    "month, quarter, year, fiscal-quarter or fiscal-year (the scenario's "
    "fiscal_year_start_month; FY2027 ends in 2027)."
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


SET_HELP = (
    "Change a scenario field for this run: PATH=VALUE, e.g. revenue.API.growth=0.02 or "
    'contracts."Colossus reservation".monthly_fee=1.1B. Repeatable.'
)

SetOption = typer.Option(None, "--set", "-s", help=SET_HELP, metavar="PATH=VALUE")
ByOption = typer.Option(By.month, "--by", help="Period of the table: " + BY_HELP)
FormatOption = typer.Option(Format.table, "--format", "-f", help="table, csv or json.")


class TableFormat(StrEnum):
    """A table's formats: Format's and Markdown (the what-if, obligations and variance tables)."""

    table = "table"
    csv = "csv"
    json = "json"
    md = "md"


TableFormatOption = typer.Option(
    TableFormat.table, "--format", "-f", help="table, csv, json or md."
)
OutputOption = typer.Option(
    None,
    "--output",
    "-o",
    help="Write to this file instead of the terminal (written whole).",
    dir_okay=False,
)


def scenario_argument(help_text: str = "Scenario YAML file.") -> Path:
    return typer.Argument(..., help=help_text, metavar="FILE")  # type: ignore[no-any-return]
