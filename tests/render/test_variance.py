"""The variance tables: legible without colour (F/U), coloured by sense, Markdown escaped."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from commitcast.analysis.variance import variance
from commitcast.load.actuals import actuals_from_text
from commitcast.load.validation import scenario_from_text
from commitcast.render.variance import print_variance, variance_csv, variance_markdown
from tests.analysis.test_variance import MONTHS, PLAN, _actuals


@pytest.fixture(scope="module")
def result():
    plan = scenario_from_text(PLAN.replace("name: API", "name: 'API *v2*'"), "plan.yaml")
    text = _actuals(MONTHS[:2]).replace("revenue.API.", "revenue.'API *v2*'.")
    return variance(plan, actuals_from_text(text, plan, "a.csv"), "month")


def _text(result, width: int, colour: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=colour,
        color_system="standard" if colour else None,
        no_color=not colour,  # the tests run with NO_COLOR set
    )
    print_variance(console, result)
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 100])
def test_the_table_fits_and_says_favourable_without_colour(result, width):
    text = _text(result, width)
    assert all(len(line) <= width for line in text.splitlines())
    assert "\x1b[" not in text
    lines = {line.split("  ")[0].strip(): line for line in text.splitlines() if line.strip()}
    # February (the last row of each label): revenue 190 + 330 + 45 = 565 against 550
    assert lines["Revenue*"].rstrip().endswith("F")
    assert lines["Cash out"].rstrip().endswith("F")  # 990 against 1,000
    assert "$15.00" in lines["Revenue*"] and "2.7%" in lines["Revenue*"]  # February: 565 vs 550
    assert "volume effect" in text and "price effect" in text
    assert "YTD 2026: year to date (2 months)" in text
    assert "FYTD FY2027: fiscal year to date (1 month)" in text  # February 2026 alone


def test_variances_are_coloured_by_sense(result):
    text = _text(result, 100, colour=True)
    assert re.search(r"\x1b\[32m *\$15\.00", text)  # revenue up (February): green
    assert re.search(r"\x1b\[31m *-10\.00M", text)  # API tokens down: red


def test_markdown_escapes_names(result):
    text = variance_markdown(result)
    assert "API \\*v2\\* revenue" in text
    assert text.startswith("| period | figure | plan | actual | variance | % | F/U |")


def test_csv_is_unrounded(result):
    text = variance_csv(result)
    assert text.startswith("period,figure,kind,months,plan,actual,variance,variance_pct,")
    # the name quoted as in the actuals file, the cell quoted as CSV quotes it
    assert '2026-01,"revenue.""API *v2*"".volume",split,1,,,-20.0,,unfavourable' in text
