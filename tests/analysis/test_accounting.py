"""Lease accounting: figures worked out by hand (arithmetic in the comments), and independent
checks (numpy-financial discounting, the roll-forward, balances reaching 0, the maturity
analysis tying to the liability) on every lease below and on the bundled portfolio."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import numpy_financial as npf
import pytest

from commitcast.analysis.accounting import add_months, lease_accounting, lease_schedule
from commitcast.core.calendar import month_number
from commitcast.core.errors import CommitcastError
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario, scenario_from_text
from tests.conftest import SCENARIOS

CENT = 0.005
# an annual rate whose monthly rate is exactly 1%: (1.01^12 - 1)
ONE_PERCENT = 1.01**12 - 1
# sum of 1.01^-k for k = 0..11 = (1 - 1.01^-12) / (1 - 1/1.01) = 11.367628248...
ANNUITY = sum(1.01**-k for k in range(12))


def scenario(contract: str, *, horizon: str = "{start: 2026-01, months: 24}", extra: str = ""):
    return scenario_from_text(
        f"name: Lease\nhorizon: {horizon}\ncontracts:\n  - {contract}\n{extra}", "lease.yaml"
    )


TWO_YEARS = (
    "{name: L, monthly_fee: 1000, start: 2026-01-01, end: 2027-12-31, "
    "escalator: {rate: 10%, every_months: 12}, "
    f"accounting: {{treatment: lease, standard: STD, borrowing_rate: {ONE_PERCENT!r}}}}}"
)


def two_years(standard: str, extra: str = ""):
    return scenario(TWO_YEARS.replace("STD", standard), extra=extra)


def test_asc842_straight_line_cost_against_escalating_fees():
    lease = lease_accounting(two_years("asc842")).leases[0]
    # payments: 12 x $1,000 (2026) + 12 x $1,100 (2027, the 10% step at contract month 12)
    assert lease.total_payments == pytest.approx(25_200, abs=CENT)
    assert lease.term_days == 730  # 365 + 365
    assert not lease.short_term and lease.term == "full"
    # L0 = 1000 x 11.3676282 + 1100 x 1.01^-12 x 11.3676282 = 11,367.63 + 11,097.01 = 22,464.64
    assert lease.initial_liability == pytest.approx(22_464.64, abs=CENT)
    # January: interest (22,464.64 - 1,000) x 1% = 214.65; closing 21,464.64 x 1.01 = 21,679.29
    assert lease.interest[0] == pytest.approx(214.65, abs=CENT)
    assert lease.closing[0] == pytest.approx(21_679.29, abs=CENT)
    # lease cost by day: 25,200 x 31/730 = 1,070.14 in January, 25,200 x 28/730 = 966.58 in
    # February; fees are 1,000 in both
    assert lease.lease_cost[0] == pytest.approx(1_070.14, abs=CENT)
    assert lease.lease_cost[1] == pytest.approx(966.58, abs=CENT)
    # a year of 365 days is half the term: 12,600 each year, against fees of 12,000 then 13,200
    assert lease.lease_cost[:12].sum() == pytest.approx(12_600, abs=CENT)
    assert lease.lease_cost[12:].sum() == pytest.approx(12_600, abs=CENT)
    assert lease.fees[:12].sum() == pytest.approx(12_000, abs=CENT)
    assert lease.fees[12:].sum() == pytest.approx(13_200, abs=CENT)
    # ROU = closing + payments to date - cost to date: 21,679.29 + 1,000 - 1,070.14 = 21,609.15
    assert lease.rou[0] == pytest.approx(21_609.15, abs=CENT)
    assert lease.depreciation.sum() == 0


def test_ifrs16_front_loads_the_expense():
    asc = lease_accounting(two_years("asc842")).leases[0]
    ifrs = lease_accounting(two_years("ifrs16")).leases[0]
    # the same liability: the standards differ in the expense, not the payments
    assert ifrs.initial_liability == pytest.approx(22_464.64, abs=CENT)
    # January: depreciation 22,464.64 x 31/730 = 953.98, interest 214.65, expense 1,168.62
    assert ifrs.depreciation[0] == pytest.approx(953.98, abs=CENT)
    assert ifrs.lease_cost[0] == pytest.approx(1_168.62, abs=CENT)
    # ROU: 22,464.64 - 953.98 = 21,510.66
    assert ifrs.rou[0] == pytest.approx(21_510.66, abs=CENT)
    # front-loading: interest is highest while the liability is, so the first year costs more
    # than the straight line (12,600) and the second less; both total the payments, 25,200
    # (depreciation 22,464.64 + interest 25,200 - 22,464.64 = 2,735.36)
    assert ifrs.interest.sum() == pytest.approx(2_735.36, abs=CENT)
    assert ifrs.lease_cost[:12].sum() > asc.lease_cost[:12].sum() + 100
    assert ifrs.lease_cost[12:].sum() < asc.lease_cost[12:].sum() - 100
    assert ifrs.lease_cost.sum() == pytest.approx(25_200, abs=CENT)
    # the current portion at the end of January: 21,679.29 - the closing 12 months later
    assert ifrs.current[0] == pytest.approx(ifrs.closing[0] - ifrs.closing[12], abs=1e-6)
    assert ifrs.noncurrent[0] == pytest.approx(ifrs.closing[12], abs=1e-6)


def three_months(timing: str):
    return scenario(
        "{name: L, monthly_fee: 1000, start: 2026-01-01, end: 2026-03-31, "
        f"payment: {{timing: {timing}}}, accounting: {{treatment: lease, "
        f"borrowing_rate: {ONE_PERCENT!r}, short_term_exemption: false}}}}",
        horizon="{start: 2026-01, months: 4}",
    )


def test_advance_and_arrears_liability():
    advance = lease_accounting(three_months("advance")).leases[0]
    arrears = lease_accounting(three_months("arrears")).leases[0]
    # advance: 1000 + 1000/1.01 + 1000/1.01^2 = 1000 + 990.10 + 980.30 = 2,970.40
    assert advance.initial_liability == pytest.approx(2_970.40, abs=CENT)
    # arrears: each paid a month later: 990.10 + 980.30 + 970.59 = 2,940.99
    assert arrears.initial_liability == pytest.approx(2_940.99, abs=CENT)
    assert advance.months == ["2026-01", "2026-02", "2026-03"]
    assert arrears.months == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert list(arrears.payments) == pytest.approx([0, 1000, 1000, 1000], abs=CENT)
    # at the term's end (31 March) the ROU asset is 0 under both; in arrears March's fee is
    # still to pay on 1 April: the liability is that $1,000, and 0 once paid
    assert advance.closing[2] == pytest.approx(0, abs=CENT)
    assert advance.rou[2] == pytest.approx(0, abs=CENT)
    assert arrears.closing[2] == pytest.approx(1_000, abs=CENT)
    assert arrears.rou[2] == pytest.approx(0, abs=CENT)
    assert arrears.closing[3] == pytest.approx(0, abs=CENT)
    # interest in arrears, January: 2,940.99 x 1% = 29.41 (nothing paid on 1 January)
    assert arrears.interest[0] == pytest.approx(29.41, abs=CENT)


@pytest.mark.parametrize(
    ("start", "end", "short"),
    [
        ("2026-01-01", "2026-12-31", True),  # exactly 12 months: 1 Jan 2027 = start + 12 months
        ("2026-01-01", "2027-01-31", False),  # 13 months
        ("2026-01-15", "2027-01-14", True),  # 12 months from mid-month
        ("2026-01-15", "2027-01-15", False),  # a day longer
    ],
)
def test_the_short_term_exemption_at_12_months(start, end, short):
    text = (
        f"{{name: L, monthly_fee: 1000, start: {start}, end: {end}, "
        "accounting: {treatment: lease}}"
    )
    report = lease_accounting(scenario(text))
    lease = report.leases[0]
    assert lease.short_term is short
    if short:
        # nothing on the balance sheet; the P&L keeps the fees as incurred, and says so
        assert lease.initial_liability == 0 and not lease.closing.any() and not lease.rou.any()
        assert not report.pnl.difference.any()
        assert report.maturity == [] and report.maturity_total.liability == 0
        assert any("short-term exemption" in note for note in report.notes)
    else:
        # more than 12 months, at a 0% rate: the liability is the payments themselves
        assert lease.initial_liability == pytest.approx(lease.total_payments, abs=CENT)
        assert report.maturity_total.liability == pytest.approx(lease.total_payments, abs=CENT)


def test_the_exemption_can_be_turned_off():
    text = (
        "{name: L, monthly_fee: 1000, start: 2026-01-01, end: 2026-12-31, "
        "accounting: {treatment: lease, short_term_exemption: false}}"
    )
    lease = lease_accounting(scenario(text)).leases[0]
    # 12 x 1,000 at 0%
    assert not lease.short_term
    assert lease.initial_liability == pytest.approx(12_000, abs=CENT)


def test_a_lease_that_commenced_before_the_horizon():
    text = TWO_YEARS.replace("STD", "asc842").replace("2026-01-01", "2025-01-01")
    text = text.replace("2027-12-31", "2026-12-31")
    report = lease_accounting(scenario(text, horizon="{start: 2026-01, months: 12}"))
    lease = report.leases[0]
    # the schedule runs from commencement, January 2025, with the engine's conventions: the
    # escalator steps at contract month 12, January 2026
    assert lease.months[0] == "2025-01" and lease.months[-1] == "2026-12"
    assert lease.fees[11] == pytest.approx(1_000, abs=CENT)
    assert lease.fees[12] == pytest.approx(1_100, abs=CENT)
    assert lease.initial_liability == pytest.approx(22_464.64, abs=CENT)  # as the 2026 lease
    # at the horizon's start, 1 January 2026: 12 payments of 1,100 left,
    # 1100 x 11.3676282 = 12,504.39; imputed interest 13,200 - 12,504.39 = 695.61
    row = report.maturity_total
    assert row.years == pytest.approx([13_200, 0, 0, 0, 0, 0], abs=CENT)
    assert row.liability == pytest.approx(12_504.39, abs=CENT)
    assert row.imputed_interest == pytest.approx(695.61, abs=CENT)
    # all of it current: nothing is left 12 months later
    assert row.current == pytest.approx(12_504.39, abs=CENT)
    assert row.noncurrent == pytest.approx(0, abs=CENT)
    # ROU at 1 January 2026 = the closing liability of December 2025 + 12,000 paid - 365/730 of
    # 25,200 expensed (12,600) = 12,504.39 - 600 = 11,904.39
    assert row.rou == pytest.approx(11_904.39, abs=CENT)
    # the P&L's January 2026: cost 25,200 x 31/730 = 1,070.14 against the fee of 1,100: the
    # gross margin is 29.86 higher under the lease
    assert report.pnl.difference[0] == pytest.approx(29.86, abs=CENT)


def test_noncancelable_term_and_its_termination_fee():
    text = (
        "{name: L, monthly_fee: 1000, start: 2026-01-01, end: 2028-12-31, "
        "termination: {notice_days: 400, fee: 5000}, accounting: {treatment: lease}}"
    )
    lease = lease_accounting(scenario(text)).leases[0]
    # notice on the start, 2026-01-01 + 400 days = 2027-02-05 is the first day without
    # service: the term ends 2027-02-04 (400 days, more than 12 months)
    assert lease.term == "noncancelable"
    assert lease.term_end == dt.date(2027, 2, 4) and lease.term_days == 400
    assert lease.ends_early and not lease.short_term
    # 13 x 1,000 + 4/28 x 1,000 (142.86) + the termination fee 5,000 = 18,142.86, the fee
    # with February 2027's payment
    assert lease.total_payments == pytest.approx(18_142.86, abs=CENT)
    assert lease.payments[13] == pytest.approx(5_142.86, abs=CENT)
    full = lease_accounting(
        apply_overrides(scenario(text), ["contracts[0].accounting.term=full"])
    ).leases[0]
    # full: to the end, 36 x 1,000, and no termination fee
    assert full.total_payments == pytest.approx(36_000, abs=CENT)
    assert not full.ends_early and full.term_end == dt.date(2028, 12, 31)


def test_a_contract_without_termination_has_the_full_term():
    text = (
        "{name: L, monthly_fee: 1000, start: 2026-01-01, end: 2027-12-31, "
        "accounting: {treatment: lease, term: noncancelable}}"
    )
    lease = lease_accounting(scenario(text)).leases[0]
    assert lease.term == "full" and lease.total_payments == pytest.approx(24_000, abs=CENT)


def test_the_pnl_splits_the_lease_cost_by_training_share():
    extra = "revenue:\n  - {name: Flat, revenue_per_month: 5000}\ncosts: {training_share: 25%}\n"
    report = lease_accounting(two_years("asc842", extra))
    pnl = report.pnl
    # January: cost 1,070.14 - fee 1,000 = 70.14 more, 75% of it (52.60) in inference cost,
    # 25% (17.53) in training cost; the management inference cost is 750 (75% of the fee)
    assert pnl.management_inference_cost[0] == pytest.approx(750, abs=CENT)
    assert pnl.accounting_inference_cost[0] == pytest.approx(802.60, abs=CENT)
    assert pnl.accounting_training_cost[0] == pytest.approx(267.53, abs=CENT)
    # gross margin: 5,000 - 750 = 4,250 and 5,000 - 802.60 = 4,197.40
    assert pnl.management_gross_margin[0] == pytest.approx(4_250, abs=CENT)
    assert pnl.accounting_gross_margin[0] == pytest.approx(4_197.40, abs=CENT)
    assert pnl.difference[0] == pytest.approx(-52.60, abs=CENT)
    # over the whole term the lease costs what the fees cost: no difference in total
    assert pnl.difference.sum() == pytest.approx(0, abs=CENT)
    assert pnl.revenue.sum() == pytest.approx(24 * 5_000, abs=CENT)


def test_a_service_contract_changes_nothing():
    text = "{name: L, monthly_fee: 1000, start: 2026-01-01, end: 2027-12-31}"
    report = lease_accounting(scenario(text))
    assert report.leases == [] and not report.pnl.difference.any()
    assert "no contract is accounted for as a lease" in report.notes[0]


def test_as_of_before_the_horizon_is_refused():
    with pytest.raises(CommitcastError, match="before the horizon's start"):
        lease_accounting(two_years("asc842"), "2025-12")
    with pytest.raises(CommitcastError, match="not a month"):
        lease_accounting(two_years("asc842"), "2026-13")


def test_add_months_holds_to_the_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)
    assert add_months(dt.date(2026, 1, 15), 12) == dt.date(2027, 1, 15)


# ---- independent checks --------------------------------------------------------------------


def portfolio(standard: str):
    base = load_scenario(SCENARIOS / "portfolio.yaml")
    return apply_overrides(
        base,
        [
            "contracts[1].accounting.treatment=lease",
            f"contracts[1].accounting.standard={standard}",
            "contracts[1].accounting.borrowing_rate=0.07",
            "contracts[1].accounting.term=full",
            "contracts[2].accounting.treatment=lease",
            f"contracts[2].accounting.standard={standard}",
            "contracts[2].accounting.borrowing_rate=0.09",
        ],
    )


CASES = {
    "two years, ASC 842": lambda: two_years("asc842"),
    "two years, IFRS 16": lambda: two_years("ifrs16"),
    "arrears": lambda: three_months("arrears"),
    "advance": lambda: three_months("advance"),
    "portfolio, ASC 842": lambda: portfolio("asc842"),
    "portfolio, IFRS 16": lambda: portfolio("ifrs16"),
}


@pytest.fixture(scope="module", params=list(CASES))
def report(request):
    return lease_accounting(CASES[request.param]())


def on_sheet(report):
    leases = [lease for lease in report.leases if not lease.short_term]
    assert leases
    return leases


def test_the_liability_is_the_payments_discounted(report):
    for lease in on_sheet(report):
        # numpy-financial's npv discounts its first value at t = 0: the commencement month
        expected = npf.npv(lease.monthly_rate, lease.payments)
        assert lease.initial_liability == pytest.approx(expected, abs=CENT)
        # and so at every month's start: the payments from then on, discounted to it
        for j in range(len(lease.months)):
            rest = npf.npv(lease.monthly_rate, lease.payments[j:])
            assert lease.opening[j] == pytest.approx(rest, abs=CENT)


def test_the_liability_rolls_forward_every_month(report):
    for lease in on_sheet(report):
        roll = lease.opening - lease.payments + lease.interest
        assert np.abs(roll - lease.closing).max() < CENT
        assert np.abs(lease.opening[1:] - lease.closing[:-1]).max() < CENT
        assert np.abs(lease.current + lease.noncurrent - lease.closing).max() < CENT
        assert lease.interest.sum() == pytest.approx(
            lease.total_payments - lease.initial_liability, abs=CENT
        )


def test_the_asset_and_the_liability_reach_zero_at_the_terms_end(report):
    for lease in on_sheet(report):
        last_term_month = month_number(lease.term_end) - lease.first_month
        assert abs(lease.rou[last_term_month]) < CENT
        assert abs(lease.closing[-1]) < CENT  # after the last payment
        # in arrears, at the term's end only the last month's fee is still to be paid
        assert lease.closing[last_term_month] == pytest.approx(
            lease.payments[last_term_month + 1 :].sum(), abs=CENT
        )
        assert lease.lease_cost.sum() == pytest.approx(lease.total_payments, abs=CENT)
        assert np.all(lease.rou > -CENT)


def test_the_maturity_analysis_ties_to_the_liability(report):
    first = month_number(report.scenario.horizon.start)
    for months in (0, 1, 7, 12, 30):
        as_of = add_months(report.scenario.horizon.start.replace(day=1), months)
        again = lease_accounting(report.scenario, as_of)
        total = again.maturity_total
        assert sum(total.years) == pytest.approx(total.total, abs=CENT)
        assert total.total - total.imputed_interest == pytest.approx(total.liability, abs=CENT)
        expected = 0.0
        for lease in again.leases:
            j = first + months - lease.first_month
            if not lease.short_term and 0 <= j < len(lease.months):
                # the liability at the as-of date: the payments left, discounted to it
                expected += npf.npv(lease.monthly_rate, lease.payments[j:])
                assert sum(
                    r.total for r in again.maturity if r.name == lease.name
                ) == pytest.approx(lease.payments[j:].sum(), abs=CENT)
        assert total.liability == pytest.approx(expected, abs=CENT)
        assert total.current + total.noncurrent == pytest.approx(total.liability, abs=CENT)


def test_the_bundled_portfolio_exempts_colossus():
    base = load_scenario(SCENARIOS / "portfolio.yaml")
    report = lease_accounting(base)
    by_name = {lease.name: lease for lease in report.leases}
    colossus = by_name.get("Colossus 1")
    if colossus is None:
        pytest.skip("the bundled portfolio gives Colossus 1 no lease treatment")
    # 90 days' notice from the start: 2026-06-01 + 90 days = 2026-08-30, so the
    # noncancelable term ends 2026-08-29: short-term
    assert colossus.short_term and colossus.term_end == dt.date(2026, 8, 29)
    assert math.isclose(colossus.initial_liability, 0.0)


def test_lease_schedule_of_a_service_contract_follows_its_policy():
    lease = lease_schedule(two_years("asc842"), 0)
    assert lease.name == "L" and lease.standard == "asc842"
