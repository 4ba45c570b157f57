"""Many contracts at once: the engine works out every contract in one pass over
(runs, contracts, grid months) arrays, in blocks of contracts. These tests pin that this changes
no figure: each contract's schedule is the one it has projected alone, the totals are the sums
of the contracts, and blocks of any size (and contracts that vary per run beside ones that do
not) give the same figures. Money is compared to the cent, ratios to 1e-9, where the figures
come from different computations; a batch against one run at a time is compared exactly, as
tests/engine/test_run_batched.py does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest

from commitcast.engine import contracts as contracts_module
from commitcast.engine.contracts import contract_grid, contract_schedule
from commitcast.engine.run import run
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch

CENT = 0.005
HORIZON = dt.date(2026, 6, 1)
MONEY_ROWS = (
    "full_month_fee",
    "daily_fee",
    "service_fees",
    "termination_fee",
    "fees",
    "fees_paid",
    "service_fees_to_date",
    "fees_before_service_ends",
    "fees_left",
    "exit_cost",
    "termination_fee_to_come",
    "obligation",
)


def _contract(i: int, rng: np.random.Generator) -> dict[str, Any]:
    """A contract with its own terms: dates inside, across and beyond the horizon, an
    escalator or not, 0 to 3 ramp steps, termination terms (with notice given or not),
    advance or arrears."""
    start = HORIZON + dt.timedelta(days=int(rng.integers(-300, 700)))
    end = max(start + dt.timedelta(days=int(rng.integers(90, 1500))), HORIZON)
    contract: dict[str, Any] = {
        "name": f"C{i}",
        "monthly_fee": round(float(rng.uniform(1e4, 3e8)), 2),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "capacity": {"tokens_per_month": float(rng.uniform(1e12, 4e15))},
        "payment": {"timing": "arrears" if i % 3 == 0 else "advance"},
    }
    if i % 2:
        contract["escalator"] = {"rate": 0.01 * (i % 7), "every_months": [6, 12, 24][i % 3]}
    steps = i % 4
    if steps:
        contract["ramp"] = [
            {"months": int(rng.integers(1, 5)), "fraction": round(float(rng.uniform(0.2, 0.9)), 2)}
            for _ in range(steps)
        ]
    if i % 5 != 4:
        term: dict[str, Any] = {
            "notice_days": [0, 30, 90, 180][i % 4],
            "fee": round(float(rng.uniform(0, 5e7)), 2),
        }
        if i % 3 == 1:
            term["earliest_notice"] = (start + dt.timedelta(days=20)).isoformat()
        if i % 4 == 2:
            term["notice_given"] = (start + dt.timedelta(days=(end - start).days // 2)).isoformat()
        contract["termination"] = term
    return contract


def portfolio(count: int, seed: int = 1) -> Scenario:
    rng = np.random.default_rng(seed)
    return Scenario.model_validate(
        {
            "name": f"{count} contracts",
            "horizon": {"start": "2026-06", "months": 36},
            "discount_rate": 0.08,
            "contracts": [_contract(i, rng) for i in range(count)],
            "revenue": [
                {
                    "name": "API",
                    "tokens_per_month": 5e16,
                    "growth": 0.02,
                    "price_per_million_tokens": 4,
                }
            ],
            "costs": {"training_share": 0.3, "serving_cost_per_million_tokens": 0.1},
        }
    )


def alone(scenario: Scenario, index: int) -> Scenario:
    """The scenario with contract `index` as its only contract."""
    data = scenario.model_dump()
    data["contracts"] = [data["contracts"][index]]
    return Scenario.model_validate(data)


def money(values: Any) -> Any:
    return pytest.approx(np.asarray(values, dtype=np.float64), abs=CENT, nan_ok=True)


def test_the_portfolio_has_the_terms_it_is_meant_to_cover():
    scenario = portfolio(50)
    contracts = scenario.contracts
    assert {len(c.ramp) for c in contracts} == {0, 1, 2, 3}
    assert {c.payment.timing for c in contracts} == {"advance", "arrears"}
    assert any(c.termination and c.termination.notice_given for c in contracts)
    assert any(c.termination is None for c in contracts)
    assert any(c.start < HORIZON for c in contracts)
    assert any(c.end > dt.date(2029, 5, 31) for c in contracts)  # beyond the horizon


def test_every_contract_is_the_contract_projected_alone():
    scenario = portfolio(50)
    result = run(Batch(scenario))
    months = scenario.months
    for index, schedule in enumerate(result.contracts):
        single = run(Batch(alone(scenario, index)))
        (own,) = single.contracts
        assert schedule.name == own.name == scenario.contracts[index].name
        for name in ("fees", "fees_paid", "termination_fee", "remaining_obligation"):
            assert list(getattr(schedule, name)[0]) == money(getattr(own, name)[0]), name
        np.testing.assert_allclose(schedule.capacity_tokens, own.capacity_tokens, rtol=1e-9)
        for name in ("last_service_day", "first_day_without_service"):
            assert getattr(schedule, name)[0] == getattr(own, name)[0]
        for name in ("notice_given", "ends_early"):
            assert bool(getattr(schedule, name)[0]) == bool(getattr(own, name)[0])
        assert schedule.exit_cost_now[0] == money(own.exit_cost_now[0])
        assert schedule.fees_after_horizon[0] == money(own.fees_after_horizon[0])
        # the whole grid: alone it ends at this contract's end (or the horizon's), a prefix of
        # the portfolio's grid, which ends at the last contract's end
        width = single.contract_grid.count
        assert single.contract_grid.first == result.contract_grid.first
        assert width <= result.contract_grid.count
        for row in dataclasses.fields(own.full):
            mine = getattr(schedule.full, row.name)[0, :width]
            theirs = getattr(own.full, row.name)[0]
            if row.name == "service_end_month":
                # a day past its own grid's end is held to that grid's last column
                mine = np.minimum(mine, width - 1)
            if row.name in MONEY_ROWS:
                assert list(mine) == money(theirs), row.name
            else:
                np.testing.assert_allclose(
                    mine, theirs, rtol=1e-9, equal_nan=True, err_msg=row.name
                )
        # after its own grid the contract adds nothing and owes nothing
        assert not schedule.full.fees[0, width:].any()
        assert not schedule.full.obligation[0, width:].any()
        assert months == own.fees.shape[1]


def test_the_totals_are_the_sums_of_the_contracts():
    scenario = portfolio(50)
    result = run(Batch(scenario))
    columns = result.columns
    schedules = result.contracts

    def total(name: str) -> np.ndarray:
        return np.sum([getattr(s, name)[0] for s in schedules], axis=0)

    assert list(columns["committed_fees"][0]) == money(total("fees"))
    assert list(columns["fees_paid"][0]) == money(total("fees_paid"))
    assert list(columns["remaining_obligation"][0]) == money(total("remaining_obligation"))
    np.testing.assert_allclose(columns["capacity_tokens"][0], total("capacity_tokens"), rtol=1e-9)
    assert result.summary["exit_cost_now"][0] == money(total("exit_cost_now"))
    assert result.summary["total_committed_fees"][0] == money(total("fees").sum())
    # and each is the sum of the contracts projected one by one
    fees = np.sum(
        [run(Batch(alone(scenario, i))).columns["committed_fees"][0] for i in range(50)], axis=0
    )
    assert list(columns["committed_fees"][0]) == money(fees)


@pytest.mark.parametrize("block", [1, 200, 5_000])
def test_blocks_of_any_size_give_the_same_figures(block, monkeypatch):
    scenario = portfolio(50)
    variants = {
        "contracts[3].monthly_fee": np.array([1e6, 2e6, 3e6]),
        "contracts[20].termination.notice_given": np.array([np.nan, 20700.0, 20800.0]),
        "costs.training_share": np.array([0.1, 0.2, 0.3]),
    }
    whole = run(Batch(scenario, 3, variants))
    monkeypatch.setattr(contracts_module, "BLOCK_ELEMENTS", block)
    blocked = run(Batch(scenario, 3, variants))
    for name, column in whole.columns.items():
        np.testing.assert_array_equal(blocked.columns[name], column, err_msg=name)
    for name, figure in whole.summary.items():
        np.testing.assert_array_equal(blocked.summary[name], figure, err_msg=name)
    for mine, theirs in zip(blocked.contracts, whole.contracts, strict=True):
        for row in dataclasses.fields(mine.full):
            np.testing.assert_array_equal(
                getattr(mine.full, row.name), getattr(theirs.full, row.name), row.name
            )


def test_a_batch_with_some_contracts_varied_is_each_run_on_its_own():
    # contracts 3 and 20 vary per run, the other 48 do not: blocks of contracts worked out once
    # for every run lie between blocks worked out per run; contracts still add up in order
    scenario = portfolio(50)
    fees = np.array([1e6, 2.5e7, 3.3e8, 4.1e5])
    notice = np.array([np.nan, 20700.0, 20800.0, 21000.0])
    key = "contracts[20].termination.notice_given"
    batch = run(Batch(scenario, 4, {"contracts[3].monthly_fee": fees, key: notice}))
    for i in range(4):
        one = Batch(
            scenario, 1, {"contracts[3].monthly_fee": fees[i : i + 1], key: notice[i : i + 1]}
        )
        single = run(one)
        for name, column in single.columns.items():
            np.testing.assert_array_equal(batch.columns[name][i], column[0], err_msg=name)
        for name, figure in single.summary.items():
            np.testing.assert_array_equal(batch.summary[name][i], figure[0], err_msg=name)
        for mine, theirs in zip(batch.contracts, single.contracts, strict=True):
            np.testing.assert_array_equal(mine.fees[i], theirs.fees[0])
            np.testing.assert_array_equal(mine.full.obligation[i], theirs.full.obligation[0])
    assert len(set(batch.summary["total_committed_fees"].tolist())) == 4


def test_a_contract_the_same_in_every_run_is_one_row_shown_for_every_run():
    scenario = portfolio(5)
    result = run(Batch(scenario, 3, {"contracts[1].monthly_fee": np.array([1e6, 2e6, 3e6])}))
    shared, varied = result.contracts[0], result.contracts[1]
    assert shared.fees.shape == varied.fees.shape == (3, scenario.months)
    assert not shared.fees.flags.writeable  # a view of one row
    assert shared.fees.strides[0] == 0
    assert shared.full is shared.full  # worked out once, then kept
    assert shared.full.fees.shape == (3, result.contract_grid.count)
    np.testing.assert_array_equal(shared.full.fees[2], shared.full.fees[0])


def test_contract_schedule_gives_one_contract_of_a_stack():
    scenario = portfolio(12)
    batch = Batch(scenario)
    grid = contract_grid(batch)
    result = run(batch)
    for index in (0, 5, 11):
        one = contract_schedule(batch, index, grid)
        np.testing.assert_array_equal(one.fees, result.contracts[index].fees)
        np.testing.assert_array_equal(one.full.obligation, result.contracts[index].full.obligation)


def test_every_monthly_column_and_summary_has_a_row_per_run():
    scenario = portfolio(8)
    result = run(Batch(scenario, 4, {"revenue[0].growth": np.array([0.0, 0.01, 0.02, 0.03])}))
    for name, column in result.columns.items():
        assert column.shape == (4, scenario.months), name
        assert column.flags.c_contiguous, name
    for name, figure in result.summary.items():
        assert figure.shape == (4,), name


def test_a_varied_end_date_widens_the_grid():
    scenario = portfolio(6)
    batch = Batch(scenario, 2, {"contracts[2].end": np.array([20600.0, 23000.0])})
    assert contract_grid(batch).count > contract_grid(Batch(scenario)).count
    result = run(batch)
    assert result.contracts[2].full.fees.shape == (2, contract_grid(batch).count)


CAPACITY_VARIED = """\
name: Capacity varied per run
currency: USD
horizon: {start: 2026-06, months: 24}
discount_rate: 0.09
fx:
  EUR: {rate: 1.16, change: 0.002}
contracts:
  - name: GPUs, SLA credits, billed quarterly with a prepayment
    monthly_fee: 10M
    start: 2026-06-01
    end: 2028-05-31
    payment: {timing: advance, every_months: 3}
    prepayment: {amount: 12M, paid: 2026-06-01, applied: pro_rata}
    capacity: {gpus: 8000, tokens_per_gpu_second: 700}
    uptime: 0.995
    sla:
      credits: [{below: 0.99, credit: 0.10}, {below: 0.95, credit: 0.25}]
      cap: 0.25
    termination: {notice_days: 90, fee: 5M}
  - name: Tokens in euros, in arrears
    currency: EUR
    monthly_fee: EUR 3M
    start: 2026-09-01
    end: 2027-12-31
    payment: {timing: arrears}
    capacity: {tokens_per_month: 2e12}
    sla:
      credits: [{below: 0.98, credit: 0.05}]
revenue:
  - {name: API, tokens_per_month: 3e12, growth: 0.02, price_per_million_tokens: 4}
costs: {serving_cost_per_million_tokens: 0.4}
"""


def test_capacity_varied_per_run_is_each_run_on_its_own():
    """Uptimes across the SLA tiers and throughputs varied per run: the fees, payments and
    obligations are worked out once (contracts.CAPACITY) and the capacity, credits and what
    they change per run. Every figure is the one each run has on its own, exactly."""
    from commitcast.load.validation import scenario_from_text

    scenario = scenario_from_text(CAPACITY_VARIED)
    varied = {
        "contracts[0].uptime": np.array([0.999, 0.985, 0.94, 0.995]),  # no credit, 10%, 25%
        "contracts[0].capacity.tokens_per_gpu_second": np.array([700.0, 500.0, 900.0, 650.0]),
        "contracts[1].uptime": np.array([0.97, 0.99, 0.999, 0.5]),
        "contracts[1].capacity.tokens_per_month": np.array([2e12, 1e12, 3e12, 2.5e12]),
    }
    batch = run(Batch(scenario, 4, varied))
    for i in range(4):
        single = run(Batch(scenario, 1, {key: values[i : i + 1] for key, values in varied.items()}))
        for name, column in single.columns.items():
            np.testing.assert_array_equal(batch.columns[name][i], column[0], err_msg=name)
        for name, figure in single.summary.items():
            np.testing.assert_array_equal(batch.summary[name][i], figure[0], err_msg=name)
        for mine, theirs in zip(batch.contracts, single.contracts, strict=True):
            for row in ("fees", "fees_paid", "sla_credits", "available_tokens"):
                np.testing.assert_array_equal(getattr(mine, row)[i], getattr(theirs, row)[0], row)
            np.testing.assert_array_equal(mine.full.fees_paid[i], theirs.full.fees_paid[0])
    gpu = batch.contracts[0]
    # the fees are one row shown for every run; the credits differ by run (0%, 10%, 25%)
    assert gpu.fees.strides[0] == 0 and gpu.remaining_obligation.strides[0] == 0
    june_fee = gpu.fees[0, 0]  # $10M for 30 of June's 30 days
    assert abs(june_fee - 10e6) < CENT
    credits = gpu.sla_credits[:, 0]
    assert abs(credits[0]) < CENT
    assert abs(credits[1] - 0.10 * june_fee) < CENT
    assert abs(credits[2] - 0.25 * june_fee) < CENT
