"""Rich tables for people: money in readable units, negatives in parentheses.

Also the layout helpers the other terminal renderers share. A figure is never cut: its column
is `no_wrap`, and a table is only printed at a width where every column fits whole; where it
would not fit the terminal, a renderer picks a narrower layout (headers and labels broken
after an underscore, fewer columns per table, tables stacked) rather than let Rich shrink,
fold or ellipsise a number. Prose lines wrap between words, never inside one.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from commitcast.core.display import format_figure, undefined
from commitcast.core.errors import Problem
from commitcast.core.measures import SUMMARY, unit_of

if TYPE_CHECKING:
    from commitcast.engine.projection import Period, Projection

# The monthly table's columns in groups, one table each; a group that does not fit the
# terminal is continued in a second table rather than squeezed. Usable capacity sits beside
# demand (demand above it is overflow); Operations holds what the capacity delivered and what
# a token served cost: available capacity after uptime, GPU-hours, training share, SLA credits,
# the peak hour's utilization and queue wait, and the fees per million tokens served.
TABLE_GROUPS = (
    (
        "Commitments and capacity",
        ("committed_fees", "capacity_tokens", "training_tokens", "utilization"),
    ),
    (
        "Demand",
        (
            "demand_tokens",
            "usable_capacity_tokens",
            "served_tokens",
            "commit_tokens",
            "overflow_tokens",
            "unserved_tokens",
        ),
    ),
    (
        "Operations",
        (
            "available_tokens",
            "gpu_hours",
            "training_share",
            "sla_credits",
            "peak_utilization",
            "queue_wait_seconds",
            "inference_fees",
            "cost_per_million_tokens",
        ),
    ),
    (
        "Revenue and margin",
        (
            "revenue",
            "inference_cost",
            "training_cost",
            "idle_capacity_cost",
            "commit_spend",
            "commit_shortfall",
            "gross_margin",
            "gross_margin_pct",
        ),
    ),
    (
        "Cash and obligations",
        ("cash_in", "cash_out", "net_cash_flow", "cumulative_cash", "remaining_obligation"),
    ),
    (
        "Balances",
        ("receivables", "fees_payable", "sla_credits_receivable", "prepaid_fees", "fx_loss"),
    ),
)

# Which figures the terminal leaves out, decided here only (CSV, JSON and Markdown carry every
# figure): one undefined throughout (queue wait and peak utilization without a `serving`
# section, cost per GPU-hour without a GPU contract, the premium over the market without a
# benchmark); one of ABSENT_WHEN_ZERO at 0 throughout (no contract gives GPUs, no SLA credit
# earned, no training at all); one equal throughout to the figure SAME_AS names (available
# capacity when uptime is 100%). A month (payback month) always shows: its blank says "never".
# A column of SHOWN_WITH shows whenever the one it names does: the queue wait beside the peak
# hour's utilization, "saturated" where that is 100% or more (the wait has no value there).
ABSENT_WHEN_ZERO = frozenset(
    {
        "sla_credits",
        "total_sla_credits",
        "gpu_hours",
        "training_share",
        "peak_training_share",
        "receivables",
        "fees_payable",
        "sla_credits_receivable",
        # take-or-pay commits, prepayments and other currencies, where a scenario has none
        "commit_tokens",
        "commit_spend",
        "commit_shortfall",
        "total_commit_shortfall",
        "prepaid_fees",
        "fx_loss",
    }
)
SAME_AS = {"available_tokens": "capacity_tokens"}
SHOWN_WITH = {"queue_wait_seconds": "peak_utilization"}

# A space that prose wrapping must not break at: "--set x=1", "90 days'" stay on one line.
KEEP = "\u00a0"


# ---- layout helpers ------------------------------------------------------------------------


def figure_table(title: str | None = None) -> Table:
    """A table of figures as every command prints them: bold headers under a rule, no outer
    border, no padding at the edges (columns are added by the caller)."""
    return Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )


def natural_width(console: Console, renderable: RenderableType) -> int:
    """The width `renderable` takes when nothing in it has to shrink."""
    options = console.options.update_width(100_000)
    return Measurement.get(console, options, renderable).maximum


def grid_width(headers: Sequence[str], widest: Sequence[int]) -> int:
    """The natural width of a Table as `monthly_tables` draws one (Rich's defaults: a rule
    between columns and at each edge, one space of padding each side of a cell), whose
    columns have `headers` (lines split at newlines) and cells at most `widest` wide; worked
    out rather than measured by Rich (choosing how to split the groups measured ~20 tables).
    tests/render/test_terminal.py holds it to Rich's measure."""
    cells = sum(
        max(max(map(cell_len, header.split("\n"))), width) + 2
        for header, width in zip(headers, widest, strict=True)
    )
    return cells + len(headers) + 1


def fits(console: Console, renderables: Iterable[RenderableType]) -> bool:
    """Whether each renderable fits the console whole: no column shrunk, nothing cut."""
    return all(natural_width(console, r) <= console.width for r in renderables)


def break_label(text: str, width: int) -> str:
    """A label on as many lines as it needs to be at most `width` wide: broken at spaces, and a
    word longer than `width` after an underscore, a dot or a slash ('total_idle_capacity_cost'
    at 12 is 'total_idle_' / 'capacity_cost'). A piece longer than `width` stays whole."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            pieces = [word] if cell_len(word) <= width else re.findall(r"[^_./]+[_./]*", word)
            for index, piece in enumerate(pieces or [""]):
                joined = f"{line} {piece}" if line and index == 0 else line + piece
                if line and cell_len(joined) > width:
                    lines.append(line)
                    line = piece
                else:
                    line = joined
        lines.append(line)
    return "\n".join(lines)


def label_width(text: str) -> int:
    """The width of a (possibly multi-line) label."""
    return max((cell_len(line) for line in text.split("\n")), default=0)


def fit_first_column(
    console: Console,
    build: Callable[[int | None], Table],
    labels: Iterable[str],
    minimum: int = 8,
    max_lines: int | None = None,
) -> Table | None:
    """The table `build(width)` makes, if it fits the console: first with its first column
    whole (`width` None), else with that column's labels (and header) broken to the `width`
    the other columns leave, if that is at least `minimum` and no label needs more than
    `max_lines` lines. None if neither fits.

    `labels` are the first column's header and cells as `build(None)` shows them."""
    whole = build(None)
    if fits(console, [whole]):
        return whole
    labels = list(labels)
    own = max((label_width(label) for label in labels), default=0)
    width = console.width - (natural_width(console, whole) - own)
    if width < minimum:
        return None
    if max_lines is not None and any(
        break_label(label, width).count("\n") >= max_lines for label in labels
    ):
        return None
    table = build(width)
    return table if fits(console, [table]) else None


def split_evenly(items: Sequence[Any], count: int) -> list[list[Any]]:
    """`items` in `count` runs of as near equal length as can be, in order (the first longer)."""
    size, extra = divmod(len(items), count)
    runs, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        runs.append(list(items[start:end]))
        start = end
    return runs


def phrase(text: str) -> str:
    """`text` as one piece for `wrap_prose`: a narrow terminal breaks the line before or after
    it, not inside it."""
    return text.replace(" ", KEEP)


def wrap_prose(text: str, width: int, indent: str = "  ") -> list[str]:
    """A line of prose as lines at most `width` wide, continuation lines indented. Breaks only
    at spaces: never inside a number, a date or a negative (-1.2%), nor at a `KEEP` space.
    An indented line's continuations are indented further."""
    if cell_len(text.replace(KEEP, " ")) <= width:
        return [text.replace(KEEP, " ")]
    margin = text[: len(text) - len(text.lstrip(" "))]
    lines = textwrap.wrap(
        text[len(margin) :],
        width,
        initial_indent=margin,
        subsequent_indent=margin + indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(KEEP, " ") for line in lines] or [""]


def print_prose(console: Console, text: str, style: str = "", indent: str = "  ") -> None:
    """Print a line of prose wrapped at the console's width between words (a word longer than
    the line is printed whole, not folded)."""
    for line in wrap_prose(text, console.width, indent):
        console.print(Text(line, style=style), soft_wrap=True)


# ---- project -------------------------------------------------------------------------------


def print_problems(console: Console, problems: Sequence[Problem]) -> None:
    for problem in problems:
        style = "yellow" if problem.severity == "warning" else "red"
        console.print(Text(str(problem), style=style), soft_wrap=True)


def header_lines(result: Projection) -> list[str]:
    scenario = result.scenario
    lines = [f"{scenario.name}  ({scenario.currency}, {result.labels[0]} to {result.labels[-1]})"]
    if result.overrides:
        lines.append("overrides: " + ", ".join(result.overrides))
    actuals = getattr(result, "actuals", None)
    if actuals is not None and actuals.closed:
        closed = result.labels[: actuals.closed]
        kept = getattr(result, "keep_plan", False)
        after = f"the plan's path after {closed[-1]}" if kept else f"re-based on {closed[-1]}"
        source = f"{actuals.file}: " if actuals.file else ""
        lines.append(
            f"actuals: {source}{len(closed)} closed month(s), {closed[0]} to {closed[-1]}; "
            f"forecast: {after}"
        )
    return lines


def _defined(value: Any) -> bool:
    return not undefined(value)


def shows(
    name: str, values: Iterable[Any], others: Mapping[str, Sequence[Any]] | None = None
) -> bool:
    """Whether the terminal shows figure `name` with these `values` (a column's over its
    periods, a summary figure's over the scenarios compared, a simulated figure's statistics):
    the rule above. `others` are the table's other columns by name, for SAME_AS and
    SHOWN_WITH."""
    if unit_of(name) == "month":
        return True
    others = others or {}
    if name in SHOWN_WITH and SHOWN_WITH[name] in others:
        return shows(SHOWN_WITH[name], others[SHOWN_WITH[name]], others)
    values = list(values)
    defined = [value for value in values if _defined(value)]
    if not defined:
        return False
    if name in ABSENT_WHEN_ZERO and all(value == 0 for value in defined):
        return False
    same = others.get(SAME_AS.get(name, ""))
    return same is None or list(same) != values


def shown_columns(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """The columns of a table (`header`, `rows` as `Projection.table` gives them) the terminal
    shows, in order; the first (month or period) always."""
    columns = {name: [row[index] for row in rows] for index, name in enumerate(header)}
    return [
        name
        for index, name in enumerate(header)
        if index == 0 or shows(name, columns[name], columns)
    ]


SATURATED = "saturated"


def saturated_waits(
    header: Sequence[str], rows: Sequence[Sequence[Any]], cells: Mapping[str, list[str]]
) -> list[str]:
    """The queue wait column as shown: 'saturated' where the peak hour's utilization is 100%
    or more (the engine leaves the wait undefined there: the queue grows without end), rather
    than a blank a reader could take for no wait at all."""
    wait, peak = header.index("queue_wait_seconds"), header.index("peak_utilization")
    return [
        SATURATED if not _defined(row[wait]) and _defined(row[peak]) and row[peak] >= 1 else cell
        for row, cell in zip(rows, cells["queue_wait_seconds"], strict=True)
    ]


def summary_panel(result: Projection) -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right", no_wrap=True)
    for figure in SUMMARY:
        value = result.summary.get(figure.name)
        if shows(figure.name, [value]):
            table.add_row(figure.label, format_figure(figure.name, value, result.scenario.currency))
    return Panel(table, title="Summary", expand=False)


def monthly_tables(
    result: Projection, by: Period = "month", console: Console | None = None
) -> list[Table]:
    """The monthly (or quarterly, yearly) table in groups of columns, without the columns
    `shows` leaves out (a group left with none is not shown).

    Headers are the column names of the CSV and JSON. Where a group would not fit the console
    they break after an underscore (committed_ / fees) rather than in the middle of a word;
    where it still would not fit, the group goes on in a second table.
    """
    header, rows = result.table(by)
    # a re-forecast's basis (actual, forecast, mixed) is text: it goes beside the period in
    # every table, never measured or formatted as a figure
    leading = [header[0], *(name for name in header[1:2] if name == "basis")]
    if len(leading) > 1:
        basis = [row[1] for row in rows]
        header = [header[0], *header[2:]]
        rows = [[row[0], *row[2:]] for row in rows]
    first = header[0]
    visible = set(shown_columns(header, rows))
    currency = result.scenario.currency
    # Each column is one cell of one row, its periods' figures a line each: Rich lays out the
    # same text as with a row per period, without measuring and rendering every figure as a
    # cell of its own (most of the time `project` took).
    columns = {
        name: [format_figure(name, row[index], currency) for row in rows]
        for index, name in enumerate(header)
        if index > 0
    }
    columns[first] = [row[0] for row in rows]
    if len(leading) > 1:
        columns["basis"] = basis
    if "queue_wait_seconds" in columns:
        columns["queue_wait_seconds"] = saturated_waits(header, rows, columns)

    cell = {name: FigureLines(lines) for name, lines in columns.items()}

    def heading(name: str, narrow: bool) -> str:
        return name.replace("_", "_\n") if narrow else name

    def table(title: str, names: Sequence[str], narrow: bool) -> Table:
        table = Table(title=title, show_lines=False, header_style="bold")
        for name in leading:
            table.add_column(name, no_wrap=True)
        for name in names:
            table.add_column(heading(name, narrow), justify="right", no_wrap=True)
        table.add_row(*(cell[name] for name in leading), *(cell[name] for name in names))
        return table

    def fit(names: Sequence[str], narrow: bool) -> bool:
        if console is None:
            return True
        # the natural width of `table(title, names, narrow)` (a title never widens it)
        headers = [*leading, *(heading(name, narrow) for name in names)]
        return grid_width(headers, [cell[n].width for n in (*leading, *names)]) <= console.width

    tables = []
    for title, group in TABLE_GROUPS:
        names = [name for name in group if name in visible]
        if not names:
            continue
        if fit(names, narrow=False):
            tables.append(table(title, names, narrow=False))
            continue
        # narrow headers, and the group in as few tables of even size as fit
        for count in range(1, len(names) + 1):
            parts = split_evenly(names, count)
            if all(fit(part, narrow=True) for part in parts):
                break
        for index, part in enumerate(parts):
            label = f"{title} ({index + 1} of {len(parts)})" if len(parts) > 1 else title
            tables.append(table(label, part, narrow=True))
    return tables


class FigureLines:
    """A column's figures, one a line, as one cell: what `Text("\n".join(lines))` shows in a
    column that does not wrap, drawn without Text's wrapping and justifying of every line
    (most of the time `project` spent printing its tables). Only where the column is too
    narrow for its widest line does it draw as that Text, which crops."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        self.widths = [cell_len(line) for line in self.lines]
        self.width = max(self.widths, default=0)

    def text(self) -> Text:
        return Text("\n".join(self.lines))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width, self.width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if self.width > width or options.justify not in ("left", "right", None):
            yield self.text()
            return
        right = options.justify == "right"
        new_line = Segment.line()
        for line, used in zip(self.lines, self.widths, strict=True):
            pad = " " * (width - used)
            yield Segment(pad + line if right else line + pad)
            yield new_line


def print_projection(console: Console, result: Projection, by: Period = "month") -> None:
    for line in header_lines(result):
        print_prose(console, line, style="bold")
    for table in monthly_tables(result, by, console):
        console.print(table)
    console.print(summary_panel(result))
