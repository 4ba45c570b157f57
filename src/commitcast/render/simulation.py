"""`simulate` for people (Rich) and as CSV: the figures, the probabilities and the fan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from commitcast.core.display import currency_symbol, format_figure, format_money, format_percent
from commitcast.core.measures import unit_of
from commitcast.render.terminal import (
    break_label,
    fit_first_column,
    fits,
    natural_width,
    print_prose,
    shows,
    split_evenly,
)

if TYPE_CHECKING:
    from commitcast.analysis.simulate import Simulation

BAR_WIDTH = 30  # the fan's bar; shorter where the terminal is narrow
MIN_BAR_WIDTH = 10
LABELS = {
    "npv": "NPV",
    "gross_margin": "Gross margin",
    "gross_margin_pct": "Gross margin %",
    "peak_funding_need": "Peak funding need",
    "average_utilization": "Avg utilization",
    "total_idle_capacity_cost": "Idle capacity cost",
    "total_overflow_cost": "Overflow cost",
    "total_sla_credits": "SLA credits",
    "peak_training_share": "Peak training share",
    "months_saturated_at_peak": "Months saturated",
    "max_queue_wait_seconds": "Longest queue wait",
    "cost_per_gpu_hour": "Cost per GPU-hour",
    "average_cost_per_million_tokens": "Fees per M tokens",
    "premium_over_market": "Premium over market",
}
# why a figure is undefined in a run, for the note under the table
UNDEFINED_BECAUSE = {
    "gross_margin_pct": "no revenue or no capacity",
    "average_utilization": "no revenue or no capacity",
}


def compact(name: str, value: float | int | None, currency: str) -> str:
    """Three significant digits ($506B, ($188B), $1.12T): percentiles of a simulation are
    estimates, and seven columns must fit a terminal. JSON and CSV carry the full figures."""
    if value is None:
        return ""
    if unit_of(name) == "ratio":
        return format_percent(value)
    if unit_of(name) != "money":  # seconds, a count of months: as the display rules show them
        return format_figure(name, value, currency)
    symbol = currency_symbol(currency)
    magnitude = abs(float(value))
    if magnitude < 0.005:
        return f"{symbol}0"
    text = f"{symbol}{magnitude:,.2f}"
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if float(f"{magnitude:.3g}") >= size:
            scaled = magnitude / size
            digits = f"{scaled:,.0f}" if scaled >= 999.5 else f"{scaled:#.3g}".rstrip(".")
            text = f"{symbol}{digits}{unit}"
            break
    return f"({text})" if value < 0 else text


def print_simulation(console: Console, result: Simulation) -> None:
    scenario = result.scenario
    currency = scenario.currency
    uncertainty = result.uncertainty
    print_prose(
        console, f"{scenario.name}  ({currency}, {result.labels[0]} to {result.labels[-1]})"
    )
    print_prose(
        console,
        f"{result.runs:,} runs, seed {result.seed}, {len(uncertainty.inputs)} uncertain "
        f"input(s), {len(uncertainty.correlations)} correlation(s)",
    )
    for key in uncertainty.keys():  # noqa: SIM118  (sampling order, not a dict)
        item = uncertainty.inputs[key]
        print_prose(console, f"  {item.label}: {item.spec.describe()}")
    for a, b, rho in uncertainty.correlations:
        print_prose(
            console,
            f"  rho({uncertainty.inputs[a].label}, {uncertainty.inputs[b].label}) = {rho:g}",
        )
    if scenario.provenance.overrides:
        print_prose(console, "  --set " + " ".join(scenario.provenance.overrides))

    notes = []
    rows = []
    keys = ("mean", "p5", "p25", "p50", "p75", "p95")
    for name, stats in result.statistics.items():
        label = LABELS.get(name, name)
        if stats["defined_runs"] and not shows(name, (stats[k] for k in keys)):
            continue  # 0 in every run, where 0 means the scenario has none (SLA credits)
        if stats["defined_runs"] != result.runs:
            label += " *"
            because = UNDEFINED_BECAUSE.get(name, "undefined")
            notes.append(
                f"* {LABELS.get(name, name)}: defined in {stats['defined_runs']:,} of "
                f"{result.runs:,} runs ({because} in the others); the "
                "figures are over those runs"
            )
        rows.append([label, *(compact(name, stats[k], currency) for k in keys)])
    heads = ("mean", "P5", "P25", "P50", "P75", "P95")

    def figures(columns: list[int], title: str, width: int | None) -> Table:
        # no outer edge or padding: seven columns of "($654M)" fit 80 characters
        table = Table(
            title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
        )
        table.add_column("figure", no_wrap=True)
        for index in columns:
            table.add_column(heads[index], justify="right", no_wrap=True)
        for row in rows:
            label = row[0] if width is None else break_label(row[0], width)
            table.add_row(label, *(row[1 + index] for index in columns))
        return table

    # where the statistics do not fit side by side, they go on in a second table
    labels = ["figure", *(row[0] for row in rows)]
    for count in range(1, len(heads) + 1):
        parts = split_evenly(range(len(heads)), count)
        tables = [
            fit_first_column(
                console,
                lambda width, p=part, t=_figures_title(index, count): figures(p, t, width),
                labels,
                12,
                max_lines=2,
            )
            for index, part in enumerate(parts)
        ]
        if all(tables):
            break
    else:
        tables = [figures([index], _figures_title(index, 6), 12) for index in range(6)]
    for index, table in enumerate(tables):
        if index:
            console.print()
        console.print(table)
    for note in notes:
        print_prose(console, note)
    sketch = result.sketch
    if sketch is not None and sketch.figure_bound is not None:
        bounds = ", ".join(
            f"{LABELS.get(name, name)} {_bound_text(name, bound, currency)}"
            for name, bound in sketch.figure_bound.items()
            if bound is not None
        )
        print_prose(
            console,
            f"note: {sketch.reason}, so these percentiles are estimated from a histogram of "
            f"{sketch.figure_bins:,} bins; each is within this of the exact percentile: "
            f"{bounds}. Means and probabilities are exact.",
        )
    console.print()

    probabilities = result.probabilities
    lines = [
        ("P(gross margin < 0)", probabilities["gross_margin_below_zero"]),
        ("P(average utilization < 70%)", probabilities["average_utilization_below_70pct"]),
    ]
    if result.funding_limit is not None:
        lines.append(
            (
                f"P(peak funding need > {format_money(result.funding_limit, currency)})",
                probabilities["peak_funding_need_above_limit"],
            )
        )
    width = max(len(label) for label, _ in lines) + 2
    console.print(
        "\n".join(label.ljust(width) + format_percent(value) for label, value in lines),
        markup=False,
        soft_wrap=True,
    )
    for name, title in (("cumulative_cash", "Cumulative cash"), ("utilization", "Utilization")):
        console.print()
        console.print(fan_table(result, name, title, console=console))
    if sketch is not None and sketch.fan_bound is not None:
        largest = {
            name: max((b for b in bounds if b is not None), default=None)
            for name, bounds in sketch.fan_bound.items()
        }
        within = " and ".join(
            f"{_bound_text(name, bound, currency)} for {name.replace('_', ' ')}"
            for name, bound in largest.items()
            if bound is not None
        )
        print_prose(
            console,
            f"note: {sketch.reason}, so the fan's percentiles are estimated from a histogram "
            f"of {sketch.fan_bins:,} bins a month; each is within one bin of the exact "
            f"percentile: at most {within} (each month's bound is in the JSON, "
            "sketch.fan.error_bound).",
        )


def _bound_text(name: str, bound: float, currency: str) -> str:
    """An error bound: money as in the tables, a ratio in percentage points."""
    if unit_of(name) == "ratio":
        return f"{bound * 100:.2g} percentage points"
    return compact(name, bound, currency)


def _figures_title(index: int, count: int) -> str:
    title = "Key figures over the runs"
    return title if count == 1 else f"{title} ({index + 1} of {count})"


def fan_table(
    result: Simulation, name: str, title: str, every: int = 3, console: Console | None = None
) -> Table:
    """Every `every`-th month (and the last): P5/P50/P95 and a bar from P5 to P95 with the
    median marked, on one scale for all months so they compare at a glance. On a console
    too narrow for it, the bar is shorter (or, below MIN_BAR_WIDTH, left out)."""
    currency = result.scenario.currency
    levels = result.fan[name]
    months = sorted({*range(0, len(result.labels), every), len(result.labels) - 1})

    def build(bar_width: int) -> Table:
        table = Table(
            title=f"{title} by month: P5 / P50 / P95"
            + (" (bar: = P5 to P95, | median, : zero)" if bar_width else ""),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            # room for the title, so it does not wrap in the narrower table
            min_width=78 if console is None else min(78, console.width),
        )
        table.add_column("month", no_wrap=True)
        for level in ("P5", "P50", "P95"):
            table.add_column(level, justify="right", no_wrap=True)
        if bar_width:
            table.add_column("", no_wrap=True)
        bars = _bars(levels, months, bar_width) if bar_width else []
        for row, index in enumerate(months):
            figures = (
                format_figure(name, levels[p][index], currency) for p in ("p5", "p50", "p95")
            )
            table.add_row(result.labels[index], *figures, *([bars[row]] if bar_width else []))
        return table

    table = build(BAR_WIDTH)
    if console is None or fits(console, [table]):
        return table
    # the table's width grows one for one with the bar's
    bar_width = BAR_WIDTH - (natural_width(console, table) - console.width)
    return build(bar_width if bar_width >= MIN_BAR_WIDTH else 0)


def _bars(
    levels: dict[str, list[float | None]], months: list[int], width: int = BAR_WIDTH
) -> list[str]:
    values = [v for p in ("p5", "p95") for i in months if (v := levels[p][i]) is not None]
    low, high = min([*values, 0.0]), max([*values, 0.0])
    span = (high - low) or 1.0

    def position(value: float) -> int:
        return min(width - 1, max(0, round((value - low) / span * (width - 1))))

    bars = []
    for i in months:
        p5, p50, p95 = (levels[p][i] for p in ("p5", "p50", "p95"))
        cells = [" "] * width
        if low < 0 < high:
            cells[position(0.0)] = ":"
        if p5 is not None and p95 is not None and p50 is not None:
            for x in range(position(p5), position(p95) + 1):
                cells[x] = "="
            cells[position(p50)] = "|"
        bars.append("".join(cells))
    return bars


def simulation_csv(result: Simulation) -> str:
    from commitcast.render.tables import csv_rows
    from commitcast.report.simulation import simulation_rows

    return csv_rows(("section", "name", "month", "statistic", "value"), simulation_rows(result))
