"""Output of the what-if commands: Rich tables for people, CSV/JSON/Markdown for machines.

Machine formats carry unrounded figures; tables round for display only. Every output states the
overrides applied: in the terminal header, as `overrides` in JSON, and on stderr for CSV and
Markdown (a comment line would break CSV readers).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from commitcast.core.display import (
    currency_symbol,
    currency_unit,
    format_figure,
    format_money,
    format_percent,
    format_points,
    format_tokens,
    undefined,
)
from commitcast.core.measures import MONTHLY, SUMMARY, unit_of
from commitcast.render.tables import csv_rows, markdown_list, markdown_table, to_json
from commitcast.render.terminal import (
    KEEP,
    break_label,
    figure_table,
    fit_first_column,
    fits,
    phrase,
    print_prose,
    shows,
    split_evenly,
)

if TYPE_CHECKING:
    from commitcast.analysis.bridge import Bridge
    from commitcast.analysis.compare import Comparison, Delta, MetricTable
    from commitcast.analysis.exit import ExitAnalysis
    from commitcast.analysis.sensitivity import Grid, Tornado
    from commitcast.analysis.solve import Solution
    from commitcast.engine.projection import Projection
    from commitcast.model.scenario import Scenario
    from commitcast.variants.inputs import Input

RATIOS = {m.name for m in (*MONTHLY, *SUMMARY) if m.unit == "ratio"}
BAR_HALF = 8  # characters each side of the tornado's axis (fewer on a narrow terminal)


def _num(value: float | str | None) -> float | str | None:
    """None for undefined figures (JSON null, empty CSV cell); month labels stay text."""
    if undefined(value):
        return None
    if isinstance(value, str):
        return value
    return float(value)


def scenario_info(scenario: Scenario) -> dict[str, Any]:
    source = scenario.provenance
    return {
        "name": scenario.name,
        "currency": scenario.currency,
        "file": source.file,
        "overrides": list(scenario.provenance.overrides),
    }


def overrides_line(scenarios: Sequence[Scenario]) -> str | None:
    applied: list[str] = []
    for scenario in scenarios:
        applied += [o for o in scenario.provenance.overrides if o not in applied]
    return "overrides: " + ", ".join(applied) if applied else None


def _header(
    console: Console, title: str, scenarios: Sequence[Scenario], lettered: bool = False
) -> None:
    print_prose(console, title, style="bold")
    for line in legend(scenarios) if lettered else []:
        print_prose(console, line, indent="    ")
    print_prose(console, overrides_line(scenarios) or "overrides: none")


def note_overrides(console: Console, scenarios: Sequence[Scenario]) -> None:
    """For CSV and Markdown on stdout: the overrides go to stderr."""
    line = overrides_line(scenarios)
    if line:
        console.print(Text(line), soft_wrap=True)


def format_change(figure: str, amount: float | None, currency: str, decimals: int = 1) -> str:
    """A difference in `figure`: a ratio's in percentage points (+1.2pt), money as money, any
    other unit as the figure itself is shown (seconds, a count of months, tokens)."""
    if undefined(amount):
        return ""
    if figure in RATIOS:
        return format_points(amount, decimals, sign=True)
    if unit_of(figure) == "money":
        return format_money(amount, currency)
    return format_figure(figure, amount, currency)


def _delta_cells(figure: str, item: Delta, currency: str) -> list[str]:
    if item.amount is None:
        return ["", ""]
    amount = format_change(figure, item.amount, currency)
    return [amount, format_percent(item.percent) if item.percent is not None else ""]


# ---- compare -------------------------------------------------------------------------------


def letters(count: int) -> list[str]:
    """Column labels A, B, C... (scenario names are too long for a column heading)."""
    return [chr(ord("A") + i) if i < 26 else f"S{i + 1}" for i in range(count)]


def legend(scenarios: Sequence[Scenario]) -> list[str]:
    lines = []
    for label, scenario in zip(letters(len(scenarios)), scenarios, strict=True):
        where = f" ({scenario.provenance.file})" if scenario.provenance.file else ""
        role = "  [base]" if label == "A" else ""
        lines.append(f"{label} = {scenario.name}{where}{role}")
    return lines


def _delta_header(first: str, count: int) -> list[str]:
    """first, A, then B, Δ B, Δ% B for each scenario after the base."""
    names = letters(count)
    header = [first, names[0]]
    for name in names[1:]:
        header += [name, f"Δ {name}", f"Δ% {name}"]
    return header


def _delta_row(
    label: str, figure: str, values: Sequence[Any], deltas: Sequence[Delta], currency: str
) -> list[str]:
    """The cells under `_delta_header`: the base's value, then each value with its deltas."""
    row = [label, format_figure(figure, values[0], currency)]
    for value, item in zip(values[1:], deltas, strict=True):
        row += [format_figure(figure, value, currency)]
        row += _delta_cells(figure, item, currency)
    return row


def _delta_table(header: list[str], rows: list[list[str]], compact: bool = False) -> Table:
    table = figure_table() if compact else Table(header_style="bold")
    for index, name in enumerate(header):
        table.add_column(name, justify="left" if index == 0 else "right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def print_delta_tables(console: Console, header: list[str], rows: list[list[str]]) -> None:
    """compare's and --metric's table (the label, A, then X, Δ X, Δ% X for each other
    scenario) at the console's width, every figure whole. Where it does not fit: fewer
    scenarios to a table (each table with the base, A); then, one scenario to a table, a
    label broken after underscores onto a second line, a lighter frame, labels on more lines."""
    others = (len(header) - 2) // 3
    labels = [header[0], *(row[0] for row in rows)]

    def build(group: Sequence[int], width: int | None, compact: bool = False) -> Table:
        keep = [0, 1, *(2 + 3 * other + k for other in group for k in range(3))]

        def label(text: str) -> str:
            return text if width is None else break_label(text, width)

        return _delta_table(
            [label(header[0]), *(header[i] for i in keep[1:])],
            [[label(row[0]), *(row[i] for i in keep[1:])] for row in rows],
            compact,
        )

    def whole(group: Sequence[int], compact: bool = False) -> Table | None:
        table = build(group, None, compact)
        return table if fits(console, [table]) else None

    for count in range(1, others + 1):
        tables = [whole(group) for group in split_evenly(range(others), count)]
        if all(tables):
            break
    else:
        singles = [[other] for other in range(others)]
        layouts: list[Callable[[list[int]], Table | None]] = [
            lambda g: fit_first_column(console, lambda w: build(g, w), labels, 10, max_lines=2),
            lambda g: whole(g, compact=True),
            lambda g: fit_first_column(console, lambda w: build(g, w, True), labels, 6),
        ]
        for layout in layouts:
            tables = [layout(group) for group in singles]
            if all(tables):
                break
        else:
            tables = [build(group, None, compact=True) for group in singles]
    for table in tables:
        console.print(table)


def compare_cells(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    header = _delta_header("figure", len(comparison.names))
    rows = [
        _delta_row(
            figure,
            figure,
            comparison.values[figure],
            comparison.deltas[figure],
            comparison.currency,
        )
        for figure in comparison.figures
    ]
    return header, rows


def print_compare(console: Console, comparison: Comparison) -> None:
    scenarios = [p.scenario for p in comparison.projections]
    _header(console, f"compare ({comparison.currency})", scenarios, lettered=True)
    header, rows = compare_cells(comparison)
    # the terminal leaves out a figure no scenario has (render/terminal.py: shows)
    rows = [
        row
        for figure, row in zip(comparison.figures, rows, strict=True)
        if shows(figure, comparison.values[figure])
    ]
    print_delta_tables(console, header, rows)


def compare_records(comparison: Comparison) -> list[dict[str, Any]]:
    records = []
    for figure in comparison.figures:
        values = comparison.values[figure]
        for index, name in enumerate(comparison.names):
            item = comparison.deltas[figure][index - 1] if index else None
            records.append(
                {
                    "figure": figure,
                    "scenario": name,
                    "value": _num(values[index]),
                    "delta": _num(item.amount) if item else None,
                    "delta_pct": _num(item.percent) if item else None,
                }
            )
    return records


def compare_csv(comparison: Comparison) -> str:
    records = compare_records(comparison)
    header = ["figure", "scenario", "value", "delta", "delta_pct"]
    return csv_rows(header, [[r[h] for h in header] for r in records])


def compare_json(comparison: Comparison) -> str:
    scenarios = [p.scenario for p in comparison.projections]
    return to_json(
        {
            "base": comparison.names[0],
            "currency": comparison.currency,
            "scenarios": [scenario_info(s) for s in scenarios],
            "overrides": _all_overrides(scenarios),
            "figures": compare_records(comparison),
        }
    )


def compare_markdown(comparison: Comparison) -> str:
    return _markdown_with_legend(comparison.projections, *compare_cells(comparison))


def _markdown_with_legend(
    projections: Sequence[Projection], header: Sequence[str], rows: Sequence[Sequence[str]]
) -> str:
    scenarios = [p.scenario for p in projections]
    return markdown_list(legend(scenarios)) + "\n" + markdown_table(header, rows)


def _all_overrides(scenarios: Sequence[Scenario]) -> list[str]:
    applied: list[str] = []
    for scenario in scenarios:
        applied += [o for o in scenario.provenance.overrides if o not in applied]
    return applied


# ---- one metric over time ------------------------------------------------------------------


def metric_cells(table: MetricTable) -> tuple[list[str], list[list[str]]]:
    currency = table.projections[0].scenario.currency
    header = _delta_header(table.by, len(table.projections))
    rows = [
        _delta_row(period, table.metric, values, deltas, currency)
        for period, values, deltas in zip(table.periods, table.values, table.deltas, strict=True)
    ]
    return header, rows


def print_metric(console: Console, table: MetricTable) -> None:
    scenarios = [p.scenario for p in table.projections]
    _header(console, f"{table.metric} by {table.by}", scenarios, lettered=True)
    print_delta_tables(console, *metric_cells(table))


def metric_records(table: MetricTable) -> list[dict[str, Any]]:
    names = [p.scenario.name for p in table.projections]
    records = []
    for period, values, deltas in zip(table.periods, table.values, table.deltas, strict=True):
        for index, name in enumerate(names):
            item = deltas[index - 1] if index else None
            records.append(
                {
                    "period": period,
                    "scenario": name,
                    table.metric: _num(values[index]),
                    "delta": _num(item.amount) if item else None,
                    "delta_pct": _num(item.percent) if item else None,
                }
            )
    return records


def metric_csv(table: MetricTable) -> str:
    header = ["period", "scenario", table.metric, "delta", "delta_pct"]
    return csv_rows(header, [[r[h] for h in header] for r in metric_records(table)])


def metric_json(table: MetricTable) -> str:
    scenarios = [p.scenario for p in table.projections]
    return to_json(
        {
            "metric": table.metric,
            "by": table.by,
            "scenarios": [scenario_info(s) for s in scenarios],
            "overrides": _all_overrides(scenarios),
            "rows": metric_records(table),
        }
    )


def metric_markdown(table: MetricTable) -> str:
    return _markdown_with_legend(table.projections, *metric_cells(table))


# ---- bridge --------------------------------------------------------------------------------

GROUP_FIELDS = {
    "contracts": "every contract field but payment, prepayment and termination.notice_given",
    "demand": "revenue[*].tokens_per_month, growth",
    "prices": "revenue[*].price_per_million_tokens, price_change, revenue_per_month",
    "costs": "costs.training_share, serving_cost_per_million_tokens, overflow",
    "operations": "training_runs, serving (queue latency), benchmarks",
    "fx": "fx.*.rate, change",
    "timing": "contracts[*].payment (timing, every_months), prepayment, "
    "termination.notice_given, costs.collection_lag_months, discount_rate",
}


def bridge_fields(bridge: Bridge) -> dict[str, str]:
    """What each step of `bridge` moves: a scenario bridge's groups of inputs, or the steps
    from a plan to its re-forecast (analysis.reforecast)."""
    from commitcast.analysis.reforecast import STEP_FIELDS, STEPS

    groups = [step.group for step in bridge.steps]
    if groups == list(STEPS):
        return STEP_FIELDS
    return {group: fields for group, fields in GROUP_FIELDS.items() if group in groups}


def bridge_cells(bridge: Bridge) -> tuple[list[str], list[list[str]]]:
    currency = bridge.base.currency

    def change(value: float) -> str:
        return format_change(bridge.figure, value, currency, 2)

    rows = [["A (base)", format_figure(bridge.figure, bridge.start, currency), ""]]
    for step in bridge.steps:
        rows.append(
            [
                f"+ {step.group}",
                format_figure(bridge.figure, step.after, currency),
                change(step.contribution),
            ]
        )
    rows.append(
        ["B (total)", format_figure(bridge.figure, bridge.end, currency), change(bridge.total)]
    )
    return ["step", bridge.figure, "contribution"], rows


def print_bridge(console: Console, bridge: Bridge) -> None:
    _header(console, f"bridge of {bridge.figure} from A to B", [bridge.base, bridge.other], True)
    header, rows = bridge_cells(bridge)
    table = Table(header_style="bold")
    table.add_column(header[0], no_wrap=True)
    table.add_column(header[1], justify="right", no_wrap=True)
    table.add_column(header[2], justify="right", no_wrap=True)
    for index, row in enumerate(rows):
        table.add_row(*row, end_section=index in (0, len(rows) - 2))
    console.print(table)
    for group, fields in bridge_fields(bridge).items():
        print_prose(console, f"{group}: {fields}")
    for note in bridge.notes:
        print_prose(console, "note: " + note)


def bridge_records(bridge: Bridge) -> list[dict[str, Any]]:
    fields = bridge_fields(bridge)
    return [
        {
            "step": index + 1,
            "group": step.group,
            "inputs": fields[step.group],
            "before": _num(step.before),
            "after": _num(step.after),
            "contribution": _num(step.contribution),
        }
        for index, step in enumerate(bridge.steps)
    ]


def bridge_csv(bridge: Bridge) -> str:
    header = ["step", "group", "inputs", "before", "after", "contribution"]
    return csv_rows(header, [[r[h] for h in header] for r in bridge_records(bridge)])


def bridge_json(bridge: Bridge) -> str:
    return to_json(
        {
            "figure": bridge.figure,
            "base": scenario_info(bridge.base),
            "other": scenario_info(bridge.other),
            "overrides": _all_overrides([bridge.base, bridge.other]),
            "start": _num(bridge.start),
            "end": _num(bridge.end),
            "total": _num(bridge.total),
            "steps": bridge_records(bridge),
            "notes": bridge.notes,
        }
    )


def bridge_markdown(bridge: Bridge) -> str:
    header, rows = bridge_cells(bridge)
    fields = bridge_fields(bridge).items()
    lines = legend([bridge.base, bridge.other]) + [f"{g}: {f}" for g, f in fields]
    return markdown_list(lines) + "\n" + markdown_table(header, rows)


# ---- sensitivity ---------------------------------------------------------------------------


def _bar(low: float, high: float, base: float, scale: float, half: int = BAR_HALF) -> str:
    """Two-sided bar: '█' left of the axis for the part below the base, right for above."""
    if scale <= 0 or any(math.isnan(v) for v in (low, high, base)):
        return " " * half + "│" + " " * half
    down = max(0.0, base - min(low, high))
    up = max(0.0, max(low, high) - base)
    left = min(half, round(down / scale * half))
    right = min(half, round(up / scale * half))
    return " " * (half - left) + "█" * left + "│" + "█" * right + " " * (half - right)


SHORT_FIELDS = {
    "monthly_fee": "fee",
    "capacity.tokens_per_month": "capacity",
    "tokens_per_month": "tokens",
    "growth": "growth",
    "price_per_million_tokens": "price",
    "price_change": "price change",
    "revenue_per_month": "flat revenue",
    "escalator.rate": "escalator",
    "termination.fee": "termination fee",
    "termination.notice_given": "notice date",
    "capacity.gpus": "GPUs",
    "capacity.tokens_per_gpu_second": "tokens per GPU-second",
    "uptime": "uptime",
    "sla.cap": "SLA credit cap",
    "minimum.amount": "minimum",
    "minimum.every_months": "minimum period",
    "max_tokens_per_month": "monthly limit",
    "prepayment.amount": "prepayment",
    "payment.every_months": "billing period",
}
RATE_FIELDS = (
    "growth",
    "price_change",
    "share",
    "escalator.rate",
    "discount_rate",
    "fraction",
    "uptime",
    "sla.cap",
    ".below",
    ".credit",
)
SECONDS_FIELDS = ("request_seconds", "wait_target_seconds")


def driver_label(scenario: Scenario, item: Input) -> str:
    """A short label for a table: 'API price', 'Colossus reservation fee'."""
    key = item.key
    for group in ("contracts", "revenue", "training_runs"):
        prefix = f"{group}["
        if key.startswith(prefix):
            index = int(key[len(prefix) : key.index("]")])
            field = key[key.index("]") + 2 :]
            name = getattr(scenario, group)[index].name
            return f"{name} {SHORT_FIELDS.get(field, field)}"
    if key.startswith("fx."):
        # fx.EUR.rate -> 'EUR rate ($ per €)'; fx.EUR.change -> 'EUR rate change'
        code, _, field = key[len("fx.") :].partition(".")
        if field == "rate":
            unit = f"{currency_unit(scenario.currency)} per {currency_unit(code)}"
            return f"{code} rate ({unit})"
        return f"{code} rate change"
    short = {
        "costs.serving_cost_per_million_tokens": "serving cost",
        "costs.overflow.cost_per_million_tokens": "on-demand cost",
        "costs.training_share": "training share",
        "serving.request_seconds": "request time",
        "serving.slots_per_gpu": "slots per GPU",
        "serving.pools": "serving pools",
        "serving.peak_to_average": "peak to average",
        "serving.arrival_cv": "arrival variability",
        "serving.service_cv": "request-time variability",
        "serving.wait_target_seconds": "queue wait target",
        "benchmarks.market_price_per_gpu_hour": "market GPU-hour price",
    }
    return short.get(key, key)


def input_currency(scenario: Scenario, item: Input) -> str:
    """The currency an input's amounts are in: its contract's or stream's, else the
    scenario's (an fx rate is in the scenario's currency per unit of the other)."""
    for group in ("contracts", "revenue"):
        prefix = f"{group}["
        if item.key.startswith(prefix):
            index = int(item.key[len(prefix) : item.key.index("]")])
            return scenario.currency_of(getattr(scenario, group)[index])
    return scenario.currency


def input_value(item: Input, value: float, currency: str) -> str:
    """An input value for a table: money, tokens, percent, date or number; `currency` is the
    input's own (input_currency)."""
    key = item.key
    if key.endswith("every_months"):
        return f"{value:.0f} months" if value != 1 else "1 month"
    if item.is_date or item.is_discrete:
        return item.show(value)
    if key.startswith("fx."):
        # a rate's unit is in its label ('EUR rate ($ per €)'); its change is a percentage
        return f"{value:.4g}" if key.endswith(".rate") else f"{value * 100:.4g}%"
    if key.endswith("tokens_per_month"):
        return format_tokens(value)
    if key.endswith(("per_million_tokens", "per_gpu_hour")):
        symbol = currency_symbol(currency)
        return f"{symbol}{value:,.4g}" if value >= 0 else f"-{symbol}{-value:,.4g}"
    if key.endswith(RATE_FIELDS):
        return f"{value * 100:.4g}%"
    if key.endswith(SECONDS_FIELDS):
        return f"{value:.4g} s"
    if key.endswith("capacity.gpus"):
        return f"{value:,.0f}"
    if key.endswith(("monthly_fee", "revenue_per_month", ".fee", ".amount")):
        return format_money(value, currency)
    return f"{value:.6g}"


def print_tornado(console: Console, tornado: Tornado) -> None:
    currency = tornado.scenario.currency
    metric = tornado.metric
    base = format_figure(metric, tornado.base, currency)
    _header(
        console,
        f"sensitivity of {metric} ({tornado.scenario.name}): base {base}",
        [tornado.scenario],
    )
    scale = max(
        [
            max(abs(d.at_low - tornado.base), abs(d.at_high - tornado.base))
            for d in tornado.drivers
            if not math.isnan(d.swing)
        ]
        or [0.0]
    )
    rows = [
        [
            driver_label(tornado.scenario, d.input),
            input_value(d.input, d.low, input_currency(tornado.scenario, d.input)),
            input_value(d.input, d.high, input_currency(tornado.scenario, d.input)),
            format_figure(metric, d.at_low, currency),
            format_figure(metric, d.at_high, currency),
            _swing(metric, d.swing, currency),
        ]
        for d in tornado.drivers
    ]
    # the figure's name above "at low" may break after underscores, to the figures' width
    figures = max([7, *(len(cell) for row in rows for cell in row[3:5])])
    labels = ["driver", *(row[0] for row in rows)]

    def build(half: int, name: str, width: int | None, columns: Sequence[int] = ()) -> Table:
        table = figure_table()
        heads = ("driver", "low", "high", f"{name}\nat low", f"{name}\nat high", "swing")
        keep = [0, *(columns or range(1, len(heads)))]
        for index in keep:
            head = heads[index] if index or width is None else break_label(heads[0], width)
            table.add_column(head, justify="right" if index else "left", no_wrap=True)
        if half:
            # left-justified, the axis under the header's: centring a bar Rich first strips
            # of its trailing spaces moved the axis a column (or three) from row to row
            below, above = ("below", "above") if half >= 6 else ("-", "+")
            axis = " " * (half - len(below) - 1) + f"{below} │ {above}"
            table.add_column(axis, no_wrap=True, justify="left")
        for row, d in zip(rows, tornado.drivers, strict=True):
            cells = [row[0] if width is None else break_label(row[0], width)]
            cells += [row[index] for index in keep[1:]]
            cells += [_bar(d.at_low, d.at_high, tornado.base, scale, half)] if half else []
            table.add_row(*cells)
        return table

    def one(half: int, name: str, minimum: int, lines: int | None) -> list[Table] | None:
        table = fit_first_column(
            console, lambda width: build(half, name, width), labels, minimum, lines
        )
        return [table] if table else None

    def stacked(half: int) -> list[Table] | None:
        """The inputs' range in one table, the figure at each end and the bar in another."""
        tables = [
            fit_first_column(console, lambda width: build(0, short, width, (1, 2)), labels, 10),
            fit_first_column(
                console, lambda width: build(half, short, width, (3, 4, 5)), labels, 10
            ),
        ]
        return tables if all(tables) else None  # type: ignore[return-value]

    # narrower: the figure's name broken, driver names on two lines, a shorter bar, driver
    # names on more lines, the inputs' range in a table of its own
    short = break_label(metric, figures)
    layouts = [
        lambda: one(BAR_HALF, metric, 20, 2),
        lambda: one(BAR_HALF, short, 20, 2),
        lambda: one(6, short, 20, 2),
        lambda: one(4, short, 16, 2),
        lambda: one(4, short, 12, None),
        lambda: stacked(4),
        lambda: stacked(0),
    ]
    for layout in layouts:
        tables = layout()
        if tables is not None:
            break
    else:
        tables = [build(0, short, 10, (1, 2)), build(0, short, 10, (3, 4, 5))]
    for table in tables:
        console.print(table)
    for note in tornado.notes:
        print_prose(console, "note: " + note)


def _swing(metric: str, value: float, currency: str) -> str:
    if metric in RATIOS:
        return "" if undefined(value) else format_points(value)
    return format_figure(metric, value, currency)


def _raw(item: Input, value: float) -> Any:
    """An input value for CSV/JSON: a number, or a date/choice as written in a file."""
    if item.is_date or item.key.endswith(("payment.timing", "overflow.policy")):
        return item.show(value)
    return float(value)


def tornado_records(tornado: Tornado) -> list[dict[str, Any]]:
    return [
        {
            "driver": d.input.path,
            "key": d.input.key,
            "base": _raw(d.input, d.input.base),
            "low": _raw(d.input, d.low),
            "high": _raw(d.input, d.high),
            "at_low": _num(d.at_low),
            "at_high": _num(d.at_high),
            "swing": _num(d.swing),
        }
        for d in tornado.drivers
    ]


def tornado_csv(tornado: Tornado) -> str:
    header = ["driver", "key", "base", "low", "high", "at_low", "at_high", "swing"]
    return csv_rows(header, [[r[h] for h in header] for r in tornado_records(tornado)])


def tornado_json(tornado: Tornado) -> str:
    return to_json(
        {
            "scenario": scenario_info(tornado.scenario),
            "overrides": list(tornado.scenario.provenance.overrides),
            "metric": tornado.metric,
            "base": _num(tornado.base),
            "drivers": tornado_records(tornado),
            "notes": tornado.notes,
        }
    )


def print_grid(console: Console, grid: Grid) -> None:
    currency = grid.scenario.currency
    base = format_figure(grid.metric, grid.base, currency)
    _header(console, f"{grid.metric} ({grid.scenario.name}): base {base}", [grid.scenario])
    rows_in = input_currency(grid.scenario, grid.rows)
    rows = [input_value(grid.rows, value, rows_in) for value in grid.row_values]
    if grid.columns is None:
        corner = grid.rows.path
        heads = [grid.metric]
        cells = [[format_figure(grid.metric, row[0], currency)] for row in grid.table]
    else:
        corner = f"{grid.rows.path} \\ {grid.columns.path}"
        columns_in = input_currency(grid.scenario, grid.columns)
        heads = [input_value(grid.columns, value, columns_in) for value in grid.column_values]
        cells = [[format_figure(grid.metric, v, currency) for v in row] for row in grid.table]

    def build(columns: Sequence[int], width: int | None) -> Table:
        table = Table(header_style="bold")
        table.add_column(corner if width is None else break_label(corner, width), no_wrap=True)
        for index in columns:
            table.add_column(heads[index], justify="right", no_wrap=True)
        for label, row in zip(rows, cells, strict=True):
            table.add_row(label, *(row[index] for index in columns))
        return table

    # where the columns do not fit, the corner's paths break after a dot or an underscore;
    # then the columns go on in a second table
    labels = [corner, *rows]
    for count in range(1, len(heads) + 1):
        tables = [
            fit_first_column(console, lambda width, c=part: build(c, width), labels, 12)
            for part in split_evenly(range(len(heads)), count)
        ]
        if all(tables):
            break
    else:
        tables = [build([index], 12) for index in range(len(heads))]
    for table in tables:
        console.print(table)


def grid_records(grid: Grid) -> list[dict[str, Any]]:
    records = []
    for i, row_value in enumerate(grid.row_values):
        columns = grid.column_values or [None]
        for j, column_value in enumerate(columns):
            record = {grid.rows.path: _raw(grid.rows, row_value)}
            if grid.columns is not None and column_value is not None:
                record[grid.columns.path] = _raw(grid.columns, column_value)
            record[grid.metric] = _num(float(grid.table[i, j]))
            records.append(record)
    return records


def grid_csv(grid: Grid) -> str:
    records = grid_records(grid)
    header = list(records[0])
    return csv_rows(header, [[r[h] for h in header] for r in records])


def grid_json(grid: Grid) -> str:
    return to_json(
        {
            "scenario": scenario_info(grid.scenario),
            "overrides": list(grid.scenario.provenance.overrides),
            "metric": grid.metric,
            "base": _num(grid.base),
            "rows": grid.rows.path,
            "columns": grid.columns.path if grid.columns else None,
            "cells": grid_records(grid),
        }
    )


# ---- solve ---------------------------------------------------------------------------------


def _figure(name: str, value: float, currency: str) -> str:
    if name in RATIOS:
        return f"{value * 100:.4f}%"
    if unit_of(name) == "money":
        return format_money(value, currency)
    return format_figure(name, value, currency)


def print_solution(console: Console, solution: Solution) -> None:
    currency = solution.scenario.currency
    _header(console, f"solve ({solution.scenario.name})", [solution.scenario])
    target = _figure(solution.figure, solution.target, currency)
    # on a narrow terminal "name = value" and each --set with its value stay on one line
    lines = [
        f"{solution.path}{KEEP}={KEEP}{solution.shown}  makes "
        f"{solution.figure}{KEEP}={KEEP}{target}"
    ]
    if "average_utilization" in solution.extra:
        utilization = solution.extra["average_utilization"]
        lines.insert(0, f"break-even average utilization: {utilization * 100:.2f}%")
    sets = " ".join(f"--set{KEEP}{item}" for item in solution.sets)
    lines += [
        f"checked by projecting with {sets}:",
        f"  {solution.figure} = {_figure(solution.figure, solution.achieved, currency)} "
        f"(off by {solution.residual:.3g})",
        f"searched {solution.path} over [{_show_x(solution, solution.search[0])}, "
        f"{_show_x(solution, solution.search[1])}]; "
        + phrase(
            f"{solution.figure} ranged {_figure(solution.figure, solution.seen[0], currency)} "
            f"to {_figure(solution.figure, solution.seen[1], currency)}"
        ),
    ]
    if solution.crossings > 1:
        lines.append(
            f"note: the figure crosses the target {solution.crossings} times in that range; "
            "this is the lowest value (narrow --range for another)"
        )
    for line in lines:
        # the --set items go on under the line, beyond the indented result that follows
        print_prose(console, line, indent="    " if line.startswith("checked") else "  ")


def _show_x(solution: Solution, value: float) -> str:
    return f"{value:.6g}" if "x scale" in solution.path else f"{value:.6g}"


def solution_record(solution: Solution) -> dict[str, Any]:
    record: dict[str, Any] = {
        "vary": solution.path,
        "value": solution.value,
        "figure": solution.figure,
        "target": solution.target,
        "achieved": _num(solution.achieved),
        "residual": _num(solution.residual),
        "search_low": solution.search[0],
        "search_high": solution.search[1],
        "figure_low": _num(solution.seen[0]),
        "figure_high": _num(solution.seen[1]),
        "crossings": solution.crossings,
    }
    for key, value in solution.extra.items():
        record[key] = _num(value)
    return record


def solution_csv(solution: Solution) -> str:
    record = solution_record(solution)
    return csv_rows(list(record), [list(record.values())])


def solution_json(solution: Solution) -> str:
    return to_json(
        {
            "scenario": scenario_info(solution.scenario),
            "overrides": list(solution.scenario.provenance.overrides),
            "solution": solution_record(solution),
            "check": {"set": solution.sets},
        }
    )


# ---- exit ----------------------------------------------------------------------------------


def exit_records(analysis: ExitAnalysis) -> list[dict[str, Any]]:
    records = []
    base_npv = analysis.no_notice.npv
    last_row = None
    if analysis.last_notice is not None:
        eligible = [o.notice for o in analysis.options if o.notice <= analysis.last_notice]
        last_row = max(eligible) if eligible else None
    for index, option in enumerate([analysis.no_notice, *analysis.options]):
        marks = []
        if index and index - 1 == analysis.best:
            marks.append("best")
        if option.notice is not None and option.notice == last_row:
            marks.append("last")
        if option.notice is not None and not option.ends_early:
            marks.append("too late")
        records.append(
            {
                "notice": option.notice.isoformat() if option.notice else None,
                "last_service_day": option.last_service_day.isoformat(),
                "fees_avoided": option.fees_avoided,
                "exit_cost": option.exit_cost,
                "revenue_lost": option.revenue_lost,
                "npv": option.npv,
                "npv_change": option.npv - base_npv,
                "gross_margin": option.gross_margin,
                "peak_funding_need": option.peak_funding_need,
                "ends_early": option.ends_early,
                "mark": ", ".join(marks),
            }
        )
    return records


EXIT_COLUMNS = (
    ("notice\ngiven", "notice"),
    ("last day\nof service", "last_service_day"),
    ("fees\navoided", "fees_avoided"),
    ("exit\ncost", "exit_cost"),
    ("revenue\nlost", "revenue_lost"),
    ("\nNPV", "npv"),
    ("gross\nmargin", "gross_margin"),
    ("peak\nfunding", "peak_funding_need"),
    ("", "mark"),
)
# Where the table does not fit the terminal: what giving notice changes, then its outcome
# (with the marks in both tables, or on a narrower terminal only beside the NPV).
CHANGES = ("notice", "last_service_day", "fees_avoided", "exit_cost", "revenue_lost")
OUTCOME = ("notice", "npv", "gross_margin", "peak_funding_need", "mark")
EXIT_STACKED = (
    (("What ending early changes", (*CHANGES, "mark")), ("The outcome", OUTCOME)),
    (("What ending early changes", CHANGES), ("The outcome", OUTCOME)),
)


def print_exit(console: Console, analysis: ExitAnalysis) -> None:
    currency = analysis.scenario.currency
    contract = analysis.contract
    term = contract.termination
    assert term is not None
    money = lambda value: format_money(value, currency)  # noqa: E731
    # the terms in one piece: a narrow terminal breaks the line before them
    terms = phrase(
        f"{term.notice_days} days' notice, fee {money(term.fee)}, term ends {contract.end}"
    )
    _header(
        console,
        f"exit timing for {contract.name!r} ({analysis.scenario.name}): {terms}",
        [analysis.scenario],
    )
    rows = [
        {
            "notice": record["notice"] or "no notice",
            "last_service_day": record["last_service_day"],
            "mark": record["mark"],
            **{key: money(record[key]) for key in EXIT_MONEY},
        }
        for record in exit_records(analysis)
    ]

    def build(keys: Sequence[str], title: str | None = None) -> Table:
        table = figure_table(title)
        for head, key in EXIT_COLUMNS:
            if key in keys:
                left = key in ("notice", "mark")
                table.add_column(head, justify="left" if left else "right", no_wrap=True)
        for index, row in enumerate(rows):
            table.add_row(*(row[key] for key in keys), end_section=index == 0)
        return table

    tables = [build([key for _, key in EXIT_COLUMNS])]
    for layout in EXIT_STACKED:
        if fits(console, tables):
            break
        tables = [build(keys, title) for title, keys in layout]
    for table in tables:
        console.print(table)
    best = analysis.best_option
    if best is not None:
        gain = best.npv - analysis.no_notice.npv
        verdict = "above" if gain > 0 else "below"
        print_prose(
            console,
            # broken, where it must be, between its phrases
            phrase(f"best: notice on {best.notice} (service ends {best.last_service_day}):")
            + " "
            + phrase(f"NPV {money(best.npv)},")
            + " "
            + phrase(f"{money(abs(gain))} {verdict} running the full term")
            + ("" if gain > 0 else " " + phrase("- running the term is better")),
        )
    if analysis.last_notice is not None:
        print_prose(
            console,
            f"last date to give notice that ends service early: {analysis.last_notice} "
            + phrase(f"({term.notice_days} days before the term's end, {contract.end})"),
        )
    for note in analysis.notes:
        print_prose(console, "note: " + note)


EXIT_MONEY = (
    "fees_avoided",
    "exit_cost",
    "revenue_lost",
    "npv",
    "gross_margin",
    "peak_funding_need",
)


def exit_csv(analysis: ExitAnalysis) -> str:
    records = exit_records(analysis)
    header = list(records[0])
    return csv_rows(header, [[r[h] for h in header] for r in records])


def exit_json(analysis: ExitAnalysis) -> str:
    best = analysis.best_option
    return to_json(
        {
            "scenario": scenario_info(analysis.scenario),
            "overrides": list(analysis.scenario.provenance.overrides),
            "contract": analysis.contract.name,
            "best_notice": best.notice.isoformat() if best and best.notice else None,
            "best_beats_no_notice": analysis.exit_pays,
            "last_notice_date": analysis.last_notice.isoformat() if analysis.last_notice else None,
            "options": exit_records(analysis),
            "notes": analysis.notes,
        }
    )
