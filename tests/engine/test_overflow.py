"""Which input made a figure pass the range of numbers (engine/overflow.py), at its line.

Through every command and the bad-input corpus (66, 106-108): tests/test_bad_inputs*.py.
"""

from __future__ import annotations

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.engine.overflow import compounding, overflow_problem
from commitcast.engine.projection import projection
from commitcast.load.validation import scenario_from_text
from commitcast.variants.batch import Batch

STREAMS = """\
name: Two streams
horizon: {start: 2026-06, months: 1200}
revenue:
  - {name: Slow, tokens_per_month: 1e12, growth: 0.5, price_per_million_tokens: 2}
  - name: Fast
    tokens_per_month: 1e12
    growth: 3
    price_per_million_tokens: 2
"""


def test_the_rate_that_compounds_most_is_named_at_its_line():
    scenario = scenario_from_text(STREAMS, "two.yaml")
    found = compounding(Batch(scenario), 0)
    assert [c.path for c in found] == [("revenue", 1, "growth"), ("revenue", 0, "growth")]
    # 1e12 x 4 ** 1200: log10 = 12 + 1200 log10(4)
    assert found[0].log10 == pytest.approx(12 + 1200 * 0.6020599913, rel=1e-9)
    with pytest.raises(CommitcastError) as caught:
        projection(scenario)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("two.yaml", 7, 5)
    assert problem.field == "revenue[1].growth"
    assert "(300% a month) compounds to about 1e734 over 1,200 months" in problem.message


def test_discounting_that_overflows_names_the_discount_rate():
    text = """\
name: Discounted away
horizon: {start: 2026-06, months: 1200}
discount_rate: -0.999999
contracts:
  - {name: C, monthly_fee: 1000, start: 2026-06-01, end: 2125-05-31}
"""
    scenario = scenario_from_text(text, "d.yaml")
    problem = overflow_problem(Batch(scenario), "npv", 0, 1)
    assert (problem.line, problem.column, problem.field) == (3, 1, "discount_rate")
    assert "discounting at -99.9999% a year over 1,200 months" in problem.message


def test_no_compounding_rate_points_at_the_horizon():
    text = "name: Flat\nhorizon: {start: 2026-06, months: 24}\n"
    scenario = scenario_from_text(text, "f.yaml")
    problem = overflow_problem(Batch(scenario), "total_revenue", 0, 3)
    assert (problem.line, problem.field) == (2, "horizon.months")
    assert "in run 1 of 3 over 24 months" in problem.message
