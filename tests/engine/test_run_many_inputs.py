"""A scenario with hundreds of contracts and streams: the engine's work per input stays
constant (inputs are read as columns; only the keys given per run are looked at for varying)."""

from __future__ import annotations

import numpy as np
import pytest

from commitcast.engine.run import run
from commitcast.load.validation import scenario_from_text
from commitcast.model import inputs as inputs_module
from commitcast.variants import batch as batch_module
from commitcast.variants.batch import Batch


def _many(contracts: int, streams: int) -> str:
    lines = ["name: Many", "horizon: {start: 2026-06, months: 24}", "contracts:"]
    lines += [
        f"  - {{name: C{i}, monthly_fee: {1000 + i}, start: 2026-06-01, end: 2027-05-31,"
        " termination: {notice_days: 30}}"
        for i in range(contracts)
    ]
    lines.append("revenue:")
    lines += [
        f"  - {{name: R{i}, tokens_per_month: 1e9, price_per_million_tokens: 1}}"
        for i in range(streams)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("runs", [1, 3])
def test_a_batch_never_lists_every_input(runs: int, monkeypatch):
    # Every contract's inputs are read as columns and only the keys given per run are checked
    # for varying: nothing goes through the list of all ~3,000 keys (once per input that was
    # quadratic, 3,000 contracts took minutes).
    scenario = scenario_from_text(_many(200, 200))
    variants = {"contracts[0].monthly_fee": np.array([1000.0, 2000.0, 3000.0])} if runs > 1 else {}

    def refuse(*args, **kwargs):
        raise AssertionError("the engine listed every input")

    monkeypatch.setattr(batch_module, "base_params", refuse)
    monkeypatch.setattr(inputs_module, "base_params", refuse)
    result = run(Batch(scenario, runs, variants))
    # and the figures: 200 contracts at 1000 + i a month for the 12 months of their term
    # (2026-06..2027-05), the first one varied per run
    others = sum(1000 + i for i in range(1, 200)) * 12
    first = [1000.0, 2000.0, 3000.0][:runs]
    expected = [others + fee * 12 for fee in first]
    np.testing.assert_allclose(result.summary["total_committed_fees"], expected, rtol=0, atol=0.005)
