"""export: scenarios to one board-ready workbook with live formulas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commitcast.cli.app import app, handles_errors, stderr, usage_error
from commitcast.cli.io import check_workbook_path, check_workbook_size, command_line, load_all
from commitcast.cli.options import SetOption
from commitcast.cli.reforecast import KeepPlanOption

if TYPE_CHECKING:
    pass


@app.command()
@handles_errors
def export(
    files: list[Path] = typer.Argument(
        ..., help="Scenario YAML files, one column each on the Summary.", metavar="FILE..."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="The workbook to write (.xlsx), written whole.", dir_okay=False
    ),
    sets: list[str] = SetOption,
    actuals_file: Path | None = typer.Option(
        None,
        "--actuals",
        help="Actuals CSV of the closed months (one plan only): the plan and its re-forecast, "
        "the actuals as input cells and a Variance sheet of plan against actual.",
        metavar="ACTUALS",
        dir_okay=False,
    ),
    keep_plan: bool = KeepPlanOption,
) -> None:
    """Write a workbook with live formulas: summary, assumptions, monthly model, charts, audit.

    --set applies to every scenario given. With --actuals (one plan), the monthly close: the
    plan beside its re-forecast, an Actuals sheet of input cells and a Variance sheet.
    """
    import commitcast.cli.reforecast as reforecast
    from commitcast.render.excel import write_workbook

    reforecast.check_options(actuals_file, keep_plan)
    if actuals_file is not None and len(files) != 1:
        raise usage_error(
            f"--actuals compares one plan with its actuals; {len(files)} scenarios given",
            hint="export the plan alone: commitcast export PLAN.yaml --actuals ACTUALS.csv -o FILE",
        )
    check_workbook_path(output)
    scenarios = load_all(files, sets)
    # refused before any work, with the estimate (with actuals: the plan and its re-forecast)
    check_workbook_size(scenarios * (2 if actuals_file is not None else 1))
    actuals = reforecast.read(actuals_file, scenarios[0])
    parsed = [*(str(f) for f in files), "-o", str(output)]
    for assignment in sets or []:
        parsed += ["--set", assignment]
    if actuals_file is not None:
        parsed += ["--actuals", str(actuals_file)] + (["--keep-plan"] if keep_plan else [])
    write_workbook(
        output,
        scenarios,
        command_line=command_line(["export", *parsed]),
        actuals=actuals,
        keep_plan=keep_plan,
        variance=actuals is not None,
    )
    stderr().print(f"wrote {output}", markup=False)
