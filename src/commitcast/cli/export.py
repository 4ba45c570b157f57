"""export: scenarios to one board-ready workbook with live formulas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commitcast.cli.app import app, handles_errors, stderr
from commitcast.cli.io import check_workbook_path, check_workbook_size, command_line, load_all
from commitcast.cli.options import SetOption

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
) -> None:
    """Write a workbook with live formulas: summary, assumptions, monthly model, charts, audit.

    --set applies to every scenario given.
    """
    from commitcast.render.excel import write_workbook

    check_workbook_path(output)
    scenarios = load_all(files, sets)
    check_workbook_size(scenarios)  # refused before any work, with the estimate
    parsed = [*(str(f) for f in files), "-o", str(output)]
    for assignment in sets or []:
        parsed += ["--set", assignment]
    write_workbook(output, scenarios, command_line=command_line(["export", *parsed]))
    stderr().print(f"wrote {output}", markup=False)
