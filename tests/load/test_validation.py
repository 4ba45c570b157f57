"""Scenario validation: every problem at once with file:line: field, and the documented defaults.

The scenario model (model.py) is exercised here through the same entry points a user reaches:
`scenario_from_text` and `load_scenario`.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.load.validation import (
    load_scenario,
    scenario_from_text,
    scenario_warnings,
)
from commitcast.model.fields import fields_at
from tests.conftest import SCENARIOS

MINIMAL = """\
name: Minimal
horizon: {start: 2026-01, months: 3}
contracts:
  - name: A
    monthly_fee: 1000
    start: 2026-01-01
    end: 2026-12-31
revenue:
  - name: API
"""


def problems(text: str) -> list[str]:
    with pytest.raises(CommitcastError) as caught:
        scenario_from_text(textwrap.dedent(text), "s.yaml")
    assert caught.value.exit_code == 2
    return [str(p) for p in caught.value.problems]


def test_every_problem_is_reported_together_with_file_line_and_field():
    found = problems(
        """\
        name: x
        horizon: {start: 2026-13, months: 0}
        discount_rate: abc
        contracts:
          - name: A
            monthly_fee: -5
            start: 2026-02-30
            end: 2026-12-31
            escalatr: {rate: 0.03}
          - name: A
            monthly_fee: 1.25B
            start: 2026-01-01
            end: 2025-01-01
        costs:
          overflow: {policy: on_demand}
          training_share: 1.5
        """
    )
    assert found == [
        "s.yaml:2:11: horizon.start: 2026-13: there is no month 13",
        "s.yaml:2:27: horizon.months: 0 is out of range; it must be at least 1 and at most 1200",
        "s.yaml:3:1: discount_rate: cannot read 'abc' as a number; write e.g. 1250000000, "
        "1.25B, $900M or $1,250,000,000",
        "s.yaml:6:5: contracts[0].monthly_fee: -5 is negative; amount must be 0 or more",
        "s.yaml:7:5: contracts[0].start: 2026-02-30 is not a real date: February 2026 has 28 days",
        "s.yaml:9:5: contracts[0].escalatr: unknown key 'escalatr' (did you mean 'escalator'?)",
        "s.yaml:10:5: contracts[1].name: 'A' is already the name of contracts[0]; names must "
        "be unique",
        "s.yaml:13:5: contracts[1].end: 2025-01-01 is before the start 2026-01-01; end is the "
        "last day of service",
        "s.yaml:15:3: costs.overflow.cost_per_million_tokens: policy on_demand needs "
        "cost_per_million_tokens (the on-demand price)",
        "s.yaml:16:3: costs.training_share: 1.5 is out of range; it must be at most 1",
    ]


def test_unknown_key_without_a_close_match_lists_the_known_keys():
    (found,) = problems(MINIMAL + "colour: blue\n")
    assert found.startswith("s.yaml:10:1: colour: unknown key 'colour' (known keys here: ")
    for key in ("contracts", "costs", "currency", "discount_rate", "horizon", "name", "revenue"):
        assert key in found


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("    montly_fee: 5\n", "did you mean 'monthly_fee'?"),
        ("    termination: {notice_day: 90}\n", "did you mean 'notice_days'?"),
        ("    payment: {timng: arrears}\n", "did you mean 'timing'?"),
    ],
)
def test_did_you_mean_for_misspelt_keys(snippet, expected):
    text = MINIMAL.replace("revenue:\n  - name: API\n", "") + snippet
    assert any(expected in p for p in problems(text))


def test_missing_required_fields():
    found = problems("name: x\ncontracts:\n  - name: A\n")
    assert "s.yaml:1:1: horizon: this field is required" in found
    assert any(
        p.startswith("s.yaml:3:5: contracts[0].monthly_fee: a reserved contract needs monthly_fee")
        for p in found
    )
    assert any("contracts[0].start: this field is required" in p for p in found)


def test_notice_rules():
    base = MINIMAL.replace("revenue:\n  - name: API\n", "")
    early = base + "    termination: {notice_days: 30, notice_given: 2025-12-31}\n"
    assert problems(early) == [
        "s.yaml:8:36: contracts[0].termination.notice_given: 2025-12-31 is before the "
        "contract's start (2026-01-01); notice cannot be given then"
    ]
    before_earliest = (
        base + "    termination: {notice_days: 30, earliest_notice: 2026-06-01, "
        "notice_given: 2026-03-01}\n"
    )
    assert "is before earliest_notice (2026-06-01)" in problems(before_earliest)[0]
    after_end = base + "    termination: {notice_days: 30, notice_given: 2027-01-01}\n"
    assert "is after the contract ends on 2026-12-31" in problems(after_end)[0]


def test_wrong_shapes_and_choices():
    found = problems(
        """\
        name: x
        horizon: {start: 2026-01, months: 3}
        contracts: {name: A}
        costs:
          overflow: {policy: buy}
        """
    )
    assert found[0] == "s.yaml:3:1: contracts: expected a list here (items starting with '- ')"
    assert found[1].startswith("s.yaml:5:14: costs.overflow.policy: 'buy' is not one of")


def test_not_a_mapping():
    assert problems("- a\n- b\n")[0].startswith("s.yaml:1: a scenario must be a mapping")


def test_finance_number_forms_are_read_in_a_file():
    s = scenario_from_text(
        MINIMAL.replace("monthly_fee: 1000", "monthly_fee: $1,250,000,000")
        + "    tokens_per_month: 1.25B\n    growth: 3%\n    revenue_per_month: $900M\n"
    )
    assert s.contracts[0].monthly_fee == 1_250_000_000
    assert s.revenue[0].tokens_per_month == 1_250_000_000
    assert s.revenue[0].growth == pytest.approx(0.03)
    assert s.revenue[0].revenue_per_month == 900_000_000


def test_defaults_follow_the_semantics_notes():
    s = scenario_from_text(MINIMAL)
    c, r, costs = s.contracts[0], s.revenue[0], s.costs
    assert s.currency == "USD"
    assert s.discount_rate == 0
    assert c.escalator is None and c.ramp == []
    assert c.termination is None  # cannot be ended early
    assert c.earliest_notice == dt.date(2026, 1, 1)  # the contract's start
    assert c.payment.timing == "advance"
    # no capacity given: none (tokens_per_month and gpus both absent count as 0)
    assert c.capacity.tokens_per_month is None and c.capacity.gpus is None
    assert (c.uptime, c.sla) == (1, None)
    assert (r.growth, r.price_change, r.tokens_per_month) == (0, 0, 0)
    assert (costs.training_share, costs.serving_cost_per_million_tokens) == (0, 0)
    assert costs.overflow.policy == "unserved"
    assert costs.collection_lag_months == 0
    with_term = scenario_from_text(
        MINIMAL.replace(
            "    end: 2026-12-31\n", "    end: 2026-12-31\n    termination: {notice_days: 30}\n"
        )
    )
    term = with_term.contracts[0].termination
    assert term.fee == 0 and term.notice_given is None and term.earliest_notice is None
    assert with_term.contracts[0].earliest_notice == dt.date(2026, 1, 1)


def test_currency_is_upper_cased_and_checked():
    assert scenario_from_text(MINIMAL + "currency: eur\n").currency == "EUR"
    assert "is not a currency code" in problems(MINIMAL + "currency: euros\n")[0]


def test_horizon_start_accepts_a_first_of_month_date_only():
    ok = scenario_from_text(MINIMAL.replace("start: 2026-01,", "start: 2026-01-01,"))
    assert ok.horizon.start == dt.date(2026, 1, 1)
    assert (
        "the horizon starts on a month"
        in problems(MINIMAL.replace("start: 2026-01,", "start: 2026-01-15,"))[0]
    )


def test_warning_for_a_contract_outside_the_horizon():
    s = scenario_from_text(
        MINIMAL.replace("start: 2026-01-01", "start: 2030-01-01").replace(
            "end: 2026-12-31", "end: 2030-12-31"
        ),
        "s.yaml",
    )
    (warning,) = scenario_warnings(s)
    assert str(warning).startswith("s.yaml:4:5: warning: contracts[0]: 'A' runs 2030-01-01")


def test_fields_at():
    assert "monthly_fee" in fields_at(("contracts", 0))
    assert fields_at(("costs", "overflow")) == ["policy", "cost_per_million_tokens"]
    assert fields_at(("nowhere",)) == []


def test_load_scenario_keeps_its_source():
    s = load_scenario(SCENARIOS / "colossus-base.yaml")
    assert s.provenance.file.endswith("colossus-base.yaml")
    assert len(s.provenance.sha256) == 64


def test_date_order_is_checked_even_when_other_fields_of_the_contract_fail():
    # pydantic runs a model's cross-field rule only once its fields are valid; the dates must
    # still be reported in the same pass as the bad fee, not after the user fixes it
    found = problems(
        """\
        name: x
        horizon: {start: 2026-01, months: 3}
        contracts:
          - name: A
            monthly_fee: lots
            start: 2026-06-01
            end: 2026-01-31
            termination: {notice_days: 30, notice_given: 2026-05-01}
          - name: B
            monthly_fee: 5
            start: 2026-01-01
            end: 2026-12-31
            termination: {notice_days: 30, notice_given: 2026-05-01}
        """
    )
    assert found == [
        "s.yaml:5:5: contracts[0].monthly_fee: cannot read 'lots' as a number; write e.g. "
        "1250000000, 1.25B, $900M or $1,250,000,000",
        "s.yaml:7:5: contracts[0].end: 2026-01-31 is before the start 2026-06-01; end is the "
        "last day of service",
        "s.yaml:8:36: contracts[0].termination.notice_given: 2026-05-01 is before the "
        "contract's start (2026-06-01); notice cannot be given then",
    ]


def test_end_before_start_reported_beside_an_unreadable_notice_date():
    found = problems(
        """\
        name: x
        horizon: {start: 2026-01, months: 3}
        contracts:
          - name: A
            monthly_fee: 5
            start: 2026-06-01
            end: 2026-01-31
            termination: {notice_days: 30, notice_given: soon}
        """
    )
    assert len(found) == 2
    assert found[0].startswith("s.yaml:7:5: contracts[0].end: 2026-01-31 is before the start")
    assert found[1].startswith("s.yaml:8:36: contracts[0].termination.notice_given: cannot read")


def test_arrears_contract_ending_the_month_before_the_horizon_is_not_warned_about():
    # Service ends 2026-05-31, the horizon starts 2026-06: paid in arrears, May's fee is paid in
    # June, inside the projection, so the contract is not "entirely outside" it.
    from commitcast import projection, scenario_from_text, scenario_warnings

    text = """name: t
horizon: {start: 2026-06, months: 3}
contracts:
  - {name: C, monthly_fee: 31M, start: 2026-05-01, end: 2026-05-31, payment: {timing: %s}}
"""
    arrears = scenario_from_text(text % "arrears")
    assert scenario_warnings(arrears) == []
    # the May fee, $31M, is paid in June
    assert projection(arrears).columns["cash_out"][0] == 31_000_000
    advance = scenario_from_text(text % "advance")
    assert len(scenario_warnings(advance)) == 1


# Amounts with a currency (issue 13): checked on the file as written, with every other problem.
EUROS = """\
name: Euros
currency: EUR
horizon: {start: 2026-01, months: 3}
fx: {GBP: {rate: 1.17}}
contracts:
  - name: A
    monthly_fee: €1,000
    start: 2026-01-01
    end: 2026-12-31
  - name: B
    currency: GBP
    monthly_fee: 2k GBP
    start: 2026-01-01
    end: 2026-12-31
"""


def test_amounts_in_their_items_currency_read_as_their_figure():
    scenario = scenario_from_text(EUROS)
    assert scenario.contracts[0].monthly_fee == pytest.approx(1_000, abs=0.005)
    assert scenario.contracts[1].monthly_fee == pytest.approx(2_000, abs=0.005)
    assert scenario.currency_of(scenario.contracts[1]) == "GBP"


def test_a_currency_mismatch_is_reported_at_its_amount_when_all_else_is_valid():
    text = EUROS.replace("monthly_fee: 2k GBP", "monthly_fee: USD 2k")
    assert problems(text) == [
        "s.yaml:12:5: contracts[1].monthly_fee: USD 2k is in USD but this contract's amounts "
        "are in GBP: write it in GBP (2k or GBP 2k), or give the contract currency: USD"
    ]


def test_a_currency_mismatch_is_reported_with_the_other_problems():
    text = EUROS.replace("monthly_fee: 2k GBP", "monthly_fee: €2k").replace(
        "end: 2026-12-31\n  - name: B", "end: 2026-13-31\n  - name: B"
    )
    text += "revenue:\n  - {name: API, growth: 3% EUR}\n"
    assert problems(text) == [
        "s.yaml:9:5: contracts[0].end: 2026-13-31 is not a real date: there is no month 13",
        "s.yaml:12:5: contracts[1].monthly_fee: €2k is in EUR but this contract's amounts are "
        "in GBP: write it in GBP (2k or GBP 2k), or give the contract currency: EUR",
        "s.yaml:16:17: revenue[0].growth: '3% EUR': a percentage takes no currency; write 3%",
    ]


def test_a_currency_mismatch_in_a_distribution_is_reported_with_its_problems():
    text = EUROS.replace("monthly_fee: €1,000", "monthly_fee: {dist: uniform, low: $1k, high: 0}")
    found = problems(text)
    assert found[0].startswith("s.yaml:7:5: contracts[0].monthly_fee")  # high below low
    assert found[1:] == [
        "s.yaml:7:34: contracts[0].monthly_fee.low: $1k is in USD but this contract's amounts "
        "are in EUR, the scenario's currency: write it in EUR (1k or EUR 1k), or give the "
        "contract currency: USD"
    ]


def test_each_currency_mismatch_is_reported_once_the_model_sees_it_or_not():
    # the model checks the amount it is given (B's fee); a distribution's parameters it does not
    # see (it gets the central value), the loader does: each problem once, at its line
    text = EUROS.replace(
        "monthly_fee: €1,000", "monthly_fee: {dist: uniform, low: $1k, high: 2k}"
    ).replace("monthly_fee: 2k GBP", "monthly_fee: USD 2k")
    assert problems(text) == [
        "s.yaml:7:34: contracts[0].monthly_fee.low: $1k is in USD but this contract's amounts "
        "are in EUR, the scenario's currency: write it in EUR (1k or EUR 1k), or give the "
        "contract currency: USD",
        "s.yaml:12:5: contracts[1].monthly_fee: USD 2k is in USD but this contract's amounts "
        "are in GBP: write it in GBP (2k or GBP 2k), or give the contract currency: USD",
    ]


def test_a_contracts_kind_rules_are_reported_even_when_its_other_fields_fail():
    # pydantic runs the contract's rule (kind_issues) only once its fields are valid
    found = problems(
        """\
        name: x
        horizon: {start: 2026-01, months: 3}
        contracts:
          - name: A
            kind: commit
            monthly_fee: 5M
            start: 2026-13-01
            end: 2026-12-31
          - name: B
            minimum: {amount: 1M}
            start: 2026-01-01
            end: 2026-12-31
            uptime: 2
        """
    )
    assert found == [
        "s.yaml:4:5: contracts[0].price_per_million_tokens: a commit needs "
        "price_per_million_tokens",
        "s.yaml:6:5: contracts[0].monthly_fee: a commit has no monthly fee; it bills tokens at "
        "price_per_million_tokens; remove monthly_fee (kind: commit)",
        "s.yaml:7:5: contracts[0].start: 2026-13-01 is not a real date: there is no month 13",
        "s.yaml:9:5: contracts[1].monthly_fee: a reserved contract needs monthly_fee",
        "s.yaml:10:5: contracts[1].minimum: minimum is for take-or-pay commits; add kind: "
        "commit or remove it",
        "s.yaml:13:5: contracts[1].uptime: 2 is out of range; it must be at most 1",
    ]
