"""Rich tables for people and the layout helpers every terminal renderer shares
(render/terminal.py).

That no figure is ever cut at any width, for every command, is in
tests/render/test_terminal_width.py; `project`'s tables through the command line in
tests/cli/test_core.py. Figures by hand: flat revenue of £1,500 a month for two months.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.table import Table

from commitcast.core.errors import Problem
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import scenario_from_text
from commitcast.render.terminal import (
    KEEP,
    TABLE_GROUPS,
    break_label,
    fit_first_column,
    fits,
    header_lines,
    label_width,
    monthly_tables,
    natural_width,
    phrase,
    print_problems,
    print_projection,
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


@pytest.fixture(scope="module")
def tiny():
    return projection(apply_overrides(scenario_from_text(TINY, "tiny.yaml"), ["discount_rate=0"]))


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
    assert shown("Average utilization") == ""  # no capacity: undefined


def test_monthly_tables_in_their_groups(tiny):
    tables = monthly_tables(tiny)
    assert [t.title for t in tables] == [title for title, _ in TABLE_GROUPS]
    assert [c.header for c in tables[2].columns] == ["month", *TABLE_GROUPS[2][1]]
    text = text_of(200, *tables)
    assert "│ 2026-12 │   £1.5K │" in text
    assert "│ 2027-01 │   £1.5K │    £0.00 │         £1.5K │           £3.0K │" in text


def test_a_group_too_wide_goes_on_in_a_second_table(tiny):
    tables = monthly_tables(tiny, console=console(60))
    titles = [t.title for t in tables]
    assert titles[:2] == ["Commitments and capacity (1 of 2)", "Commitments and capacity (2 of 2)"]
    assert "Demand" in titles
    assert all(fits(console(60), [t]) for t in tables)
    # every column is still there, once
    headers = [c.header.replace("_\n", "_") for t in tables for c in t.columns[1:]]
    assert headers == [name for _, names in TABLE_GROUPS for name in names]


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


def test_print_problems_one_line_each_however_narrow():
    out = console(40)
    long = Problem("x" * 60, file="s.yaml", line=3)
    print_problems(out, [long, Problem("odd", severity="warning")])
    assert out.export_text() == f"s.yaml:3: {'x' * 60}\n<input>: warning: odd\n"
