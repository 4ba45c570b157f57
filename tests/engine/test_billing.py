"""Billing periods and prepayments of reserved contracts (issue 13, section 2): payments by
billing period in advance or in arrears across the horizon's edges, fees_payable negative when
billed ahead, prepayments credited first or pro rata, an unused remainder forfeited or refunded.
Every expected figure is worked out by hand in the comments from the conventions.

Contracts of 3,100 a month: a full month of service pays the full fee whatever its days, and a
part of a 31-day month pays 100 a day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from commitcast.engine.projection import Projection, projection
from tests.engine.test_run import contract, scenario
from tests.engine.test_run_balances import identity_gap

CENT = 0.005


def money(values: Any) -> Any:
    return pytest.approx(values, abs=CENT)


def row(p: Projection, name: str) -> list[float]:
    return [float(v) for v in p.columns[name]]


def balanced(p: Projection) -> None:
    """The balance identity of issue 13 holds in every month."""
    assert float(np.abs(identity_gap(p)).max()) < CENT


# --- billing periods ---------------------------------------------------------------------------

# 3,100 a month from 1 November 2025 to 15 July 2026, billed quarterly: quarters November-
# January (3 x 3,100 = 9,300, begun before the horizon), February-April (9,300) and May-July cut
# by the end (3,100 + 3,100 + 15/31 x 3,100 = 1,500: 7,700). Incurred before the horizon:
# November + December = 6,200.


def quarterly(timing: str, months: int) -> Projection:
    c = contract(
        start="2025-11-01", end="2026-07-15", payment={"timing": timing, "every_months": 3}
    )
    return projection(scenario([c], months=months))


def test_quarterly_in_advance_across_the_horizons_edges():
    # horizon January-June. November-January was paid in November (before the horizon);
    # February pays February-April 9,300; May pays May-July 7,700 (July is after the horizon)
    p = quarterly("advance", 6)
    assert row(p, "committed_fees") == money([3_100] * 6)
    assert row(p, "fees_paid") == money([0, 9_300, 0, 0, 7_700, 0])
    assert row(p, "cash_out") == money([0, 9_300, 0, 0, 7_700, 0])
    # fees_payable = incurred to date - paid to date, negative while paid ahead:
    # end of December 2025: 6,200 - 9,300 = -3,100;
    # Jan 9,300 - 9,300 = 0; Feb 12,400 - 18,600 = -6,200; Mar -3,100; Apr 0;
    # May 21,700 - 26,300 = -4,600; Jun 24,800 - 26,300 = -1,500
    assert p.result.opening["fees_payable"][0] == money(-3_100)
    assert row(p, "fees_payable") == money([0, -6_200, -3_100, 0, -4_600, -1_500])
    # remaining obligation: the fees after each month less what is already paid for them. At
    # the end of December 2025, January-June 6 x 3,100 + July's 1,500 = 20,100, less January's
    # 3,100 paid in November (the payable of -3,100): 17,000
    assert p.result.summary["exit_cost_now"][0] == money(17_000)
    # then what the next payments will be: end of January 15,500 + 1,500 = 17,000 (nothing
    # ahead); February 12,400 + 1,500 - 6,200 = 7,700; March 9,300 + 1,500 - 3,100 = 7,700;
    # April 6,200 + 1,500 = 7,700 (May's payment); May 3,100 + 1,500 - 4,600 = 0; June 0
    assert row(p, "remaining_obligation") == money([17_000, 7_700, 7_700, 7_700, 0, 0])
    balanced(p)


def test_quarterly_in_arrears_across_the_horizons_edges():
    # horizon January-June. February pays November-January 9,300 (a quarter begun before the
    # horizon, paid in it); May pays February-April 9,300; May-July ends after the horizon and
    # is paid in August, outside it
    p = quarterly("arrears", 6)
    assert row(p, "fees_paid") == money([0, 9_300, 0, 0, 9_300, 0])
    # owed at the end of December 2025: November + December 6,200; then
    # Jan 9,300; Feb 12,400 - 9,300 = 3,100; Mar 6,200; Apr 9,300; May 21,700 - 18,600 = 3,100;
    # Jun 6,200 (May and June, to be paid in August)
    assert p.result.opening["fees_payable"][0] == money(6_200)
    assert row(p, "fees_payable") == money([9_300, 3_100, 6_200, 9_300, 3_100, 6_200])
    balanced(p)


@pytest.mark.parametrize(
    ("timing", "paid", "payable"),
    [
        # advance: May pays May-July 7,700; incurred to date 21,700, 24,800, then 26,300
        # against 26,300 paid: -4,600, -1,500, 0 ...
        (
            "advance",
            [0, 9_300, 0, 0, 7_700, 0, 0, 0, 0],
            [0, -6_200, -3_100, 0, -4_600, -1_500, 0, 0, 0],
        ),
        # arrears: the quarter cut by the end ends with July, its last month of service, and is
        # paid in August: 7,700
        (
            "arrears",
            [0, 9_300, 0, 0, 9_300, 0, 0, 7_700, 0],
            [9_300, 3_100, 6_200, 9_300, 3_100, 6_200, 7_700, 0, 0],
        ),
    ],
)
def test_a_quarter_cut_by_the_end_is_paid_for_its_months_of_service(timing, paid, payable):
    # horizon January-September: July pays 15 days (1,500), August and September nothing
    p = quarterly(timing, 9)
    assert row(p, "committed_fees") == money([3_100] * 6 + [1_500, 0, 0])
    assert row(p, "fees_paid") == money(paid)
    assert row(p, "fees_payable") == money(payable)
    balanced(p)


@pytest.mark.parametrize(
    ("timing", "paid"),
    [
        # advance: January pays January-March 9,300; April pays April-June cut to April
        # (1,550) and the fee in its month (700): 2,250
        ("advance", [9_300, 0, 0, 2_250, 0, 0]),
        # arrears: April pays January-March; May pays April's 1,550 and the fee 700
        ("arrears", [0, 0, 0, 9_300, 2_250, 0]),
    ],
)
def test_a_quarter_cut_by_a_notice_ends_with_the_last_month_of_service(timing, paid):
    # 3,100 a month for 2026, quarterly; 30 days' notice given on 17 March, fee 700: 16 April
    # is the first day without service, so April has 15 of 30 days: 1,550, + the fee 700
    c = contract(
        payment={"timing": timing, "every_months": 3},
        termination={"notice_days": 30, "fee": 700, "notice_given": "2026-03-17"},
    )
    p = projection(scenario([c], months=6))
    assert row(p, "committed_fees") == money([3_100, 3_100, 3_100, 2_250, 0, 0])
    assert row(p, "fees_paid") == money(paid)
    balanced(p)


# --- prepayments -------------------------------------------------------------------------------

# 1,000 a month from 1 January to 30 June 2026, billed monthly (6,000 in all); horizon
# January-July.


def prepaid(timing: str = "advance", **prepayment: Any) -> Projection:
    c = contract(
        monthly_fee=1000, end="2026-06-30", payment={"timing": timing}, prepayment=prepayment
    )
    return projection(scenario([c], costs={"training_share": 0.25}, months=7))


def test_a_prepayment_applied_first_covers_the_first_payments():
    # 2,500 paid on 1 January covers January's 1,000, February's 1,000 and 500 of March's
    p = prepaid(amount=2500, paid="2026-01-01", applied="first")
    # fees_paid includes the prepayment in its month: 2,500 + 0 in January; March 500
    assert row(p, "fees_paid") == money([2_500, 0, 500, 1_000, 1_000, 1_000, 0])
    assert row(p, "cash_out") == money([2_500, 0, 500, 1_000, 1_000, 1_000, 0])
    # not yet credited at each month's end: 1,500, 500, then 0
    assert row(p, "prepaid_fees") == money([1_500, 500, 0, 0, 0, 0, 0])
    assert p.result.opening["prepaid_fees"][0] == money(0)
    # the fees are incurred as before; fees_payable is gross of the prepayment: 0 (advance)
    assert row(p, "committed_fees") == money([1_000] * 6 + [0])
    assert row(p, "fees_payable") == money([0] * 7)
    # the remaining obligation is the fees left less the prepayment not yet credited: 6,000 at
    # the end of December 2025 (nothing prepaid yet), then 5,000 - 1,500 = 3,500,
    # 4,000 - 500 = 3,500, then 3,000, 2,000, 1,000, 0
    assert p.result.summary["exit_cost_now"][0] == money(6_000)
    assert row(p, "remaining_obligation") == money([3_500, 3_500, 3_000, 2_000, 1_000, 0, 0])
    balanced(p)


def test_a_prepayment_applied_pro_rata_before_the_horizon():
    # 2,500 paid on 15 December 2025 (cash before the horizon); the payments from December on
    # are January-June, 6 x 1,000 = 6,000: each is covered 2,500 / 6,000 = 5/12, so 1,000 x
    # 7/12 = 583.33 is paid each month and 416.67 credited
    p = prepaid(amount=2500, paid="2025-12-15", applied="pro_rata")
    assert row(p, "fees_paid") == money([583.33] * 6 + [0])
    # open at 2,500, less 416.67 a month: 2,083.33, 1,666.67, 1,250, 833.33, 416.67, 0
    assert p.result.opening["prepaid_fees"][0] == money(2_500)
    assert row(p, "prepaid_fees") == money([2_083.33, 1_666.67, 1_250, 833.33, 416.67, 0, 0])
    balanced(p)


@pytest.mark.parametrize("timing", ["advance", "arrears"])
def test_an_unused_prepayment_is_forfeited_in_the_last_month_of_service(timing):
    # 8,000 paid on 1 January against 6,000 of fees: 2,000 is left unused at the end of
    # service (June) and charged in June's committed fees: 1,000 + 2,000 = 3,000; it is
    # settled from the prepayment, so no cash beyond the 8,000 in January
    p = prepaid(timing, amount=8000, paid="2026-01-01")
    assert row(p, "committed_fees") == money([1_000] * 5 + [3_000, 0])
    # a cost like the termination fee, split by the training share of 25%:
    # 750 a month to inference, 2,250 in June; 250 to training, 750 in June
    assert row(p, "inference_cost") == money([750] * 5 + [2_250, 0])
    assert row(p, "training_cost") == money([250] * 5 + [750, 0])
    assert row(p, "fees_paid") == money([8_000, 0, 0, 0, 0, 0, 0])
    assert row(p, "cash_out") == money([8_000, 0, 0, 0, 0, 0, 0])
    if timing == "advance":
        # each month's fee is credited in its month; June's fee and the 2,000 in June
        assert row(p, "prepaid_fees") == money([7_000, 6_000, 5_000, 4_000, 3_000, 0, 0])
        assert row(p, "fees_payable") == money([0] * 7)
    else:
        # each month's fee is credited the month after: 8,000 at the end of January (it paid
        # December's nothing), ..., 3,000 at the end of June; July: June's 1,000 and 2,000
        assert row(p, "prepaid_fees") == money([8_000, 7_000, 6_000, 5_000, 4_000, 3_000, 0])
        # June's fee and the forfeit are owed at the end of June: 1,000 + 2,000 = 3,000
        assert row(p, "fees_payable") == money([1_000] * 5 + [3_000, 0])
    balanced(p)


@pytest.mark.parametrize(
    ("timing", "paid", "left"),
    [
        # advance: refunded in June, the last month of service
        (
            "advance",
            [8_000, 0, 0, 0, 0, -2_000, 0],
            [7_000, 6_000, 5_000, 4_000, 3_000, 0, 0],
        ),
        # arrears: in July, the month after; June's fee is credited then too
        (
            "arrears",
            [8_000, 0, 0, 0, 0, 0, -2_000],
            [8_000, 7_000, 6_000, 5_000, 4_000, 3_000, 0],
        ),
    ],
)
def test_an_unused_refundable_prepayment_is_refunded(timing, paid, left):
    # 8,000 against 6,000 of fees, refundable: the 2,000 comes back as a negative payment
    p = prepaid(timing, amount=8000, paid="2026-01-01", refundable=True)
    # nothing forfeited: the fees are the service fees
    assert row(p, "committed_fees") == money([1_000] * 6 + [0])
    assert row(p, "fees_paid") == money(paid)
    assert row(p, "prepaid_fees") == money(left)
    # cumulative cash: -8,000 until the refund, then -6,000 (the fees)
    assert row(p, "cumulative_cash")[-1] == money(-6_000)
    if timing == "advance":
        # the fees left less the prepayment not yet credited, negative while more is to come
        # back than is owed: end of January 5,000 - 7,000 = -2,000, and so on to May's
        # 1,000 - 3,000; June 0 - 0 (refunded that month)
        assert row(p, "remaining_obligation") == money([-2_000] * 5 + [0, 0])
    balanced(p)
