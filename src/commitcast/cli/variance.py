"""variance: plan against actual for the closed months (library in `analysis/variance.py`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from commitcast.cli.app import app, handles_errors, stderr, stdout, usage_error
from commitcast.cli.io import check_output, emit, load
from commitcast.cli.options import OutputOption, SetOption
from commitcast.cli.whatif import TableFormat


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
    output_format: TableFormat = typer.Option(
        TableFormat.table, "--format", "-f", help="table, csv, json or md."
    ),
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
) -> None:
    """Plan against actual for the closed months: variance, favourable or unfavourable, year
    to date, and revenue split into volume, price and flat."""
    from commitcast.analysis.variance import variance as analysis
    from commitcast.load.actuals import read_actuals
    from commitcast.render import variance as render

    if output_format is TableFormat.table and output is not None:
        raise usage_error(
            "--output needs a machine format (--format csv, json or md)",
            hint="or redirect with >",
        )
    check_output(output)
    scenario = load(file, sets)
    actuals = read_actuals(actuals_file, scenario)
    result = analysis(scenario, actuals, by.value)
    if output_format is TableFormat.table:
        render.print_variance(stdout(), result)
        return
    if output_format is TableFormat.json:
        emit(render.variance_json(result), output)
        return
    overrides = list(scenario.provenance.overrides)
    if overrides:
        stderr().print("overrides: " + ", ".join(overrides), markup=False, soft_wrap=True)
    text = (
        render.variance_csv(result)
        if output_format is TableFormat.csv
        else render.variance_markdown(result)
    )
    emit(text, output)
