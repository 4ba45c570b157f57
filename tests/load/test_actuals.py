"""Reading the actuals CSV against the plan (each bad file's message: tests/bad_actuals/)."""

from __future__ import annotations

import datetime as dt

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.load.actuals import actuals_from_text, column_name, read_actuals
from commitcast.load.validation import scenario_from_text
from tests.conftest import ROOT

PLAN = scenario_from_text((ROOT / "tests" / "bad_actuals" / "plan.yaml").read_text())


def test_company_stream_and_contract_columns_with_quoted_names():
    text = (
        'month,revenue,contracts."Colossus 1".fees,revenue.API.tokens,'
        "revenue.'Chat v1.5'.revenue,served_tokens\n"
        "2026-06,1.5k,$1000,4e8,200,4e8\n"
        "2026-07,,,,,\n"
    )
    actuals = actuals_from_text(text, PLAN, "a.csv")
    assert actuals.months == (dt.date(2026, 6, 1), dt.date(2026, 7, 1))
    assert actuals.company == {"revenue": (1500.0, None), "served_tokens": (4e8, None)}
    assert actuals.contracts == {"Colossus 1": {"fees": (1000.0, None)}}
    # the plan's order of streams, whatever the file's
    assert list(actuals.streams) == ["API", "Chat v1.5"]
    assert actuals.streams["API"] == {"tokens": (4e8, None)}
    assert actuals.streams["Chat v1.5"] == {"revenue": (200.0, None)}
    assert actuals.closed == 2 and actuals.file == "a.csv"


def test_bom_and_crlf_are_read_as_if_absent(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b'\xef\xbb\xbfmonth,revenue,"cash_in"\r\n2026-06,"1,000",5\r\n\r\n')
    actuals = read_actuals(path, PLAN)
    assert actuals.company == {"revenue": (1000.0,), "cash_in": (5.0,)}
    assert actuals.sha256 is not None and len(actuals.sha256) == 64


def test_every_problem_at_once_sorted_by_line_and_column():
    text = "month,revnue,gross_margin\n2026-07,1,1\n2026-09,x,1\n"
    with pytest.raises(CommitcastError) as caught:
        actuals_from_text(text, PLAN, "a.csv")
    where = [(p.line, p.column) for p in caught.value.problems]
    assert where == [(1, 7), (1, 14), (2, 1), (3, 1)]
    assert all(p.file == "a.csv" for p in caught.value.problems)


def test_a_bad_value_names_its_column():
    with pytest.raises(CommitcastError) as caught:
        actuals_from_text("month,cash_in\n2026-06,abc\n", PLAN, "a.csv")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column, problem.field) == (2, 9, "cash_in")
    assert str(problem).startswith("a.csv:2:9: cash_in: cannot read 'abc' as a number")


def test_column_names_quote_what_needs_quoting():
    assert column_name("revenue", "API", "tokens") == "revenue.API.tokens"
    assert column_name("contracts", "Colossus 1", "fees") == 'contracts."Colossus 1".fees'
    assert column_name("revenue", "v1.5", "revenue") == 'revenue."v1.5".revenue'
    assert column_name("revenue", 'say "hi"', "tokens") == "revenue.'say \"hi\"'.tokens"


def test_missing_file():
    with pytest.raises(CommitcastError, match="no such file"):
        read_actuals(ROOT / "no-such.csv", PLAN)


def test_actuals_of_an_item_in_another_currency_are_refused_at_their_column():
    plan = scenario_from_text(
        "name: euro\nhorizon: {start: 2026-01, months: 3}\nfx: {EUR: {rate: 1.1}}\n"
        "contracts:\n  - {name: E, currency: EUR, monthly_fee: 1000, start: 2026-01-01,"
        " end: 2026-12-31}\n"
        "revenue:\n  - {name: EU, currency: EUR, tokens_per_month: 1000,"
        " price_per_million_tokens: 2}\n"
    )
    with pytest.raises(CommitcastError) as caught:
        actuals_from_text(
            "month,revenue.EU.revenue,contracts.E.fees,revenue\n2026-01,1,2,3\n", plan
        )
    problems = caught.value.problems
    # the stream's and the contract's own columns, not the company's revenue (column 43)
    assert [(p.field, p.column) for p in problems] == [
        ("revenue.EU.revenue", 7),
        ("contracts.E.fees", 26),
    ]
    assert all("in EUR" in p.message for p in problems)
