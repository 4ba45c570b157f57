"""Output of `commitcast variance`: a Rich table for people, CSV, JSON and Markdown.

Machine formats carry unrounded figures (report/variance.py); the tables round for display. A
table per period (then year to date and fiscal year to date): a row per figure with plan,
actual, variance, variance % and F (favourable) or U (unfavourable) by the figure's sense. The
variance is coloured by sense too, but the F/U column says the same without colour. Under each
stream's revenue, its split into volume, price and flat.
"""

from __future__ import annotations

import calendar
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from commitcast.analysis.variance import assess
from commitcast.core.display import (
    format_figure,
    format_money,
    format_percent,
    format_points,
    format_tokens,
)
from commitcast.render.tables import csv_rows, markdown_table, to_json
from commitcast.render.terminal import figure_table, fit_first_column, print_prose
from commitcast.report.variance import CSV_HEADER, spans, variance_dict, variance_rows

if TYPE_CHECKING:
    from commitcast.analysis.variance import (
        Comparison,
        FigureVariance,
        RevenueSplit,
        Variance,
    )

MARK = {"favourable": "F", "unfavourable": "U", "neutral": "", "on plan": ""}
STYLE = {"favourable": "green", "unfavourable": "red"}
RECOMPUTED = "*"
BY_TEXT = {
    "month": "by month",
    "quarter": "by calendar quarter",
    "year": "by calendar year",
    "fiscal-quarter": "by fiscal quarter",
    "fiscal-year": "by fiscal year",
}


def _value(unit: str, value: float | None, currency: str) -> str:
    if value is None:
        return ""
    if unit == "money":
        return format_money(value, currency)
    if unit == "tokens":
        return format_tokens(value)
    if unit == "ratio":
        return format_percent(value)
    return format_figure("", value, currency)


def _difference(unit: str, value: float, currency: str) -> str:
    if unit == "ratio":
        return format_points(value, sign=True)
    text = _value(unit, value, currency)
    return f"+{text}" if value > 0 and unit == "tokens" else text


def _price(value: float | None, currency: str) -> str:
    return "" if value is None else format_money(value, currency)


def _label(f: FigureVariance) -> str:
    return f.label + (RECOMPUTED if f.kind == "recomputed" else "")


def _zero(f: FigureVariance) -> bool:
    """A figure 0 in plan and actual in every period (overflow without an on-demand policy):
    left out of the terminal and Markdown tables, kept in CSV and JSON."""
    every = [*f.periods, f.ytd, f.fytd]
    return all(c is None or (c.plan == 0 and c.actual == 0) for c in every)


def _span_of(result: Variance, index: int) -> tuple[str, list[tuple[FigureVariance, Comparison]]]:
    count = len(result.periods)
    rows = []
    for f in result.figures:
        if _zero(f):
            continue
        c = f.periods[index] if index < count else (f.ytd if index == count else f.fytd)
        if c is not None:
            rows.append((f, c))
    return spans(result)[index], rows


def _split_of(result: Variance, index: int) -> dict[str, RevenueSplit]:
    count = len(result.periods)
    out = {}
    for s in result.splits:
        x = s.periods[index] if index < count else (s.ytd if index == count else s.fytd)
        if x is not None:
            out[s.name] = x
    return out


def _split_lines(s: RevenueSplit, currency: str, flat_shown: bool) -> list[tuple[str, ...]]:
    """(label, plan, actual, variance, assessment) for a stream's split rows."""
    lines = []
    if s.plan_price is not None or s.actual_price is not None:
        change = s.price_change
        lines.append(
            (
                "  price per M tokens",
                _price(s.plan_price, currency),
                _price(s.actual_price, currency),
                "" if change is None else format_money(change, currency),
                _assess(change),
            )
        )
        lines.append(
            ("  volume effect", "", "", format_money(s.volume, currency), _assess(s.volume))
        )
        lines.append(("  price effect", "", "", format_money(s.price, currency), _assess(s.price)))
    if flat_shown or s.flat:
        lines.append(("  flat revenue", "", "", format_money(s.flat, currency), _assess(s.flat)))
    return lines


def _assess(value: float | None) -> str:
    return "on plan" if value is None else assess(value, "higher", "money")


def _table(result: Variance, index: int, width: int | None) -> Table:
    from commitcast.render.terminal import break_label

    currency = result.currency
    _, rows = _span_of(result, index)
    splits = _split_of(result, index)
    flat_streams = {s.name for s in result.scenario.revenue if s.revenue_per_month}
    table = figure_table()
    for header in ("figure", "plan", "actual", "variance", "%", "F/U"):
        table.add_column(
            header,
            justify="left" if header == "figure" else "right",
            no_wrap=header != "figure" or width is None,
        )

    def add(label: str, plan: str, actual: str, change: str, pct: str, assessment: str) -> None:
        style = STYLE.get(assessment, "")
        table.add_row(
            label if width is None else break_label(label, width),
            plan,
            actual,
            Text(change, style=style),
            Text(pct, style=style),
            Text(MARK.get(assessment, ""), style=style),
        )

    for f, c in rows:
        pct = "" if c.variance_pct is None else format_percent(c.variance_pct)
        add(
            _label(f),
            _value(f.unit, c.plan, currency),
            _value(f.unit, c.actual, currency),
            _difference(f.unit, c.variance, currency),
            pct,
            c.assessment,
        )
        if f.item is not None and f.key.startswith("revenue.") and f.key.endswith(".revenue"):
            split = splits.get(f.item)
            if split is not None:
                for label, plan, actual, change, assessment in _split_lines(
                    split, currency, f.item in flat_streams
                ):
                    add(label, plan, actual, change, "", assessment)
    return table


def _labels(result: Variance) -> list[str]:
    labels = ["figure", "  price per M tokens", "  volume effect", "  flat revenue"]
    return labels + [_label(f) for f in result.figures]


def _heading(result: Variance, index: int) -> str:
    count = len(result.periods)
    label = spans(result)[index]
    if index < count:
        closed, months = result.closed_in[index], result.months_in[index]
        if result.by == "month":
            return label
        if closed == months:
            return f"{label} ({_months(closed)})"
        return f"{label} ({closed} of {_months(months)} closed)"
    months = result.ytd_months if index == count else result.fytd_months
    extent = f" ({_months(months)})"
    word = "year to date" if index == count else "fiscal year to date"
    return f"{label}: {word}{extent}"


def _months(count: int) -> str:
    return f"{count} month" + ("" if count == 1 else "s")


def shown_spans(result: Variance) -> list[int]:
    """The spans people see: the periods, year to date, and fiscal year to date unless it is
    the same months as year to date (a fiscal year starting in January)."""
    every = list(range(len(spans(result))))
    same = result.fytd_months == result.ytd_months and result.fytd_label[2:] == result.ytd_label
    return every[:-1] if same else every


def print_variance(console: Console, result: Variance) -> None:
    scenario, actuals = result.scenario, result.actuals
    first, last = actuals.months[0], actuals.months[-1]
    print_prose(
        console,
        f"variance: {scenario.name} ({scenario.currency}), plan against {actuals.closed} closed "
        f"months ({first:%b %Y} to {last:%b %Y}), {BY_TEXT[result.by]}",
        style="bold",
    )
    overrides = list(scenario.provenance.overrides)
    print_prose(
        console,
        f"actuals: {actuals.file or 'given'}; overrides: "
        + (", ".join(overrides) if overrides else "none"),
    )
    labels = _labels(result)
    for index in shown_spans(result):
        console.print()
        print_prose(console, _heading(result, index), style="bold")
        table = fit_first_column(
            console, lambda w, i=index: _table(result, i, w), labels, minimum=12
        )
        console.print(table if table is not None else _table(result, index, 12))
    start = calendar.month_name[scenario.fiscal_year_start_month]
    print_prose(
        console,
        "F favourable, U unfavourable: by the figure's sense (more revenue or cash is "
        "favourable, more cost is not; a neutral figure is neither). Ratios' variances in "
        f"points. {RECOMPUTED} recomputed from the month's figures, actual where given. "
        "Revenue variance = volume effect ((actual - plan tokens) x plan price) + price effect "
        "(actual tokens x (actual - plan price)) + flat revenue. Fiscal years start in "
        f"{start}, named by the year they end in"
        + (
            " (the fiscal year is the calendar year: year to date covers it)."
            if start == "January"
            else "."
        ),
    )


def variance_csv(result: Variance) -> str:
    return csv_rows(CSV_HEADER, variance_rows(result))


def variance_json(result: Variance) -> str:
    return to_json(variance_dict(result))


def variance_markdown(result: Variance) -> str:
    currency = result.currency
    header = ["period", "figure", "plan", "actual", "variance", "%", "F/U"]
    rows: list[list[str]] = []
    for index in shown_spans(result):
        span, lines = _span_of(result, index)
        splits = _split_of(result, index)
        flat_streams = {s.name for s in result.scenario.revenue if s.revenue_per_month}
        for f, c in lines:
            pct = "" if c.variance_pct is None else format_percent(c.variance_pct)
            rows.append(
                [
                    span,
                    _label(f),
                    _value(f.unit, c.plan, currency),
                    _value(f.unit, c.actual, currency),
                    _difference(f.unit, c.variance, currency),
                    pct,
                    MARK[c.assessment],
                ]
            )
            split = splits.get(f.item or "") if f.key.endswith(".revenue") else None
            if f.item is not None and split is not None:
                for label, plan, actual, change, assessment in _split_lines(
                    split, currency, f.item in flat_streams
                ):
                    rows.append(
                        [
                            span,
                            label.strip(),
                            plan,
                            actual,
                            change,
                            "",
                            MARK[assessment],
                        ]
                    )
    return markdown_table(header, rows)
