"""report (the board report as one HTML file) and chart (one chart for a slide)."""

from __future__ import annotations

from pathlib import Path

import typer

from commitcast.cli.app import app, handles_errors, stderr, usage_error
from commitcast.cli.io import check_output, command_line, load_all, with_progress
from commitcast.cli.options import BY_HELP, By, SetOption

RunsOption = typer.Option(
    10_000,
    "--runs",
    "-n",
    help="Monte Carlo runs for scenarios with distributions, 1 to 1,000,000.",
    metavar="RUNS",
)
SeedOption = typer.Option(
    0, "--seed", help="Random seed of the Monte Carlo: the same seed gives the same numbers.", min=0
)


def _parsed(name: str, files: list[Path], options: list[str], sets: list[str] | None) -> list[str]:
    parsed = [name, *(str(f) for f in files), *options]
    for assignment in sets or []:
        parsed += ["--set", assignment]
    return parsed


@app.command()
@handles_errors
def report(
    files: list[Path] = typer.Argument(
        ..., help="Scenario files; the first is the base of the comparison.", metavar="FILE..."
    ),
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="The HTML file to write (written whole; never one of the inputs).",
        dir_okay=False,
    ),
    runs: int = RunsOption,
    seed: int = SeedOption,
    sets: list[str] = SetOption,
) -> None:
    """The board report: one self-contained HTML file (headline figures, comparison, charts,
    conventions and audit) that opens offline and prints one section per landscape page."""
    import commitcast.cli.parsing as parsing
    from commitcast.render.files import write_text
    from commitcast.render.html import report_html
    from commitcast.report.board import has_distributions
    from commitcast.variants.inputs import attempt, collecting

    # every problem of the options at once, before the files are read (as every command)
    with collecting() as problems:
        if output.suffix.lower() not in (".html", ".htm"):
            problems += usage_error(
                f"{output}: the report is an HTML file; its name must end in .html",
                hint=f"e.g. -o {output.with_suffix('.html').name}",
            ).problems
        attempt(problems, check_output, output)
        attempt(problems, parsing.check_runs, runs, False)
    scenarios = load_all(files, sets)
    simulated = sum(has_distributions(s) for s in scenarios)
    options = ["-o", str(output), "--runs", str(runs), "--seed", str(seed)]
    line = command_line(_parsed("report", files, options, sets))
    # a problem with the files together (their currencies) is the command line's, as chart's
    with parsing.options_named(scenarios="FILE"):
        text = with_progress(
            lambda progress: report_html(
                scenarios, runs=runs, seed=seed, command_line=line, progress=progress
            ),
            runs * simulated,
        )
    write_text(output, text)
    stderr().print(f"wrote {output}", markup=False, soft_wrap=True)


@app.command()
@handles_errors
def chart(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ..., help="Scenario files: one line (or stack) per scenario.", metavar="FILE..."
    ),
    metric: str = typer.Option(
        ...,
        "--metric",
        "-m",
        help="A monthly column (revenue, utilization, cumulative_cash, ...) or a chart of the "
        "report: margin, obligations, exit, tornado or fan.",
    ),
    by: By = typer.Option(
        By.month, "--by", help="Period of a monthly column or of margin: " + BY_HELP
    ),
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="The chart file: .png, .svg or .pdf (by its suffix), sized for a 16:9 slide.",
        dir_okay=False,
    ),
    runs: int = RunsOption,
    seed: int = SeedOption,
    sets: list[str] = SetOption,
) -> None:
    """One chart alone, sized for a 16:9 slide, one line per scenario, money axes in the
    terminal's display units: PNG, SVG or PDF by the output's suffix."""
    import commitcast.cli.parsing as parsing
    from commitcast.core.measures import MONTHLY_COLUMNS
    from commitcast.render.charts import SPECIAL, build_chart, chart_format, write_chart
    from commitcast.variants.inputs import attempt, collecting

    if chart_format(output) is None:
        raise usage_error(
            f"{output}: a chart is written as .png, .svg or .pdf",
            hint=f"e.g. -o {output.with_suffix('.png').name}",
        )
    if metric not in (*MONTHLY_COLUMNS, *SPECIAL):
        raise usage_error(
            f"--metric: {metric!r} is neither a monthly column nor a chart of the report",
            hint="one of: " + ", ".join((*SPECIAL, *MONTHLY_COLUMNS)),
        )
    with collecting() as problems:
        if metric != "fan":
            problems += parsing.unused(
                ctx,
                {"runs": "--runs", "seed": "--seed"},
                f"applies to the fan chart; the {metric} chart simulates nothing",
                "leave it out, or give -m fan",
            )
        if metric in SPECIAL and metric != "margin":
            problems += parsing.unused(
                ctx,
                {"by": "--by"},
                f"applies to monthly columns and margin; the {metric} chart has no periods",
                "leave it out",
            )
        attempt(problems, check_output, output)
        if metric == "fan":  # (refused above for another chart, whatever its value)
            attempt(problems, parsing.check_runs, runs, False)
    scenarios = load_all(files, sets)
    with parsing.options_named(metric="--metric", by="--by", scenarios="FILE"):
        built = build_chart(scenarios, metric, by=by.value, runs=runs, seed=seed)
    write_chart(built, output)
    stderr().print(f"wrote {output}", markup=False, soft_wrap=True)
