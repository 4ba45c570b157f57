"""Plan against actual, worked out by hand (money to the cent, ratios to 1e-9).

The plan (PLAN below): a $1,000 contract with 1e9 tokens a month, no training; streams API
(1e8 tokens at $2.00 per million: $200 a month), Mixed (5e7 tokens at $4.00: $200 of usage, and
$100 flat) and Flat ($50 flat). Demand 1.5e8 < capacity: every token is served (share 1), so a
stream's plan tokens are its demand. The fiscal year starts in February (FY2027 is February
2026 to January 2027).
"""

from __future__ import annotations

import pytest

from commitcast.analysis.variance import Comparison, assess, variance
from commitcast.core.errors import CommitcastError
from commitcast.load.actuals import actuals_from_text
from commitcast.load.validation import scenario_from_text

PLAN = """
name: Variance plan
horizon: {start: 2026-01, months: 24}
fiscal_year_start_month: 2
contracts:
  - {name: C, monthly_fee: 1000, start: 2026-01-01, end: 2027-12-31,
     capacity: {tokens_per_month: 1e9}}
revenue:
  - {name: API, tokens_per_month: 1e8, price_per_million_tokens: 2}
  - {name: Mixed, tokens_per_month: 5e7, price_per_million_tokens: 4, revenue_per_month: 100}
  - {name: Flat, revenue_per_month: 50}
"""
HEADER = (
    "month,revenue.API.tokens,revenue.API.revenue,revenue.Mixed.tokens,revenue.Mixed.revenue,"
    "revenue.Flat.revenue,contracts.C.fees,sla_credits,cash_out\n"
)
# thirteen closed months, January 2026 to January 2027: API 0.9e8 tokens for $190 (January
# 2026: $210), Mixed 6e7 tokens for $330, Flat $45, fees $1,000 (March: $1,100), a $25 SLA
# credit in April, cash out $990 a month
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)] + ["2027-01"]


def _actuals(months=MONTHS):
    rows = []
    for month in months:
        api = "210" if month == "2026-01" else "190"
        fees = "1100" if month == "2026-03" else "1000"
        credit = "25" if month == "2026-04" else "0"
        rows.append(f"{month},0.9e8,{api},6e7,330,45,{fees},{credit},990")
    return HEADER + "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def plan():
    return scenario_from_text(PLAN, "plan.yaml")


def _run(plan, by="month", months=MONTHS):
    return variance(plan, actuals_from_text(_actuals(months), plan, "a.csv"), by)


def test_volume_price_split_of_a_usage_stream(plan):
    split = _run(plan).split("API").periods[1]  # February 2026
    # volume = (0.9e8 - 1e8) x 2.00 / 1e6 = -20.00
    assert split.volume == pytest.approx(-20.0, abs=0.005)
    # actual price = 190 / 0.9e8 x 1e6 = 2.1111...; price = 0.9e8 x (2.1111 - 2.00) / 1e6 = 10
    assert split.actual_price == pytest.approx(190 / 0.9e8 * 1e6, rel=1e-9)
    assert split.plan_price == pytest.approx(2.0, rel=1e-9)
    assert split.price == pytest.approx(10.0, abs=0.005)
    assert split.flat == 0
    # -20 + 10 = -10 = 190 - 200
    assert split.volume + split.price + split.flat == pytest.approx(-10.0, abs=0.005)
    assert split.variance == pytest.approx(-10.0, abs=0.005)


def test_a_stream_with_usage_and_flat_revenue_bills_its_flat_fee_as_planned(plan):
    split = _run(plan).split("Mixed").periods[0]
    # flat taken as planned ($100), usage = 330 - 100 = 230 against 5e7 x 4 / 1e6 = 200;
    # volume = (6e7 - 5e7) x 4 / 1e6 = 40; price = 230 - 6e7 x 4 / 1e6 = -10; flat 0
    assert split.actual_flat == 100 and split.actual_usage == pytest.approx(230, abs=0.005)
    assert split.volume == pytest.approx(40.0, abs=0.005)
    assert split.price == pytest.approx(-10.0, abs=0.005)
    assert split.flat == 0
    assert split.variance == pytest.approx(30.0, abs=0.005)  # 330 - 300
    assert split.actual_price == pytest.approx(230 / 6e7 * 1e6, rel=1e-9)  # $3.8333


def test_a_flat_stream_is_all_flat(plan):
    split = _run(plan).split("Flat").periods[0]
    assert (split.volume, split.price) == (0, 0)
    assert split.flat == pytest.approx(-5.0, abs=0.005)  # 45 - 50


def test_the_parts_add_up_over_a_quarter(plan):
    q1 = _run(plan, "quarter").split("API").periods[0]
    # January: volume -20, price 210 - 180 = 30; February and March: -20 and +10 each
    assert q1.months == 3
    assert q1.volume == pytest.approx(-60.0, abs=0.005)
    assert q1.price == pytest.approx(50.0, abs=0.005)
    assert q1.variance == pytest.approx(590 - 600, abs=0.005)
    # period prices: usage revenue over tokens: 590 / 2.7e8 x 1e6 and 600 / 3e8 x 1e6
    assert q1.actual_price == pytest.approx(590 / 2.7e8 * 1e6, rel=1e-9)
    assert q1.plan_price == pytest.approx(2.0, rel=1e-9)


def test_year_to_date_and_fiscal_year_to_date_across_a_calendar_year(plan):
    result = _run(plan)
    assert (result.as_of, result.ytd_label, result.fytd_label) == ("2027-01", "2027", "FY2027")
    assert (result.ytd_months, result.fytd_months) == (1, 12)
    api = result.figure("revenue.API.revenue")
    # YTD 2027 is January 2027 alone: 190 against 200
    assert api.ytd.plan == pytest.approx(200, abs=0.005)
    assert api.ytd.actual == pytest.approx(190, abs=0.005)
    # FYTD FY2027 is February 2026 to January 2027, twelve months: 12 x 190 = 2,280 against
    # 2,400 (January 2026's $210 is in FY2026)
    assert api.fytd.actual == pytest.approx(2280, abs=0.005)
    assert api.fytd.variance == pytest.approx(-120, abs=0.005)
    assert api.fytd.variance_pct == pytest.approx(-0.05, abs=1e-9)
    fees = result.figure("contracts.C.fees")
    # March's $1,100 is in FY2027: 11 x 1,000 + 1,100 = 12,100 against 12,000
    assert fees.fytd.actual == pytest.approx(12100, abs=0.005)
    assert fees.fytd.assessment == "unfavourable"


def test_by_fiscal_year(plan):
    result = _run(plan, "fiscal-year")
    assert result.periods == ["FY2026", "FY2027"]
    assert result.closed_in == [1, 12] and result.months_in == [1, 12]
    api = result.figure("revenue.API.revenue")
    assert api.periods[0].actual == pytest.approx(210, abs=0.005)
    assert api.periods[1].actual == pytest.approx(2280, abs=0.005)


def test_favourable_and_unfavourable_by_sense(plan):
    result = _run(plan)
    feb = 1
    # revenue (higher is better): 190 + 330 + 45 = 565 against 200 + 300 + 50 = 550
    revenue = result.figure("revenue")
    assert revenue.kind == "recomputed"
    assert revenue.periods[feb].variance == pytest.approx(15, abs=0.005)
    assert revenue.periods[feb].assessment == "favourable"
    # cash out (lower is better): 990 against 1,000
    assert result.figure("cash_out").periods[feb].assessment == "favourable"
    # committed fees (lower is better): March's 1,100 against 1,000
    assert result.figure("committed_fees").periods[2].assessment == "unfavourable"
    assert result.figure("committed_fees").periods[feb].assessment == "on plan"
    # SLA credits are neutral in the registry: neither
    assert result.figure("sla_credits").periods[3].assessment == "neutral"
    # API tokens fewer than planned: unfavourable
    assert result.figure("revenue.API.tokens").periods[feb].assessment == "unfavourable"


def test_derived_figures_are_recomputed_from_the_months_actuals(plan):
    result = _run(plan)
    feb = 1
    # gross margin = revenue - inference cost: 565 - 1,000 = -435 against 550 - 1,000 = -450
    margin = result.figure("gross_margin").periods[feb]
    assert margin.actual == pytest.approx(-435, abs=0.005)
    assert margin.plan == pytest.approx(-450, abs=0.005)
    pct = result.figure("gross_margin_pct").periods[feb]
    assert pct.actual == pytest.approx(-435 / 565, abs=1e-9)
    # net cash flow = cash in (as planned: revenue collected at once, 550) - cash out (990)
    net = result.figure("net_cash_flow").periods[feb]
    assert net.actual == pytest.approx(550 - 990, abs=0.005)
    # cumulative cash is a balance: the last closed month's; 13 months of -440 by 2027-01
    cumulative = result.figure("cumulative_cash")
    assert cumulative.ytd.actual == pytest.approx(13 * -440, abs=0.005)
    assert cumulative.ytd.plan == pytest.approx(13 * (550 - 1000), abs=0.005)
    # idle capacity cost: inference fees net of credits x (1 - utilization); April's credit:
    # (1,000 - 25) x (1 - 1.5e8 / 1e9) = 828.75
    idle = result.figure("idle_capacity_cost").periods[3]
    assert idle.actual == pytest.approx(828.75, abs=0.005)


def test_a_ratio_by_quarter_is_the_ratio_of_the_totals(plan):
    q1 = _run(plan, "quarter").figure("gross_margin_pct").periods[0]
    # revenue: January 210 + 330 + 45 = 585, February and March 565 each: 1,715;
    # inference cost 1,000 a month as planned, fees of March 1,100 do not change it (given
    # separately): margin 1,715 - 3,000 = -1,285
    assert q1.actual == pytest.approx(-1285 / 1715, abs=1e-9)
    assert q1.plan == pytest.approx(-1350 / 1650, abs=1e-9)
    assert q1.variance == pytest.approx(-1285 / 1715 + 1350 / 1650, abs=1e-9)


def test_variance_percent_is_undefined_when_the_plan_is_zero():
    c = Comparison(0.0, 25.0, "neutral")
    assert c.variance == 25 and c.variance_pct is None and c.assessment == "neutral"
    assert Comparison(-100.0, -90.0, "higher").variance_pct == pytest.approx(0.1, abs=1e-9)
    assert assess(0.004, "higher") == "on plan"
    assert assess(0.4, "lower", "tokens") == "on plan"
    assert assess(-0.006, "lower") == "favourable"


def test_a_blank_month_is_left_out_of_that_figures_comparison(plan):
    text = "month,revenue.API.revenue\n2026-01,190\n2026-02,\n2026-03,195\n"
    result = variance(plan, actuals_from_text(text, plan, "a.csv"), "quarter")
    api = result.figure("revenue.API.revenue").periods[0]
    # January and March only: 385 against 400
    assert api.months == 2 and api.actual == pytest.approx(385, abs=0.005)
    assert api.plan == pytest.approx(400, abs=0.005)


def test_unknown_period_is_refused(plan):
    with pytest.raises(CommitcastError, match="not a period"):
        _run(plan, "week")


def test_by_fiscal_quarter_across_a_calendar_year(plan):
    # a February fiscal year: FY2027-Q1 is February to April 2026, FY2027-Q4 November 2026 to
    # January 2027 (across the calendar year); January 2026 is the last month of FY2026-Q4
    result = _run(plan, "fiscal-quarter")
    assert result.periods == ["FY2026-Q4", "FY2027-Q1", "FY2027-Q2", "FY2027-Q3", "FY2027-Q4"]
    assert result.closed_in == [1, 3, 3, 3, 3] and result.months_in == [1, 3, 3, 3, 3]
    api = result.figure("revenue.API.revenue")
    # FY2026-Q4: January 2026's $210 against $200
    assert api.periods[0].actual == pytest.approx(210, abs=0.005)
    # FY2027-Q4: November, December 2026 and January 2027, 3 x 190 = 570 against 600
    q4 = api.periods[4]
    assert (q4.months, q4.plan) == (3, pytest.approx(600, abs=0.005))
    assert q4.actual == pytest.approx(570, abs=0.005)
    assert q4.variance_pct == pytest.approx(-0.05, abs=1e-9)
    # its split: volume 3 x -20 = -60, price 3 x +10 = +30
    split = result.split("API").periods[4]
    assert split.volume == pytest.approx(-60, abs=0.005)
    assert split.price == pytest.approx(30, abs=0.005)
    # FY2027-Q1 holds March's $1,100 fees: 1,000 + 1,100 + 1,000 = 3,100 against 3,000
    fees = result.figure("contracts.C.fees").periods[1]
    assert fees.actual == pytest.approx(3100, abs=0.005) and fees.plan == pytest.approx(3000)
    assert fees.assessment == "unfavourable"
    # cumulative cash is a balance: FY2027-Q4's is January 2027's, 13 x (550 - 990)
    cash = result.figure("cumulative_cash").periods[4]
    assert cash.actual == pytest.approx(13 * -440, abs=0.005)
    # year to date and fiscal year to date are unchanged by the periods
    assert (result.ytd_months, result.fytd_months) == (1, 12)


@pytest.mark.parametrize(
    ("plan", "actual", "unit", "expected"),
    [
        # $0.004 shows as $0.00: no percent of it ($5M would be some 125 billion percent)
        (0.004, 5e6, "money", None),
        (-0.004, 5e6, "money", None),
        # $0.01 shows: (2.00 - 0.01) / 0.01 = 199
        (0.01, 2.0, "money", 199.0),
        # 0.04% shows as 0.0%, 0.05% as 0.1%: (0.10 - 0.0005) / 0.0005 = 199
        (0.0004, 0.1, "ratio", None),
        (0.0005, 0.1, "ratio", 199.0),
        # 0.4 tokens shows as 0; 0.5 as 1: (1000 - 0.5) / 0.5 = 1999
        (0.4, 1000.0, "tokens", None),
        (0.5, 1000.0, "tokens", 1999.0),
    ],
)
def test_no_percent_of_a_plan_that_shows_as_zero(plan, actual, unit, expected):
    found = Comparison(plan, actual, "higher", unit=unit).variance_pct
    if expected is None:
        assert found is None
    else:
        assert found == pytest.approx(expected, rel=1e-9)
