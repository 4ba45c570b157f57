"""accounting: the lease view of contracts whose policy says lease (library in
`analysis/accounting.py`)."""

from __future__ import annotations

from pathlib import Path

import typer

from commitcast.cli.app import app, handles_errors, stderr, stdout, usage_error
from commitcast.cli.io import check_output, emit, load
from commitcast.cli.options import Format, FormatOption, OutputOption, SetOption


@app.command()
@handles_errors
def accounting(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Month of the maturity analysis, YYYY-MM (default: the horizon's start).",
        metavar="YYYY-MM",
    ),
    output_format: Format = FormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
) -> None:
    """Lease accounting: liability, ROU asset and lease cost for each contract whose
    `accounting.treatment` is lease; the maturity analysis; the accounting P&L beside the
    management one (see docs/accounting.md)."""
    import commitcast.cli.parsing as parsing
    from commitcast.analysis.accounting import lease_accounting
    from commitcast.render import accounting as render
    from commitcast.render.whatif import note_overrides

    check_output(output)
    if output_format is Format.table and output is not None:
        raise usage_error("--output needs a machine format (--format csv or json)")
    month = None if as_of is None else parsing.parse_month(as_of, "--as-of")
    scenario = load(file, sets)
    first = scenario.horizon.start.replace(day=1)
    if month is not None and month < first:
        raise usage_error(
            f"--as-of {as_of} is before the horizon's start ({first:%Y-%m})",
            hint=f"a month from {first:%Y-%m} on",
        )
    report = lease_accounting(scenario, month)
    if output_format is Format.table:
        render.print_accounting(stdout(), report)
    elif output_format is Format.json:
        emit(render.accounting_json(report), output)
    else:
        note_overrides(stderr(), [scenario])
        emit(render.accounting_csv(report), output)
