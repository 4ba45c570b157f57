"""render/obligations.py: the obligations table at the terminal's width, CSV and Markdown."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from rich.console import Console

from commitcast.analysis.obligations import obligations
from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.render.obligations import (
    obligations_csv,
    obligations_markdown,
    print_obligations,
)
from tests.analysis.test_obligations import notice_scenario
from tests.conftest import SCENARIOS


def shown(result, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, no_color=True, highlight=False)
    print_obligations(console, result)
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("by", ["bucket", "year", "fiscal-year", "fiscal-quarter"])
def test_the_table_fits_the_terminal_with_every_figure_whole(width, by):
    portfolio = load_scenario(SCENARIOS / "portfolio.yaml")
    result = obligations(portfolio, dt.date(2027, 3, 1), by)
    text = shown(result, width)
    assert max(len(line) for line in text.splitlines()) <= width
    # every contract, each figure, every period and the total
    for name in ("Colossus 1", "Neocloud GB200", "all contracts"):
        assert name in text
    for period in [*result.periods, "total"]:
        assert period in text.replace("\n", " ") or period.split()[0] in text
    # the total of all contracts' scheduled payments, whole ($44.80B: checked against the
    # engine in tests/analysis/test_obligations.py)
    assert "$44.80B" in text


def test_the_notes_say_what_is_left_out_and_which_contracts_cannot_be_ended():
    portfolio = load_scenario(SCENARIOS / "portfolio.yaml")
    text = " ".join(shown(obligations(portfolio), 100).split())
    assert "SLA credits left out" in text
    assert "Hyperscaler reservation: no termination terms, wholly noncancelable" in text
    given = shown(obligations(notice_scenario("2026-06-01"), dt.date(2026, 7, 1)), 100)
    assert "notice given on 2026-06-01; noncancelable is the rest of the shortened" in given
    planned = shown(obligations(notice_scenario("2026-06-01"), dt.date(2026, 4, 1)), 100)
    assert "notice planned on 2026-06-01; scheduled is the shortened schedule" in planned


def test_csv_is_unrounded():
    text = obligations_csv(obligations(notice_scenario(), dt.date(2026, 4, 1)))
    lines = text.splitlines()
    assert lines[0] == "contract,period,scheduled,noncancelable,cancelable"
    name, period, scheduled, noncancelable, cancelable = lines[1].split(",")
    assert (name, period) == ("Sixty days", "within 1 year")
    # 3,000 + 30/31 x 3,000 + 500 = 6,403.2258...: more digits than the cents
    assert float(noncancelable) == pytest.approx(6_403.2258, abs=1e-4)
    assert lines[-1].startswith(",total,")


def test_markdown_escapes_names():
    text = """\
name: "Odd | names"
horizon: {start: 2026-01, months: 12}
contracts:
  - {name: "*bold* | [link](x) <b>", monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31}
"""
    result = obligations(scenario_from_text(text))
    markdown = obligations_markdown(result)
    row = next(line for line in markdown.splitlines() if "scheduled" in line)
    assert row.startswith(r"| \*bold\* \| \[link\](x) \<b\> | scheduled | $12.0K |")
    # the title line names the scenario, escaped too
    assert markdown.splitlines()[0].startswith(r"- obligations as of 1 Jan 2026: Odd \| names")


def test_a_contract_named_as_a_list_marker_stays_a_name_in_the_notes():
    # "- old" and "1. North" began a note, "- - old: ...", read as a list in a list (a helper's
    # audit, rendered through markdown-it); each marker's punctuation is now escaped
    text = """\
name: Markers
horizon: {start: 2026-01, months: 12}
contracts:
  - {name: "- old", monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31}
  - {name: "1. North", monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31}
"""
    notes = [
        line
        for line in obligations_markdown(obligations(scenario_from_text(text))).splitlines()
        if line.startswith("- ")
    ]
    assert any(line.startswith(r"- \- old: ") for line in notes), notes
    assert any(line.startswith(r"- 1\. North: ") for line in notes), notes
