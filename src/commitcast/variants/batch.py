"""A scenario as flat numeric parameters, the form the batched engine works on.

Each numeric input of a scenario has a key written as its path (`contracts[0].monthly_fee`,
`revenue[1].growth`, `costs.training_share`). A batch of variants is the base scenario plus, for
some keys, one value per run. Dates are day numbers (see `calendar`); choices are numbers too
(`payment.timing`: 0 advance, 1 arrears; `costs.overflow.policy`: 1 on_demand, 0 unserved;
`termination.notice_given`: NaN for none). What cannot vary between runs (how many contracts,
streams and ramp steps, the horizon) is the batch's structure and comes from the base scenario.

The base values are held once, the contracts' as columns (`model.inputs.ContractInputs`), and
only the keys given per run are held per run: a portfolio of thousands of contracts makes a
batch without an array per input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from commitcast.model.inputs import (
    ContractInputs,
    base_params,
    contract_inputs,
    contract_key,
    other_params,
)
from commitcast.model.scenario import Scenario


class Batch:
    """A base scenario and `runs` variants of it.

    `batch[key]` is an array of shape (runs,) for every key of `base_params`; `varied` holds
    the keys given per run (each (runs,)), every other key has its base value in every run.
    """

    def __init__(self, scenario: Scenario, runs: int = 1, variants: dict[str, Any] | None = None):
        self.scenario = scenario
        self.runs = runs
        self.contract_inputs: ContractInputs = contract_inputs(scenario)
        self.others: dict[str, float] = other_params(scenario)
        self.varied: dict[str, np.ndarray] = {}
        for key, column in (variants or {}).items():
            if self.base_value(key) is None:
                raise KeyError(f"{key!r} is not a numeric input of this scenario")
            array = np.broadcast_to(np.asarray(column, dtype=np.float64), (runs,))
            self.varied[key] = array.copy()

    def base_value(self, key: str) -> float | None:
        """The scenario's own value of `key`, or None if it is not an input of the scenario."""
        if key in self.others:
            return self.others[key]
        where = contract_key(key)
        return None if where is None else self.contract_inputs.value(where)

    def __getitem__(self, key: str) -> np.ndarray:
        """The (runs,) values of `key`."""
        if key in self.varied:
            return self.varied[key]
        value = self.base_value(key)
        if value is None:
            raise KeyError(key)
        return np.full(self.runs, value)

    def column(self, key: str) -> np.ndarray:
        """(runs, 1) view for broadcasting across months."""
        return self[key][:, None]

    @property
    def values(self) -> Mapping[str, np.ndarray]:
        """Every key's (runs,) values, in the order of `base_params` (built on reading)."""
        return _Values(self)

    def varying(self) -> list[str]:
        """Keys of the inputs that differ between runs (only keys given per run can)."""
        varying = []
        for key, values in self.varied.items():
            if values.size > 1:
                first = values[:1]
                if not np.array_equal(values, np.broadcast_to(first, values.shape), equal_nan=True):
                    varying.append(key)
        return varying

    def slice(self, start: int, stop: int) -> Batch:
        """Runs start..stop-1 as a batch of their own (for chunked processing)."""
        part = Batch.__new__(Batch)
        part.scenario = self.scenario
        part.runs = stop - start
        part.contract_inputs = self.contract_inputs
        part.others = self.others
        part.varied = {key: array[start:stop] for key, array in self.varied.items()}
        return part


class _Values(Mapping[str, np.ndarray]):
    def __init__(self, batch: Batch):
        self._batch = batch

    def __getitem__(self, key: str) -> np.ndarray:
        return self._batch[key]

    def __iter__(self) -> Iterator[str]:
        return iter(base_params(self._batch.scenario))

    def __len__(self) -> int:
        return len(base_params(self._batch.scenario))
