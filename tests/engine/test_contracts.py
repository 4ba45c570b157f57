"""The engine's full contract schedule (`ContractSchedule.full`), row by row, against figures
worked out by hand in the comments.

The contract grid runs from the month before the horizon through the last contract's end, so
every test looks at months before, inside and after the horizon. Money is compared to the cent,
ratios to 1e-9; dates are day numbers (days since 1970-01-01).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from commitcast.core.calendar import day_number, month_number
from commitcast.engine.contracts import ContractSchedule, contract_grid, contract_schedule
from commitcast.engine.run import run
from commitcast.load.validation import load_scenario
from commitcast.model.scenario import Scenario
from commitcast.variants.batch import Batch
from tests.conftest import SCENARIOS

CENT = 0.005
NAN = math.nan


def money(values: Any) -> Any:
    return pytest.approx(values, abs=CENT, nan_ok=True)


def ratio(values: Any) -> Any:
    return pytest.approx(values, rel=1e-9, abs=0, nan_ok=True)


def day(text: str) -> float:
    return float(day_number(dt.date.fromisoformat(text)))


def schedule(contract: dict[str, Any], start: str = "2026-01", months: int = 3) -> Any:
    """The only contract of a one-run projection, and its grid's first month."""
    base = {"name": "C", "monthly_fee": 1000, "start": "2026-01-01", "end": "2026-06-30"}
    scenario = Scenario.model_validate(
        {"name": "t", "horizon": {"start": start, "months": months}, "contracts": [base | contract]}
    )
    result = run(Batch(scenario))
    return result.contracts[0], result.contract_grid


def row(values: np.ndarray) -> list[float]:
    return [float(v) for v in values[0]]


def test_mid_month_start_before_inside_and_after_the_horizon():
    # $1,000 a month from 16 January 2026 to 30 June; horizon Jan-Mar 2026.
    # Grid: Dec 2025 (before), Jan, Feb, Mar (horizon), Apr, May, Jun (after): 7 months.
    s, grid = schedule({"start": "2026-01-16"})
    full = s.full
    assert grid.count == 7 and grid.first == month_number(dt.date(2025, 12, 1))
    assert row(full.contract_month) == [-1, 0, 1, 2, 3, 4, 5]
    # January: 16th..31st = 16 of 31 days -> 16/31 x 1000 = 516.129...
    assert row(full.service_days) == [0, 16, 28, 31, 30, 31, 30]
    assert row(full.daily_fee)[1] == ratio(1000 / 31)  # 32.258... a day in January
    assert row(full.full_month_fee) == money([1000] * 7)
    assert row(full.fees) == money([0, 516.13, 1000, 1000, 1000, 1000, 1000])
    assert row(full.service_fees_to_date) == money(
        [0, 516.13, 1516.13, 2516.13, 3516.13, 4516.13, 5516.13]
    )
    # no notice possible: what is owed at a month's end is every fee after it
    assert row(full.fees_left) == money([5516.13, 5000, 4000, 3000, 2000, 1000, 0])
    assert row(full.obligation) == row(full.fees_left)
    assert all(math.isnan(v) for v in row(full.notice_deadline))
    # notice at a month's end is given on the next month's first day
    assert row(full.notice_day)[0] == day("2026-01-01")
    # the horizon's slices are the same figures
    assert list(s.fees[0]) == money([516.13, 1000, 1000])
    assert list(s.remaining_obligation[0]) == money([5000, 4000, 3000])
    assert s.exit_cost_now[0] == money(5516.13)
    assert s.fees_after_horizon[0] == money(3000)  # April, May, June
    # advance: paid in the month of service
    assert row(full.fees_paid) == money([0, 516.13, 1000, 1000, 1000, 1000, 1000])


def test_escalator_steps_every_three_contract_months_after_the_horizon_too():
    # 1,000 a month rising 10% every 3 contract months from January: k = 0..2 x 1,
    # k = 3..5 (April-June, after a two-month horizon) x 1.1 = 1,100.
    s, _ = schedule({"escalator": {"rate": 0.10, "every_months": 3}}, months=2)
    full = s.full
    assert row(full.escalation) == ratio([1, 1, 1, 1, 1.1, 1.1, 1.1])  # Dec 2025 (k = -1): 1
    assert row(full.fees) == money([0, 1000, 1000, 1000, 1100, 1100, 1100])
    # after the two-month horizon: March 1,000 + 3 x 1,100 = 4,300
    assert s.fees_after_horizon[0] == money(4300)


def test_ramp_steps_scale_fee_and_capacity():
    # ramp: 2 months at 50%, then 1 month at 80%, then the full 1,000 and 1,000 tokens
    s, _ = schedule(
        {
            "ramp": [{"months": 2, "fraction": 0.5}, {"months": 1, "fraction": 0.8}],
            "capacity": {"tokens_per_month": 1000},
        }
    )
    full = s.full
    assert row(full.ramp) == ratio([1, 0.5, 0.5, 0.8, 1, 1, 1])  # 1 before the start (k < 0)
    assert row(full.fees) == money([0, 500, 500, 800, 1000, 1000, 1000])
    assert row(full.capacity_tokens) == ratio([0, 500, 500, 800, 1000, 1000, 1000])


def test_termination_fee_in_the_last_month_of_service_after_the_horizon():
    # 3,100 a month for 2026; notice on 17 March with 30 days: 17 March + 30 days = 16 April is
    # the first day without service. April: 15 of 30 days = 1,550, plus the fee of 700 in April
    # (the month of the last day of service, 15 April) = 2,250. Horizon: January and February.
    s, grid = schedule(
        {
            "monthly_fee": 3100,
            "end": "2026-12-31",
            "termination": {"notice_days": 30, "fee": 700, "notice_given": "2026-03-17"},
        },
        months=2,
    )
    full = s.full
    assert grid.count == 13  # Dec 2025 .. Dec 2026
    assert bool(s.notice_given[0]) and bool(s.ends_early[0])
    assert s.first_day_without_service[0] == day("2026-04-16")
    assert s.last_service_day[0] == day("2026-04-15")
    assert row(full.service_days)[3:6] == [31, 15, 0]  # March, April, May
    assert row(full.termination_fee) == money([0, 0, 0, 0, 700] + [0] * 8)
    assert row(full.fees) == money([0, 3100, 3100, 3100, 2250] + [0] * 8)
    # the fee is still to come at the end of each month up to March (next day 1 April <= 15
    # April), not at the end of April
    assert row(full.termination_fee_to_come) == money([700] * 4 + [0] * 9)
    # owed at the end of February, before the notice month: as if no notice were planned,
    # notice could be given on 1 March, ending service before 31 March: 30 days x 100 = 3,000
    # + the fee 700 = 3,700
    assert row(full.obligation)[2] == money(3700)
    assert s.remaining_obligation[0][-1] == money(3700)
    # at the end of March, the notice month: March's rest is paid, April 1,550 + the fee 700
    assert row(full.obligation)[3] == money(2250)
    # scheduled after the horizon: March 3,100 + April 1,550 + the fee 700 = 5,350
    assert s.fees_after_horizon[0] == money(5350)
    assert list(s.termination_fee[0]) == money([0, 0])  # not in the horizon


def test_arrears_pays_the_month_before_from_before_the_horizon():
    # 1,000 a month since November 2025, paid in arrears: January pays December's 1,000; the
    # grid's first month (December) pays November's, which is not on the grid (NaN).
    s, _ = schedule({"start": "2025-11-01", "payment": {"timing": "arrears"}})
    assert row(s.full.fees) == money([1000] * 7)
    assert row(s.full.fees_paid) == money([NAN] + [1000] * 6)
    assert list(s.fees_paid[0]) == money([1000, 1000, 1000])
    # starting on 16 January (516.13 in January): January pays December's 0, February 516.13
    late, _ = schedule({"start": "2026-01-16", "payment": {"timing": "arrears"}})
    assert row(late.full.fees_paid) == money([NAN, 0, 516.13, 1000, 1000, 1000, 1000])
    assert list(late.fees_paid[0]) == money([0, 516.13, 1000])


def test_exit_cost_and_notice_deadline_with_an_option_not_used():
    # 3,000 a month for 2026; notice possible from 1 March with 60 days' notice, fee 500.
    s, _ = schedule(
        {
            "monthly_fee": 3000,
            "end": "2026-12-31",
            "termination": {"notice_days": 60, "fee": 500, "earliest_notice": "2026-03-01"},
        },
        months=2,
    )
    full = s.full
    assert not bool(s.notice_given[0])
    # at the end of December 2025: notice on 1 March at the earliest, service ends before
    # 1 March + 60 days = 30 April: Jan + Feb + Mar 3 x 3,000 + April 29/30 x 3,000 (2,900)
    # = 11,900, plus the fee 500 = 12,400
    assert row(full.notice_from)[0] == day("2026-03-01")
    assert row(full.service_ends)[0] == day("2026-04-30")
    assert int(full.service_end_month[0, 0]) == 4  # April: Dec 2025 is column 0
    assert row(full.fees_before_service_ends)[0] == money(11_900)
    assert row(full.exit_cost)[0] == money(12_400)
    assert s.exit_cost_now[0] == money(12_400)
    # at the end of October: notice 1 November + 60 days = 31 December, the last day, still
    # ends early: November 3,000 + 30/31 x 3,000 (2,903.23) + 500 = 6,403.23, more than the
    # 6,000 left, so 6,000
    assert row(full.exit_cost)[10] == money(6000)
    # at the end of November: 1 December + 60 days is past the end: the fees left, 3,000
    assert row(full.exit_cost)[11] == money(3000)
    assert row(full.obligation) == row(full.exit_cost)
    # latest notice for service to end with April (next day 1 May): 1 May - 60 days = 2 March
    # (on or after 1 March); for March (1 April - 60 = 31 January) too early: none
    deadlines = row(full.notice_deadline)
    assert deadlines[4] == day("2026-03-02")
    assert math.isnan(deadlines[3]) and math.isnan(deadlines[0])


def test_before_the_notice_month_the_obligation_is_as_if_no_notice_were_planned():
    # 3,000 a month for 2026, 60 days' notice, fee 500, notice given on 1 June (service ends
    # before 31 July: June + July 30/31 = 3,000 + 2,903.23, fee 500 in July)
    terms = {"notice_days": 60, "fee": 500, "notice_given": "2026-06-01"}
    s, _ = schedule({"monthly_fee": 3000, "end": "2026-12-31", "termination": terms}, months=2)
    with_notice = row(s.full.obligation)
    # at the end of March (column 3): notice could still be given on 1 April, ending service
    # before 31 May: April 3,000 + May 30/31 x 3,000 (2,903.23) + the fee 500 = 6,403.23
    assert with_notice[3] == money(6_403.23)
    # the same as without the notice planned, in every month before June
    without = {"notice_days": 60, "fee": 500}
    plain, _ = schedule({"monthly_fee": 3000, "end": "2026-12-31", "termination": without})
    assert with_notice[:6] == money(row(plain.full.obligation)[:6])
    # from June (column 6) on: the rest of the shortened schedule and the fee to come:
    # end of June: July 2,903.23 + 500 = 3,403.23; end of July: 0
    assert with_notice[6] == money(3_403.23)
    assert with_notice[7] == money(0)


def test_a_notice_reaching_past_the_end_changes_nothing_at_all():
    # 90 days' notice given on 1 November: 1 November + 90 days is past 31 December
    late = {"notice_days": 90, "notice_given": "2026-11-01"}
    s, _ = schedule({"monthly_fee": 3000, "end": "2026-12-31", "termination": late})
    plain, _ = schedule(
        {"monthly_fee": 3000, "end": "2026-12-31", "termination": {"notice_days": 90}}
    )
    # e.g. at the end of March: 90 days from 1 April is before 30 June: April + May + June
    # 29/30 x 3,000 = 8,900 in both
    assert row(s.full.obligation)[3] == money(8_900)
    assert row(s.full.obligation) == money(row(plain.full.obligation))
    assert row(s.full.fees) == money(row(plain.full.fees))


def test_each_run_has_its_own_grid_rows_and_shared_runs_repeat_one():
    scenario = Scenario.model_validate(
        {
            "name": "t",
            "horizon": {"start": "2026-01", "months": 3},
            "contracts": [
                {"name": "A", "monthly_fee": 1000, "start": "2026-01-01", "end": "2026-06-30"},
                {
                    "name": "B",
                    "monthly_fee": 3100,
                    "start": "2026-01-01",
                    "end": "2026-12-31",
                    "termination": {"notice_days": 30, "fee": 700},
                },
            ],
        }
    )
    notice = [NAN, day("2026-03-17")]
    result = run(Batch(scenario, 2, {"contracts[1].termination.notice_given": notice}))
    shared, varied = result.contracts
    # contract A is the same in both runs: one schedule, repeated
    assert shared.full.fees.shape == (2, result.contract_grid.count)
    assert row(shared.full.fees) == list(shared.full.fees[1])
    # contract B: without notice all of April (3,100); with notice on 17 March 1,550 + 700
    assert varied.full.fees[:, 4].tolist() == money([3100, 2250])
    assert varied.notice_given.tolist() == [False, True]
    # one run on its own gives the same rows
    grid = contract_grid(Batch(scenario))
    alone: ContractSchedule = contract_schedule(Batch(scenario), 1, grid)
    np.testing.assert_array_equal(alone.full.fees[0], varied.full.fees[0])


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_horizons_figures_are_columns_of_the_full_grid(path):
    """One computation: the horizon's figures are the full grid's columns 1..months."""
    scenario = load_scenario(path)
    months = scenario.months
    horizon = slice(1, months + 1)
    for s in run(Batch(scenario)).contracts:
        full = s.full
        # the full rows are in the contract's currency, the horizon's converted at each
        # month's rate (x 1.0 in the reporting currency, which changes nothing)
        rate = full.fx_rate
        np.testing.assert_array_equal(full.capacity_tokens[:, horizon], s.capacity_tokens)
        for name in ("fees", "fees_paid", "termination_fee"):
            native = getattr(full, name)[:, horizon]
            np.testing.assert_allclose(native * rate[:, horizon], getattr(s, name), rtol=1e-12)
        np.testing.assert_allclose(
            full.obligation[:, horizon] * rate[:, horizon], s.remaining_obligation, rtol=1e-12
        )
        np.testing.assert_allclose(full.obligation[:, 0] * rate[:, 0], s.exit_cost_now, rtol=1e-12)
        after = (full.fees * rate)[0, months + 1 :].sum()
        assert s.fees_after_horizon[0] == pytest.approx(after, abs=0.005)
        assert s.first_day_without_service[0] == s.last_service_day[0] + 1
