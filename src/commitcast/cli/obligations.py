"""obligations: what the contracts commit the company to pay, and when (library in
`analysis/obligations.py`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from commitcast.cli.app import app, handles_errors, stdout
from commitcast.cli.io import check_table_output, emit_formats, load
from commitcast.cli.options import OutputOption, SetOption, TableFormat, TableFormatOption


class ObligationsBy(StrEnum):
    bucket = "bucket"
    year = "year"
    fiscal_year = "fiscal-year"
    fiscal_quarter = "fiscal-quarter"


@app.command()
@handles_errors
def obligations(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Month whose first day the obligations are as of, YYYY-MM (default: the horizon's "
        "start; not before it).",
        metavar="YYYY-MM",
    ),
    by: ObligationsBy = typer.Option(
        ObligationsBy.bucket,
        "--by",
        help="bucket (within 1 year, 1–3, 3–5, after 5 years), year, fiscal-year or "
        "fiscal-quarter (the scenario's fiscal_year_start_month; FY2027 ends in 2027).",
    ),
    output_format: TableFormat = TableFormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
) -> None:
    """Scheduled, noncancelable and cancelable payments per contract, by when they are made."""
    import commitcast.cli.parsing as parsing
    from commitcast.analysis.obligations import obligations as analysis
    from commitcast.render import obligations as render

    check_table_output(output_format, output)
    month = None if as_of is None else parsing.parse_month(as_of, "--as-of")
    scenario = load(file, sets)
    with parsing.options_named(as_of="--as-of", by="--by"):
        result = analysis(scenario, month, by.value)
    emit_formats(
        output_format,
        output,
        scenario,
        table=lambda: render.print_obligations(stdout(), result),
        json=lambda: render.obligations_json(result),
        csv=lambda: render.obligations_csv(result),
        markdown=lambda: render.obligations_markdown(result),
    )
