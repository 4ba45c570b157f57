"""The board report: one self-contained HTML file (`commitcast report`).

Styles and charts are inline (charts as SVG drawn by matplotlib, `render.charts`); the page
loads nothing, runs no script, and says so to the browser (a Content-Security-Policy of
`default-src 'none'`). It prints one section per landscape page. Every text that comes from an
input (names, files, overrides) is escaped: it never becomes markup, a link or a script.

    html = report_html([base, downside], runs=10_000, seed=0)
    write_report("report.html", [base, downside])
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commitcast.core.display import format_figure, format_money, format_percent
from commitcast.core.measures import measure
from commitcast.render.charts import (
    PANEL,
    WIDE,
    Chart,
    cash_chart,
    report_charts,
    svg_inline,
    table_of,
)
from commitcast.render.files import write_text

if TYPE_CHECKING:
    from commitcast.model.scenario import Scenario
    from commitcast.report.board import Board, Figure

# Text of the conventions section: how the report's figures are made (docs/report.md).
CONVENTIONS = (
    "Money is shown as the terminal shows it: $1.25B, $900.0M, negatives in parentheses; "
    "percentages to one decimal; differences of ratios in percentage points (pt). Figures are "
    "rounded for display only; `commitcast project --format json` gives them unrounded.",
    "Total commitment: every payment the contracts schedule from the horizon's first month on, "
    "after it too (commitcast obligations, scheduled). Noncancelable part: the payments left if "
    "notice were given on the horizon's first day (or the earliest notice day), termination fee "
    "included; a contract without termination terms is wholly noncancelable.",
    "NPV discounts the monthly net cash flow at the scenario's annual discount rate, converted "
    "to a monthly rate (1 + annual)^(1/12) - 1. Peak funding need: the most negative cumulative "
    "cash (0 when it never goes negative), in the month named.",
    "Average utilization: tokens served on committed capacity over the inference capacity, over "
    "the whole horizon. A month is saturated when its peak-hour utilization reaches 100%.",
    "Exit cost now: what the contracts would still cost if notice were given on the horizon's "
    "first day. The exit-timing curve projects the scenario once per notice month (the first of "
    "each month from the earliest notice day); the best month is the one with the highest NPV "
    "among the notices that end service early.",
    "Sensitivity: each driver flexed 20% down and up (rates of 0 by one point a month, uptime by "
    "one point, an exchange rate by 10%), the others at their values; drivers ranked by the "
    "swing of NPV; a driver's money in its contract's or stream's currency.",
    "Monte Carlo (scenarios with distributions): the runs and seed given; the fan's band runs "
    "from the 5th to the 95th percentile of each month's cumulative cash (linear interpolation "
    "between runs); P(gross margin < 0) is the share of runs whose gross margin over the "
    "horizon is negative.",
    "Every figure follows docs/conventions.md of commitcast, with worked examples there.",
)

STYLE = """
:root { --ink: #1a1a1a; --muted: #5a5a5a; --rule: #d0d0d0; --head: #f2f2f2; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
  margin: 0 auto; max-width: 1400px; padding: 24px; font-size: 14px; line-height: 1.4; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 12px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
section { margin: 0 0 40px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: right;
  vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { background: var(--head); }
.lead { color: var(--muted); margin: 0 0 16px; }
.scenarios { margin: 0 0 16px; padding-left: 20px; }
.first { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); gap: 24px;
  align-items: start; }
table.headline { font-size: 14px; }
table.headline th[scope="row"] { white-space: nowrap; }
table.headline th .name { display: block; font-weight: normal; font-size: 11px;
  color: var(--muted); max-width: 12em; margin-left: auto; overflow-wrap: break-word; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 20px; }
.grid.single { grid-template-columns: minmax(0, 1000px); }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart * { stroke-linejoin: round; stroke-linecap: butt; }
.note { color: var(--muted); margin: 4px 0; font-size: 13px; }
.note.refused { color: var(--ink); border-left: 3px solid #d55e00; padding-left: 8px; }
details { margin: 4px 0 0; font-size: 12px; }
details table { margin-top: 6px; }
summary { cursor: pointer; color: var(--muted); }
dl.audit { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.audit dt { font-weight: bold; }
dl.audit dd { margin: 0; overflow-wrap: anywhere; font-family: "DejaVu Sans Mono", monospace;
  font-size: 12px; }
@page { size: landscape; margin: 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  section { break-before: page; page-break-before: always; margin: 0; }
  section:first-of-type { break-before: auto; page-break-before: auto; }
  .grid { grid-template-columns: 1fr 1fr; gap: 8px; }
  .grid.single { grid-template-columns: minmax(0, 230mm); }
  details { display: none; }
}
"""

# nothing is loaded from anywhere: styles inline, images are inline SVG, no script runs
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def report_html(
    scenarios: Sequence[Scenario],
    *,
    runs: int = 10_000,
    seed: int = 0,
    command_line: str = "",
    progress: Callable[[int], None] | None = None,
) -> str:
    """The board report of `scenarios` (the first is the base of the comparison) as one
    self-contained HTML page. `runs` and `seed` are the Monte Carlo's (scenarios with
    distributions); `command_line` is written in the audit block; `progress(n)` is called as
    simulated runs finish."""
    from commitcast.report.board import gather

    board = gather(scenarios, runs=runs, seed=seed, progress=progress)
    return render_board(board, command_line=command_line)


def write_report(
    path: str | os.PathLike[str],
    scenarios: Sequence[Scenario],
    *,
    runs: int = 10_000,
    seed: int = 0,
    command_line: str = "",
    progress: Callable[[int], None] | None = None,
) -> Path:
    """`report_html` written whole to `path`."""
    text = report_html(
        scenarios, runs=runs, seed=seed, command_line=command_line, progress=progress
    )
    write_text(path, text)
    return Path(path)


def render_board(board: Board, command_line: str = "", now: dt.datetime | None = None) -> str:
    """The page of a gathered board (`report.board.gather`)."""
    from commitcast.render.excel_style import utc_now

    now = now or utc_now()
    names = [r.scenario.name for r in board.scenarios]
    title = "Board report: " + "; ".join(names)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        _headline(board, now),
    ]
    if board.comparison is not None:
        parts.append(_comparison(board))
    for number, (heading, charts) in enumerate(report_charts(board)):
        parts.append(_chart_section(number, heading, charts))
    parts += [_conventions(), _audit(board, command_line, now), "</body>", "</html>", ""]
    return "\n".join(parts)


def _e(text: Any) -> str:
    """Text as HTML: never markup."""
    return escape(str(text), quote=True)


def _letters(count: int) -> list[str]:
    return [chr(ord("A") + i) if i < 26 else f"S{i + 1}" for i in range(count)]


def _headline(board: Board, now: dt.datetime) -> str:
    reports = board.scenarios
    letters = _letters(len(reports))
    currency = board.currency
    items = "".join(
        f"<li><strong>{letter}</strong>: {_e(r.scenario.name)}"
        f" ({_e(r.scenario.provenance.file or 'built in Python')}, {_e(r.projection.labels[0])} "
        f"to {_e(r.projection.labels[-1])})</li>"
        for letter, r in zip(letters, reports, strict=True)
    )
    head = "".join(
        f'<th scope="col">{letter}<span class="name">{_e(r.scenario.name)}</span></th>'
        for letter, r in zip(letters, reports, strict=True)
    )
    rows = []
    for position, (key, label) in enumerate(_headline_keys(board)):
        cells = "".join(
            f'<td data-figure="{key}" data-scenario="{i}">'
            f"{_e(headline_text(r.headline[position], currency))}</td>"
            for i, r in enumerate(reports)
        )
        rows.append(f'<tr><th scope="row">{_e(label)}</th>{cells}</tr>')
    # obligations a scenario's terms are refused for: why, in one line under the figures
    # they would give (the report goes on without them, and without their section)
    refused = "".join(
        f'<p class="note refused" data-scenario="{i}" role="note">Obligations by maturity of '
        f"{letter} not shown, nor its total commitment and noncancelable part: "
        f"{_e(r.obligations_note)}.</p>"
        for i, (letter, r) in enumerate(zip(letters, reports, strict=True))
        if r.obligations_note
    )
    return (
        '<section id="headline">'
        "<h1>Compute commitments: board report</h1>"
        f'<p class="lead">{_e(currency)}; made {now:%Y-%m-%d} by commitcast. '
        "Differences are to scenario A.</p>"
        f'<ul class="scenarios">{items}</ul>'
        '<div class="first">'
        "<div><h2>Headline figures</h2>"
        f'<table class="headline"><thead><tr><th scope="col">figure</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{refused}</div>"
        f"<div><h2>Cumulative cash</h2>{_figure('c-cash', cash_chart(reports), PANEL)}</div>"
        "</div></section>"
    )


def _headline_keys(board: Board) -> list[tuple[str, str]]:
    return [(f.key, f.label) for f in board.scenarios[0].headline]


def headline_text(figure: Figure, currency: str) -> str:
    """A headline figure as the page shows it (the terminal's display rule)."""
    if figure.key in ("total_commitment", "noncancelable"):
        if figure.value is None:
            return "not shown"  # the obligations were refused: the note under the table
        return format_money(figure.value, currency)  # type: ignore[arg-type]
    return format_figure(figure.key, figure.value, currency)


def _comparison(board: Board) -> str:
    from commitcast.render.whatif import format_change

    comparison = board.comparison
    assert comparison is not None
    letters = _letters(len(comparison.names))
    currency = comparison.currency
    head = "".join(f'<th scope="col">{letter}</th>' for letter in letters)
    head += "".join(
        f'<th scope="col">&Delta; {letter}</th><th scope="col">&Delta;% {letter}</th>'
        for letter in letters[1:]
    )
    rows = []
    for figure in comparison.figures:
        values = comparison.values[figure]
        if all(v is None for v in values) and measure(figure).unit != "month":
            continue  # a figure no scenario has (no serving, no benchmark)
        cells = [format_figure(figure, v, currency) for v in values]
        for item in comparison.deltas[figure]:
            cells.append(format_change(figure, item.amount, currency))
            cells.append("" if item.percent is None else format_percent(item.percent))
        body = "".join(f"<td>{_e(c)}</td>" for c in cells)
        rows.append(f'<tr><th scope="row">{_e(measure(figure).label)}</th>{body}</tr>')
    return (
        '<section id="comparison"><h2>Comparison with scenario A</h2>'
        '<p class="lead">Each scenario\'s summary figures; &Delta; is the difference to A '
        "(ratios in percentage points), &Delta;% the difference over |A|, "
        "none where A shows as zero.</p>"
        f'<table><thead><tr><th scope="col">figure</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _chart_section(number: int, heading: str, charts: list[Chart]) -> str:
    size = WIDE if len(charts) == 1 else PANEL
    figures = "".join(_figure(f"c{number}x{i}", chart, size) for i, chart in enumerate(charts))
    anchor = charts[0].key
    layout = "grid single" if len(charts) == 1 else "grid"
    return (
        f'<section id="{anchor}" class="charts"><h2>{_e(heading)}</h2>'
        f'<div class="{layout}">{figures}</div></section>'
    )


def _figure(prefix: str, chart: Chart, size: tuple[float, float]) -> str:
    header, rows = table_of(chart)
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    note = f'<p class="note">{_e(chart.note)}</p>' if chart.note else ""
    return (
        f'<figure class="chart-box" data-chart="{_e(chart.key)}" role="group" '
        f'aria-label="{_e(chart.title)}">'
        f"{svg_inline(chart, prefix, size)}{note}"
        "<details><summary>The figures of this chart</summary>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
        "</figure>"
    )


def _conventions() -> str:
    items = "".join(f"<li>{_e(text)}</li>" for text in CONVENTIONS)
    return f'<section id="conventions"><h2>Conventions</h2><ol>{items}</ol></section>'


def _audit(board: Board, command_line: str, now: dt.datetime) -> str:
    from commitcast import __version__

    lines = [
        ("Tool", f"commitcast {__version__}"),
        ("Command line", command_line or "(library call)"),
        ("Made at (UTC)", f"{now:%Y-%m-%d %H:%M:%S} UTC"),
    ]
    if any(r.simulation is not None for r in board.scenarios):
        lines.append(("Monte Carlo", f"{board.runs:,} runs, seed {board.seed}"))
    for letter, report in zip(_letters(len(board.scenarios)), board.scenarios, strict=True):
        source = report.scenario.provenance
        overrides = list(source.overrides)
        lines += [
            (f"Scenario {letter}", report.scenario.name),
            ("Input file", source.file or "(built in Python, no file)"),
            ("SHA-256", source.sha256 or ""),
            ("Overrides (--set)", "; ".join(overrides) if overrides else "none"),
        ]
    body = "".join(f"<dt>{_e(key)}</dt><dd>{_e(value)}</dd>" for key, value in lines)
    return f'<section id="audit"><h2>Audit</h2><dl class="audit">{body}</dl></section>'
