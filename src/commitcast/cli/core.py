"""validate, project, init, schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commitcast.cli.app import app, handles_errors, stderr, stdout, usage_error
from commitcast.cli.io import check_output, check_workbook_size, emit, load
from commitcast.cli.options import By, ByOption, Format, FormatOption, OutputOption, SetOption
from commitcast.cli.reforecast import ActualsOption, KeepPlanOption

if TYPE_CHECKING:
    from commitcast.model.scenario import Scenario


@app.command()
@handles_errors
def validate(
    files: list[Path] = typer.Argument(..., help="Scenario YAML files.", metavar="FILE..."),
    sets: list[str] = SetOption,
) -> None:
    """Check scenario files; print every problem with file:line and exit 2 if there are any."""
    from commitcast.core.errors import CommitcastError

    problems = []
    console = stdout()
    for path in files:
        try:
            scenario = load(path, sets)
        except CommitcastError as error:
            problems += error.problems
            continue
        console.print(
            f"ok: {path}: {scenario.name!r}, {len(scenario.contracts)} contract(s), "
            f"{len(scenario.revenue)} revenue stream(s), {scenario.months} months from "
            f"{scenario.horizon.start:%Y-%m}",
            markup=False,
            soft_wrap=True,  # one line per file, whatever the terminal's width
        )
    if problems:
        raise CommitcastError(problems)


@app.command()
@handles_errors
def project(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    by: By = ByOption,
    output_format: Format = FormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
    xlsx: Path | None = typer.Option(
        None,
        "--xlsx",
        help="Also write the projection as a workbook with live formulas (.xlsx).",
        dir_okay=False,
    ),
    actuals_file: Path | None = ActualsOption,
    keep_plan: bool = KeepPlanOption,
    contracts: bool = typer.Option(
        False,
        "--contracts",
        help="With --format json: also each contract month by month, in its own currency, "
        "the rate and converted.",
    ),
) -> None:
    """Project a scenario month by month: fees, capacity, margin, cash and obligations.

    With --actuals, the rolling re-forecast: the closed months as they were (a basis column
    says actual or forecast), the rest re-based on the last closed month."""
    import commitcast.cli.reforecast as reforecast
    from commitcast.engine.projection import projection

    check_output(output)
    reforecast.check_options(actuals_file, keep_plan)
    if contracts and output_format is not Format.json:
        raise usage_error("--contracts needs --format json", hint="add --format json")
    if xlsx is not None:
        from commitcast.cli.io import check_workbook_path, real_path

        check_workbook_path(xlsx)
        if output is not None and real_path(output) == real_path(xlsx):
            # the workbook would silently replace the table just written
            raise usage_error(
                f"--output and --xlsx are both {xlsx}", hint="give each its own file name"
            )
    scenario = load(file, sets)
    if xlsx is not None:
        check_workbook_size([scenario])  # before the table is written, not after
    _note_central_values(scenario)
    actuals = reforecast.read(actuals_file, scenario)
    if actuals is None:
        result = projection(scenario)
    else:
        from commitcast.engine.actuals import reforecast as reforecast_of

        result = reforecast_of(scenario, actuals, keep_plan)
    period = by.value
    if output_format is Format.csv:
        from commitcast.render.tables import projection_csv

        emit(projection_csv(result, period), output)
    elif output_format is Format.json:
        from commitcast.render.tables import to_json
        from commitcast.report.projection import projection_dict

        emit(to_json(projection_dict(result, period, contracts=contracts)), output)
    else:
        from commitcast.render.terminal import print_projection

        if output is not None:
            raise usage_error("--output needs --format csv or json", hint="or redirect with >")
        print_projection(stdout(), result, period)
    if xlsx is not None:
        from commitcast.cli.io import write_project_workbook

        write_project_workbook(
            xlsx,
            result,
            file,
            sets,
            actuals=actuals,
            actuals_file=actuals_file,
            keep_plan=keep_plan,
        )


def _note_central_values(scenario: Scenario) -> None:
    """A scenario with distributions projects at their central values: say so (on stderr, so
    machine-readable output stays clean)."""
    uncertainty = scenario.uncertainty
    if uncertainty is None or not uncertainty.inputs:
        return
    shown = ", ".join(
        f"{item.label}={item.spec.central():g}" for item in uncertainty.inputs.values()
    )
    stderr().print(
        f"note: {len(uncertainty.inputs)} input(s) have distributions; projecting at their "
        f"central values: {shown} (run `commitcast simulate` for the spread)",
        markup=False,
    )


@app.command()
@handles_errors
def init(
    path: Path = typer.Argument(
        Path("scenario.yaml"), help="Where to write the starter scenario.", dir_okay=False
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter scenario to edit."""
    from importlib import resources

    from commitcast.core.errors import CommitcastError
    from commitcast.render.files import write_text

    if path.exists() and not force:
        raise CommitcastError.single(
            "the file exists; not overwriting it", file=str(path), hint="use --force to replace it"
        )
    text = resources.files("commitcast").joinpath("templates/starter.yaml").read_text("utf-8")
    write_text(path, text)
    stdout().print(
        f"wrote {path}: edit it, then run `commitcast project {path}`", markup=False, soft_wrap=True
    )


@app.command()
@handles_errors
def schema(output: Path | None = OutputOption) -> None:
    """Print the scenario format as JSON Schema (for editors with a YAML language server)."""
    from commitcast.model.schema import scenario_schema
    from commitcast.render.tables import to_json

    check_output(output)
    emit(to_json(scenario_schema()), output)
