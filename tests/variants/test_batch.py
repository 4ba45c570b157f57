"""A scenario and its variants as flat arrays (variants/batch.py): what the engine receives.

That a batch's runs project like the changed scenarios one by one is in
tests/engine/test_run_batched.py and tests/engine/test_run.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from commitcast.load.validation import load_scenario
from commitcast.model.inputs import base_params
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
