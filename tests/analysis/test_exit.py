"""exit: every notice month against a brute-force loop of projections written here, and the
notice-window arithmetic by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from commitcast.analysis.exit import exit_options, notice_dates
from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from commitcast.model.scenario import Scenario
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def base():
    return load_scenario(FIXTURES / "colossus-base.yaml")


def brute_force(scenario, dates):
    """One projection per notice date, the slow way."""
    results = {}
    for day in dates:
        sets = [f"contracts[0].termination.notice_given={day.isoformat()}"]
        results[day] = projection(apply_overrides(scenario, sets)).summary
    return results


@pytest.mark.parametrize("policy", ["on_demand", "unserved"])
def test_every_month_and_the_best_match_a_brute_force_loop(base, policy):
    scenario = apply_overrides(
        base, [f"costs.overflow.policy={policy}", "revenue.API.price_per_million_tokens=1"]
    )
    analysis = exit_options(scenario)
    dates = [o.notice for o in analysis.options]
    # 2026-06-01 .. 2029-05-01: 36 first-of-months
    assert len(dates) == 36 and dates[0] == dt.date(2026, 6, 1) and dates[-1] == dt.date(2029, 5, 1)
    loop = brute_force(scenario, dates)
    for option in analysis.options:
        expected = loop[option.notice]
        assert option.npv == pytest.approx(expected["npv"], abs=1e-3)
        assert option.gross_margin == pytest.approx(expected["gross_margin"], abs=1e-3)
        assert option.peak_funding_need == pytest.approx(expected["peak_funding_need"], abs=1e-3)
    # the best month: highest NPV among notices that end service before 2029-05-31
    # (notice + 90 days <= end), found by the loop
    early = [d for d in dates if d + dt.timedelta(days=90) <= dt.date(2029, 5, 31)]
    best = max(early, key=lambda d: loop[d]["npv"])
    assert analysis.best_option.notice == best
    no_notice = projection(scenario).summary
    assert analysis.no_notice.npv == pytest.approx(no_notice["npv"], abs=1e-3)


def test_unserved_overflow_makes_an_early_exit_cost_revenue(base):
    unserved = apply_overrides(base, ["costs.overflow.policy=unserved"])
    analysis = exit_options(unserved)
    full = projection(unserved).summary["total_revenue"]
    first = analysis.options[0]
    exited = brute_force(unserved, [first.notice])[first.notice]["total_revenue"]
    assert first.revenue_lost == pytest.approx(full - exited, abs=1e-3)
    assert first.revenue_lost > 0
    # with on-demand overflow the same demand is still served: nothing is lost
    assert exit_options(base).options[0].revenue_lost == pytest.approx(0, abs=1e-3)


def small(months: int = 12) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "small",
            "horizon": {"start": "2026-01", "months": months},
            "contracts": [
                {
                    "name": "C",
                    "monthly_fee": 3100,
                    "start": "2026-01-01",
                    "end": "2026-12-31",
                    "termination": {"notice_days": 31, "fee": 500, "earliest_notice": "2026-02-15"},
                }
            ],
        }
    )


@pytest.mark.parametrize("months", [12, 6])
def test_notice_window_by_hand(months):
    # with a 6-month horizon the fees after June still count: the term does not stop at the
    # edge of the projection
    analysis = exit_options(small(months))
    # first of each month on or after 2026-02-15: 2026-03-01 .. 2026-12-01
    assert [o.notice.month for o in analysis.options] == list(range(3, 13))
    march = analysis.options[0]
    # notice 2026-03-01 + 31 days: last day of service 2026-03-31
    assert march.last_service_day == dt.date(2026, 3, 31)
    # exit cost: March's fee (31 of 31 days of 3,100) + the 500 fee = 3,600
    assert march.exit_cost == pytest.approx(3600)
    # fees avoided: April..December, 9 x 3,100 = 27,900
    assert march.fees_avoided == pytest.approx(27900)
    # notice on 2026-12-01 + 31 days = 2027-01-01 > end: too late, all December is still owed
    december = analysis.options[-1]
    assert not december.ends_early
    assert december.exit_cost == pytest.approx(3100)
    assert december.fees_avoided == 0
    # notice on 2026-11-01: service ends 2026-12-01 (one December day of 100 is owed)
    # exit cost: November 3,100 + December 1/31 x 3,100 = 100, + fee 500 = 3,700
    november = analysis.options[-2]
    assert november.last_service_day == dt.date(2026, 12, 1)
    assert november.exit_cost == pytest.approx(3700)
    assert november.fees_avoided == pytest.approx(3000)  # 30 December days of 100
    # last date that still ends service early: 2026-12-31 - 31 days = 2026-11-30
    assert analysis.last_notice == dt.date(2026, 11, 30)


def test_notice_dates_start_at_a_first_of_month():
    contract = small().contracts[0]
    assert notice_dates(contract)[0] == dt.date(2026, 3, 1)


def test_contract_without_termination_terms_is_a_clear_error(base):
    fixed = base.model_dump()
    fixed["contracts"][0]["termination"] = None
    scenario = Scenario.model_validate(fixed)
    with pytest.raises(CommitcastError) as caught:
        exit_options(scenario)
    assert "has no termination terms" in str(caught.value)
    assert caught.value.exit_code == 2


def test_contract_choice(base):
    data = base.model_dump()
    second = dict(data["contracts"][0], name="Second")
    data["contracts"].append(second)
    two = Scenario.model_validate(data)
    with pytest.raises(CommitcastError) as caught:
        exit_options(two)
    assert "say which" in str(caught.value)
    assert exit_options(two, "Second").contract.name == "Second"
    assert exit_options(two, 1).index == 1
    assert exit_options(two, -1).index == 1
    with pytest.raises(CommitcastError) as caught:
        exit_options(two, "Third")
    assert "no contract named 'Third'" in str(caught.value)
    assert caught.value.problems[0].field == "contract"
    # a name is a name: "1" is not the index 1 (the command line's --contract reads that)
    with pytest.raises(CommitcastError, match="no contract named '1'"):
        exit_options(two, "1")
    with pytest.raises(CommitcastError, match="no contract at index 2"):
        exit_options(two, 2)


def test_file_notice_date_is_replaced_and_noted(base):
    given = apply_overrides(base, ["contracts[0].termination.notice_given=2027-03-01"])
    analysis = exit_options(given)
    assert any("replaced" in note for note in analysis.notes)
    # the no-notice row runs the full term even though the file gives notice
    assert analysis.no_notice.last_service_day == dt.date(2029, 5, 31)
