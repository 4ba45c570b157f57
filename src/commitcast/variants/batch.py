"""A scenario as flat numeric parameters, the form the batched engine works on.

Each numeric input of a scenario has a key written as its path (`contracts[0].monthly_fee`,
`revenue[1].growth`, `costs.training_share`). A batch of variants is the base scenario plus, for
some keys, one value per run. Dates are day numbers (see `calendar`); choices are numbers too
(`payment.timing`: 0 advance, 1 arrears; `costs.overflow.policy`: 1 on_demand, 0 unserved;
`termination.notice_given`: NaN for none). What cannot vary between runs (how many contracts,
streams and ramp steps, the horizon) is the batch's structure and comes from the base scenario.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from commitcast.model.inputs import base_params
from commitcast.model.scenario import Scenario


class Batch:
    """A base scenario and `runs` variants of it, as arrays of parameters.

    `values[key]` is an array of shape (runs,) for every key of `base_params`.
    """

    def __init__(self, scenario: Scenario, runs: int = 1, variants: dict[str, Any] | None = None):
        self.scenario = scenario
        self.runs = runs
        base = base_params(scenario)
        self.values: dict[str, np.ndarray] = {
            key: np.full(runs, value, dtype=np.float64) for key, value in base.items()
        }
        for key, column in (variants or {}).items():
            if key not in self.values:
                raise KeyError(f"{key!r} is not a numeric input of this scenario")
            array = np.broadcast_to(np.asarray(column, dtype=np.float64), (runs,))
            self.values[key] = array.copy()

    def __getitem__(self, key: str) -> np.ndarray:
        return self.values[key]

    def column(self, key: str) -> np.ndarray:
        """(runs, 1) view for broadcasting across months."""
        return self.values[key][:, None]

    def slice(self, start: int, stop: int) -> Batch:
        """Runs start..stop-1 as a batch of their own (for chunked processing)."""
        part = Batch.__new__(Batch)
        part.scenario = self.scenario
        part.runs = stop - start
        part.values = {key: array[start:stop] for key, array in self.values.items()}
        return part
