"""Every numeric input by flat key (model/inputs.py): what the batched engine varies.

Day numbers are checked against Unix time (2026-01-01 is 1,767,225,600 s = 20,454 days after
1970-01-01).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from commitcast.load.validation import load_scenario
from commitcast.model.inputs import CHOICES, base_params, decode
from commitcast.model.scenario import Scenario
from tests.conftest import FIXTURES

JAN_1_2026 = 1_767_225_600 // 86_400  # 20,454


def bare() -> Scenario:
    """One contract with nothing optional, one stream with only tokens."""
    return Scenario.model_validate(
        {
            "name": "x",
            "horizon": {"start": "2026-01", "months": 3},
            "contracts": [
                {"name": "C", "monthly_fee": "2M", "start": "2026-01-01", "end": "2026-01-31"}
            ],
            "revenue": [{"name": "R", "tokens_per_month": 1e12}],
        }
    )


def test_absent_optional_inputs_get_their_defaults():
    params = base_params(bare())
    assert params["contracts[0].monthly_fee"] == 2_000_000
    assert params["contracts[0].start"] == JAN_1_2026
    assert params["contracts[0].end"] == JAN_1_2026 + 30
    # no escalator: rate 0 every 12 months; no termination: not allowed, from the start
    assert params["contracts[0].escalator.rate"] == 0.0
    assert params["contracts[0].escalator.every_months"] == 12.0
    assert params["contracts[0].termination.allowed"] == 0.0
    assert params["contracts[0].termination.notice_days"] == 0.0
    assert params["contracts[0].termination.fee"] == 0.0
    assert params["contracts[0].termination.earliest_notice"] == JAN_1_2026
    assert math.isnan(params["contracts[0].termination.notice_given"])
    assert params["contracts[0].payment.timing"] == 0.0  # advance
    assert params["contracts[0].capacity.tokens_per_month"] == 0.0
    # billed monthly, nothing prepaid; a reserved contract's commit keys are 0 and no limit
    assert params["contracts[0].payment.every_months"] == 1.0
    assert params["contracts[0].prepayment.amount"] == 0.0
    assert math.isnan(params["contracts[0].prepayment.paid"])
    assert params["contracts[0].prepayment.applied"] == 0.0  # first
    assert params["contracts[0].prepayment.refundable"] == 0.0
    assert params["contracts[0].price_per_million_tokens"] == 0.0
    assert params["contracts[0].minimum.amount"] == 0.0
    assert params["contracts[0].minimum.every_months"] == 12.0
    assert math.isnan(params["contracts[0].max_tokens_per_month"])
    # no price and no flat revenue are 0
    assert params["revenue[0].price_per_million_tokens"] == 0.0
    assert params["revenue[0].revenue_per_month"] == 0.0
    assert params["costs.overflow.policy"] == 0.0  # unserved, the default
    assert params["costs.overflow.cost_per_million_tokens"] == 0.0
    assert params["discount_rate"] == 0.0
    assert all(isinstance(value, float) for value in params.values())


def test_the_base_case_by_key():
    params = base_params(load_scenario(FIXTURES / "colossus-base.yaml"))
    assert params["contracts[0].monthly_fee"] == 1.25e9
    assert params["contracts[0].escalator.rate"] == pytest.approx(0.03, abs=1e-12)
    assert params["contracts[0].ramp[0].months"] == 2.0
    assert params["contracts[0].ramp[0].fraction"] == pytest.approx(0.5, abs=1e-12)
    assert "contracts[0].ramp[1].months" not in params  # one ramp step, one pair of keys
    assert params["contracts[0].termination.allowed"] == 1.0
    assert params["contracts[0].termination.notice_days"] == 90.0
    assert params["revenue[1].revenue_per_month"] == 9e8
    assert params["revenue[0].price_change"] == pytest.approx(-0.01, abs=1e-12)
    assert params["costs.overflow.policy"] == 1.0  # on_demand
    assert params["costs.collection_lag_months"] == 1.0
    # one key per numeric input: 25 per contract (16 of a reserved contract, 4 of its billing
    # period and prepayment, 5 of a commit) + 2 per ramp step, 7 per stream (with its start and
    # end months), 5 costs, the discount rate and the market price of a GPU-hour (NaN: none
    # given); no fx keys, all in USD
    assert len(params) == 25 + 2 + 7 * 2 + 5 + 1 + 1
    assert not any(key.startswith("fx.") for key in params)
    assert np.isnan(params["revenue[0].start"])  # the horizon's start
    assert np.isnan(params["benchmarks.market_price_per_gpu_hour"])
    assert params["contracts[0].uptime"] == 1.0  # the default: always available


def test_choices_are_numbered_both_ways():
    assert CHOICES["payment.timing"] == {"advance": 0.0, "arrears": 1.0}
    assert CHOICES["costs.overflow.policy"] == {"unserved": 0.0, "on_demand": 1.0}
    assert decode("contracts[0].payment.timing", 1.0) == "arrears"
    assert decode("contracts[2].payment.timing", 0.0) == "advance"
    assert decode("costs.overflow.policy", 1.0) == "on_demand"


def test_dates_decode_to_dates_and_no_notice_to_none():
    assert decode("contracts[0].start", JAN_1_2026) == dt.date(2026, 1, 1)
    assert decode("contracts[0].end", float(JAN_1_2026 + 59)) == dt.date(2026, 3, 1)
    assert decode("contracts[0].termination.notice_given", math.nan) is None
    assert decode("contracts[0].termination.earliest_notice", 0.0) == dt.date(1970, 1, 1)


def test_amounts_and_rates_decode_to_themselves():
    assert decode("contracts[0].monthly_fee", 1.25e9) == 1.25e9
    assert decode("revenue[0].growth", 0.04) == 0.04
    assert decode("discount_rate", 0.1) == 0.1


def test_dates_and_choices_of_a_file_decode_to_the_values_in_it():
    scenario = load_scenario(FIXTURES / "colossus-early-exit.yaml")
    params = base_params(scenario)
    term = scenario.contracts[0].termination
    assert term is not None and term.notice_given is not None
    key = "contracts[0].termination.notice_given"
    assert decode(key, params[key]) == term.notice_given
    assert decode("contracts[0].end", params["contracts[0].end"]) == scenario.contracts[0].end
    timing = decode("contracts[0].payment.timing", params["contracts[0].payment.timing"])
    assert timing == scenario.contracts[0].payment.timing
