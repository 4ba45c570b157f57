"""variance: plan against actual for the closed months (library in `analysis/variance.py`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

import commitcast.cli.reforecast as reforecast
from commitcast.cli.app import app, handles_errors, stdout
from commitcast.cli.io import check_table_output, emit_formats, load
from commitcast.cli.options import OutputOption, SetOption, TableFormat, TableFormatOption


class VarianceBy(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"
    fiscal_quarter = "fiscal-quarter"
    fiscal_year = "fiscal-year"


@app.command()
@handles_errors
def variance(
    file: Path = typer.Argument(..., help="Plan: scenario YAML file.", metavar="PLAN"),
    actuals_file: Path = typer.Argument(
        ..., help="Actuals CSV: month, then the figures of each closed month.", metavar="ACTUALS"
    ),
    by: VarianceBy = typer.Option(
        VarianceBy.month,
        "--by",
        help="month, quarter, year, fiscal-quarter or fiscal-year (closed months only; year to "
        "date and fiscal year to date always follow).",
    ),
    output_format: TableFormat = TableFormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
) -> None:
    """Plan against actual for the closed months: variance, favourable or unfavourable, year
    to date, and revenue split into volume, price and flat."""
    from commitcast.analysis.variance import variance as analysis
    from commitcast.render import variance as render

    check_table_output(output_format, output)
    scenario = load(file, sets)
    # as every command reads actuals: never the file its output would replace
    actuals = reforecast.read(actuals_file, scenario)
    assert actuals is not None  # a required argument
    result = analysis(scenario, actuals, by.value)
    emit_formats(
        output_format,
        output,
        scenario,
        table=lambda: render.print_variance(stdout(), result),
        json=lambda: render.variance_json(result),
        csv=lambda: render.variance_csv(result),
        markdown=lambda: render.variance_markdown(result),
    )
