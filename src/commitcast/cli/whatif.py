"""compare, sensitivity, solve, exit: the what-if commands (library in `analysis/`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from commitcast.cli.app import app, handles_errors, stderr, stdout, usage_error
from commitcast.cli.io import check_output, emit, load, load_all
from commitcast.cli.options import (
    BY_HELP,
    By,
    Format,
    FormatOption,
    OutputOption,
    SetOption,
    TableFormat,
    TableFormatOption,
)
from commitcast.cli.reforecast import ActualsOption, KeepPlanOption

if TYPE_CHECKING:
    from commitcast.model.scenario import Scenario


MetricOption = typer.Option(
    "npv", "--metric", "-m", help="Summary figure to measure (npv, gross_margin, ...)."
)


def _table_only(output: Path | None) -> None:
    if output is not None:
        raise usage_error("--output needs a machine format (--format csv or json)")


@app.command()
@handles_errors
def compare(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ...,
        help="Scenario files; the first is the base (with --actuals: one plan).",
        metavar="BASE OTHER...",
    ),
    metric: str | None = typer.Option(
        None, "--metric", "-m", help="One monthly column over time instead of the summary."
    ),
    by: By = typer.Option(By.year, "--by", help="Period for --metric: " + BY_HELP),
    bridge: str | None = typer.Option(
        None,
        "--bridge",
        help="Walk a summary figure (e.g. npv) from the base to the other scenario by driver.",
    ),
    output_format: TableFormat = TableFormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
    actuals_file: Path | None = ActualsOption,
    keep_plan: bool = KeepPlanOption,
) -> None:
    """Compare scenarios side by side, with differences to the first in amount and percent.

    --set applies to every file. --bridge walks the difference in one figure by groups of
    inputs: contracts, demand, prices, costs, timing (see docs/whatif.md). With --actuals,
    one plan beside its re-forecast (the bridge: actuals, demand, prices).
    """
    import commitcast.cli.parsing as parsing
    import commitcast.cli.reforecast as reforecast
    from commitcast.render import whatif as render

    check_output(output)
    reforecast.check_options(actuals_file, keep_plan)
    if actuals_file is not None:
        if len(files) != 1:
            raise usage_error(
                "with --actuals, compare sets one plan beside its re-forecast: give one file",
                hint="commitcast compare PLAN.yaml --actuals ACTUALS.csv",
            )
        if bridge is not None and keep_plan:
            raise usage_error(
                "--bridge walks to the re-based forecast: leave out --keep-plan",
                hint="its first step, actuals, is the re-forecast on the plan's path",
            )
    elif len(files) < 2:
        raise usage_error("compare needs at least two scenario files (the first is the base)")
    if bridge is not None and metric is not None:
        raise usage_error("use --bridge or --metric, not both")
    if metric is None:
        from commitcast.variants.inputs import collecting

        with collecting() as problems:
            problems += parsing.unused(
                ctx,
                {"by": "--by"},
                "applies to --metric",
                "leave it out: it sets the periods of --metric",
            )
    if bridge is not None:
        parsing.check_figure(bridge, "--bridge")
    if metric is not None:
        parsing.check_column(metric, "--metric")
    scenarios = load_all(files, sets)
    actuals = reforecast.read(actuals_file, scenarios[0])
    if actuals is not None:
        from commitcast.analysis import reforecast as against

        with parsing.options_named(figure="--bridge", metric="--metric", by="--by"):
            if bridge is not None:
                result = against.reforecast_bridge(scenarios[0], actuals, bridge)
            elif metric is not None:
                result = against.reforecast_metric(
                    scenarios[0], actuals, metric, by.value, keep_plan
                )
            else:
                result = against.compare_reforecast(scenarios[0], actuals, keep_plan)
        if bridge is not None:
            writers = (render.print_bridge, render.bridge_csv, render.bridge_json)
            markdown = render.bridge_markdown
        elif metric is not None:
            writers = (render.print_metric, render.metric_csv, render.metric_json)
            markdown = render.metric_markdown
        else:
            writers = (render.print_compare, render.compare_csv, render.compare_json)
            markdown = render.compare_markdown
    elif bridge is not None:
        from commitcast.analysis.bridge import bridge as walk

        if len(scenarios) != 2:
            raise usage_error("--bridge walks from one scenario to one other: give two files")
        with parsing.options_named(figure="--bridge"):
            result = walk(scenarios[0], scenarios[1], bridge)
        writers = (render.print_bridge, render.bridge_csv, render.bridge_json)
        markdown = render.bridge_markdown
    elif metric is not None:
        from commitcast.analysis.compare import metric_over_time

        with parsing.options_named(metric="--metric", by="--by"):
            result = metric_over_time(scenarios, metric, by.value)
        writers = (render.print_metric, render.metric_csv, render.metric_json)
        markdown = render.metric_markdown
    else:
        from commitcast.analysis.compare import compare as side_by_side

        with parsing.options_named():
            result = side_by_side(scenarios)
        writers = (render.print_compare, render.compare_csv, render.compare_json)
        markdown = render.compare_markdown
    show, to_csv, to_json = writers
    if output_format is TableFormat.table:
        _table_only(output)
        show(stdout(), result)  # type: ignore[operator]
        return
    if output_format is TableFormat.json:
        emit(to_json(result), output)  # type: ignore[operator]
        return
    render.note_overrides(stderr(), scenarios)
    text = to_csv(result) if output_format is TableFormat.csv else markdown(result)  # type: ignore[operator]
    emit(text, output)


@app.command()
@handles_errors
def sensitivity(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    vary: list[str] = typer.Option(
        None,
        "--vary",
        help="Driver to flex: PATH=LOW:HIGH (values, or -20%:+20% of the base), or PATH for the "
        "default flex. Repeatable; default: every growth, price, price change, monthly fee, "
        "capacity, cost rate and training share, by 20%.",
        metavar="PATH=LOW:HIGH",
    ),
    grid: list[str] = typer.Option(
        None,
        "--grid",
        help="Data table instead of a tornado: PATH=a,b,c (once for one-way, twice for two-way).",
        metavar="PATH=a,b,c",
    ),
    metric: str = MetricOption,
    output_format: Format = FormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
    actuals_file: Path | None = ActualsOption,
    keep_plan: bool = KeepPlanOption,
) -> None:
    """Rank drivers by their effect on a figure (tornado), or tabulate it over a grid."""
    import commitcast.cli.parsing as parsing
    import commitcast.cli.reforecast as reforecast
    from commitcast.analysis import sensitivity as analysis
    from commitcast.render import whatif as render
    from commitcast.variants.inputs import attempt, collecting

    check_output(output)
    reforecast.check_options(actuals_file, keep_plan)
    if vary and grid:
        raise usage_error("use --vary or --grid, not both")
    # the options' text is read before the scenario: every problem in it at once
    with collecting() as problems:
        attempt(problems, parsing.check_figure, metric, "--metric")
        drivers = attempt(problems, parsing.parse_each, parsing.parse_vary, vary or [])
        axes = attempt(problems, parsing.parse_each, parsing.parse_grid, grid or [])
    scenario = load(file, sets)
    actuals = reforecast.read(actuals_file, scenario)
    with parsing.options_named(drivers="--vary", axes="--grid", metric="--metric"):
        if axes:
            result = analysis.grid(scenario, axes, metric, actuals, keep_plan)
            show, to_csv, to_json = render.print_grid, render.grid_csv, render.grid_json
        else:
            result = analysis.sensitivity(scenario, drivers, metric, actuals, keep_plan)
            show, to_csv, to_json = render.print_tornado, render.tornado_csv, render.tornado_json
    _emit(result, output_format, output, show, to_csv, to_json, [scenario])


@app.command()
@handles_errors
def solve(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    vary: str | None = typer.Option(
        None, "--vary", help="The input to solve for, e.g. revenue.API.price_per_million_tokens."
    ),
    target: str | None = typer.Option(
        None, "--target", help="FIGURE=VALUE to hit, e.g. gross_margin_pct=40% or npv=0."
    ),
    search: str | None = typer.Option(
        None,
        "--range",
        help="LOW:HIGH to search (values or -50%:+50% of the base). Default: 0 to 10x for "
        "amounts, -0.2 to 0.2 for rates, 0 to 1 for shares.",
    ),
    breakeven_utilization: bool = typer.Option(
        False,
        "--breakeven-utilization",
        help="Average utilization at which gross margin is 0 (all demand scaled together).",
    ),
    output_format: Format = FormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
    actuals_file: Path | None = ActualsOption,
    keep_plan: bool = KeepPlanOption,
) -> None:
    """Goal seek: the value of one input that makes a summary figure hit a target."""
    import commitcast.cli.parsing as parsing
    import commitcast.cli.reforecast as reforecast
    from commitcast.analysis import solve as analysis
    from commitcast.render import whatif as render
    from commitcast.variants.inputs import attempt, collecting

    check_output(output)
    reforecast.check_options(actuals_file, keep_plan)
    if breakeven_utilization:
        if vary or target or search:
            raise usage_error("--breakeven-utilization takes no --vary, --target or --range")
    elif not (vary and target):
        raise usage_error(
            "give --vary PATH and --target FIGURE=VALUE (or --breakeven-utilization)",
            hint="e.g. --vary revenue.API.price_per_million_tokens --target gross_margin_pct=40%",
        )
    goal, span = None, None
    if not breakeven_utilization:
        assert vary is not None and target is not None
        with collecting() as problems:
            goal = attempt(problems, parsing.parse_target, target)
            span = attempt(problems, parsing.parse_range, search, vary) if search else None
    scenario = load(file, sets)
    actuals = reforecast.read(actuals_file, scenario)
    options = {"path": "--vary", "search": "--range", "figure": "--target", "target": "--target"}
    with parsing.options_named(**options, breakeven_utilization="--breakeven-utilization"):
        if goal is None:
            result = analysis.breakeven_utilization(scenario, actuals, keep_plan)
        else:
            assert vary is not None
            figure, value = goal
            result = analysis.solve(scenario, vary, figure, value, span, actuals, keep_plan)
    _emit(
        result,
        output_format,
        output,
        render.print_solution,
        render.solution_csv,
        render.solution_json,
        [scenario],
    )


@app.command(name="exit")
@handles_errors
def exit_timing(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    contract: str | None = typer.Option(
        None, "--contract", help="Contract name (or index); needed when several can be ended."
    ),
    output_format: Format = FormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
    actuals_file: Path | None = ActualsOption,
    keep_plan: bool = KeepPlanOption,
) -> None:
    """When, if ever, to give notice: the scenario projected for every notice month."""
    import commitcast.cli.parsing as parsing
    import commitcast.cli.reforecast as reforecast
    from commitcast.analysis.exit import exit_options
    from commitcast.render import whatif as render

    check_output(output)
    reforecast.check_options(actuals_file, keep_plan)
    scenario = load(file, sets)
    actuals = reforecast.read(actuals_file, scenario)
    names = [c.name for c in scenario.contracts]
    choice = None if contract is None else parsing.parse_contract(contract, names)
    with parsing.options_named(contract="--contract"):
        result = exit_options(scenario, choice, actuals, keep_plan)
    _emit(
        result,
        output_format,
        output,
        render.print_exit,
        render.exit_csv,
        render.exit_json,
        [scenario],
    )


def _emit(
    result: Any,
    output_format: Format,
    output: Path | None,
    show: Callable[[Any, Any], None],
    to_csv: Callable[[Any], str],
    to_json: Callable[[Any], str],
    scenarios: list[Scenario],
) -> None:
    from commitcast.render import whatif as render

    if output_format is Format.table:
        _table_only(output)
        show(stdout(), result)
    elif output_format is Format.json:
        emit(to_json(result), output)
    else:
        render.note_overrides(stderr(), scenarios)
        emit(to_csv(result), output)
