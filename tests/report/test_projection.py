"""A projection as a neutral document (report/projection.py): what `project --format json`
writes, before any format. The JSON as the command line prints it is in tests/cli/test_core.py.

Figures by hand: flat revenue of 1,000 a month for December 2026 and January 2027, no costs,
no discounting.
"""

from __future__ import annotations

import pytest

from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import scenario_from_text
from commitcast.model.scenario import Scenario
from commitcast.report.projection import projection_dict, scenario_header

TINY = """\
name: Tiny
currency: EUR
horizon: {start: 2026-12, months: 2}
revenue:
  - {name: Flat, revenue_per_month: 1000}
"""


@pytest.fixture(scope="module")
def tiny():
    return scenario_from_text(TINY, "tiny.yaml")


def test_the_header_says_which_scenario_from_which_file_over_which_months(tiny):
    import hashlib

    assert scenario_header(tiny, ["2026-12", "2027-01"]) == {
        "name": "Tiny",
        "currency": "EUR",
        "file": "tiny.yaml",
        "sha256": hashlib.sha256(TINY.encode()).hexdigest(),
        "horizon": {"start": "2026-12", "months": 2},
    }


def test_a_scenario_built_in_python_has_no_file():
    built = Scenario.model_validate({"name": "b", "horizon": {"start": "2026-01", "months": 1}})
    header = scenario_header(built, ["2026-01"])
    assert (header["file"], header["sha256"]) == (None, None)


def test_monthly_rows_and_the_summary(tiny):
    document = projection_dict(projection(tiny))
    assert list(document) == ["scenario", "overrides", "period", "monthly", "summary"]
    assert document["period"] == "month"
    assert document["overrides"] == []
    months = document["monthly"]
    assert [row["month"] for row in months] == ["2026-12", "2027-01"]
    assert [row["revenue"] for row in months] == pytest.approx([1000, 1000], abs=0.005)
    # cumulative cash: 1,000 then 1,000 + 1,000
    assert [row["cumulative_cash"] for row in months] == pytest.approx([1000, 2000], abs=0.005)
    assert months[0]["utilization"] is None  # no capacity: undefined, not 0 and not NaN
    summary = document["summary"]
    assert summary["total_revenue"] == pytest.approx(2000, abs=0.005)
    assert summary["npv"] == pytest.approx(2000, abs=0.005)  # no discount rate
    assert summary["payback_month"] is None  # never below zero


def test_a_year_view_splits_at_the_year_end(tiny):
    document = projection_dict(projection(tiny), "year")
    assert document["period"] == "year"
    rows = document["monthly"]
    assert [row["period"] for row in rows] == ["2026", "2027"]
    assert [row["revenue"] for row in rows] == pytest.approx([1000, 1000], abs=0.005)
    # a balance is the period's last month: 1,000 at the end of 2026, 2,000 at January's end
    assert [row["cumulative_cash"] for row in rows] == pytest.approx([1000, 2000], abs=0.005)


def test_overrides_are_listed(tiny):
    changed = apply_overrides(tiny, ["revenue.Flat.revenue_per_month=1500"])
    document = projection_dict(projection(changed), "quarter")
    assert document["overrides"] == ["revenue.Flat.revenue_per_month=1500"]
    # Q4 2026 holds December, Q1 2027 January: 1,500 each
    assert [row["revenue"] for row in document["monthly"]] == pytest.approx([1500, 1500], abs=0.005)


def test_a_re_forecast_says_which_months_are_actual():
    from commitcast.engine.actuals import reforecast
    from tests.engine.test_actuals import UNDER, plan

    document = projection_dict(reforecast(plan(), UNDER), "quarter")
    assert document["actuals"] == {
        "file": None,
        "sha256": None,
        "closed_months": 3,
        "last_closed": "2026-03",
        "keep_plan": False,
    }
    assert [row["basis"] for row in document["monthly"]] == ["actual", "forecast"]
    assert list(document)[:3] == ["scenario", "overrides", "actuals"]


def test_each_contract_shows_its_own_currency_the_rate_and_the_reporting_currency():
    scenario = scenario_from_text(
        "name: euro\nhorizon: {start: 2026-01, months: 2}\n"
        "fx: {EUR: {rate: 1.10, change: 0.01}}\ncontracts:\n"
        "  - {name: E, currency: EUR, monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31}\n"
    )
    (contract,) = projection_dict(projection(scenario), contracts=True)["contracts"]
    assert (contract["name"], contract["kind"], contract["currency"]) == ("E", "reserved", "EUR")
    january, february = contract["monthly"]
    # EUR 1,000 a month at 1.10, then 1.10 x 1.01 = 1.111
    assert january["fees_native"] == pytest.approx(1_000, abs=0.005)
    assert january["fx_rate"] == pytest.approx(1.10, rel=1e-12)
    assert january["fees"] == pytest.approx(1_100, abs=0.005)
    assert february["fees"] == pytest.approx(1_111, abs=0.005)
    # the obligation at February's end: ten months left, EUR 10,000 at February's 1.111
    assert february["remaining_obligation_native"] == pytest.approx(10_000, abs=0.005)
    assert february["remaining_obligation"] == pytest.approx(11_110, abs=0.005)
