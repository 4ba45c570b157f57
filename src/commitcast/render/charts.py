"""Charts of the board report and of `commitcast chart`, drawn with matplotlib.

A `Chart` is neutral: a title, x labels, series of values and a unit, built here from the
report's results (`report.board`) or from one monthly column over time. `figure` draws it;
`svg_inline` gives the SVG the HTML report embeds, `write_chart` a PNG, SVG or PDF for a slide.
The same `Chart` gives the text alternative, its figures as a table (`table_of`).

matplotlib is imported inside the functions that draw, so importing this module (and
`commitcast --help`) does not pay for it. Colours are the Okabe-Ito palette, safe for every
common form of colour blindness; lines differ in dash too where colour alone would tell them
apart. Money axes use the terminal's display rule ($1.25B, ($3.2M)).
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from commitcast.core.display import (
    format_money,
    format_percent,
    format_unit,
    undefined,
)
from commitcast.core.errors import CommitcastError
from commitcast.core.measures import MONTHLY_COLUMNS, measure, unit_of
from commitcast.render.files import write_with

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from commitcast.analysis.compare import MetricTable
    from commitcast.model.scenario import Scenario
    from commitcast.report.board import Board, ScenarioReport
    from commitcast.variants.inputs import Input

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, sky
# blue, reddish purple, yellow, black.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
DASHES = ("-", "--", "-.", ":")
SLIDE = (40 / 3, 7.5)  # inches: a 16:9 slide (PowerPoint's widescreen page, 13.33 x 7.5)
PANEL = (7.2, 3.6)  # one chart of the HTML report, two across
WIDE = (10.0, 4.4)  # a chart alone in its section
SLIDE_DPI = 150  # a PNG slide chart: 2000 x 1125 pixels
SLIDE_FONT = 15.0
PANEL_FONT = 9.0
FORMATS = ("png", "svg", "pdf")
# `commitcast chart --metric`: every monthly column (one line per scenario), and these charts
SPECIAL = ("margin", "obligations", "exit", "tornado", "fan")
ONE_SCENARIO = ("margin", "tornado", "fan")  # several measures of one scenario
Kind = Literal["lines", "bars", "tornado", "fan"]


@dataclass
class Series:
    name: str
    values: list[float | None]
    color: int = 0  # index into PALETTE
    line: str = "-"  # matplotlib's line style: lines differ in dash as well as colour
    legend: bool = True  # False: in the table only (the chart's note says what it is)
    group: int = 0  # bars: side by side by group, stacked within one; fan: p5/p50/p95 triplets
    light: bool = False  # bars: the lighter, hatched part of a stack


@dataclass
class Mark:
    series: int
    x: int
    text: str


@dataclass
class Chart:
    key: str  # margin, utilization, cash, obligations, exit, tornado, fan, or a monthly column
    title: str
    kind: Kind
    x: list[str]
    series: list[Series]
    unit: str = "money"  # how the values are shown (core/measures.py units)
    currency: str = "USD"
    x_title: str = "month"
    marks: list[Mark] = field(default_factory=list)
    shade: list[int] = field(default_factory=list)  # x positions shaded (saturated months)
    shade_label: str = ""
    base: float | None = None  # tornado: the figure at the base values
    note: str = ""  # a sentence shown under the chart (P(gross margin < 0) = 1.8%)
    extra: list[tuple[str, list[str]]] = field(default_factory=list)  # more table columns

    def show(self, value: Any) -> str:
        return show(self.unit, value, self.currency)


def show(unit: str, value: Any, currency: str = "USD") -> str:
    """A value as the terminal shows a figure of this unit."""
    return format_unit(unit, value, currency)


def table_of(chart: Chart) -> tuple[list[str], list[list[str]]]:
    """The chart's figures as a header and rows of text (its text alternative)."""
    header = [chart.x_title, *(s.name for s in chart.series), *(name for name, _ in chart.extra)]
    rows = []
    for i, label in enumerate(chart.x):
        cells = [chart.show(s.values[i]) for s in chart.series]
        rows.append([label, *cells, *(values[i] for _, values in chart.extra)])
    return header, rows


# ---- building charts from the report ---------------------------------------------------------


def _values(array: Any) -> list[float | None]:
    return [None if undefined(float(v)) else float(v) for v in array]


def margin_chart(report: ScenarioReport, by: str = "month") -> Chart:
    result = report.projection
    periods, columns = result.view(by)  # type: ignore[arg-type]
    names = ("revenue", "inference_cost", "gross_margin")
    return Chart(
        "margin",
        f"Revenue, inference cost and gross margin: {report.scenario.name}",
        "lines",
        list(periods),
        [Series(measure(n).label, _values(columns[n]), i, DASHES[i]) for i, n in enumerate(names)],
        currency=report.scenario.currency,
        x_title="month" if by == "month" else by,
    )


def utilization_chart(report: ScenarioReport) -> Chart:
    result = report.projection
    series = [Series("Utilization", _values(result.columns["utilization"]), 0)]
    shade: list[int] = []
    note = ""
    if report.serving_modelled:
        peak = result.columns["peak_utilization"]
        series.append(Series("Peak-hour utilization", _values(peak), 1, "--"))
        shade = [i for i, v in enumerate(peak) if float(v) >= 1.0]
        months = result.summary["months_saturated_at_peak"]
        note = f"Saturated at the peak hour in {months:,.0f} of {len(result.labels)} months."
    return Chart(
        "utilization",
        f"Utilization: {report.scenario.name}",
        "lines",
        list(result.labels),
        series,
        unit="ratio",
        currency=report.scenario.currency,
        shade=shade,
        shade_label="saturated at the peak hour",
        note=note,
    )


def _union(labels: Sequence[Sequence[str]]) -> list[str]:
    return sorted({label for group in labels for label in group})


def cash_chart(reports: Sequence[ScenarioReport]) -> Chart:
    months = _union([r.projection.labels for r in reports])
    series = []
    for i, report in enumerate(reports):
        by_month = dict(
            zip(report.projection.labels, report.projection.columns["cumulative_cash"], strict=True)
        )
        values = [by_month.get(m) for m in months]
        numbers = [None if v is None or undefined(float(v)) else float(v) for v in values]
        series.append(Series(report.scenario.name, numbers, i, DASHES[i % len(DASHES)]))
    return Chart(
        "cash",
        "Cumulative cash",
        "lines",
        months,
        series,
        currency=reports[0].scenario.currency,
    )


def obligations_chart(reports: Sequence[ScenarioReport]) -> Chart | None:
    """Noncancelable and cancelable payments by maturity bucket, a stack per scenario."""
    present = [r for r in reports if r.obligations is not None]
    if not present:
        return None
    periods = present[0].obligations.periods  # type: ignore[union-attr]
    series = []
    for group, report in enumerate(present):
        total = report.obligations.total  # type: ignore[union-attr]
        prefix = f"{report.scenario.name}: " if len(present) > 1 else ""
        color = group if len(present) > 1 else 3
        series += [
            Series(f"{prefix}noncancelable", list(total.noncancelable), color, group=group),
            Series(
                f"{prefix}cancelable",
                list(total.cancelable),
                color if len(present) > 1 else 4,
                group=group,
                light=True,
            ),
        ]
    title = "Obligations by maturity" + (
        f": {present[0].scenario.name}" if len(present) == 1 else ""
    )
    as_of = present[0].obligations.as_of  # type: ignore[union-attr]
    return Chart(
        "obligations",
        title,
        "bars",
        list(periods),
        series,
        currency=present[0].scenario.currency,
        x_title=f"paid (from {as_of:%Y-%m})",
    )


def exit_chart(reports: Sequence[ScenarioReport]) -> Chart | None:
    """NPV by notice month, one line per scenario and contract, the best month marked."""
    analyses = [(r, a) for r in reports for a in r.exits]
    if not analyses:
        return None
    months = _union([[f"{o.notice:%Y-%m}" for o in a.options] for _, a in analyses])
    series: list[Series] = []
    marks: list[Mark] = []
    for color, (report, analysis) in enumerate(analyses):
        # a line per scenario; the contract's name too where a scenario has several
        name = report.scenario.name
        if len(reports) == 1:
            name = analysis.contract.name
        elif len(report.exits) > 1:
            name = f"{name}: {analysis.contract.name}"
        by_month = {f"{o.notice:%Y-%m}": o.npv for o in analysis.options}
        line = DASHES[color % 3]  # ":" is the reference line's
        series.append(Series(name, [by_month.get(m) for m in months], color, line))
        best = analysis.best_option
        if best is not None:
            marks.append(
                Mark(
                    len(series) - 1,
                    months.index(f"{best.notice:%Y-%m}"),
                    f"best: {best.notice:%Y-%m}, "
                    f"{format_money(best.npv, report.scenario.currency)}",
                )
            )
        series.append(
            Series(
                f"{name}: no notice",
                [analysis.no_notice.npv] * len(months),
                color,
                ":",
                legend=False,
            )
        )
    return Chart(
        "exit",
        "Exit timing: NPV by notice month",
        "lines",
        months,
        series,
        currency=reports[0].scenario.currency,
        x_title="notice on the first of",
        marks=marks,
        note="Dotted: the NPV when the contract runs its term. The best month is the notice "
        "with the highest NPV among those that end service early.",
    )


def tornado_chart(report: ScenarioReport) -> Chart | None:
    tornado = report.tornado
    if tornado is None:
        return None
    from commitcast.render.whatif import driver_label, input_currency, input_value

    scenario = report.scenario
    bars = tornado.drivers
    currency = scenario.currency

    def value(item: Input, amount: float) -> str:
        return input_value(item, amount, input_currency(scenario, item))  # in its own currency

    return Chart(
        "tornado",
        f"Sensitivity of NPV (each driver low and high): {scenario.name}",
        "tornado",
        [driver_label(scenario, bar.input) for bar in bars],
        [
            Series("NPV at low value", [bar.at_low for bar in bars], 3),
            Series("NPV at high value", [bar.at_high for bar in bars], 0),
        ],
        unit=unit_of(tornado.metric),
        currency=currency,
        x_title="driver",
        base=tornado.base,
        note=f"Base NPV {format_money(tornado.base, currency)}; drivers with the largest swing "
        "first." + ("".join(f" {n}." for n in tornado.notes)),
        extra=[
            ("low value", [value(bar.input, bar.low) for bar in bars]),
            ("high value", [value(bar.input, bar.high) for bar in bars]),
        ],
    )


def fan_chart(report: ScenarioReport) -> Chart | None:
    simulation = report.simulation
    if simulation is None:
        return None
    fan = simulation.fan["cumulative_cash"]
    below = simulation.probabilities["gross_margin_below_zero"]
    return Chart(
        "fan",
        f"Monte Carlo: cumulative cash: {report.scenario.name}",
        "fan",
        list(simulation.labels),
        [
            Series("P5", list(fan["p5"]), 0, group=0),
            Series("P50 (median)", list(fan["p50"]), 0, group=0),
            Series("P95", list(fan["p95"]), 0, group=0),
        ],
        currency=report.scenario.currency,
        note=f"P(gross margin < 0) = {format_percent(below)} over {simulation.runs:,} runs "
        f"(seed {simulation.seed}); the band runs from P5 to P95.",
    )


def metric_chart(table: MetricTable) -> Chart:
    """One monthly column over time, one line per scenario (`analysis.compare`)."""
    metric = table.metric
    names = [p.scenario.name for p in table.projections]
    series = [
        Series(name, [row[i] for row in table.values], i, DASHES[i % len(DASHES)])
        for i, name in enumerate(names)
    ]
    return Chart(
        metric,
        measure(metric).label,
        "lines",
        list(table.periods),
        series,
        unit=unit_of(metric),
        currency=table.projections[0].scenario.currency,
        x_title="month" if table.by == "month" else str(table.by),
    )


def report_charts(board: Board) -> list[tuple[str, list[Chart]]]:
    """The report's chart sections after the first page (which has the cumulative cash,
    `cash_chart`), in order: (title, charts); empty sections left out."""
    reports = board.scenarios
    sections: list[tuple[str, list[Chart]]] = [
        ("Revenue, inference cost and gross margin", [margin_chart(r) for r in reports]),
        ("Utilization", [utilization_chart(r) for r in reports]),
    ]
    owed = [obligations_chart([r]) for r in reports]
    sections.append(("Obligations by maturity", [c for c in owed if c is not None]))
    exits = exit_chart(reports)
    sections.append(("Exit timing", [exits] if exits else []))
    tornadoes = [tornado_chart(r) for r in reports]
    sections.append(("Sensitivity", [c for c in tornadoes if c is not None]))
    fans = [fan_chart(r) for r in reports]
    sections.append(("Monte Carlo", [c for c in fans if c is not None]))
    return [(title, charts) for title, charts in sections if charts]


# ---- drawing ---------------------------------------------------------------------------------


def _style(font: float) -> dict[str, Any]:
    return {
        "font.family": "DejaVu Sans",
        "font.size": font,
        "text.parse_math": False,  # a name with $...$ is text, never mathtext
        "text.usetex": False,
        "axes.titlesize": font * 1.15,
        "axes.labelsize": font,
        "legend.fontsize": font * 0.9,
        "xtick.labelsize": font * 0.9,
        "ytick.labelsize": font * 0.9,
        "svg.fonttype": "path",  # glyphs drawn: the same picture with or without the font
        "svg.hashsalt": "commitcast",  # the same SVG for the same chart
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
    }


def figure(chart: Chart, size: tuple[float, float] = PANEL, font: float = PANEL_FONT) -> Figure:
    """The chart drawn on a matplotlib Figure of `size` inches (no pyplot, no display)."""
    import matplotlib

    with matplotlib.rc_context(_style(font)):
        return _draw(chart, size, font)


def _draw(chart: Chart, size: tuple[float, float], font: float) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(chart.title, loc="left", fontweight="bold", wrap=True)
    axis = FuncFormatter(lambda value, _: chart.show(value) if value != 0 else _zero(chart))
    if chart.kind == "tornado":
        _tornado(ax, chart)
        ax.xaxis.set_major_formatter(axis)
    else:
        if chart.kind == "bars":
            _bars(ax, chart)
        elif chart.kind == "fan":
            _fan(ax, chart)
        else:
            _lines(ax, chart, font)
        ax.yaxis.set_major_formatter(axis)
        _month_ticks(ax, chart)
        ax.set_xlabel(chart.x_title)
    handles, labels = ax.get_legend_handles_labels()
    if labels:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=_columns(labels, size[0]),
            frameon=False,
        )
    return fig


def _columns(labels: Sequence[str], width: float) -> int:
    """Legend columns that fit the figure's width (inches) at about 60 characters a line for
    a report panel and 100 for a slide."""
    room = 60 if width < 10 else 100
    longest = max(len(label) for label in labels) + 6  # the line sample and the gap
    return max(1, min(len(labels), room // longest))


def _label(text: str) -> str:
    """A legend label: matplotlib leaves out artists whose label starts with "_"."""
    return f" {text}" if text.startswith("_") else text


def _zero(chart: Chart) -> str:
    return "0%" if chart.unit == "ratio" else chart.show(0.0)


def _numbers(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def _month_ticks(ax: Any, chart: Chart) -> None:
    count = len(chart.x)
    step = max(1, math.ceil(count / 12))
    if chart.kind == "bars":
        step = 1
    ticks = list(range(0, count, step))
    ax.set_xticks(ticks, [chart.x[i] for i in ticks], rotation=0 if step == 1 else 30)
    pad = 0.5 if chart.kind == "bars" else 0.3
    ax.set_xlim(-pad, count - 1 + pad)


def _lines(ax: Any, chart: Chart, font: float) -> None:
    positions = list(range(len(chart.x)))
    for start, end in _runs(chart.shade):
        ax.axvspan(
            start - 0.5,
            end + 0.5,
            color="#999999",
            alpha=0.18,
            linewidth=0,
            label=chart.shade_label if start == chart.shade[0] else None,
        )
    for s in chart.series:
        ax.plot(
            positions,
            _numbers(s.values),
            color=PALETTE[s.color % len(PALETTE)],
            linestyle=s.line,
            linewidth=1.4 if s.line == ":" else 2.0,
            label=_label(s.name) if s.legend else None,
        )
    for mark in chart.marks:
        s = chart.series[mark.series]
        value = s.values[mark.x]
        if value is None:
            continue
        ax.plot(
            [mark.x],
            [value],
            marker="o",
            markersize=font * 0.8,
            color=PALETTE[s.color % len(PALETTE)],
            markeredgecolor="black",
            linestyle="none",
        )
        ax.annotate(
            mark.text,
            (mark.x, value),
            xytext=(0, font * 0.9),
            textcoords="offset points",
            ha=_align(mark.x / max(len(chart.x) - 1, 1)),
            fontsize=font * 0.9,
        )
    if chart.unit == "ratio":
        ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
    else:
        ax.axhline(0, color="#555555", linewidth=0.8)


def _align(where: float) -> str:
    """A label's alignment at `where` (0 to 1 across the axis), so it stays on the chart."""
    return "left" if where < 0.15 else "right" if where > 0.85 else "center"


def _runs(positions: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive positions as (first, last) pairs."""
    runs: list[tuple[int, int]] = []
    for p in positions:
        if runs and p == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def _bars(ax: Any, chart: Chart) -> None:
    groups = sorted({s.group for s in chart.series})
    width = 0.8 / len(groups)
    for g, group in enumerate(groups):
        offset = (g - (len(groups) - 1) / 2) * width
        bottom = [0.0] * len(chart.x)
        for s in (s for s in chart.series if s.group == group):
            heights = [0.0 if v is None else float(v) for v in s.values]
            ax.bar(
                [i + offset for i in range(len(chart.x))],
                heights,
                width * 0.92,
                bottom=bottom,
                color=PALETTE[s.color % len(PALETTE)],
                alpha=0.45 if s.light and len(groups) > 1 else 1.0,
                hatch="//" if s.light else None,
                edgecolor="white",
                linewidth=0.5,
                label=_label(s.name),
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.grid(axis="x", visible=False)


def _fan(ax: Any, chart: Chart) -> None:
    positions = list(range(len(chart.x)))
    for group in sorted({s.group for s in chart.series}):
        low, middle, high = (s for s in chart.series if s.group == group)
        color = PALETTE[middle.color % len(PALETTE)]
        ax.fill_between(
            positions,
            _numbers(low.values),
            _numbers(high.values),
            color=color,
            alpha=0.25,
            linewidth=0,
            label=_label(f"{low.name} to {high.name}"),
        )
        ax.plot(positions, _numbers(middle.values), color=color, linewidth=2.0, label=middle.name)
    ax.axhline(0, color="#555555", linewidth=0.8)


def _tornado(ax: Any, chart: Chart) -> None:
    base = chart.base if chart.base is not None else 0.0
    rows = list(range(len(chart.x)))[::-1]  # the largest swing at the top
    low, high = chart.series
    for s in (low, high):
        widths = [0.0 if v is None else float(v) - base for v in s.values]
        color = PALETTE[s.color % len(PALETTE)]
        ax.barh(rows, widths, 0.6, left=base, color=color, label=_label(s.name))
    ax.axvline(base, color="black", linewidth=1.0)
    ax.set_yticks(rows, chart.x)
    ax.grid(axis="y", visible=False)


# ---- output ----------------------------------------------------------------------------------


def svg_text(fig: Figure) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "commitcast"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


_ID = re.compile(r'\bid="([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'href="#([^"]+)"')


def svg_inline(chart: Chart, prefix: str, size: tuple[float, float] = PANEL) -> str:
    """The chart as an <svg> element for an HTML page: no XML prolog, no metadata, no global
    style; its ids prefixed (several charts share a page); sized by the page (viewBox kept)."""
    raw = svg_text(figure(chart, size))
    start = raw.index("<svg")
    text = raw[start:]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    text = re.sub(r"<!--.*?-->\s*", "", text, flags=re.DOTALL)  # matplotlib's copies of texts
    text = re.sub(r"<style[^>]*>.*?</style>\s*", "", text, flags=re.DOTALL)
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", text)
    text = _HREF.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', text)
    head_end = text.index(">")
    # the HTML parser gives inline SVG its namespaces (xlink:href too): no URI left in the page
    head = re.sub(r'\s(width|height|xmlns|xmlns:xlink)="[^"]*"', "", text[:head_end])
    return f'{head} class="chart" aria-hidden="true"{text[head_end:]}'


def chart_format(path: str | os.PathLike[str]) -> str | None:
    """png, svg or pdf by the file's suffix; None for any other."""
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def write_chart(chart: Chart, path: str | os.PathLike[str]) -> Path:
    """The chart alone, sized for a 16:9 slide, as PNG, SVG or PDF by the suffix of `path`
    (written whole)."""
    kind = chart_format(path)
    if kind is None:
        raise CommitcastError.single(
            f"{os.fspath(path)}: a chart is written as .png, .svg or .pdf",
            file=os.fspath(path),
            hint="end the file name in .png, .svg or .pdf",
        )
    fig = figure(chart, SLIDE, SLIDE_FONT)

    def save(temp: Path) -> None:
        import matplotlib

        metadata: dict[str, Any] = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
        with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "commitcast"}):
            fig.savefig(temp, format=kind, dpi=SLIDE_DPI, metadata=metadata[kind])

    write_with(path, save)
    return Path(path)


def chart(
    scenarios: Sequence[Scenario],
    metric: str,
    path: str | os.PathLike[str],
    *,
    by: str = "month",
    runs: int = 10_000,
    seed: int = 0,
) -> Path:
    """Write one chart for a slide (16:9) to `path` (.png, .svg or .pdf) and return the path.

    `metric` is a monthly column (one line per scenario, by `by`: month, quarter, year,
    fiscal-quarter or fiscal-year), or one of the report's charts: "margin" (revenue,
    inference cost and gross margin of one scenario, by `by`), "obligations" (by maturity
    bucket, a stack per scenario), "exit" (NPV by notice month, a line per scenario), "tornado"
    (one scenario) or "fan" (the Monte Carlo fan of cumulative cash of one scenario with
    distributions: `runs`, `seed`).

        chart([base, downside], "cumulative_cash", "cash.png")
        chart([base], "exit", "exit.svg")
    """
    return write_chart(build_chart(scenarios, metric, by=by, runs=runs, seed=seed), path)


def build_chart(
    scenarios: Sequence[Scenario],
    metric: str,
    *,
    by: str = "month",
    runs: int = 10_000,
    seed: int = 0,
) -> Chart:
    """The `Chart` that `chart` draws (see there)."""
    from commitcast.analysis.compare import metric_over_time, same_currency, same_fiscal_year
    from commitcast.report import board as gathered
    from commitcast.variants.inputs import argument_error

    scenarios = list(scenarios)
    if not scenarios:
        raise argument_error("a chart needs at least one scenario", "scenarios")
    if metric in MONTHLY_COLUMNS:
        return metric_chart(metric_over_time(scenarios, metric, by))  # type: ignore[arg-type]
    if metric not in SPECIAL:
        raise argument_error(
            f"{metric!r} is neither a monthly column nor one of the report's charts",
            "metric",
            kind="chart",
            hint="one of: " + ", ".join((*SPECIAL, *MONTHLY_COLUMNS)),
        )
    if metric in ONE_SCENARIO and len(scenarios) > 1:
        raise argument_error(
            f"the {metric} chart draws one scenario; got {len(scenarios)}",
            "scenarios",
            kind="one",
            hint="give one file, or a monthly column (e.g. cumulative_cash) for one line per "
            "scenario",
        )
    same_currency(scenarios)
    if metric == "margin":
        same_fiscal_year(scenarios, by)
        from commitcast.engine.projection import projection

        report = gathered.ScenarioReport(projection(scenarios[0]), None, [], None, None)
        return margin_chart(report, by)
    if by != "month":
        raise argument_error(
            f"the {metric} chart has no periods; by applies to monthly columns and margin",
            "by",
            kind="no_periods",
        )
    reports = [_partial(s, metric, runs, seed) for s in scenarios]
    built = {
        "obligations": lambda: obligations_chart(reports),
        "exit": lambda: exit_chart(reports),
        "tornado": lambda: tornado_chart(reports[0]),
        "fan": lambda: fan_chart(reports[0]),
    }[metric]()
    refused = [r for r in reports if r.obligations_refused]
    if built is None and refused:
        # every scenario's obligations refused: the refusal itself, at its lines
        raise CommitcastError([p for r in refused for p in r.obligations_refused])
    if built is not None and refused:
        # drawn for the others; why not for these, in the chart's note
        built.note = " ".join(
            [
                built.note,
                *(f"Not shown for {r.scenario.name}: {r.obligations_note}." for r in refused),
            ]
        ).strip()
    if built is None:
        reason = {
            "obligations": "no scenario has a contract",
            "exit": "no contract can be terminated (no termination terms)",
            "tornado": "the scenario has no driver to flex",
            "fan": "no input has a distribution (write e.g. growth: {dist: normal, mean: 0.03, "
            "sd: 0.01})",
        }[metric]
        raise argument_error(f"no {metric} chart: {reason}", "metric", kind="absent")
    return built


def _partial(scenario: Scenario, metric: str, runs: int, seed: int) -> ScenarioReport:
    """Only what the chart needs of the report's results."""
    from commitcast.analysis.exit import exit_options
    from commitcast.analysis.sensitivity import sensitivity
    from commitcast.analysis.simulate import simulate
    from commitcast.engine.projection import projection
    from commitcast.report.board import ScenarioReport, has_distributions, obligations_or_refusal

    report = ScenarioReport(projection(scenario), None, [], None, None)
    if metric == "obligations":
        report.obligations, report.obligations_refused = obligations_or_refusal(scenario)
    elif metric == "exit":
        report.exits = [
            exit_options(scenario, i)
            for i, contract in enumerate(scenario.contracts)
            if contract.termination is not None
        ]
    elif metric == "tornado":
        report.tornado = sensitivity(scenario)
    elif metric == "fan" and has_distributions(scenario):
        report.simulation = simulate(scenario, runs, seed)
    return report
