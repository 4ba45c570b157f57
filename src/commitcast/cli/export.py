"""export: scenarios to one board-ready workbook with live formulas."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commitcast.cli.app import app, handles_errors, stderr, usage_error
from commitcast.cli.core import check_output, load_all
from commitcast.cli.options import SetOption

if TYPE_CHECKING:
    from commitcast.engine.projection import Projection


def command_line(fallback: Sequence[str]) -> str:
    """The command as typed, for the workbook's Audit sheet.

    When commitcast is not the running program (a test runner calls the app), the command is
    rebuilt from its parsed arguments.
    """
    program = Path(sys.argv[0]) if sys.argv else Path()
    if program.name == "commitcast" or program.parts[-2:] == ("commitcast", "__main__.py"):
        return shlex.join(["commitcast", *sys.argv[1:]])
    return shlex.join(["commitcast", *fallback])


def check_workbook_path(path: Path) -> None:
    if path.suffix.lower() != ".xlsx":
        raise usage_error(
            f"{path}: a workbook file name must end in .xlsx",
            hint=f"e.g. -o {path.with_suffix('.xlsx').name}",
        )
    check_output(path)


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
    parsed = [*(str(f) for f in files), "-o", str(output)]
    for assignment in sets or []:
        parsed += ["--set", assignment]
    write_workbook(output, scenarios, command_line=command_line(["export", *parsed]))
    stderr().print(f"wrote {output}", markup=False)


def write_project_workbook(
    path: Path, result: Projection, file: Path, sets: list[str] | None
) -> None:
    """`project --xlsx`: the projection just shown, as a workbook."""
    from commitcast.render.excel import write_workbook

    parsed = ["project", str(file)]
    for assignment in sets or []:
        parsed += ["--set", assignment]
    parsed += ["--xlsx", str(path)]
    write_workbook(path, [result.scenario], projections=[result], command_line=command_line(parsed))
    stderr().print(f"wrote {path}", markup=False)
