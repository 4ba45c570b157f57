"""Distributions in a scenario file (load/uncertainty.py): central values read before the model
sees the data, where a distribution may stand, the labels and supports, and correlations.

Errors in a distribution's own parameters, and --set with distributions, are in
tests/model/test_uncertainty.py; correlations out of range, naming a stream that does not exist,
an input without a distribution, or contradicting each other, in tests/analysis/test_simulate.py.
"""

from __future__ import annotations

import copy
import textwrap

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.load.reader import parse_text
from commitcast.load.uncertainty import central_values, check_values, label_of, support
from commitcast.load.validation import load_scenario, scenario_from_text
from commitcast.model.uncertainty import parse_spec
from tests.conftest import FIXTURES

SCENARIO = textwrap.dedent(
    """\
    name: x
    horizon: {start: 2026-01, months: 12}
    contracts:
      - name: Big rack
        monthly_fee: {dist: uniform, low: 1M, high: 3M}
        start: 2026-01-01
        end: 2026-12-31
        ramp: [{months: 2, fraction: {dist: triangular, low: 0.2, mode: 0.5, high: 0.6}}]
        capacity: {tokens_per_month: 1.0e12}
    revenue:
      - {name: API, tokens_per_month: 1.0e12, growth: {dist: normal, mean: 0.02, sd: 0.01},
         price_per_million_tokens: 5, price_change: {dist: normal, mean: 0, sd: 0.01}}
    costs:
      training_share: {dist: choice, values: [0.2, 0.3], weights: [1, 3]}
    """
)


def test_central_values_replace_each_distribution_and_keep_the_specs_by_path():
    document = parse_text(SCENARIO, "s.yaml")
    before = copy.deepcopy(document.data)
    data, specs = central_values(document)
    # uniform: the midpoint (1M + 3M) / 2; triangular: the mode; normal: the mean; choice: the
    # most likely value (weight 3 of 4)
    assert data["contracts"][0]["monthly_fee"] == pytest.approx(2_000_000, abs=0.005)
    assert data["contracts"][0]["ramp"][0]["fraction"] == pytest.approx(0.5, abs=1e-12)
    assert data["revenue"][0]["growth"] == pytest.approx(0.02, abs=1e-12)
    assert data["revenue"][0]["price_change"] == 0
    assert data["costs"]["training_share"] == pytest.approx(0.3, abs=1e-12)
    assert sorted(specs) == [
        ("contracts", 0, "monthly_fee"),
        ("contracts", 0, "ramp", 0, "fraction"),
        ("costs", "training_share"),
        ("revenue", 0, "growth"),
        ("revenue", 0, "price_change"),
    ]
    assert specs[("revenue", 0, "growth")] == parse_spec(
        {"dist": "normal", "mean": 0.02, "sd": 0.01}
    )
    assert document.data == before  # the document's data is untouched
    assert data["revenue"][0]["price_per_million_tokens"] == 5  # plain values pass through
    # only the containers on the way to a distribution are copies; the rest is the document's
    assert data["contracts"][0]["capacity"] is document.data["contracts"][0]["capacity"]
    assert data["contracts"][0] is not document.data["contracts"][0]


def test_central_values_of_a_file_without_distributions_is_its_data():
    document = parse_text("name: x\nhorizon: {start: 2026-01, months: 12}\n", "s.yaml")
    data, specs = central_values(document)
    assert data is document.data and specs == {}


def test_every_distribution_in_a_name_date_or_choice_is_refused_at_once():
    text = SCENARIO.replace("name: Big rack", "name: {dist: choice, values: [a]}").replace(
        "start: 2026-01-01", "start: {dist: uniform, low: 1, high: 2}"
    )
    with pytest.raises(CommitcastError) as caught:
        central_values(parse_text(text, "s.yaml"))
    assert [(p.line, p.field, p.message) for p in caught.value.problems] == [
        (4, "contracts[0].name", "this field cannot have a distribution"),
        (6, "contracts[0].start", "this field cannot have a distribution"),
    ]


def test_loaded_distributions_are_attached_with_readable_labels():
    scenario = scenario_from_text(SCENARIO, "s.yaml")
    labels = {key: item.label for key, item in scenario.uncertainty.inputs.items()}
    assert labels == {
        "contracts[0].monthly_fee": 'contracts."Big rack".monthly_fee',
        "contracts[0].ramp[0].fraction": 'contracts."Big rack".ramp[0].fraction',
        "revenue[0].growth": "revenue.API.growth",
        "revenue[0].price_change": "revenue.API.price_change",
        "costs.training_share": "costs.training_share",
    }
    assert scenario.contracts[0].monthly_fee == pytest.approx(2_000_000, abs=0.005)


def test_label_of_uses_names_where_items_have_them():
    base = load_scenario(FIXTURES / "colossus-base.yaml")
    assert label_of(base, ("revenue", 1, "growth")) == "revenue.Subscriptions.growth"
    assert (
        label_of(base, ("contracts", 0, "monthly_fee"))
        == 'contracts."Colossus reservation".monthly_fee'
    )
    assert label_of(base, ("discount_rate",)) == "discount_rate"


@pytest.mark.parametrize(
    ("spec", "ends"),
    [
        ({"dist": "uniform", "low": 1, "high": 3}, [1.0, 3.0]),
        ({"dist": "triangular", "low": 0, "mode": 2, "high": 5}, [0.0, 5.0]),
        ({"dist": "choice", "values": [3, 1, 3, 2]}, [1.0, 2.0, 3.0]),
        ({"dist": "normal", "mean": 4, "sd": 0}, [4.0]),
        ({"dist": "normal", "mean": 4, "sd": 1}, []),  # unbounded: nothing finite to check
        ({"dist": "normal", "mean": 4, "sd": 1, "min": 0}, [0.0]),
        ({"dist": "lognormal", "mean": 4, "sd": 1, "max": 9}, [9.0]),
        ({"dist": "uniform", "low": -1, "high": 3, "min": 0, "max": 2}, [0.0, 2.0]),  # clipped
    ],
)
def test_support_is_the_finite_extremes_after_clipping(spec, ends):
    assert support(parse_spec(spec)) == ends


def test_check_values_says_why_a_value_is_refused():
    base = load_scenario(FIXTURES / "colossus-base.yaml")
    share = ("costs", "training_share")
    assert check_values(base, share, [0.0, 0.5, 1.0]) is None
    reason = check_values(base, share, [0.5, 1.5])
    assert reason is not None and "1.5 is out of range" in reason and "at most 1" in reason
    assert base.costs.training_share == pytest.approx(0.30, abs=1e-12)  # the scenario is as it was


CORRELATED = SCENARIO + "correlations:\n"


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (
            "  - {between: [revenue.API.growth, 'revenue[0].growth'], rho: 0.5}\n",
            "a pair needs two different inputs",
        ),
        (
            "  - {between: [revenue.API.growth, costs.training_share], rho: 0.5}\n"
            "  - {between: [costs.training_share, 'revenue[0].growth'], rho: -0.2}\n",
            "this pair is already correlated in correlations[0]",
        ),
    ],
)
def test_a_pair_must_be_two_inputs_correlated_once(pairs, message):
    with pytest.raises(CommitcastError) as caught:
        scenario_from_text(CORRELATED + pairs, "s.yaml")
    (problem,) = caught.value.problems
    assert problem.message == message
    assert problem.field is not None and problem.field.endswith(".between")


def test_correlations_by_key_whatever_the_path_written():
    text = CORRELATED + (
        "  - {between: ['contracts.\"Big rack\".monthly_fee', 'revenue[0].growth'], rho: 0.25}\n"
    )
    scenario = scenario_from_text(text, "s.yaml")
    assert scenario.uncertainty.correlations == [
        ("contracts[0].monthly_fee", "revenue[0].growth", 0.25)
    ]
