"""Amounts in another currency (issue 13, section 3): every flow converted at the rate of the
month it falls in, balances at the month-end's rate, and the remeasurement of foreign balances
(fx_loss). Every expected figure is worked out by hand in the comments from the conventions.

The euro is worth 1.10 dollars in January 2026 and 1% more each month:
rate(t) = 1.10 x 1.01^t, t counted from the horizon's first month:
December 2025 (t = -1) 1.10 / 1.01 = 1.089108911, January 1.10, February 1.111,
March 1.12211, April 1.1333311, May 1.144664411.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from commitcast.engine.projection import Projection, projection
from tests.engine.test_run import contract, scenario
from tests.engine.test_run_balances import identity_gap

CENT = 0.005
EURO = {"EUR": {"rate": 1.10, "change": 0.01}}
DECEMBER = 1.10 / 1.01  # 1.089108911


def money(values: Any) -> Any:
    return pytest.approx(values, abs=CENT)


def ratio(values: Any) -> Any:
    return pytest.approx(values, rel=1e-9, abs=0)


def row(p: Projection, name: str) -> list[float]:
    return [float(v) for v in p.columns[name]]


def balanced(p: Projection) -> None:
    """The balance identity of issue 13 holds in every month."""
    assert float(np.abs(identity_gap(p)).max()) < CENT


def test_a_euro_contract_in_arrears_converts_each_flow_at_its_months_rate():
    # EUR 1,000 a month from 16 December 2025 to 31 December 2026, paid in arrears.
    # December: 16 of 31 days = EUR 516.129032 (before the horizon).
    c = contract(
        currency="EUR", monthly_fee=1000, start="2025-12-16", payment={"timing": "arrears"}
    )
    p = projection(scenario([c], fx=EURO, months=4))
    # fees at the rate of the month incurred: 1,000 x 1.10 = 1,100; x 1.111 = 1,111;
    # x 1.12211 = 1,122.11; x 1.1333311 = 1,133.3311
    assert row(p, "committed_fees") == money([1_100, 1_111, 1_122.11, 1_133.33])
    # cash at the rate of the month paid: January pays December's EUR 516.129032 x 1.10 =
    # 567.74 (not the 562.12 it was booked at); February pays January's EUR 1,000 x 1.111 =
    # 1,111 (booked at 1,100); March 1,122.11; April 1,133.33
    assert row(p, "fees_paid") == money([567.74, 1_111, 1_122.11, 1_133.33])
    assert row(p, "cash_out") == money([567.74, 1_111, 1_122.11, 1_133.33])
    # the payable (the month's EUR fee) at the month-end's rate; it opens with December's
    # EUR 516.129032 x 1.089108911 = 562.12
    assert p.result.opening["fees_payable"][0] == money(562.12)
    assert row(p, "fees_payable") == money([1_100, 1_111, 1_122.11, 1_133.33])
    # fx_loss = the EUR payable at the end of the month before x the rate's change:
    # January 516.129032 x (1.10 - 1.089108911) = 516.129032 x 0.010891089 = 5.62;
    # February 1,000 x 0.011 = 11; March 1,000 x 0.01111 = 11.11; April 1,000 x 0.0112211
    # = 11.22
    assert row(p, "fx_loss") == money([5.62, 11, 11.11, 11.22])
    # not part of the gross margin: inference cost is the fees alone
    assert row(p, "inference_cost") == money([1_100, 1_111, 1_122.11, 1_133.33])
    # remaining obligation (no termination option: the fees left) at the month's rate:
    # end of December 2025 EUR 12,000 x 1.089108911 = 13,069.31; January EUR 11,000 x 1.10 =
    # 12,100; February 10,000 x 1.111 = 11,110; March 9,000 x 1.12211 = 10,098.99;
    # April 8,000 x 1.1333311 = 9,066.65
    assert p.result.summary["exit_cost_now"][0] == money(13_069.307)
    assert row(p, "remaining_obligation") == money([12_100, 11_110, 10_098.99, 9_066.649])
    # the contract's full rows stay in euros, with the rate of each month (after the horizon
    # too: May 1.10 x 1.01^4 = 1.144664411)
    (s,) = p.result.contracts
    assert [float(v) for v in s.full.fees[0, :3]] == money([516.13, 1_000, 1_000])
    rates = [DECEMBER, 1.10, 1.111, 1.12211, 1.1333311, 1.144664411]
    assert [float(v) for v in s.full.fx_rate[0, :6]] == ratio(rates)
    balanced(p)


def test_euro_revenue_collected_two_months_later_at_the_collection_months_rate():
    # EUR 1,000 of revenue a month, collected two months after it is earned
    stream = {"name": "EU", "currency": "EUR", "revenue_per_month": 1000}
    p = projection(
        scenario(revenue=[stream], costs={"collection_lag_months": 2}, fx=EURO, months=4)
    )
    # revenue at its month's rate: 1,100, 1,111, 1,122.11, 1,133.3311
    assert row(p, "revenue") == money([1_100, 1_111, 1_122.11, 1_133.33])
    # cash in: January's EUR 1,000 in March at 1.12211, February's in April at 1.1333311
    assert row(p, "cash_in") == money([0, 0, 1_122.11, 1_133.33])
    # receivables (EUR 1,000, then 2,000 outstanding) at the month-end's rate:
    # 1,100; 2,000 x 1.111 = 2,222; 2,000 x 1.12211 = 2,244.22; 2,000 x 1.1333311 = 2,266.66
    assert row(p, "receivables") == money([1_100, 2_222, 2_244.22, 2_266.662])
    # a receivable gains what the rate gains (a negative loss): February -1,000 x 0.011 =
    # -11; March -2,000 x 0.01111 = -22.22; April -2,000 x 0.0112211 = -22.44
    assert row(p, "fx_loss") == money([0, -11, -22.22, -22.4422])
    # the stream's own rows stay in euros
    (eu,) = p.result.streams
    assert [float(v) for v in eu.flat_revenue[0]] == money([1_000] * 4)
    balanced(p)


def test_a_euro_commit_in_arrears():
    # EUR 2 a million tokens, 5M tokens a month (EUR 10), minimum EUR 120 every 3 months, paid
    # in arrears; the demand is a dollar stream with no revenue
    k = {
        "name": "K",
        "kind": "commit",
        "currency": "EUR",
        "price_per_million_tokens": 2,
        "minimum": {"amount": 120, "every_months": 3},
        "start": "2026-01-01",
        "end": "2026-12-31",
        "payment": {"timing": "arrears"},
    }
    demand = {"name": "S", "tokens_per_month": 5e6, "price_per_million_tokens": 0}
    p = projection(scenario([k], revenue=[demand], fx=EURO, months=4))
    # spend EUR 10 a month at its month's rate: 11, 11.11, 11.2211, 11.333311
    assert row(p, "commit_spend") == money([11, 11.11, 11.2211, 11.333311])
    # March: EUR 120 - 30 = 90 x 1.12211 = 100.9899
    assert row(p, "commit_shortfall") == money([0, 0, 100.99, 0])
    # paid the month after at the payment month's rate: February EUR 10 x 1.111 = 11.11;
    # March 10 x 1.12211 = 11.2211; April (March's 10 + 90) 100 x 1.1333311 = 113.33311
    assert row(p, "commit_paid") == money([0, 11.11, 11.2211, 113.33311])
    # owed at the month's end at its rate: 11; 11.11; EUR 100 x 1.12211 = 112.211;
    # EUR 10 x 1.1333311 = 11.333311
    assert row(p, "commit_payable") == money([11, 11.11, 112.211, 11.333311])
    # fx_loss: the EUR owed at the end of the month before x the rate's change:
    # February 10 x 0.011 = 0.11; March 10 x 0.01111 = 0.1111; April 100 x 0.0112211 = 1.12211
    assert row(p, "fx_loss") == money([0, 0.11, 0.1111, 1.12211])
    # remaining obligation (run to the end) in EUR: January 110 + 3 x 120 = 470;
    # February 100 + 360 = 460; March 360; April 110 + 240 = 350, at each month's rate:
    # 517, 511.06, 403.9596, 396.665885; at the end of December 2025: 480 x 1.089108911
    # = 522.77
    assert row(p, "remaining_obligation") == money([517, 511.06, 403.9596, 396.665885])
    assert p.result.summary["exit_cost_now"][0] == money(522.772)
    (c,) = p.result.commits
    assert list(c.fx_rate[0]) == ratio([1.10, 1.111, 1.12211, 1.1333311])
    balanced(p)


def test_setting_an_fx_rate_is_editing_it_in_the_file():
    """--set fx.EUR.rate moves a euro contract's fees by the rate's change: 4M EUR a month x
    (1.20 - 1.16) = $160,000 more committed fees in January 2027."""
    from pathlib import Path

    from commitcast.load.overrides import apply_overrides
    from commitcast.load.validation import load_scenario

    root = Path(__file__).resolve().parents[2]
    base = load_scenario(root / "scenarios" / "cover-demand.yaml")
    changed = apply_overrides(base, ["fx.EUR.rate=1.2"])
    assert changed.fx["EUR"].rate == pytest.approx(1.2, rel=1e-12)
    before = projection(base).columns["committed_fees"][0]
    after = projection(changed).columns["committed_fees"][0]
    assert after - before == pytest.approx(160_000, abs=0.005)
