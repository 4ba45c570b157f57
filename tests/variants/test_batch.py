"""A scenario and its variants as flat arrays (variants/batch.py): what the engine receives.

The base scenario's inputs are held once (the contracts' as columns) and only the keys given
per run are held per run; every key of `base_params` reads as before, and no other key is
accepted.

That a batch's runs project like the changed scenarios one by one is in
tests/engine/test_run_batched.py and tests/engine/test_run.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from commitcast.load.validation import load_scenario
from commitcast.model.inputs import base_params, contract_inputs, contract_key
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch
from tests.conftest import SCENARIOS

FEE = "contracts[0].monthly_fee"
GROWTH = "revenue[0].growth"


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIOS / "colossus-base.yaml")


def test_a_batch_of_one_holds_every_input_of_the_scenario(base):
    batch = Batch(base)
    assert batch.runs == 1
    assert batch.scenario is base
    params = base_params(base)
    assert set(batch.values) == set(params)
    for key, value in params.items():
        assert batch[key].shape == (1,)
        assert batch[key].dtype == np.float64
        assert batch[key][0] == value or (np.isnan(value) and np.isnan(batch[key][0]))


def test_varied_columns_replace_the_base_and_the_rest_repeat_it(base):
    batch = Batch(base, 3, {FEE: [1e9, 1.25e9, 1.5e9], GROWTH: 0.02})
    assert batch[FEE].tolist() == [1e9, 1.25e9, 1.5e9]
    assert batch[GROWTH].tolist() == [0.02, 0.02, 0.02]  # one value for every run
    assert batch["discount_rate"].tolist() == pytest.approx([0.10] * 3, abs=1e-12)


def test_whole_numbers_become_floats(base):
    batch = Batch(base, 2, {"costs.collection_lag_months": [0, 3]})
    assert batch["costs.collection_lag_months"].dtype == np.float64
    assert batch["costs.collection_lag_months"].tolist() == [0.0, 3.0]


def test_the_batch_keeps_its_own_copy(base):
    fees = np.array([1e9, 2e9])
    batch = Batch(base, 2, {FEE: fees})
    fees[0] = 0.0
    assert batch[FEE].tolist() == [1e9, 2e9]
    batch[FEE][1] = 5.0  # and its columns are writable (not a broadcast view)
    assert batch[FEE].tolist() == [1e9, 5.0]


def test_a_key_that_is_no_input_is_refused(base):
    with pytest.raises(KeyError, match=r"'contracts\[1\].monthly_fee' is not a numeric input"):
        Batch(base, 2, {"contracts[1].monthly_fee": [1.0, 2.0]})
    with pytest.raises(KeyError, match="'revenue.API.growth' is not a numeric input"):
        Batch(base, 1, {"revenue.API.growth": 0.02})  # keys are flat paths, never names


def test_a_column_of_the_wrong_length_is_refused(base):
    with pytest.raises(ValueError):
        Batch(base, 3, {FEE: [1.0, 2.0]})


def test_column_is_shaped_to_broadcast_across_months(base):
    batch = Batch(base, 4, {FEE: [1.0, 2.0, 3.0, 4.0]})
    column = batch.column(FEE)
    assert column.shape == (4, 1)
    months = np.ones((4, 48))
    assert (column * months)[:, -1].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_slice_is_a_batch_of_some_runs(base):
    batch = Batch(base, 5, {FEE: [1.0, 2.0, 3.0, 4.0, 5.0]})
    part = batch.slice(1, 3)
    assert isinstance(part, Batch)
    assert part.runs == 2
    assert part.scenario is base
    assert part[FEE].tolist() == [2.0, 3.0]
    assert set(part.values) == set(batch.values)
    assert part[GROWTH].shape == (2,)


# The base values held once: contracts as columns, ramps padded to the longest.


def _scenario() -> Scenario:
    return Scenario.model_validate(
        {
            "name": "t",
            "horizon": {"start": "2026-01", "months": 12},
            "contracts": [
                {"name": "A", "monthly_fee": 100, "start": "2026-01-01", "end": "2026-12-31"},
                {
                    "name": "B",
                    "monthly_fee": 200,
                    "start": "2026-03-15",
                    "end": "2027-06-30",
                    "ramp": [{"months": 2, "fraction": 0.5}, {"months": 1, "fraction": 0.75}],
                    "escalator": {"rate": 0.03, "every_months": 6},
                    "termination": {"notice_days": 30, "fee": 50, "notice_given": "2026-09-01"},
                    "payment": {"timing": "arrears"},
                },
            ],
            "revenue": [{"name": "R", "tokens_per_month": 1e9, "price_per_million_tokens": 2}],
        }
    )


@pytest.mark.parametrize(
    "scenario",
    [_scenario(), *(load_scenario(p) for p in sorted(SCENARIOS.glob("*.yaml")))],
    ids=lambda s: s.name,
)
def test_every_input_reads_as_its_base_value_in_every_run(scenario):
    batch = Batch(scenario, 3)
    params = base_params(scenario)
    assert list(batch.values) == list(params)  # the same keys, in the same order
    for key, value in params.items():
        np.testing.assert_array_equal(batch[key], np.full(3, value), err_msg=key)
        assert batch.column(key).shape == (3, 1)
        assert batch.base_value(key) == value or (np.isnan(value) and np.isnan(batch[key][0]))


def test_contract_inputs_are_the_base_params_as_columns():
    scenario = _scenario()
    inputs = contract_inputs(scenario)
    params = base_params(scenario)
    for key, value in params.items():
        where = contract_key(key)
        if where is None:
            assert not key.startswith("contracts[")
            continue
        got = inputs.value(where)
        assert got == value or (np.isnan(value) and got is not None and np.isnan(got)), key
    # contract A has no ramp: padded with steps of 0 months (which cover no month)
    assert inputs.step_counts["ramp"].tolist() == [0, 2]
    assert inputs.steps["ramp.months"].tolist() == [[0, 0], [2, 1]]
    # and no SLA tiers: a table of width 0
    assert inputs.steps["sla.credits.below"].shape == (2, 0)


@pytest.mark.parametrize(
    "key",
    [
        "contracts[2].monthly_fee",  # no third contract
        "contracts[01].monthly_fee",  # not how a key is written
        "contracts[0].ramp[0].months",  # A has no ramp
        "contracts[1].ramp[2].fraction",  # B has two steps
        "contracts[1].ramp[0].rate",
        "contracts[0].name",
        "contracts[0].escalator",
        "revenue[1].growth",
        "costs.nothing",
        "",
    ],
)
def test_a_key_that_is_not_an_input_is_refused(key):
    with pytest.raises(KeyError, match="not a numeric input"):
        Batch(_scenario(), 2, {key: [1.0, 2.0]})
    with pytest.raises(KeyError):
        Batch(_scenario())[key]


def test_keys_given_per_run_and_which_of_them_vary():
    scenario = _scenario()
    batch = Batch(
        scenario,
        3,
        {
            "contracts[1].ramp[1].fraction": [0.1, 0.2, 0.3],
            "contracts[0].monthly_fee": 150.0,  # one value: the same in every run
            "contracts[1].termination.notice_given": [np.nan, np.nan, np.nan],
            "revenue[0].growth": np.array([0.01, 0.01, 0.02]),
        },
    )
    np.testing.assert_array_equal(batch["contracts[0].monthly_fee"], [150.0] * 3)
    assert batch.varying() == ["contracts[1].ramp[1].fraction", "revenue[0].growth"]
    part = batch.slice(0, 2)
    assert part.runs == 2
    np.testing.assert_array_equal(part["contracts[1].ramp[1].fraction"], [0.1, 0.2])
    np.testing.assert_array_equal(part["contracts[1].monthly_fee"], [200.0, 200.0])
    assert part.varying() == ["contracts[1].ramp[1].fraction"]
    assert Batch(scenario).varying() == []
