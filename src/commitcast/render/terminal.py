"""Rich tables for people: money in readable units, negatives in parentheses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from commitcast.core.display import format_figure
from commitcast.core.errors import Problem
from commitcast.core.measures import SUMMARY
from commitcast.engine.projection import Period, Projection

# The monthly table is split in groups so each fits an 80-column terminal.
TABLE_GROUPS = (
    (
        "Commitments and capacity",
        ("committed_fees", "capacity_tokens", "training_tokens", "utilization"),
    ),
    (
        "Demand",
        ("demand_tokens", "served_tokens", "overflow_tokens", "unserved_tokens"),
    ),
    (
        "Revenue and margin",
        (
            "revenue",
            "inference_cost",
            "training_cost",
            "idle_capacity_cost",
            "gross_margin",
            "gross_margin_pct",
        ),
    ),
    (
        "Cash and obligations",
        ("cash_in", "cash_out", "net_cash_flow", "cumulative_cash", "remaining_obligation"),
    ),
)


def print_problems(console: Console, problems: Sequence[Problem]) -> None:
    for problem in problems:
        style = "yellow" if problem.severity == "warning" else "red"
        console.print(Text(str(problem), style=style), soft_wrap=True)


def header_lines(result: Projection) -> list[str]:
    scenario = result.scenario
    lines = [f"{scenario.name}  ({scenario.currency}, {result.labels[0]} to {result.labels[-1]})"]
    if result.overrides:
        lines.append("overrides: " + ", ".join(result.overrides))
    return lines


def summary_panel(result: Projection) -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    for figure in SUMMARY:
        value = result.summary.get(figure.name)
        table.add_row(figure.label, format_figure(figure.name, value, result.scenario.currency))
    return Panel(table, title="Summary", expand=False)


def monthly_tables(
    result: Projection, by: Period = "month", width: int | None = None
) -> list[Table]:
    """The monthly (or quarterly, yearly) table in groups of columns.

    Headers are the column names of the CSV and JSON; where a group would not fit `width` they
    break after an underscore (committed_ / fees) rather than in the middle of a word.
    """
    frame = result.frame(by)
    first = frame.columns[0]
    tables = []
    for title, names in TABLE_GROUPS:
        # a column needs its header, or 12 characters for a figure, plus 3 for its borders
        needed = len(first) + 4 + sum(max(len(name), 12) + 3 for name in names)
        narrow = width is not None and needed > width
        table = Table(title=title, show_lines=False, header_style="bold")
        table.add_column(first, no_wrap=True)
        for name in names:
            header = name.replace("_", "_\n") if narrow else name
            table.add_column(header, justify="right", overflow="fold")
        for row in frame.to_dict(orient="records"):
            cells = [
                format_figure(name, _none_for_nan(row[name]), result.scenario.currency)
                for name in names
            ]
            table.add_row(str(row[first]), *cells)
        tables.append(table)
    return tables


def print_projection(console: Console, result: Projection, by: Period = "month") -> None:
    for line in header_lines(result):
        console.print(Text(line, style="bold"))
    for table in monthly_tables(result, by, console.width):
        console.print(table)
    console.print(summary_panel(result))


def _none_for_nan(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    return value
