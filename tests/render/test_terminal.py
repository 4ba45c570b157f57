"""Rich tables for people and the layout helpers every terminal renderer shares
(render/terminal.py).

That no figure is ever cut at any width, for every command, is in
tests/render/test_terminal_width.py; `project`'s tables through the command line in
tests/cli/test_core.py. Figures by hand: flat revenue of £1,500 a month for two months.
"""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from commitcast.core.errors import Problem
from commitcast.core.measures import MONTHLY_COLUMNS, SUMMARY
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import scenario_from_text
from commitcast.render.tables import projection_csv
from commitcast.render.terminal import (
    ABSENT_WHEN_ZERO,
    KEEP,
    SAME_AS,
    TABLE_GROUPS,
    FigureLines,
    break_label,
    fit_first_column,
    fits,
    grid_width,
    header_lines,
    label_width,
    monthly_tables,
    natural_width,
    phrase,
    print_problems,
    print_projection,
    shown_columns,
    shows,
    split_evenly,
    summary_panel,
    wrap_prose,
)

TINY = """\
name: Tiny
currency: GBP
horizon: {start: 2026-12, months: 2}
revenue:
  - {name: Flat, revenue_per_month: 1500}
"""


def console(width: int) -> Console:
    return Console(width=width, file=io.StringIO(), record=True, color_system=None)


def text_of(width: int, *renderables) -> str:
    out = console(width)
    for renderable in renderables:
        out.print(renderable)
    return out.export_text()


# GPUs, uptime below an SLA tier, serving and a market benchmark: every operating figure has a
# value. 10 GPUs x 1 token a second x 86,400 x 31 days = 26.78M tokens a month; 7,440 GPU-hours
# (10 x 24 x 31); uptime 99% < 99.9%: a credit of 10% of £3,100 = £310.00 a month.
OPS = """\
name: Ops
currency: GBP
horizon: {start: 2026-12, months: 2}
contracts:
  - name: C
    monthly_fee: 3100
    start: 2026-12-01
    end: 2027-01-31
    capacity: {gpus: 10, tokens_per_gpu_second: 1}
    uptime: 0.99
    sla: {credits: [{below: 0.999, credit: 0.1}]}
revenue:
  - {name: API, tokens_per_month: 1.0e6, price_per_million_tokens: 1000}
costs: {training_share: 0.1}
serving: {request_seconds: 1, slots_per_gpu: 1, peak_to_average: 20}
benchmarks: {market_price_per_gpu_hour: 1}
"""
OPERATING = (
    "available_tokens",
    "gpu_hours",
    "training_share",
    "sla_credits",
    "peak_utilization",
    "queue_wait_seconds",
    "cost_per_million_tokens",
)


@pytest.fixture(scope="module")
def tiny():
    return projection(apply_overrides(scenario_from_text(TINY, "tiny.yaml"), ["discount_rate=0"]))


@pytest.fixture(scope="module")
def ops():
    return projection(scenario_from_text(OPS, "ops.yaml"))


def headers(tables: list[Table]) -> list[str]:
    """Every column shown in `tables` but the first, as the CSV names it."""
    return [str(c.header).replace("_\n", "_") for t in tables for c in t.columns[1:]]


def summary_labels(result) -> list[str]:
    return [
        line.strip("│ ").split("  ")[0]
        for line in text_of(100, summary_panel(result)).splitlines()[1:-1]
    ]


# ---- layout helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "width", "lines"),
    [
        ("total_idle_capacity_cost", 13, ["total_idle_", "capacity_cost"]),
        ("total_idle_capacity_cost", 12, ["total_idle_", "capacity_", "cost"]),
        ("revenue.API.price_change", 12, ["revenue.API.", "price_change"]),
        ("Gross margin %", 8, ["Gross", "margin %"]),  # at spaces first
        ("npv", 2, ["npv"]),  # a piece longer than the width stays whole
        ("two\nlines", 20, ["two", "lines"]),
    ],
)
def test_break_label(label, width, lines):
    assert break_label(label, width).split("\n") == lines


def test_label_width_is_the_widest_line():
    assert label_width("total_idle_\ncapacity_cost") == 13
    assert label_width("") == 0
    assert label_width("€5") == 2  # in cells, not bytes


@pytest.mark.parametrize(
    ("count", "runs"),
    [
        (1, [[0, 1, 2, 3, 4, 5, 6]]),
        (3, [[0, 1, 2], [3, 4], [5, 6]]),  # the first runs are the longer
        (7, [[0], [1], [2], [3], [4], [5], [6]]),
    ],
)
def test_split_evenly(count, runs):
    assert split_evenly(list(range(7)), count) == runs


def test_wrap_prose_breaks_between_words_and_indents_what_follows():
    assert wrap_prose("short line", 40) == ["short line"]
    assert wrap_prose("a b c d e f g h i j k l m n o p", 10) == [
        "a b c d e",
        "  f g h i",
        "  j k l m",
        "  n o p",
    ]
    # never inside a number, a negative or a long word
    assert wrap_prose("npv -1.2% of $525.75B", 6) == ["npv", "  -1.2%", "  of", "  $525.75B"]


def test_a_phrase_stays_on_one_line():
    assert phrase("--set a=1") == f"--set{KEEP}a=1"
    lines = wrap_prose("  x " + phrase("--set a=1") + " y", 8)
    assert lines == ["  x", "    --set a=1", "    y"]  # an indented line goes on further in
    assert all(KEEP not in line for line in lines)  # printed as plain spaces


@pytest.mark.parametrize(
    ("headers", "cells"),
    [
        (["month"], ["2026-06"]),  # 2 rules + 7 + 2 = 11
        (["month", "fees"], ["2026-06", "$1,250.0M"]),
        (["month", "committed_\nfees"], ["2026-06", "$1.25B"]),  # a header wider than its cells
        (["month", "basis", "x"], ["2026-06\n2026-07", "actual", "€12.5M\n($3.0M)"]),
        (["période", "名前"], ["短い", "x"]),  # double-width characters count twice
    ],
)
def test_grid_width_is_richs_measure(headers, cells):
    """monthly_tables chooses its layout by grid_width: the width Rich would measure."""
    table = Table(title="A title far wider than any of these tables " * 3, header_style="bold")
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)
    table.add_row(*cells)
    widest = [max(cell_len(line) for line in cell.split("\n")) for cell in cells]
    assert grid_width(headers, widest) == natural_width(console(10), table)


@pytest.mark.parametrize("width", [80, 30, 12])  # 12: too narrow, the cells are cropped
def test_figure_lines_draw_as_their_text(width):
    """A column of figures as one FigureLines cell prints exactly as the same lines as Text."""
    lines = {
        "month": ["2026-06", "2026-07", "2026-08"],
        "fees": ["$1.25B", "($3.2M)", ""],
        "名前": ["短い", "x", "€12.5M"],  # double-width characters take two cells
    }

    def drawn(cell) -> str:
        table = Table(title="t")
        table.add_column("month", no_wrap=True)
        for name in list(lines)[1:]:
            table.add_column(name, justify="right", no_wrap=True)
        table.add_row(*(cell(column) for column in lines.values()))
        return text_of(width, table)

    expected = drawn(lambda column: Text("\n".join(column)))
    assert drawn(FigureLines) == expected
    assert "($3.2M)" in expected or width == 12


def test_fits_and_natural_width():
    table = Table("a" * 30)
    assert natural_width(console(10), table) == 34  # 30 + two borders + two paddings
    assert fits(console(34), [table])
    assert not fits(console(33), [table])


def test_fit_first_column_breaks_the_labels_only_when_it_must():
    labels = ["label", "total_idle_capacity_cost"]

    def build(width: int | None) -> Table:
        table = Table("label" if width is None else break_label("label", width), "x" * 20)
        cell = labels[1] if width is None else break_label(labels[1], width)
        table.add_row(cell, "1")
        return table

    whole = fit_first_column(console(80), build, labels)
    assert whole is not None and "total_idle_capacity_cost" in text_of(80, whole)
    # 24 + 20 + 7 of borders and padding = 51: at 40 columns the label has 40 - 27 = 13
    narrow = fit_first_column(console(40), build, labels)
    assert narrow is not None
    assert "capacity_cost" in text_of(40, narrow) and "total_idle_capacity" not in text_of(
        40, narrow
    )
    assert fit_first_column(console(30), build, labels, minimum=8) is None  # 3 columns left
    assert fit_first_column(console(40), build, labels, max_lines=1) is None


# ---- project -------------------------------------------------------------------------------


def test_header_lines(tiny):
    assert header_lines(tiny) == ["Tiny  (GBP, 2026-12 to 2027-01)", "overrides: discount_rate=0"]


def test_summary_panel_in_the_scenarios_currency(tiny):
    lines = text_of(100, summary_panel(tiny)).splitlines()
    assert "Summary" in lines[0]

    def shown(label: str) -> str:
        (line,) = [line for line in lines if line.startswith(f"│ {label}  ")]
        return line.strip("│ ").removeprefix(label).strip()

    assert shown("Total revenue") == "£3.0K"  # 1,500 + 1,500
    assert shown("NPV of net cash flow") == "£3.0K"  # no discounting
    assert shown("Gross margin %") == "100.0%"
    assert shown("Total committed fees") == "£0.00"
    assert shown("Payback month") == "—"  # never below zero: no payback month
    # no capacity: utilization is undefined, and the line is left out (the JSON has it, null)
    assert not any(line.startswith("│ Average utilization") for line in lines)


def test_monthly_tables_in_their_groups(tiny):
    tables = monthly_tables(tiny)
    # no collection lag, no arrears, no credits: the balances are 0 throughout, left out
    assert [t.title for t in tables] == [title for title, _ in TABLE_GROUPS if title != "Balances"]
    revenue = dict(TABLE_GROUPS)["Revenue and margin"]
    (table,) = [t for t in tables if t.title == "Revenue and margin"]
    assert [c.header for c in table.columns] == [
        "month",
        *(name for name in revenue if name not in WITHOUT_COMMITS),
    ]
    text = text_of(200, *tables)
    assert "│ 2026-12 │   £1.5K │" in text
    assert "│ 2027-01 │   £1.5K │    £0.00 │         £1.5K │           £3.0K │" in text


def test_a_group_too_wide_goes_on_in_a_second_table(ops):
    tables = monthly_tables(ops, console=console(60))
    titles = [t.title for t in tables]
    assert titles[:2] == ["Commitments and capacity (1 of 2)", "Commitments and capacity (2 of 2)"]
    assert "Operations (1 of 2)" in titles and "Operations (2 of 2)" in titles
    assert all(fits(console(60), [t]) for t in tables)
    # every column is still there, once (the balances but the credits not yet deducted are 0
    # throughout, so left out)
    hidden = {"receivables", "fees_payable", *WITHOUT_COMMITS}
    assert headers(tables) == [
        name for _, names in TABLE_GROUPS for name in names if name not in hidden
    ]


def test_by_year(tiny):
    text = text_of(200, *monthly_tables(tiny, "year"))
    assert "┃ period ┃" in text
    assert "│ 2026   │   £1.5K │" in text and "│ 2027   │   £1.5K │" in text


def test_print_projection_header_tables_and_summary(tiny):
    out = console(200)
    print_projection(out, tiny)
    text = out.export_text()
    assert text.startswith("Tiny  (GBP, 2026-12 to 2027-01)\noverrides: discount_rate=0\n")
    assert text.index("Cash and obligations") < text.index("Summary")


# ---- which figures the terminal leaves out --------------------------------------------------


def test_every_monthly_column_is_in_one_group():
    names = [name for _, group in TABLE_GROUPS for name in group]
    assert sorted(names) == sorted(MONTHLY_COLUMNS)


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("queue_wait_seconds", [None, None], False),  # no `serving`: undefined throughout
        ("queue_wait_seconds", [None, 0.5], True),  # one month with a wait
        ("queue_wait_seconds", [0.0, 0.0], True),  # a wait of 0 is a figure
        ("peak_utilization", [float("nan")], False),
        ("cost_per_gpu_hour", [None], False),  # no contract gives GPUs
        ("premium_over_market", [None, 0.25], True),  # a comparison: one scenario has it
        ("gpu_hours", [0.0, 0.0, 0.0], False),  # declared absent when 0
        ("gpu_hours", [0.0, 7440.0], True),
        ("sla_credits", [0.0, None], False),
        ("total_sla_credits", [310.0], True),
        ("committed_fees", [0.0, 0.0], True),  # 0 is news for any other figure
        ("months_saturated_at_peak", [0], True),
        ("payback_month", [None], True),  # a month's blank says "never"
        ("average_utilization", [None], False),
    ],
)
def test_shows(name, values, expected):
    assert shows(name, values) is expected


def test_a_column_equal_to_the_one_it_repeats_is_left_out():
    (name, same) = next(iter(SAME_AS.items()))
    assert not shows(name, [1.0, 2.0], {same: [1.0, 2.0]})
    assert shows(name, [0.99, 2.0], {same: [1.0, 2.0]})
    assert shows(name, [1.0, 2.0])  # nothing to compare with


def test_shown_columns_keeps_the_first_column_and_the_order():
    header = ["month", "gpu_hours", "committed_fees", "queue_wait_seconds", "sla_credits"]
    rows = [["2026-12", 0.0, 5.0, None, 0.0], ["2027-01", 0.0, 5.0, 0.2, 0.0]]
    assert shown_columns(header, rows) == ["month", "committed_fees", "queue_wait_seconds"]


def test_the_operating_columns_show_where_the_scenario_has_them(ops):
    shown = headers(monthly_tables(ops))
    assert all(name in shown for name in OPERATING)
    text = text_of(250, *monthly_tables(ops))
    assert "7,440" in text  # GPU-hours: 10 x 24 x 31
    assert "£310.00" in text  # the SLA credit: 10% of £3,100
    assert " s │" in text  # a queue wait, in seconds


def test_the_operating_columns_are_left_out_where_they_are_empty(tiny):
    # no capacity, no GPUs, no serving, no training, no SLA: none of them has a value
    shown = headers(monthly_tables(tiny))
    assert not any(name in shown for name in OPERATING)
    assert "utilization" not in shown  # no capacity: undefined in every month
    assert "inference_fees" in shown and "committed_fees" in shown  # £0.00 is a figure
    # CSV and JSON carry every column all the same
    assert projection_csv(tiny).splitlines()[0] == ",".join(["month", *MONTHLY_COLUMNS])


def test_a_saturated_peak_says_so_where_the_wait_has_no_value(ops):
    # peak utilization 3.77% x 30 = 113% in both months: the queue grows without end, the
    # engine's wait is undefined (empty in the CSV); the terminal writes "saturated"
    scenario = apply_overrides(ops.scenario, ["serving.peak_to_average=30"])
    saturated = projection(scenario)
    records = saturated.records()
    assert all(r["queue_wait_seconds"] is None and r["peak_utilization"] > 1 for r in records)
    tables = monthly_tables(saturated)
    assert "queue_wait_seconds" in headers(tables)  # shown with peak utilization
    text = text_of(250, *tables)
    assert text.count(" saturated │") == 2
    labels = summary_labels(saturated)
    assert "Months saturated at peak" in labels
    assert "Longest peak-hour queue wait" not in labels  # no unsaturated month: no value
    assert " saturated │" not in text_of(250, *monthly_tables(ops))  # 75% at peak: a wait


def test_the_operating_summary_lines_follow_the_same_rule(ops, tiny):
    labels = {figure.name: figure.label for figure in SUMMARY}
    operating = (
        "total_sla_credits",
        "peak_training_share",
        "months_saturated_at_peak",
        "max_queue_wait_seconds",
        "cost_per_gpu_hour",
        "premium_over_market",
    )
    with_them, without = summary_labels(ops), summary_labels(tiny)
    assert all(labels[name] in with_them for name in operating)
    assert not any(labels[name] in without for name in operating)
    assert labels["payback_month"] in without  # never paid back: shown, blank
    # all but the idle commitment cost: no commit
    assert len(with_them) == len(SUMMARY) - 1
    assert set(ABSENT_WHEN_ZERO) <= {*MONTHLY_COLUMNS, *labels}


def test_print_problems_one_line_each_however_narrow():
    out = console(40)
    long = Problem("x" * 60, file="s.yaml", line=3)
    print_problems(out, [long, Problem("odd", severity="warning")])
    assert out.export_text() == f"s.yaml:3: {'x' * 60}\n<input>: warning: odd\n"


# columns at 0 throughout without take-or-pay commits, prepayments or other currencies
WITHOUT_COMMITS = {"commit_tokens", "commit_spend", "commit_shortfall", "prepaid_fees", "fx_loss"}


def test_commit_prepayment_and_currency_columns_show_when_a_scenario_has_them():
    from pathlib import Path

    from commitcast.load.validation import load_scenario

    root = Path(__file__).resolve().parents[2]
    result = projection(load_scenario(root / "scenarios" / "cover-demand.yaml"))
    shown = headers(monthly_tables(result, console=console(100)))
    # the commit is used beyond its minimum every year: no shortfall, so that column is left out
    assert set(shown) >= WITHOUT_COMMITS - {"commit_shortfall"}
    assert "commit_shortfall" not in shown
