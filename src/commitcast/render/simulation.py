"""`simulate` for people (Rich) and as CSV: the figures, the probabilities and the fan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from commitcast.core.display import format_money, format_percent

if TYPE_CHECKING:
    from commitcast.analysis.simulate import Simulation

PERCENT = {"gross_margin_pct", "average_utilization", "utilization"}
BAR_WIDTH = 30
LABELS = {
    "npv": "NPV",
    "gross_margin": "Gross margin",
    "gross_margin_pct": "Gross margin %",
    "peak_funding_need": "Peak funding need",
    "average_utilization": "Avg utilization",
    "total_idle_capacity_cost": "Idle capacity cost",
    "total_overflow_cost": "Overflow cost",
}


def show(name: str, value: float | int | None, currency: str) -> str:
    if value is None:
        return ""
    return format_percent(value) if name in PERCENT else format_money(value, currency)


def compact(name: str, value: float | int | None, currency: str) -> str:
    """Three significant digits ($506B, ($188B), $1.12T): percentiles of a simulation are
    estimates, and seven columns must fit a terminal. JSON and CSV carry the full figures."""
    if value is None:
        return ""
    if name in PERCENT:
        return format_percent(value)
    symbol = "$" if currency == "USD" else f"{currency} "
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
    console.print(
        f"{scenario.name}  ({currency}, {result.labels[0]} to {result.labels[-1]})\n"
        f"{result.runs:,} runs, seed {result.seed}, {len(uncertainty.inputs)} uncertain "
        f"input(s), {len(uncertainty.correlations)} correlation(s)",
        markup=False,
    )
    for key in uncertainty.keys():  # noqa: SIM118  (sampling order, not a dict)
        item = uncertainty.inputs[key]
        console.print(f"  {item.label}: {item.spec.describe()}", markup=False)
    for a, b, rho in uncertainty.correlations:
        console.print(
            f"  rho({uncertainty.inputs[a].label}, {uncertainty.inputs[b].label}) = {rho:g}",
            markup=False,
        )
    if scenario.provenance.overrides:
        console.print("  --set " + " ".join(scenario.provenance.overrides), markup=False)

    # no outer edge or padding: seven columns of "($654M)" fit 80 characters
    table = Table(
        title="Key figures over the runs",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("figure", no_wrap=True)
    for column in ("mean", "P5", "P25", "P50", "P75", "P95"):
        table.add_column(column, justify="right", no_wrap=True)
    notes = []
    for name, stats in result.statistics.items():
        label = LABELS.get(name, name)
        if stats["defined_runs"] != result.runs:
            label += " *"
            notes.append(
                f"* {LABELS.get(name, name)}: defined in {stats['defined_runs']:,} of "
                f"{result.runs:,} runs (no revenue or no capacity in the others); the "
                "figures are over those runs"
            )
        keys = ("mean", "p5", "p25", "p50", "p75", "p95")
        table.add_row(label, *(compact(name, stats[k], currency) for k in keys))
    console.print(table)
    for note in notes:
        console.print(note, markup=False)
    console.print()

    probabilities = result.probabilities
    rows = [
        ("P(gross margin < 0)", probabilities["gross_margin_below_zero"]),
        ("P(average utilization < 70%)", probabilities["average_utilization_below_70pct"]),
    ]
    if result.funding_limit is not None:
        rows.append(
            (
                f"P(peak funding need > {format_money(result.funding_limit, currency)})",
                probabilities["peak_funding_need_above_limit"],
            )
        )
    width = max(len(label) for label, _ in rows) + 2
    console.print(
        "\n".join(label.ljust(width) + format_percent(value) for label, value in rows),
        markup=False,
    )
    for name, title in (("cumulative_cash", "Cumulative cash"), ("utilization", "Utilization")):
        console.print()
        console.print(fan_table(result, name, title))


def fan_table(result: Simulation, name: str, title: str, every: int = 3) -> Table:
    """Every `every`-th month (and the last): P5/P50/P95 and a bar from P5 to P95 with the
    median marked, on one scale for all months so they compare at a glance."""
    currency = result.scenario.currency
    table = Table(
        title=f"{title} by month: P5 / P50 / P95 (bar: = P5 to P95, | median, : zero)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        min_width=78,  # room for the title, so it does not wrap in the narrower table
    )
    table.add_column("month", no_wrap=True)
    for level in ("P5", "P50", "P95"):
        table.add_column(level, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    levels = result.fan[name]
    months = sorted({*range(0, len(result.labels), every), len(result.labels) - 1})
    bars = _bars(levels, months)
    for row, index in enumerate(months):
        figures = (show(name, levels[p][index], currency) for p in ("p5", "p50", "p95"))
        table.add_row(result.labels[index], *figures, bars[row])
    return table


def _bars(levels: dict[str, list[float | None]], months: list[int]) -> list[str]:
    values = [v for p in ("p5", "p95") for i in months if (v := levels[p][i]) is not None]
    low, high = min([*values, 0.0]), max([*values, 0.0])
    span = (high - low) or 1.0

    def position(value: float) -> int:
        return min(BAR_WIDTH - 1, max(0, round((value - low) / span * (BAR_WIDTH - 1))))

    bars = []
    for i in months:
        p5, p50, p95 = (levels[p][i] for p in ("p5", "p50", "p95"))
        cells = [" "] * BAR_WIDTH
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
