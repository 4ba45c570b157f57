"""analysis/obligations.py: scheduled, noncancelable and cancelable payments, worked out by hand.

Money is compared to the cent (`CENT`), never as exact floats. A full month of service costs the
monthly fee (daily fee x days in the month); a part month daily fee x days of service.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from commitcast.analysis.obligations import BUCKETS, obligations, period_of
from commitcast.core.calendar import month_number
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.engine.run import run
from commitcast.load.validation import scenario_from_text
from commitcast.variants.batch import Batch
from commitcast.variants.inputs import ArgumentProblem

CENT = 0.005
BUCKET_NAMES = [label for label, _, _ in BUCKETS]


def cents(values) -> list[float]:
    return [round(float(v), 2) for v in values]


def scenario(contracts: str, start: str = "2026-01", months: int = 12, extra: str = ""):
    return scenario_from_text(
        f"name: obligations test\nhorizon: {{start: {start}, months: {months}}}\n{extra}"
        f"contracts:\n{contracts}",
        "test.yaml",
    )


# $1,000 a month for six years from January 2026, doubling every 12 contract months: each
# year's months cost 1,000, 2,000, 4,000, 8,000, 16,000, 32,000, so a payment counted in the
# wrong bucket at a boundary changes the bucket's figure.
DOUBLING = """\
  - name: Doubling
    monthly_fee: 1000
    start: 2026-01-01
    end: 2031-12-31
    escalator: {{rate: 1.0, every_months: 12}}
    payment: {{timing: {timing}}}
"""


def test_buckets_at_their_month_boundaries_and_no_termination_is_wholly_noncancelable():
    result = obligations(scenario(DOUBLING.format(timing="advance")))
    assert result.as_of == dt.date(2026, 1, 1)  # the horizon's start
    assert result.periods == BUCKET_NAMES
    [line] = result.contracts
    assert not line.terminable
    # months 0-11 (Jan-Dec 2026): 12 x 1,000 = 12,000 (month 12, Jan 2027, at 2,000 is not in)
    # months 12-35: 12 x 2,000 + 12 x 4,000 = 72,000
    # months 36-59: 12 x 8,000 + 12 x 16,000 = 288,000
    # months 60-71: 12 x 32,000 = 384,000
    assert cents(line.scheduled) == [12_000.0, 72_000.0, 288_000.0, 384_000.0]
    # no termination section: every payment is noncancelable
    assert cents(line.noncancelable) == cents(line.scheduled)
    assert cents(line.cancelable) == [0.0] * 4
    # 12,000 + 72,000 + 288,000 + 384,000 = 756,000
    assert line.total("scheduled") == pytest.approx(756_000.0, abs=CENT)
    assert result.total.total("noncancelable") == pytest.approx(756_000.0, abs=CENT)
    # the month either side of each boundary
    assert [period_of(k, result.as_of, "bucket") for k in (11, 12, 35, 36, 59, 60)] == [
        "within 1 year",
        "1–3 years",
        "1–3 years",
        "3–5 years",
        "3–5 years",
        "after 5 years",
    ]


def test_arrears_pushes_a_payment_into_the_next_bucket():
    result = obligations(scenario(DOUBLING.format(timing="arrears")))
    [line] = result.contracts
    # service month k is paid in month k + 1; nothing is paid in January 2026 (no service
    # before the contract's start)
    assert line.monthly_scheduled[0] == 0.0
    # within 1 year: payments 1-11 for services 0-10: 11 x 1,000 = 11,000
    # 1–3 years: payments 12-35 for services 11-34: 1,000 + 12 x 2,000 + 11 x 4,000 = 69,000
    # 3–5 years: payments 36-59 for services 35-58: 4,000 + 12 x 8,000 + 11 x 16,000 = 276,000
    # after 5 years: payments 60-72 for services 59-71: 16,000 + 12 x 32,000 = 400,000
    assert cents(line.scheduled) == [11_000.0, 69_000.0, 276_000.0, 400_000.0]
    # the same 756,000 in total, later
    assert line.total("scheduled") == pytest.approx(756_000.0, abs=CENT)
    # the last payment, for December 2031, is made in January 2032, after the contract grid
    assert result.months[-1] == "2032-01"
    assert line.monthly_scheduled[-1] == pytest.approx(32_000.0, abs=CENT)


# The conventions' example: $3,000 a month for 2026, 60 days' notice, a fee of $500.
NOTICE = """\
  - name: Sixty days
    monthly_fee: 3000
    start: 2026-01-01
    end: 2026-12-31
    termination: {{notice_days: 60, fee: 500{given}}}
    payment: {{timing: {timing}}}
"""


def notice_scenario(given: str | None = None, timing: str = "advance"):
    text = NOTICE.format(given=f", notice_given: {given}" if given else "", timing=timing)
    return scenario(text)


def test_a_termination_fee_inside_the_noncancelable_part():
    result = obligations(notice_scenario(), dt.date(2026, 4, 1))
    [line] = result.contracts
    assert line.terminable and line.ends_early and not line.runs_out
    # notice on 1 April: 60 days (April's 30 + 30 of May) make 31 May the first day without
    # service; the last day of service is 30 May, when the $500 fee is charged
    # April 3,000; May 30/31 x 3,000 = 2,903.23, + 500 = 3,403.23
    assert cents(line.monthly_noncancelable[:3]) == [3_000.0, 3_403.23, 0.0]
    assert line.window_fees == pytest.approx(5_903.23, abs=CENT)
    # 3,000 + 3,403.23 = 6,403.23, all within a year
    assert cents(line.noncancelable) == [6_403.23, 0.0, 0.0, 0.0]
    # scheduled: April to December, 9 x 3,000 = 27,000; cancelable 27,000 - 6,403.23
    assert cents(line.scheduled) == [27_000.0, 0.0, 0.0, 0.0]
    assert cents(line.cancelable) == [20_596.77, 0.0, 0.0, 0.0]


def test_the_termination_fee_is_paid_with_the_last_month_of_service_in_arrears():
    result = obligations(notice_scenario(timing="arrears"), dt.date(2026, 4, 1))
    [line] = result.contracts
    # paid a month later: May 3,000 (April's service), June 3,403.23 (May's and the fee)
    assert cents(line.monthly_noncancelable[:4]) == [0.0, 3_000.0, 3_403.23, 0.0]
    # scheduled: April to December's service paid May to January 2027, 9 x 3,000
    assert cents(line.monthly_scheduled[:2]) == [0.0, 3_000.0]
    assert line.total("scheduled") == pytest.approx(27_000.0, abs=CENT)


def test_a_fee_above_what_is_left_makes_the_rest_noncancelable():
    text = NOTICE.format(given="", timing="advance").replace("fee: 500", "fee: 50000")
    result = obligations(scenario(text), dt.date(2026, 10, 1))
    [line] = result.contracts
    # notice on 1 October: service through 29 November (31 + 29 days), 3,000 + 29/30 x 3,000
    # = 5,900, + 50,000 = 55,900 > running out: October to December, 9,000. So 9,000, by month
    assert line.runs_out
    assert cents(line.monthly_noncancelable[:4]) == [3_000.0, 3_000.0, 3_000.0, 0.0]
    assert line.total("cancelable") == pytest.approx(0.0, abs=CENT)


@pytest.mark.parametrize(
    ("given", "as_of", "scheduled", "noncancelable", "applied"),
    [
        # notice on 1 June: service through 30 July (June's 30 + 30 of July), the fee in July.
        # Before June, noncancelable is as if no notice were planned (notice on 1 April:
        # 3,000 + 2,903.23 + 500); scheduled is the shortened schedule: April, May, June
        # 3 x 3,000, July 30/31 x 3,000 = 2,903.23 + 500
        ("2026-06-01", "2026-04-01", [3_000, 3_000, 3_000, 3_403.23], [3_000, 3_403.23], False),
        # as of 1 June the notice is given that day: the same as notice on 1 June
        ("2026-06-01", "2026-06-01", [3_000, 3_403.23], [3_000, 3_403.23], False),
        # from July, a month after the notice's: the rest of the shortened schedule
        ("2026-06-01", "2026-07-01", [3_403.23], [3_403.23], True),
        ("2026-06-01", "2026-08-01", [0.0], [0.0], True),
        # notice on 10 June: service through 8 August (20 + 31 + 8 = 59 days, the 60th is 9
        # August), August 8/31 x 3,000 = 774.19 + 500; as of 1 June, notice on 1 June is what
        # could still be done: 3,000 + 2,903.23 + 500
        ("2026-06-10", "2026-06-01", [3_000, 3_000, 1_274.19], [3_000, 3_403.23], False),
        ("2026-06-10", "2026-07-01", [3_000, 1_274.19], [3_000, 1_274.19], True),
    ],
)
def test_a_notice_given_before_or_after_the_as_of_day(
    given, as_of, scheduled, noncancelable, applied
):
    result = obligations(notice_scenario(given), dt.date.fromisoformat(as_of))
    [line] = result.contracts
    assert line.notice_applied is applied
    n = len(scheduled)
    assert cents(line.monthly_scheduled[:n]) == scheduled
    assert not np.any(np.abs(line.monthly_scheduled[n:]) > CENT)
    assert cents(line.monthly_noncancelable[: len(noncancelable)]) == noncancelable
    assert not np.any(np.abs(line.monthly_noncancelable[len(noncancelable) :]) > CENT)


def refusal(call, *args) -> ArgumentProblem:
    with pytest.raises(CommitcastError) as caught:
        call(*args)
    [problem] = caught.value.problems
    assert isinstance(problem, ArgumentProblem)
    assert problem.argument == problem.field
    return problem


def test_an_as_of_month_outside_the_contract_grid_is_refused():
    s = notice_scenario()
    before = refusal(obligations, s, dt.date(2025, 12, 1))
    assert str(before) == (
        "<input>: as_of: 2025-12 is before the horizon's start (2026-01); payments before it "
        "are not on the contract grid (a month from 2026-01 on)"
    )
    after = refusal(obligations, s, dt.date(2027, 1, 1))
    assert "after the last month of the contracts (2026-12)" in after.message
    assert "first day of a month" in refusal(obligations, s, dt.date(2026, 3, 15)).message
    assert "fiscal-year" in refusal(obligations, s, None, "quarter").message
    # the last month of the grid is fine
    assert obligations(s, dt.date(2026, 12, 1)).total.total("scheduled") == pytest.approx(3_000)


def test_by_calendar_and_fiscal_year_across_a_calendar_year():
    text = """\
  - name: Winter
    monthly_fee: 1000
    start: 2026-11-01
    end: 2027-04-30
    payment: {timing: TIMING}
"""
    fiscal = "fiscal_year_start_month: 2\n"
    advance = scenario(text.replace("TIMING", "advance"), "2026-11", 6, fiscal)
    # payments Nov, Dec 2026; Jan, Feb, Mar, Apr 2027
    by_year = obligations(advance, None, "year")
    assert by_year.periods == ["2026", "2027"]
    assert cents(by_year.total.scheduled) == [2_000.0, 4_000.0]
    # fiscal years from February, named by the year they end in: Feb 2026 - Jan 2027 is
    # FY2027 (Nov, Dec, Jan: 3,000), Feb 2027 - Jan 2028 FY2028 (Feb, Mar, Apr: 3,000)
    by_fiscal = obligations(advance, None, "fiscal-year")
    assert by_fiscal.periods == ["FY2027", "FY2028"]
    assert cents(by_fiscal.total.scheduled) == [3_000.0, 3_000.0]
    # arrears: paid Dec 2026 to May 2027: 2026 1,000 and 2027 5,000; FY2027 Dec and Jan,
    # 2,000, FY2028 Feb to May, 4,000
    arrears = scenario(text.replace("TIMING", "arrears"), "2026-11", 6, fiscal)
    assert cents(obligations(arrears, None, "year").total.scheduled) == [1_000.0, 5_000.0]
    assert cents(obligations(arrears, None, "fiscal-year").total.scheduled) == [2_000.0, 4_000.0]
    # fiscal quarters: Nov, Dec, Jan are FY2027-Q4 (Nov 2026 - Jan 2027), Feb to Apr
    # FY2028-Q1 and May FY2028-Q2; arrears pays Dec, Jan (2,000), Feb, Mar, Apr (3,000), May
    # (1,000)
    by_quarter = obligations(arrears, None, "fiscal-quarter")
    assert by_quarter.periods == ["FY2027-Q4", "FY2028-Q1", "FY2028-Q2"]
    assert cents(by_quarter.total.scheduled) == [2_000.0, 3_000.0, 1_000.0]
    # totals are the sum of the periods, to the cent, every way
    for by in ("bucket", "year", "fiscal-year", "fiscal-quarter"):
        result = obligations(arrears, None, by)
        assert result.total.total("scheduled") == pytest.approx(6_000.0, abs=CENT)


# Arrears from before the horizon, a ramp, an escalator, notice given with a fee, a contract
# past the horizon, an unused option and a termination fee above the fees left.
EDGE = """\
  - name: Arrears with a fee
    monthly_fee: 31_000_000
    start: 2025-11-10
    end: 2029-02-14
    escalator: {rate: 0.05, every_months: 6}
    ramp: [{months: 1, fraction: 0.25}, {months: 3, fraction: 0.6}]
    termination: {notice_days: 45, fee: 20_000_000, earliest_notice: 2026-09-01,
                  notice_given: 2027-05-20}
    payment: {timing: arrears}
  - name: Locked in
    monthly_fee: 12_500_000
    start: 2026-07-16
    end: 2031-12-31
  - name: Option not used
    monthly_fee: 5_000_000
    start: 2026-03-01
    end: 2027-12-31
    termination: {notice_days: 120, fee: 3_000_000, earliest_notice: 2027-01-15}
    payment: {timing: arrears}
  - name: Costly exit
    monthly_fee: 2_000_000
    start: 2026-11-20
    end: 2027-08-31
    termination: {notice_days: 200, fee: 50_000_000}
"""


def test_noncancelable_is_the_engines_remaining_obligation_split_into_months():
    """The exact relation: the total noncancelable as of A equals the engine's remaining
    obligation at the end of the month before A (FullSchedule.obligation at A's grid column
    - 1), contract by contract, for every A on the grid. Neither holds the fees incurred for
    service before A: an arrears contract's fees of the month before A (its fees payable at
    that month's end) are paid in A's month, outside both. So the cash still to be paid from
    A's month on, notice given on A, is noncancelable + fees[a - 1] for an arrears contract."""
    s = scenario(EDGE, "2026-03", 30)
    result = run(Batch(s))
    grid = result.contract_grid
    checked = 0
    for a in range(1, grid.count):
        month = grid.first + a
        as_of = dt.date(1970 + month // 12, month % 12 + 1, 1)
        table = obligations(s, as_of)
        assert month_number(table.as_of) - grid.first == a
        for line, schedule in zip(table.contracts, result.contracts, strict=True):
            full = schedule.full
            assert line.total("noncancelable") == pytest.approx(
                full.obligation[0, a - 1], abs=CENT
            ), (line.name, as_of)
            # scheduled: every fee for service from A on, termination fee included
            assert line.total("scheduled") == pytest.approx(full.fees[0, a:].sum(), abs=CENT)
            if line.timing == "arrears":
                # A's month pays the month before's fees: the engine's payment, not ours
                assert line.monthly_scheduled[0] == 0.0
                assert line.monthly_noncancelable[0] == 0.0
                assert full.fees_paid[0, a] == pytest.approx(full.fees[0, a - 1], abs=CENT)
            checked += 1
        # the totals are the sums of the periods and of the contracts, to the cent
        for figure in ("scheduled", "noncancelable", "cancelable"):
            assert table.total.total(figure) == pytest.approx(
                sum(line.total(figure) for line in table.contracts), abs=CENT
            )
    assert checked > 4 * 60


# A take-or-pay commit: $2 per million tokens, 5M tokens a month ($10 of spend a month), a
# minimum of $120 every 3 months, for 2026.
COMMIT = """name: commit
horizon: {start: 2026-01, months: 12}
revenue: [{name: R, tokens_per_month: 5e6, price_per_million_tokens: 10}]
contracts:
  - {name: K, kind: commit, price_per_million_tokens: 2, minimum: {amount: 120, every_months: 3},
     start: 2026-01-01, end: 2026-12-31%s}
"""


def _commit(extra: str = "", as_of: dt.date | None = None):
    scenario = scenario_from_text(COMMIT % extra)
    (line,) = obligations(scenario, as_of, "year").contracts
    return scenario, line


def test_a_commit_owes_its_minimums_in_the_month_each_period_ends():
    scenario, line = _commit()
    # four quarters of 120 unmet at the start, each paid with its last month (advance)
    assert list(line.monthly_scheduled[:12]) == pytest.approx([0, 0, 120] * 4, abs=0.005)
    assert line.total("noncancelable") == pytest.approx(480, abs=0.005)
    assert line.total("noncancelable") == pytest.approx(
        projection(scenario).summary["exit_cost_now"], abs=0.005
    )


def test_a_commit_in_arrears_as_of_march_credits_the_quarters_spend_so_far():
    # as of 1 March: the first quarter's 120 less January's and February's 10 + 10 = 100,
    # paid in April (arrears), then 120 in July, October and January 2027: 460 in all
    scenario, line = _commit(", payment: {timing: arrears}", dt.date(2026, 3, 1))
    assert list(line.monthly_scheduled[:11]) == pytest.approx(
        [0, 100, 0, 0, 120, 0, 0, 120, 0, 0, 120], abs=0.005
    )
    assert line.total("cancelable") == pytest.approx(0, abs=0.005)
    remaining = projection(scenario).columns["remaining_obligation"][1]  # end of February
    assert line.total("noncancelable") == pytest.approx(remaining, abs=0.005)


def test_a_commits_notice_on_a_owes_the_months_through_the_window_and_the_fee():
    # notice on 1 January with 45 days: service ends 14 February, so the first quarter's
    # minimum is prorated to two months, 120 x 2 / 3 = 80, plus the fee 25: 105, in February
    scenario, line = _commit(", termination: {notice_days: 45, fee: 25}")
    assert list(line.monthly_noncancelable[:3]) == pytest.approx([0, 105, 0], abs=0.005)
    assert line.total("scheduled") == pytest.approx(480, abs=0.005)
    assert line.total("cancelable") == pytest.approx(375, abs=0.005)
    assert line.total("noncancelable") == pytest.approx(
        projection(scenario).summary["exit_cost_now"], abs=0.005
    )


def test_a_commit_with_notice_given_is_scheduled_to_its_last_month_of_service():
    # notice on 17 March with 30 days: service ends 15 April. As of 1 March the schedule as
    # given owes the first quarter's 120 - 20 spent = 100 in March, then April alone (120 x
    # 1 / 3 = 40) and the fee 50 in April. Notice on 1 March instead ends service on 30 March:
    # 100 + the fee 50 in March, less than running to the end (100 + 3 x 120 = 460).
    scenario, line = _commit(
        ", termination: {notice_days: 30, fee: 50, notice_given: 2026-03-17}", dt.date(2026, 3, 1)
    )
    assert list(line.monthly_scheduled[:3]) == pytest.approx([100, 90, 0], abs=0.005)
    assert list(line.monthly_noncancelable[:3]) == pytest.approx([150, 0, 0], abs=0.005)
    remaining = projection(scenario).columns["remaining_obligation"][1]
    assert line.total("noncancelable") == pytest.approx(remaining, abs=0.005)


# 3,100 a month from 1 November 2025 to 15 July 2026 (July: 3,100 x 15 / 31 = 1,500), billed
# by quarter from November: November-January, February-April, May-July (7,700)
QUARTERLY = """name: billed
horizon: {start: 2026-01, months: 6}
contracts:
  - {name: Q, monthly_fee: 3100, start: 2025-11-01, end: 2026-07-15,
     payment: {timing: %s, every_months: 3}}
"""


def test_billed_quarterly_in_advance_the_payments_are_the_quarters_still_to_be_billed():
    scenario = scenario_from_text(QUARTERLY % "advance")
    (line,) = obligations(scenario, None, "year").contracts
    # January was paid in November with its quarter; February pays 9,300, May 7,700
    assert list(line.monthly_scheduled[:6]) == pytest.approx([0, 9_300, 0, 0, 7_700, 0], abs=0.005)
    assert line.total("noncancelable") == pytest.approx(17_000, abs=0.005)
    assert line.total("noncancelable") == pytest.approx(
        projection(scenario).summary["exit_cost_now"], abs=0.005
    )


def test_billed_quarterly_in_arrears_the_service_before_a_is_left_out():
    scenario = scenario_from_text(QUARTERLY % "arrears")
    (line,) = obligations(scenario, None, "year").contracts
    # February pays November-January 9,300, of which November and December (6,200) is a
    # payable at A: 3,100; May pays February-April 9,300; August May-July 7,700: 20,100
    assert list(line.monthly_scheduled[:8]) == pytest.approx(
        [0, 3_100, 0, 0, 9_300, 0, 0, 7_700], abs=0.005
    )
    assert line.total("scheduled") == pytest.approx(20_100, abs=0.005)
    assert line.total("noncancelable") == pytest.approx(
        projection(scenario).summary["exit_cost_now"], abs=0.005
    )


PREPAID = """name: prepaid
horizon: {start: 2026-01, months: 6}
contracts:
  - {name: P, monthly_fee: 1000, start: 2026-01-01, end: 2026-06-30,
     prepayment: {amount: 2500, paid: 2026-01-01}}
"""


def test_a_prepayment_is_an_obligation_until_paid_and_then_reduces_the_payments():
    scenario = scenario_from_text(PREPAID)
    # as of January: the 2,500 prepayment (January's 1,000 credited from it), then 0 in
    # February, 500 in March (1,000 less the last 500 of it), 1,000 in April, May and June
    (line,) = obligations(scenario, None, "year").contracts
    assert list(line.monthly_scheduled[:6]) == pytest.approx(
        [2_500, 0, 500, 1_000, 1_000, 1_000], abs=0.005
    )
    assert line.total("noncancelable") == pytest.approx(6_000, abs=0.005)
    # as of February: 3,500 left to pay, the engine's remaining obligation at January's end
    (line,) = obligations(scenario, dt.date(2026, 2, 1), "year").contracts
    assert line.total("scheduled") == pytest.approx(3_500, abs=0.005)
    remaining = projection(scenario).columns["remaining_obligation"][0]
    assert line.total("noncancelable") == pytest.approx(remaining, abs=0.005)
