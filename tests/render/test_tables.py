"""CSV/JSON helpers: unrounded numbers, nulls, and text that can never become a formula."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

from commitcast.render.tables import csv_rows, markdown_table, safe_text, to_json


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_numbers_are_unrounded_plain_text_whatever_their_type():
    # numpy scalars print as np.float64(...) under numpy 2's repr: a CSV must hold the number
    rows = parse(csv_rows(["a", "b", "c", "d"], [[np.float64(0.1), 1 / 3, np.int64(7), 2]]))
    assert rows[1] == ["0.1", "0.3333333333333333", "7", "2"]
    assert float(rows[1][1]) == 1 / 3  # round-trips exactly


def test_csv_nulls_are_empty_cells():
    rows = parse(csv_rows(["a", "b", "c"], [[None, math.nan, np.float64("nan")]]))
    assert rows[1] == ["", "", ""]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_could_be_a_formula_is_quoted(text):
    assert safe_text(text) == "'" + text
    assert parse(csv_rows(["name"], [[text]]))[1][0].startswith("'")


def test_a_carriage_return_in_text_cannot_split_a_row():
    # Excel and LibreOffice end a row at a bare CR; the csv module only quotes a field holding
    # a character of its line terminator ("\n"), so a CR is written as a line break instead.
    rows = parse(csv_rows(["name", "value"], [["A\rB", 1.0], ["C\r\nD", 2.0]]))
    assert rows == [["name", "value"], ["A\nB", "1.0"], ["C\nD", "2.0"]]


def test_plain_text_is_untouched():
    assert safe_text("Colossus reservation") == "Colossus reservation"
    assert safe_text("") == ""


def test_json_has_no_nan_or_infinity():
    data = json.loads(to_json({"a": math.nan, "b": math.inf, "c": np.float64(2.5), "d": [1, None]}))
    assert data == {"a": None, "b": None, "c": 2.5, "d": [1, None]}


def test_markdown_table_escapes_pipes():
    text = markdown_table(["name", "value"], [["a|b", "1"]])
    assert text.splitlines() == ["| name | value |", "|---|---|", "| a\\|b | 1 |"]


@pytest.mark.parametrize("by", ["month", "quarter", "year"])
def test_projection_csv_holds_every_figure_unrounded(by):
    import commitcast
    from commitcast.core.measures import MONTHLY_COLUMNS, unit_of
    from commitcast.engine.projection import projection
    from commitcast.render.tables import projection_csv
    from tests.conftest import FIXTURES

    result = projection(commitcast.load_scenario(FIXTURES / "colossus-base.yaml"))
    rows = parse(projection_csv(result, by))
    first = "month" if by == "month" else "period"
    assert rows[0] == [first, *MONTHLY_COLUMNS]
    assert [row[0] for row in rows[1:]] == result.periods(by)
    columns = result.columns_by(by)
    for index, row in enumerate(rows[1:]):
        for name, cell in zip(MONTHLY_COLUMNS, row[1:], strict=True):
            value = float(columns[name][index])
            if math.isnan(value):
                assert cell == ""  # undefined: an empty cell
            elif unit_of(name) == "ratio":
                assert float(cell) == pytest.approx(value, abs=1e-9)
            else:
                assert float(cell) == pytest.approx(value, rel=1e-15, abs=0.005)
    # the base case's contract ends a year before the horizon: utilization is undefined there
    assert rows[-1][MONTHLY_COLUMNS.index("utilization") + 1] == ""


def test_no_non_finite_number_reaches_csv_or_json():
    import json
    import math

    from commitcast.render.tables import csv_rows, to_json

    assert csv_rows(["a", "b", "c"], [[math.inf, -math.inf, math.nan]]) == "a,b,c\n,,\n"
    assert json.loads(to_json({"x": [math.inf, -math.inf, math.nan, 1.5]})) == {
        "x": [None, None, None, 1.5]
    }


def test_markdown_escapes_markup_and_html_once():
    from commitcast.render.tables import markdown_list, markdown_table, markdown_text

    hostile = "[x](javascript:alert(1)) <img src=x onerror=alert(1)> *a* `b` a|b\nc"
    escaped = markdown_text(hostile)
    assert escaped == (
        r"\[x\](javascript:alert(1)) \<img src=x onerror=alert(1)\> \*a\* \`b\` a\|b c"
    )
    assert markdown_text(escaped) == escaped  # escaping twice changes nothing
    assert markdown_text("C:\\dir") == "C:\\\\dir"  # a backslash shows as written
    table = markdown_table(["name"], [[hostile]])
    assert table.splitlines()[2] == f"| {escaped} |"
    assert markdown_list([hostile]) == f"- {escaped}\n"


def test_markdown_keeps_bare_addresses_and_list_markers_as_text():
    from commitcast.render.tables import markdown_list, markdown_text

    # GitHub's Markdown links a bare address in text; the ':' of '://' and the '.' of 'www.'
    # escaped, it is text (and escaping twice changes nothing)
    shown = markdown_text("Provider https://evil.example/x and www.evil.example")
    assert shown == r"Provider https\://evil.example/x and www\.evil.example"
    assert markdown_text(shown) == shown
    assert markdown_text("ratio 1.5: fine, 2026-06") == "ratio 1.5: fine, 2026-06"  # untouched
    # an item that begins as a list marker would has its punctuation escaped (a digit cannot
    # be); what is no marker (more than 9 digits, no space after it) is left alone
    assert markdown_list(
        ["- old", "+ new", "1. North", "12) East", "-5 below", "1234567890. x"]
    ) == ("- \\- old\n- \\+ new\n- 1\\. North\n- 12\\) East\n- -5 below\n- 1234567890. x\n")
