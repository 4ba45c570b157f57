"""A simulation as neutral tables (report/simulation.py): the JSON document and the long CSV
rows. The figures themselves are checked in tests/analysis/test_simulate.py; here, that each
lands where the documents say (docs/simulate.md).

The scenario: flat revenue drawn from uniform(0, 2000) a month for two months, no costs and no
discounting, so every run's NPV and gross margin are twice its revenue draw.
"""

from __future__ import annotations

import pytest

from commitcast.analysis.simulate import FAN_COLUMNS, FIGURES, PERCENTILES, simulate
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import scenario_from_text
from commitcast.report.simulation import simulation_dict, simulation_rows

TINY = """\
name: Tiny
horizon: {start: 2026-12, months: 2}
revenue:
  - {name: Flat, revenue_per_month: {dist: uniform, low: 0, high: 2000}}
  - {name: Other, revenue_per_month: {dist: uniform, low: 0, high: 10}}
correlations:
  - {between: [revenue.Flat.revenue_per_month, revenue.Other.revenue_per_month], rho: 0.5}
"""
RUNS = 50


@pytest.fixture(scope="module")
def result():
    scenario = apply_overrides(scenario_from_text(TINY, "tiny.yaml"), ["discount_rate=0"])
    return simulate(scenario, RUNS, seed=3, funding_limit=5e9)


def test_the_document_in_order(result):
    document = simulation_dict(result)
    assert list(document) == [
        "scenario",
        "overrides",
        "runs",
        "seed",
        "percentile_method",
        "inputs",
        "correlations",
        "figures",
        "probabilities",
        "fan",
    ]
    assert document["scenario"]["file"] == "tiny.yaml"
    assert document["scenario"]["horizon"] == {"start": "2026-12", "months": 2}
    assert document["overrides"] == ["discount_rate=0"]
    assert (document["runs"], document["seed"]) == (RUNS, 3)
    assert document["percentile_method"] == "linear"  # numpy's default, as the docs say


def test_each_input_with_its_distribution_central_value_and_sample_mean(result):
    flat, other = simulation_dict(result)["inputs"]  # sorted by key
    assert flat["path"] == "revenue.Flat.revenue_per_month"
    assert flat["key"] == "revenue[0].revenue_per_month"
    assert flat["distribution"] == {"dist": "uniform", "low": 0.0, "high": 2000.0}
    assert flat["central_value"] == pytest.approx(1000, abs=0.005)  # (0 + 2000) / 2
    assert other["key"] == "revenue[1].revenue_per_month"
    # the figures of every run follow its draws: NPV = 2 x (Flat + Other) at 0% discount
    npv_mean = simulation_dict(result)["figures"]["npv"]["mean"]
    assert npv_mean == pytest.approx(2 * (flat["sample_mean"] + other["sample_mean"]), abs=0.005)
    assert 0 < flat["sample_mean"] < 2000


def test_correlations_by_label(result):
    assert simulation_dict(result)["correlations"] == [
        {
            "between": ["revenue.Flat.revenue_per_month", "revenue.Other.revenue_per_month"],
            "rho": 0.5,
        }
    ]


def test_figures_probabilities_and_fan(result):
    document = simulation_dict(result)
    assert list(document["figures"]) == list(FIGURES)
    assert list(document["figures"]["npv"]) == ["defined_runs", "mean"] + [
        f"p{p}" for p in PERCENTILES
    ]
    # no capacity: utilization is undefined in every run, and says so
    assert document["figures"]["average_utilization"]["defined_runs"] == 0
    assert document["figures"]["average_utilization"]["mean"] is None
    probabilities = document["probabilities"]
    assert probabilities["funding_limit"] == 5e9
    assert probabilities["utilization_threshold"] == 0.7
    assert probabilities["gross_margin_below_zero"] == 0.0  # revenue only: never below zero
    assert probabilities["peak_funding_need_above_limit"] == 0.0
    fan = document["fan"]
    assert fan["months"] == ["2026-12", "2027-01"]
    assert set(fan) == {"months", *FAN_COLUMNS}
    assert fan["utilization"]["p50"] == [None, None]
    # cumulative cash after two months is the NPV at 0%: the same median
    assert fan["cumulative_cash"]["p50"][1] == pytest.approx(
        document["figures"]["npv"]["p50"], abs=0.005
    )


def test_without_a_funding_limit_its_probability_is_null():
    scenario = scenario_from_text(TINY, "tiny.yaml")
    probabilities = simulation_dict(simulate(scenario, 5, seed=1))["probabilities"]
    assert probabilities["funding_limit"] is None
    assert probabilities["peak_funding_need_above_limit"] is None


def test_long_rows(result):
    rows = simulation_rows(result)
    # 7 figures x 7 statistics, 3 probabilities, 2 fan columns x 2 months x 3 levels
    assert len(rows) == 7 * 7 + 3 + 2 * 2 * 3
    assert rows[0] == ("figure", "npv", "", "defined_runs", RUNS)
    assert ("probability", "gross_margin_below_zero", "", "share_of_runs", 0.0) in rows
    fan = [row for row in rows if row[0] == "fan"]
    assert fan[0][:4] == ("fan", "cumulative_cash", "2026-12", "p5")
    assert [row[2] for row in fan[:6]] == ["2026-12"] * 3 + ["2027-01"] * 3
    figures = simulation_dict(result)["figures"]
    for section, name, _, statistic, value in rows:
        if section == "figure":
            assert value == figures[name][statistic]
