"""What every command shares: reading scenarios (with --set and warnings), writing output whole,
and the workbook that `export` and `project --xlsx` both write."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from commitcast.cli.app import destinations, keep_until_exit, stderr, usage_error

if TYPE_CHECKING:
    from commitcast.engine.projection import Projection
    from commitcast.model.actuals import Actuals
    from commitcast.model.scenario import Scenario


def load(path: Path, sets: list[str] | None = None) -> Scenario:
    """Load, apply --set overrides, print any warnings to stderr."""
    from commitcast.load.overrides import apply_overrides
    from commitcast.load.validation import load_scenario, scenario_warnings

    if real_path(path) in destinations:
        raise usage_error(
            f"{path} is both a scenario to read and the output to write; writing would destroy it",
            hint="give --output another file name",
        )
    scenario = apply_overrides(load_scenario(path), sets or [])
    keep_until_exit()
    warnings = scenario_warnings(scenario)
    if warnings:  # Rich only when there is something to say: CSV and JSON output do without it
        from commitcast.render.terminal import print_problems

        print_problems(stderr(), warnings)
    return scenario


def load_all(paths: list[Path], sets: list[str] | None = None) -> list[Scenario]:
    """Load every file before reporting anything, so a user fixes them all in one pass."""
    from commitcast.core.errors import CommitcastError

    scenarios: list[Scenario] = []
    problems = []
    for path in paths:
        try:
            scenarios.append(load(path, sets))
        except CommitcastError as error:
            problems += error.problems
    if problems:
        raise CommitcastError(problems)
    return scenarios


def emit(text: str, output: Path | None) -> None:
    """Machine-readable output to stdout, or whole to a file."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from commitcast.render.files import write_text

    write_text(output, text)
    stderr().print(f"wrote {output}", markup=False, soft_wrap=True)


def check_output(output: Path | None) -> None:
    """Refuse an unwritable destination before any work is done."""
    if output is not None:
        from commitcast.render.files import check_destination

        check_destination(output)
        destinations.add(real_path(output))


def real_path(path: str | os.PathLike[str]) -> str:
    """The file a path names, links followed as far as they go: never an error (Path.resolve
    raises RuntimeError on a symlink loop), so the file's own check says what is wrong."""
    return os.path.realpath(path)


def check_workbook_size(scenarios: Sequence[Scenario]) -> None:
    """Refuse, before any is written, a workbook too large to write or with dates no
    spreadsheet reads as commitcast does (render/limits.py)."""
    from commitcast.render.limits import workbook_problems

    problems = workbook_problems(scenarios)
    if problems:
        from commitcast.core.errors import CommitcastError

        raise CommitcastError(problems)


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


def write_project_workbook(
    path: Path,
    result: Projection,
    file: Path,
    sets: list[str] | None,
    *,
    actuals: Actuals | None = None,
    actuals_file: Path | None = None,
    keep_plan: bool = False,
) -> None:
    """`project --xlsx`: the projection just shown, as a workbook; with --actuals, the plan
    and its re-forecast with the actuals as input cells (render.excel_actuals)."""
    from commitcast.render.excel import write_workbook

    parsed = ["project", str(file)]
    for assignment in sets or []:
        parsed += ["--set", assignment]
    if actuals is not None:
        parsed += ["--actuals", str(actuals_file)] + (["--keep-plan"] if keep_plan else [])
    parsed += ["--xlsx", str(path)]
    if actuals is None:
        check_workbook_size([result.scenario])
        write_workbook(
            path, [result.scenario], projections=[result], command_line=command_line(parsed)
        )
    else:
        plan = getattr(result, "plan", None) or result.scenario
        check_workbook_size([plan, plan])
        write_workbook(
            path,
            [plan],
            actuals=actuals,
            keep_plan=keep_plan,
            command_line=command_line(parsed),
        )
    stderr().print(f"wrote {path}", markup=False)


T = TypeVar("T")
# A report of the runs done so far, or None when nobody is shown them
Progress = Callable[[int], None] | None


def with_progress(work: Callable[[Progress], T], runs: int, at_least: int = 1) -> T:
    """`work(progress)` with a Rich progress bar of the simulated runs on stderr, when stderr
    is a terminal and there are `at_least` runs (shorter work finishes before a bar is worth
    drawing); otherwise `work(None)`."""
    console = stderr()
    if runs < at_least or not console.is_terminal:
        return work(None)
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(
        "simulating",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("runs", total=runs)
        return work(lambda done: bar.advance(task, done))


def check_table_output(output_format: str, output: Path | None) -> None:
    """Refuse `--output` with the terminal's table (a file gets a machine format), and an
    output that would write over an input."""
    if output_format == "table" and output is not None:
        raise usage_error(
            "--output needs a machine format (--format csv, json or md)",
            hint="or redirect with >",
        )
    check_output(output)


def emit_formats(
    output_format: str,
    output: Path | None,
    scenario: Scenario,
    *,
    table: Callable[[], None],
    json: Callable[[], str],
    csv: Callable[[], str],
    markdown: Callable[[], str],
) -> None:
    """A command's result in its format: `table` prints it on the terminal; the others are text
    written whole to `output` (or stdout). CSV and Markdown carry no header, so the `--set`
    overrides applied are named on stderr (JSON holds them)."""
    if output_format == "table":
        table()
        return
    if output_format == "json":
        emit(json(), output)
        return
    overrides = list(scenario.provenance.overrides)
    if overrides:
        stderr().print("overrides: " + ", ".join(overrides), markup=False, soft_wrap=True)
    emit(csv() if output_format == "csv" else markdown(), output)
