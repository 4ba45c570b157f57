"""Balances at each month's end and the identity that ties cumulative cash to the accrual
result: hand-computed cases, then every bundled scenario in every month."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from commitcast.engine.projection import Projection, projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from tests.conftest import FIXTURES, SCENARIOS
from tests.engine.test_run import contract, scenario

CENT = 0.005


def identity_gap(p: Projection) -> np.ndarray:
    """cumulative cash - (the accrual result to date - the change in the balances since the
    horizon's start), month by month: 0 to the cent when the identity holds."""
    c = p.columns
    accrual = (
        c["revenue"]
        - (c["committed_fees"] - c["sla_credits"])
        - c["overflow_cost"]
        - c["serving_cost"]
        # take-or-pay commits: usage, shortfall and termination fees
        - (c["commit_spend"] + c["commit_shortfall"] + c["commit_fees"])
        # balances in other currencies revalued at each month's rate
        - c["fx_loss"]
    )
    opening = p.result.opening
    change = (
        c["receivables"]
        - (c["fees_payable"] - opening["fees_payable"][0])
        + (c["sla_credits_receivable"] - opening["sla_credits_receivable"][0])
        + (c["prepaid_fees"] - opening["prepaid_fees"][0])
    )
    return c["cumulative_cash"] - (np.cumsum(accrual) - change)


def test_receivables_are_the_last_lag_months_of_revenue():
    s = scenario(
        revenue=[{"name": "Flat", "revenue_per_month": 100}],
        costs={"collection_lag_months": 2},
        months=4,
    )
    # 100 a month collected two months later: 100, 200, then 200 outstanding at each end
    assert list(projection(s).columns["receivables"]) == pytest.approx([100, 200, 200, 200])


def test_fees_payable_are_the_arrears_fees_of_the_month_and_open_with_the_month_before():
    # 3,100 a month from 1 December 2025, in arrears: December's fee is paid in January
    s = scenario([contract(start="2025-12-01", payment={"timing": "arrears"})], months=2)
    p = projection(s)
    assert p.result.opening["fees_payable"][0] == pytest.approx(3_100, abs=CENT)
    # January's 3,100 is owed at the end of January, February's 3,100 at the end of February
    assert list(p.columns["fees_payable"]) == pytest.approx([3_100, 3_100], abs=CENT)
    # cash out: December's fee in January, January's in February
    assert list(p.columns["cash_out"]) == pytest.approx([3_100, 3_100], abs=CENT)


def test_credits_not_yet_deducted_are_the_months_credits():
    tiers = {"credits": [{"below": 0.999, "credit": 0.10}]}
    s = scenario(
        [contract(capacity={"gpus": 1, "tokens_per_gpu_second": 1}, uptime=0.99, sla=tiers)],
        months=2,
    )
    # 10% of 3,100 earned each month, deducted from the next month's payment
    assert list(projection(s).columns["sla_credits_receivable"]) == pytest.approx(
        [310, 310], abs=CENT
    )


CASES: list[tuple[str, Any, list[str]]] = [
    *((path.stem, path, []) for path in sorted(SCENARIOS.glob("*.yaml"))),
    *((f"fixture {path.stem}", path, []) for path in sorted(FIXTURES.glob("*.yaml"))),
    (
        "arrears, lag 3, credits, notice",
        SCENARIOS / "colossus-base.yaml",
        [
            "contracts[0].payment.timing=arrears",
            "costs.collection_lag_months=3",
            "contracts[0].uptime=0.98",
            "contracts[0].termination.notice_given=2027-03-01",
        ],
    ),
    (
        "quarterly arrears billing, lag 2",
        SCENARIOS / "colossus-base.yaml",
        [
            "contracts[0].payment.timing=arrears",
            "contracts[0].payment.every_months=3",
            "costs.collection_lag_months=2",
        ],
    ),
]


@pytest.mark.parametrize(("name", "path", "sets"), CASES, ids=[case[0] for case in CASES])
def test_cumulative_cash_is_the_accrual_result_less_the_change_in_balances(name, path, sets):
    p = projection(apply_overrides(load_scenario(path), sets))
    gap = identity_gap(p)
    assert np.abs(gap).max() < CENT, (name, float(np.abs(gap).max()))
