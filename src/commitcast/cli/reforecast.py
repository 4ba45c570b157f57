"""--actuals and --keep-plan: the rolling re-forecast's options, spelled and documented once for
project, compare and the what-if commands (library in `engine/actuals.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commitcast.cli.app import destinations, usage_error

if TYPE_CHECKING:
    from commitcast.model.actuals import Actuals
    from commitcast.model.scenario import Scenario

ACTUALS_HELP = (
    "Actuals CSV of the closed months: re-forecast from them (closed months actual, the rest "
    "re-based on the last one; see docs/conventions.md)."
)
KEEP_PLAN_HELP = "With --actuals: after the closed months keep the plan's path (no re-basing)."

ActualsOption = typer.Option(None, "--actuals", help=ACTUALS_HELP, metavar="FILE", dir_okay=False)
KeepPlanOption = typer.Option(False, "--keep-plan", help=KEEP_PLAN_HELP)


def check_options(actuals: Path | None, keep_plan: bool) -> None:
    """--keep-plan means nothing without --actuals: refuse it rather than ignore it."""
    if keep_plan and actuals is None:
        raise usage_error(
            "--keep-plan needs --actuals", hint="give the closed months: --actuals FILE"
        )


def read(path: Path | None, scenario: Scenario) -> Actuals | None:
    """The actuals file read against the plan (every problem at once, exit 2); None without
    --actuals. Never an output of the same command."""
    if path is None:
        return None
    from commitcast.cli.io import real_path
    from commitcast.load.actuals import read_actuals

    if real_path(path) in destinations:
        raise usage_error(
            f"{path} is both the actuals to read and the output to write; writing would destroy it",
            hint="give --output another file name",
        )
    return read_actuals(path, scenario)
