"""A scenario with thousands of contracts and streams: the engine's work per input stays
constant (finding which inputs vary between runs once per batch, not once per input)."""

from __future__ import annotations

import numpy as np
import pytest

from commitcast.engine.run import run
from commitcast.load.validation import scenario_from_text
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


class CountingDict(dict):
    calls = 0

    def items(self):  # type: ignore[override]
        CountingDict.calls += 1
        return super().items()


@pytest.mark.parametrize("runs", [1, 3])
def test_inputs_are_scanned_once_per_batch_not_once_per_input(runs: int):
    scenario = scenario_from_text(_many(200, 200))
    variants = {"contracts[0].monthly_fee": np.array([1000.0, 2000.0, 3000.0])} if runs > 1 else {}
    batch = Batch(scenario, runs, variants)
    batch.values = CountingDict(batch.values)
    CountingDict.calls = 0
    result = run(batch)
    # 200 contracts and 200 streams: scanning per input would be hundreds of scans
    assert CountingDict.calls <= 3
    # and the figures: 200 contracts at 1000 + i a month for the 12 months of their term
    # (2026-06..2027-05), the first one varied per run
    others = sum(1000 + i for i in range(1, 200)) * 12
    first = [1000.0, 2000.0, 3000.0][:runs]
    expected = [others + fee * 12 for fee in first]
    np.testing.assert_allclose(result.summary["total_committed_fees"], expected, rtol=1e-12)
