"""Every figure of every table prints whole at 80 and 100 columns (and at 60).

Each command runs on each bundled scenario with COLUMNS set, as when its output is piped; the
same command's JSON gives the figures, formatted by the display rules in core/display.py, and
each must appear in the table as many times as it is shown, with nothing around it cut: no
line wider than the terminal, no ellipsis, no number folded onto two lines. At 60 columns the
figures must be whole too; a line may be wider there when one piece cannot break (a --set
with its value, to copy). validate prints one line per file whatever the width (cli/core.py),
which its test marks as an expected failure."""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from commitcast.core.display import (
    format_figure,
    format_money,
    format_percent,
    format_points,
)
from commitcast.core.measures import MONTHLY_COLUMNS, SUMMARY_KEYS, unit_of
from commitcast.render.simulation import compact
from commitcast.render.terminal import shown_columns, shows
from tests.conftest import SCENARIOS

FILES = sorted(SCENARIOS.glob("*.yaml"))
WIDTHS = (80, 100)
# long figures: a three-letter currency code and deep losses, shown in parentheses
STRESS = ("--set", "currency=JPY", "--set", "revenue.API.price_change=-0.06")


@functools.cache
def run(args: tuple[str, ...], width: int) -> tuple[str, str]:
    """(stdout, stdout and stderr) of `commitcast *args` with COLUMNS=width."""
    from typer.testing import CliRunner

    from commitcast.cli import app

    runner = CliRunner(env={"COLUMNS": str(width), "NO_COLOR": "1", "TERM": "dumb"})
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout, result.output


@functools.cache
def document(args: tuple[str, ...]) -> dict[str, Any]:
    stdout, _ = run((*args, "--format", "json"), 200)
    return json.loads(stdout)


def shown(text: str, figure: str) -> int:
    """How often `figure` appears whole: not inside a longer number, not cut at either end."""
    before = r"(?<![\w.,$€£(\-+])"
    after = r"(?![\w%)]|[.,]\d)"
    return len(re.findall(before + re.escape(figure) + after, text))


# ---- the figures each command's JSON says the table shows ---------------------------------


def _cells(*values: str | None) -> list[str]:
    return [value for value in values if value]


def projection_figures(doc: dict[str, Any]) -> list[str]:
    # every column and summary figure but those the terminal leaves out (render/terminal.py's
    # `shows`, tested in test_terminal.py): the CSV and JSON carry them all
    currency = doc["scenario"]["currency"]
    monthly = doc["monthly"]
    header = [next(iter(monthly[0])), *MONTHLY_COLUMNS]  # month or period, then the columns
    columns = shown_columns(header, [[row.get(name) for name in header] for row in monthly])
    cells = [format_figure(name, row[name], currency) for row in monthly for name in columns[1:]]
    cells += [
        format_figure(name, doc["summary"][name], currency)
        for name in SUMMARY_KEYS
        if shows(name, [doc["summary"][name]])
    ]
    return _cells(*cells)


def _change(figure: str, value: float | None, currency: str, decimals: int = 1) -> str:
    """A difference as the what-if tables show it: points for a ratio, else money."""
    if value is None:
        return ""
    if unit_of(figure) == "ratio":
        return format_points(value, decimals, sign=True)
    if unit_of(figure) == "money":
        return format_money(value, currency)
    return format_figure(figure, value, currency)  # seconds, a count: as the figure itself


def _delta_row(figure: str, value: Any, record: dict[str, Any], currency: str) -> list[str]:
    return _cells(
        format_figure(figure, value, currency),
        _change(figure, record["delta"], currency),
        format_percent(record["delta_pct"]) if record["delta_pct"] is not None else None,
    )


def compare_figures(doc: dict[str, Any]) -> list[str]:
    currency = doc["currency"]
    values: dict[str, list[Any]] = {}
    for record in doc["figures"]:
        values.setdefault(record["figure"], []).append(record["value"])
    return [
        cell
        for record in doc["figures"]
        if shows(record["figure"], values[record["figure"]])
        for cell in _delta_row(record["figure"], record["value"], record, currency)
    ]


def metric_figures(doc: dict[str, Any]) -> list[str]:
    currency = doc["scenarios"][0]["currency"]
    metric = doc["metric"]
    return [
        cell
        for record in doc["rows"]
        for cell in _delta_row(metric, record[metric], record, currency)
    ]


def bridge_figures(doc: dict[str, Any]) -> list[str]:
    currency = doc["base"]["currency"]
    figure = doc["figure"]
    cells = [format_figure(figure, doc["start"], currency)]
    for step in doc["steps"]:
        cells += [
            format_figure(figure, step["after"], currency),
            _change(figure, step["contribution"], currency, 2),
        ]
    cells += [
        format_figure(figure, doc["end"], currency),
        _change(figure, doc["total"], currency, 2),
    ]
    return _cells(*cells)


def tornado_figures(doc: dict[str, Any]) -> list[str]:
    currency = doc["scenario"]["currency"]
    metric = doc["metric"]
    cells = [format_figure(metric, doc["base"], currency)]
    for driver in doc["drivers"]:
        swing = driver["swing"]
        cells += [
            format_figure(metric, driver["at_low"], currency),
            format_figure(metric, driver["at_high"], currency),
            format_points(swing) if unit_of(metric) == "ratio" and swing is not None else "",
            format_figure(metric, swing, currency) if unit_of(metric) != "ratio" else "",
        ]
    return _cells(*cells)


def grid_figures(doc: dict[str, Any]) -> list[str]:
    currency = doc["scenario"]["currency"]
    metric = doc["metric"]
    return _cells(*(format_figure(metric, cell[metric], currency) for cell in doc["cells"]))


def solve_figures(doc: dict[str, Any]) -> list[str]:
    currency = doc["scenario"]["currency"]
    solution = doc["solution"]
    figure = solution["figure"]
    assert unit_of(figure) == "money"  # a ratio target is shown to 4 decimals (render/whatif)
    return _cells(
        *(
            format_money(solution[key], currency)
            for key in ("target", "achieved", "figure_low", "figure_high")
        )
    )


EXIT_MONEY = ("fees_avoided", "exit_cost", "revenue_lost", "npv", "gross_margin")


def exit_figures(doc: dict[str, Any]) -> list[str]:
    currency = doc["scenario"]["currency"]
    cells = []
    for option in doc["options"]:
        cells += [option["notice"], option["last_service_day"]]
        cells += [format_money(option[key], currency) for key in EXIT_MONEY]
        cells += [format_money(option["peak_funding_need"], currency)]
    return _cells(*cells)


def simulate_figures(doc: dict[str, Any]) -> list[str]:
    currency = doc["scenario"]["currency"]
    statistics = ("mean", "p5", "p25", "p50", "p75", "p95")
    # the percentiles are estimates: the table shows them to three significant digits
    cells = [
        compact(name, stats[key], currency)
        for name, stats in doc["figures"].items()
        if not stats["defined_runs"] or shows(name, [stats[key] for key in statistics])
        for key in statistics
    ]
    probabilities = doc["probabilities"]
    cells += [
        format_percent(probabilities[key])
        for key in ("gross_margin_below_zero", "average_utilization_below_70pct")
    ]
    fan = doc["fan"]
    count = len(fan["months"])
    for index in sorted({*range(0, count, 3), count - 1}):  # every third month and the last
        cells.append(fan["months"][index])
        for name in ("cumulative_cash", "utilization"):
            cells += [
                format_figure(name, fan[name][p][index], currency) for p in ("p5", "p50", "p95")
            ]
    return _cells(*cells)


# ---- the commands --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    figures: Callable[[dict[str, Any]], list[str]] | None

    def __str__(self) -> str:
        return self.name


def _other(path: Any) -> str:
    """A second scenario to compare with, over the same months (a bridge needs them): the
    downside case, or the base case for it; for a way to cover demand, another way."""
    if path.name.startswith("cover-demand"):
        name = (
            "cover-demand-commit.yaml" if path.name == "cover-demand.yaml" else "cover-demand.yaml"
        )
    elif path.name == "colossus-downside.yaml":
        name = "colossus-base.yaml"
    else:
        name = "colossus-downside.yaml"
    return str(SCENARIOS / name)


def cases_for(path: Any, extra: tuple[str, ...] = ()) -> list[Case]:
    file = str(path)
    others = [str(f) for f in FILES if f != path]
    # the risk case runs 60 months, the others 48: a bridge needs the same months
    months = ("--set", "horizon.months=60")
    grid = (
        "--grid",
        "revenue.API.growth=0.01,0.02,0.03,0.04,0.05",
        "--grid",
        "revenue.API.price_change=-0.03,-0.02,-0.01,0",
    )
    return [
        *(
            Case(f"project --by {by}", ("project", file, "--by", by, *extra), projection_figures)
            for by in ("month", "quarter", "year")
        ),
        Case("compare", ("compare", file, _other(path), *extra), compare_figures),
        Case("compare all four", ("compare", file, *others, *extra), compare_figures),
        Case(
            "compare --metric",
            ("compare", file, *others, "--metric", "net_cash_flow", "--by", "quarter", *extra),
            metric_figures,
        ),
        Case(
            "compare --bridge",
            ("compare", file, _other(path), "--bridge", "npv", *months, *extra),
            bridge_figures,
        ),
        Case(
            "compare --bridge %",
            ("compare", file, _other(path), "--bridge", "gross_margin_pct", *months, *extra),
            bridge_figures,
        ),
        Case("sensitivity", ("sensitivity", file, *extra), tornado_figures),
        Case(
            "sensitivity -m %",
            ("sensitivity", file, "--metric", "gross_margin_pct", *extra),
            tornado_figures,
        ),
        Case("sensitivity --grid", ("sensitivity", file, *grid, *extra), grid_figures),
        Case(
            "solve",
            (
                "solve",
                file,
                "--vary",
                "revenue.API.price_per_million_tokens",
                "--target",
                "npv=0",
                *extra,
            ),
            solve_figures,
        ),
        Case(
            "solve --breakeven-utilization",
            ("solve", file, "--breakeven-utilization", *extra),
            solve_figures,
        ),
        # exit needs a contract that can be ended early (the ways to cover demand have none)
        *(
            [Case("exit", ("exit", file, *extra), exit_figures)]
            if "termination:" in Path(file).read_text()
            else []
        ),
        Case("simulate", ("simulate", file, "--runs", "200", *extra), simulate_figures),
    ]


CASES = [
    pytest.param(case, id=f"{path.stem}: {case}") for path in FILES for case in cases_for(path)
]
STRESSED = [
    pytest.param(case, id=f"{case} {' '.join(STRESS[1::2])}")
    for case in cases_for(SCENARIOS / "colossus-base.yaml", STRESS)
    # a loss that deep has no price that brings the NPV to 0 in the default range
    if not case.name.startswith("solve")
]


def check(case: Case, width: int) -> None:
    stdout, output = run(case.args, width)
    assert "…" not in output, f"an ellipsis at {width} columns:\n{output}"
    too_wide = [line for line in output.splitlines() if cell_len(line) > width]
    assert not too_wide, f"lines wider than {width} columns:\n" + "\n".join(too_wide)
    if case.figures is None:
        return
    expected = Counter(case.figures(document(case.args)))
    assert expected
    missing = {
        figure: (count, shown(stdout, figure))
        for figure, count in expected.items()
        if shown(stdout, figure) < count
    }
    assert not missing, (
        f"figures not shown whole at {width} columns (figure: (times in JSON, times shown)): "
        f"{missing}\n{stdout}"
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", CASES)
def test_every_figure_prints_whole(case: Case, width: int) -> None:
    check(case, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", STRESSED)
def test_long_figures_print_whole(case: Case, width: int) -> None:
    check(case, width)


@pytest.mark.parametrize("case", CASES)
def test_every_figure_prints_whole_at_60_columns(case: Case) -> None:
    stdout, output = run(case.args, 60)
    assert "…" not in output
    if case.figures is not None:
        expected = Counter(case.figures(document(case.args)))
        assert all(shown(stdout, figure) >= count for figure, count in expected.items())


@pytest.mark.parametrize("width", WIDTHS)
def test_solve_keeps_each_set_on_one_line(width: int) -> None:
    # the check's --set items are to copy: none is split between lines
    args = ("solve", str(FILES[0]), "--breakeven-utilization")
    stdout, _ = run(args, width)
    for item in document(args)["check"]["set"]:
        assert any(f"--set {item}" in line for line in stdout.splitlines()), stdout


@pytest.mark.parametrize("width", (*WIDTHS, 60))
@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_the_tornado_axis_is_one_column(path: Any, width: int) -> None:
    # the bars' axis lines up under the header's on every row, whatever the bar's length
    stdout, _ = run(("sensitivity", str(path)), width)
    columns = {line.index("│") for line in stdout.splitlines() if "│" in line}
    assert len(columns) <= 1, stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_validate_keeps_one_line_per_file(path: Any, width: int) -> None:
    # validate's status line is not a table: it stays one line per file at any width, so
    # `validate *.yaml > log` and CI logs can be grepped (test_cli_core pins that too)
    stdout, _ = run(("validate", str(path)), width)
    assert stdout.count("\n") == 1 and stdout.startswith("ok: ")
    assert "…" not in stdout


def test_the_check_sees_a_cut_figure() -> None:
    # guards the tests above: an ellipsised or folded figure is not counted as shown
    assert shown("│ $243.26B │", "$243.26B") == 1
    assert shown("│ $243.… │", "$243.26B") == 0
    assert shown("│ ($163.5\n│ 2B) │", "($163.52B)") == 0
    assert shown("│ $1,243.26B │", "$243.26B") == 0
    assert shown("│ ($243.26B) │", "$243.26B") == 0
    assert shown("NPV $525.30B, below", "$525.30B") == 1
