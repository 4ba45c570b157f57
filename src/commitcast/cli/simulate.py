"""simulate: Monte Carlo over the scenario's distributions."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commitcast.cli.app import app, handles_errors, stderr, stdout, usage_error
from commitcast.cli.io import check_output, emit, load, with_progress
from commitcast.cli.options import Format, FormatOption, OutputOption, SetOption
from commitcast.cli.reforecast import ActualsOption, KeepPlanOption

if TYPE_CHECKING:
    pass

PROGRESS_FROM_RUNS = 20_000  # shorter runs finish before a bar is worth drawing


@app.command()
@handles_errors
def simulate(
    file: Path = typer.Argument(..., help="Scenario YAML file.", metavar="FILE"),
    runs: int = typer.Option(
        10_000,
        "--runs",
        "-n",
        help="Number of runs, 1 to 1,000,000 (to 1,000,000,000 with --scheduler).",
        metavar="RUNS",
    ),
    seed: int = typer.Option(
        0, "--seed", help="Random seed: the same seed gives the same numbers.", min=0
    ),
    funding_limit: str | None = typer.Option(
        None,
        "--funding-limit",
        help="Report P(peak funding need > this amount), e.g. 5B.",
        metavar="AMOUNT",
    ),
    memory: str = typer.Option(
        "1G",
        "--memory",
        help="Memory budget, e.g. 512M or 2G: sets the runs per pass, and whether every run "
        "is kept (exact percentiles) or sketched.",
        metavar="SIZE",
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Run on a Dask cluster: 'local' starts one on this machine, or give a running "
        "scheduler's address (pip install 'commitcast[dask]').",
        metavar="local|ADDRESS",
    ),
    output_format: Format = FormatOption,
    output: Path | None = OutputOption,
    sets: list[str] = SetOption,
    actuals_file: Path | None = ActualsOption,
    keep_plan: bool = KeepPlanOption,
) -> None:
    """Monte Carlo: sample every input given as a distribution and report percentiles,
    probabilities and a monthly fan of cumulative cash and utilization."""
    import commitcast.cli.parsing as parsing
    import commitcast.cli.reforecast as reforecast
    from commitcast.analysis.simulate import simulate as run_simulation
    from commitcast.variants.inputs import attempt, collecting

    check_output(output)
    reforecast.check_options(actuals_file, keep_plan)
    if actuals_file is not None and scheduler is not None:
        raise usage_error(
            "--actuals runs in this process: leave out --scheduler",
            hint="a re-forecast's runs are few enough for one machine",
        )
    if output is not None and output_format is Format.table:
        raise usage_error("--output needs --format csv or json", hint="or redirect with >")
    # options are checked before the scenario is read and sampled: a typo in --runs must not
    # cost a load or a long run first (simulate checks them too, for Python callers)
    limit = None
    with collecting() as problems:
        attempt(problems, parsing.check_runs, runs, scheduler is not None)
        if funding_limit is not None:
            limit = attempt(problems, parsing.parse_funding_limit, funding_limit)
        budget = attempt(problems, parsing.parse_memory, memory)
        if scheduler is not None:
            scheduler = attempt(problems, parsing.check_scheduler, scheduler)
    assert budget is not None
    scenario = load(file, sets)
    if not scenario.uncertainty or not scenario.uncertainty.inputs:
        stderr().print(
            "note: no input has a distribution, so every run is the same projection "
            "(write e.g. growth: {dist: normal, mean: 0.03, sd: 0.01})",
            markup=False,
        )
    actuals = reforecast.read(actuals_file, scenario)
    if scheduler is None:
        work = functools.partial(
            run_simulation, scenario, runs, seed, actuals=actuals, keep_plan=keep_plan
        )
    else:
        from commitcast.analysis.distributed import simulate as on_cluster

        work = functools.partial(on_cluster, scenario, runs, seed, scheduler=scheduler)
    with parsing.options_named(memory="--memory", scheduler="--scheduler"):
        result = with_progress(
            lambda progress: work(funding_limit=limit, memory=budget, progress=progress),
            runs,
            PROGRESS_FROM_RUNS,
        )
    if output_format is Format.json:
        from commitcast.render.tables import to_json
        from commitcast.report.simulation import simulation_dict

        emit(to_json(simulation_dict(result)), output)
    elif output_format is Format.csv:
        from commitcast.render.simulation import simulation_csv

        emit(simulation_csv(result), output)
    else:
        from commitcast.render.simulation import print_simulation

        print_simulation(stdout(), result)
