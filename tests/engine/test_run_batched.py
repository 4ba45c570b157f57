"""A batch of variants gives, run for run, exactly what one projection per variant gives.

The engine computes inputs that are equal in every run once and shares them across runs; these
tests pin that this changes no figure, by projecting each variant on its own through `--set`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from commitcast.engine.projection import projection
from commitcast.engine.run import run
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from commitcast.variants.batch import Batch
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"


# flat engine key -> the --set path of the same input in colossus-base.yaml
PATHS = {
    "revenue[0].growth": "revenue.API.growth",
    "revenue[1].growth": "revenue.Subscriptions.growth",
    "costs.training_share": "costs.training_share",
    "contracts[0].monthly_fee": "contracts[0].monthly_fee",
    "discount_rate": "discount_rate",
    "costs.collection_lag_months": "costs.collection_lag_months",
}


def _variants(keys: list[str], runs: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    ranges = {
        "revenue[0].growth": (0.0, 0.08),
        "revenue[1].growth": (-0.02, 0.05),
        "costs.training_share": (0.1, 0.6),
        "contracts[0].monthly_fee": (0.9e9, 1.6e9),
        "discount_rate": (0.0, 0.2),
    }
    variants = {key: rng.uniform(*ranges[key], runs) for key in keys if key in ranges}
    if "costs.collection_lag_months" in keys:  # whole months, 0 to 3
        variants["costs.collection_lag_months"] = rng.integers(0, 4, runs).astype(float)
    return variants


@pytest.mark.parametrize(
    "keys",
    [
        # only revenue and costs vary: the contract is computed once and shared
        ["revenue[0].growth", "revenue[1].growth", "costs.training_share"],
        # the contract and the discount rate vary too: nothing is shared
        list(PATHS),
    ],
)
def test_batch_equals_projections_one_by_one(keys: list[str]) -> None:
    scenario = load_scenario(SCENARIOS / "colossus-base.yaml")
    runs = 25
    variants = _variants(keys, runs)
    batch = run(Batch(scenario, runs, variants))
    for i in range(runs):
        sets = [f"{PATHS[key]}={float(variants[key][i])!r}" for key in keys]
        single = projection(apply_overrides(scenario, sets)).result
        for name, column in single.columns.items():
            np.testing.assert_array_equal(batch.columns[name][i], column[0], err_msg=name)
        for name, figure in single.summary.items():
            np.testing.assert_array_equal(batch.summary[name][i], figure[0], err_msg=name)
        for mine, theirs in zip(batch.contracts, single.contracts, strict=True):
            np.testing.assert_array_equal(mine.fees[i], theirs.fees[0])
            np.testing.assert_array_equal(
                mine.remaining_obligation[i], theirs.remaining_obligation[0]
            )
            assert mine.exit_cost_now[i] == theirs.exit_cost_now[0]
            # the whole contract grid too, before and after the horizon (NaN where NaN)
            for row in dataclasses.fields(mine.full):
                np.testing.assert_array_equal(
                    getattr(mine.full, row.name)[i], getattr(theirs.full, row.name)[0], row.name
                )
        for mine, theirs in zip(batch.streams, single.streams, strict=True):
            for name in ("tokens", "price", "usage_revenue", "flat_revenue"):
                np.testing.assert_array_equal(getattr(mine, name)[i], getattr(theirs, name)[0])


def test_varied_inputs_do_change_the_runs() -> None:
    # guards the test above against comparing a batch in which nothing varied
    scenario = load_scenario(SCENARIOS / "colossus-base.yaml")
    variants = _variants(["revenue[0].growth", "contracts[0].monthly_fee"], 5)
    batch = run(Batch(scenario, 5, variants))
    assert len(set(batch.summary["npv"].tolist())) == 5
    assert len(set(batch.contracts[0].fees[:, 10].tolist())) == 5
