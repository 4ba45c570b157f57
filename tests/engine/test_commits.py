"""Take-or-pay commits (issue 13, section 1): demand above the reserved capacity bought on the
commits in their order, minimums per period with the shortfall billed in a period's last month
in service, notice, payment timing and the remaining obligation. Every expected figure is worked
out by hand in the comments from the conventions, not read from the program.

Money is compared to the cent; token counts to 1e-9 relative. A commit at 2 a million tokens
with a demand of 5 million tokens a month spends 10 a month: small numbers to check on paper.
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


def tokens(values: Any) -> Any:
    return pytest.approx(values, rel=1e-9, abs=1e-6)


def commit(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "K",
        "kind": "commit",
        "price_per_million_tokens": 2,
        "start": "2026-01-01",
        "end": "2026-12-31",
    }
    return base | fields


def flat_demand(tokens_per_month: float = 5e6) -> list[dict[str, Any]]:
    """One stream with the same demand every month (and no revenue to speak of)."""
    return [{"name": "S", "tokens_per_month": tokens_per_month, "price_per_million_tokens": 0}]


def row(p: Projection, name: str) -> list[float]:
    return [float(v) for v in p.columns[name]]


def balanced(p: Projection) -> None:
    """The balance identity of issue 13 holds in every month."""
    assert float(np.abs(identity_gap(p)).max()) < CENT


# --- overflow: reserved capacity, then the commits in order, then the overflow policy ---------


def two_commits_scenario(policy: str) -> Any:
    overflow: dict[str, Any] = {"policy": policy}
    if policy == "on_demand":
        overflow["cost_per_million_tokens"] = 5
    return scenario(
        [
            contract(capacity={"tokens_per_month": 1e9}),  # 3,100 a month, 1,000M tokens
            # A: 2 a million, at most 1,550M tokens a month, from 17 January
            commit(name="A", start="2026-01-17", max_tokens_per_month=1.55e9),
            # B: 3 a million, no limit, January and February only
            commit(name="B", price_per_million_tokens=3, end="2026-02-28"),
        ],
        revenue=flat_demand(5e9),
        costs={"overflow": overflow, "serving_cost_per_million_tokens": 0.1},
        months=3,
    )


def test_demand_above_the_reserved_capacity_goes_to_the_commits_in_order_then_on_demand():
    p = projection(two_commits_scenario("on_demand"))
    # demand 5,000M tokens a month; the reserved contract serves 1,000M, leaving 4,000M.
    # January: A serves 17..31 January = 15 of 31 days, so its limit is 1,550M x 15/31 = 750M;
    #   B (no limit) takes the other 3,250M; nothing on demand.
    # February: A its full 1,550M, B the other 2,450M.
    # March: A 1,550M; B has ended (28 February): 2,450M on demand.
    assert row(p, "served_tokens") == tokens([1e9, 1e9, 1e9])
    assert row(p, "commit_tokens") == tokens([4e9, 4e9, 1.55e9])
    assert row(p, "overflow_tokens") == tokens([0, 0, 2.45e9])
    assert row(p, "unserved_tokens") == tokens([0, 0, 0])
    a, b = p.result.commits
    assert (a.name, b.name) == ("A", "B")
    assert list(a.tokens[0]) == tokens([0.75e9, 1.55e9, 1.55e9])
    assert list(b.tokens[0]) == tokens([3.25e9, 2.45e9, 0])
    # demand = served + commit + overflow + unserved in every month
    total = [
        row(p, "served_tokens")[m]
        + row(p, "commit_tokens")[m]
        + row(p, "overflow_tokens")[m]
        + row(p, "unserved_tokens")[m]
        for m in range(3)
    ]
    assert total == tokens(row(p, "demand_tokens"))
    assert row(p, "demand_tokens") == tokens([5e9] * 3)
    # spend: A 750 x 2 = 1,500 in January, 1,550 x 2 = 3,100 after; B 3,250 x 3 = 9,750,
    # then 2,450 x 3 = 7,350: January 11,250, February 10,450, March 3,100
    assert list(a.spend[0]) == money([1_500, 3_100, 3_100])
    assert list(b.spend[0]) == money([9_750, 7_350, 0])
    assert row(p, "commit_spend") == money([11_250, 10_450, 3_100])
    # on demand: 2,450M x 5 = 12,250 in March
    assert row(p, "overflow_cost") == money([0, 0, 12_250])
    # no minimum: no shortfall
    assert row(p, "commit_shortfall") == money([0, 0, 0])
    # serving cost on every token served (reserved, commit, on demand): 5,000M x 0.1 = 500
    assert row(p, "serving_cost") == money([500, 500, 500])
    # inference cost: fee 3,100 + commit spend + on demand + serving
    # January 3,100 + 11,250 + 500 = 14,850; February 3,100 + 10,450 + 500 = 14,050;
    # March 3,100 + 3,100 + 12,250 + 500 = 18,950
    assert row(p, "inference_cost") == money([14_850, 14_050, 18_950])
    # advance: the commits' spend is paid in its month: cash out = inference cost
    assert row(p, "cash_out") == money([14_850, 14_050, 18_950])
    balanced(p)


def test_what_the_commits_leave_is_unserved_without_on_demand():
    p = projection(two_commits_scenario("unserved"))
    # the same split; March's 2,450M is lost instead of bought
    assert row(p, "commit_tokens") == tokens([4e9, 4e9, 1.55e9])
    assert row(p, "overflow_tokens") == tokens([0, 0, 0])
    assert row(p, "unserved_tokens") == tokens([0, 0, 2.45e9])
    assert row(p, "overflow_cost") == money([0, 0, 0])
    # serving cost on the tokens served only: March 1,000M + 1,550M = 2,550M x 0.1 = 255
    assert row(p, "serving_cost") == money([500, 500, 255])


# --- minimums and shortfalls -------------------------------------------------------------------


def stepped_demand() -> list[dict[str, Any]]:
    """10M tokens in January, 15M in February, 5M in March, none after: at 2 a million a
    commit spends 20, 30 and 10."""
    return [
        {"name": "Jan", "tokens_per_month": 10e6, "start": "2026-01", "end": "2026-01"},
        {"name": "Feb", "tokens_per_month": 15e6, "start": "2026-02", "end": "2026-02"},
        {"name": "Mar", "tokens_per_month": 5e6, "start": "2026-03", "end": "2026-03"},
    ]


@pytest.mark.parametrize("timing", ["advance", "arrears"])
def test_a_shortfall_is_billed_in_the_periods_last_month(timing):
    s = scenario(
        [commit(minimum={"amount": 120, "every_months": 3}, payment={"timing": timing})],
        revenue=stepped_demand(),
        months=4,
    )
    p = projection(s)
    # no reserved capacity: every token goes to the commit
    assert row(p, "commit_tokens") == tokens([10e6, 15e6, 5e6, 0])
    assert row(p, "commit_spend") == money([20, 30, 10, 0])
    # period January-March: minimum 120, spent 20 + 30 + 10 = 60: shortfall 60 in March.
    # April starts the next period (April-June), billed in June, after the horizon.
    assert row(p, "commit_shortfall") == money([0, 0, 60, 0])
    assert p.result.summary["total_commit_shortfall"][0] == money(60)
    # inference cost: spend + shortfall = 20, 30, 70, 0
    assert row(p, "inference_cost") == money([20, 30, 70, 0])
    if timing == "advance":
        # paid in the month incurred; nothing owed at a month's end
        assert row(p, "cash_out") == money([20, 30, 70, 0])
        assert row(p, "fees_payable") == money([0, 0, 0, 0])
    else:
        # paid the month after (December's spend is not known: none)
        assert row(p, "cash_out") == money([0, 20, 30, 70])
        assert row(p, "fees_payable") == money([20, 30, 70, 0])
    (k,) = p.result.commits
    assert list(k.shortfall[0]) == money([0, 0, 60, 0])
    balanced(p)


def test_a_last_period_cut_by_the_end_has_a_prorated_minimum():
    # 120 every 3 months from 1 January to 31 May: periods January-March (3 months, 120) and
    # April-May (2 months in service: 120 x 2/3 = 80). Spend 10 a month.
    s = scenario(
        [commit(end="2026-05-31", minimum={"amount": 120, "every_months": 3})],
        revenue=flat_demand(),
        months=6,
    )
    p = projection(s)
    # June: the commit has ended: its 5M tokens are unserved
    assert row(p, "commit_tokens") == tokens([5e6] * 5 + [0])
    assert row(p, "unserved_tokens") == tokens([0] * 5 + [5e6])
    # March: 120 - 30 = 90; May (the last month in service): 80 - 20 = 60
    assert row(p, "commit_shortfall") == money([0, 0, 90, 0, 60, 0])
    assert row(p, "inference_cost") == money([10, 10, 100, 10, 70, 0])
    assert p.result.summary["total_commit_shortfall"][0] == money(150)


def test_a_period_begun_before_the_horizon_counts_its_months_from_the_horizon():
    # From 1 November 2025 to 31 October 2026, 120 every 3 months: periods Nov-Jan, Feb-Apr,
    # May-Jul, Aug-Oct. The horizon starts in January: of Nov-Jan only January counts (the
    # spend of November and December is not known): 120 x 1/3 = 40, spent 10: shortfall 30.
    s = scenario(
        [commit(start="2025-11-01", end="2026-10-31", minimum={"amount": 120, "every_months": 3})],
        revenue=flat_demand(),
        months=4,
    )
    p = projection(s)
    # February-April: 120 - 30 = 90 in April
    assert row(p, "commit_shortfall") == money([30, 0, 0, 90])
    # remaining obligation (no termination option: run to the end), at the end of
    # December 2025: January's 40 + three whole periods 3 x 120 = 400;
    # January: 360 (Feb-Apr, May-Jul, Aug-Oct); February: 120 - 10 spent + 240 = 350;
    # March: 120 - 20 + 240 = 340; April: 240 (April's shortfall is billed in April)
    assert p.result.summary["exit_cost_now"][0] == money(400)
    assert row(p, "remaining_obligation") == money([360, 350, 340, 240])


# --- notice ------------------------------------------------------------------------------------


@pytest.mark.parametrize("timing", ["advance", "arrears"])
def test_a_notice_cuts_a_period_and_the_fee_is_in_the_last_month_of_service(timing):
    # 120 every 3 months, at most 6M tokens a month, 30 days' notice given on 17 March with a
    # fee of 50: 17 March + 30 days = 16 April is the first day without service; the last
    # day of service is 15 April.
    s = scenario(
        [
            commit(
                minimum={"amount": 120, "every_months": 3},
                max_tokens_per_month=6e6,
                termination={"notice_days": 30, "fee": 50, "notice_given": "2026-03-17"},
                payment={"timing": timing},
            )
        ],
        revenue=flat_demand(),
        months=6,
    )
    p = projection(s)
    # January-March: 5M tokens (under the 6M limit); April: 15 of 30 days, limit 6M x 15/30
    # = 3M, the other 2M unserved; May, June: no service
    assert row(p, "commit_tokens") == tokens([5e6, 5e6, 5e6, 3e6, 0, 0])
    assert row(p, "unserved_tokens") == tokens([0, 0, 0, 2e6, 5e6, 5e6])
    assert row(p, "commit_spend") == money([10, 10, 10, 6, 0, 0])
    # March: 120 - 30 = 90. April-June is cut to April (one month in service): 120 x 1/3 =
    # 40, spent 6: 34 in April
    assert row(p, "commit_shortfall") == money([0, 0, 90, 34, 0, 0])
    # the fee in April, the last month of service
    assert row(p, "commit_fees") == money([0, 0, 0, 50, 0, 0])
    # inference cost: 10, 10, 10 + 90 = 100, 6 + 34 + 50 = 90, 0, 0
    assert row(p, "inference_cost") == money([10, 10, 100, 90, 0, 0])
    if timing == "advance":
        assert row(p, "cash_out") == money([10, 10, 100, 90, 0, 0])
    else:
        assert row(p, "cash_out") == money([0, 10, 10, 100, 90, 0])
        assert row(p, "fees_payable") == money([10, 10, 100, 90, 0, 0])
    # remaining obligation. Before the notice's month, as if no notice were planned:
    # end of December 2025: notice 1 January ends service on 31 January (1 Jan + 30), so
    #   through 30 January: January-March prorated to January, 120 x 1/3 = 40, + fee 50 = 90
    #   (running to the end would owe 4 x 120 = 480);
    # end of January: notice 1 February ends on 3 March, through 2 March (March): the whole
    #   period 120 - 10 spent = 110, + 50 = 160;
    # end of February: notice 1 March ends on 31 March, through 30 March: 120 - 20 + 50 = 150;
    # from March (the notice's month), the schedule as given: April's 40 + the fee 50 to come
    # = 90 at the end of March (after April: test_nothing_is_owed_after_the_last_month_of_service)
    assert p.result.summary["exit_cost_now"][0] == money(90)
    assert row(p, "remaining_obligation")[:3] == money([160, 150, 90])
    balanced(p)


ENGINE_OWES_A_BILLED_SHORTFALL = (
    "engine.commits._billing.owed counts the current period from its first month through "
    "last_month even when no month of it is left (last_month <= the as-of month): the "
    "shortfall billed in the last month of service stays owed until the period's calendar end"
)


def test_nothing_is_owed_after_the_last_month_of_service():
    # the notice of the test above: service ends on 15 April; April's shortfall (34) and fee
    # (50) are billed in April. At the end of April no period has a month left at or before
    # the last month of service: nothing is owed; nor at the end of May or June.
    noticed = scenario(
        [
            commit(
                minimum={"amount": 120, "every_months": 3},
                max_tokens_per_month=6e6,
                termination={"notice_days": 30, "fee": 50, "notice_given": "2026-03-17"},
            )
        ],
        revenue=flat_demand(),
        months=6,
    )
    assert row(projection(noticed), "remaining_obligation") == money([160, 150, 90, 0, 0, 0])
    # the end cuts the last period (April-May, minimum 80), spend 10 a month, no option:
    # end Jan: 120 - 10 + 80 = 190; Feb: 120 - 20 + 80 = 180; Mar: 80; Apr: 80 - 10 = 70;
    # May: the shortfall 60 is billed in May, nothing is left: 0; June: 0
    cut = scenario(
        [commit(end="2026-05-31", minimum={"amount": 120, "every_months": 3})],
        revenue=flat_demand(),
        months=6,
    )
    assert row(projection(cut), "remaining_obligation") == money([190, 180, 80, 70, 0, 0])


# --- remaining obligation ----------------------------------------------------------------------

# 120 every 3 months for 2026, spending 10 a month: quarters January-March, ..., October-December


def test_remaining_obligation_without_a_termination_option_runs_to_the_end():
    p = projection(
        scenario(
            [commit(minimum={"amount": 120, "every_months": 3})],
            revenue=flat_demand(),
            months=12,
        )
    )
    # shortfall 120 - 30 = 90 in each quarter's last month
    assert row(p, "commit_shortfall") == money([0, 0, 90] * 4)
    # owed at a month's end: the current quarter's 120 less its spend so far, if it has months
    # left, and 120 for each quarter after it:
    # Jan 110 + 360 = 470; Feb 100 + 360 = 460; Mar 360; Apr 110 + 240 = 350; May 340;
    # Jun 240; Jul 230; Aug 220; Sep 120; Oct 110; Nov 100; Dec 0
    assert row(p, "remaining_obligation") == money(
        [470, 460, 360, 350, 340, 240, 230, 220, 120, 110, 100, 0]
    )
    # at the end of December 2025: four quarters, 480
    assert p.result.summary["exit_cost_now"][0] == money(480)
    (k,) = p.result.commits
    assert list(k.obligation[0]) == row(p, "remaining_obligation")


def test_remaining_obligation_with_a_termination_option():
    # 45 days' notice from 1 February at the earliest, fee 25
    terms = {"notice_days": 45, "fee": 25, "earliest_notice": "2026-02-01"}
    p = projection(
        scenario(
            [commit(minimum={"amount": 120, "every_months": 3}, termination=terms)],
            revenue=flat_demand(),
            months=12,
        )
    )
    # notice on D (the next month's first day, at the earliest 1 February) ends service on
    # D + 45; owed: the quarters' minimums through the day before, prorated by months, less the
    # current quarter's spend, + 25 if that is before the end (31 December); at most running to
    # the end (470, 460, 360, ... as in the test above).
    # end Dec 2025: D = 1 Feb, ends 18 Mar: Q1 through March 120 + 25 = 145
    # end Jan: D = 1 Feb, ends 18 Mar: 120 - 10 + 25 = 135
    # end Feb: D = 1 Mar, ends 15 Apr: Q1 120 - 20 = 100, Q2 through April 40, + 25 = 165
    # end Mar: D = 1 Apr, ends 16 May: Q2 through May 80 + 25 = 105
    # end Apr: D = 1 May, ends 15 Jun: Q2 120 - 10 + 25 = 135
    # end May: D = 1 Jun, ends 16 Jul: Q2 120 - 20 = 100, Q3 through July 40, + 25 = 165
    # end Jun: D = 1 Jul, ends 15 Aug: Q3 through August 80 + 25 = 105
    # end Jul: D = 1 Aug, ends 15 Sep: Q3 120 - 10 + 25 = 135
    # end Aug: D = 1 Sep, ends 16 Oct: Q3 120 - 20 = 100, Q4 through October 40, + 25 = 165
    # end Sep: D = 1 Oct, ends 15 Nov: Q4 through November 80 + 25 = 105 (running out: 120)
    # end Oct: D = 1 Nov, ends 16 Dec: Q4 120 - 10 + 25 = 135, more than running out 110: 110
    # end Nov: D = 1 Dec, 15 January 2027 is past the end: running out, 120 - 20 = 100
    # end Dec: nothing left
    assert p.result.summary["exit_cost_now"][0] == money(145)
    assert row(p, "remaining_obligation") == money(
        [135, 165, 105, 135, 165, 105, 135, 165, 105, 110, 100, 0]
    )
