"""The model rules of issue 13 (model/scenario.py): a contract's kind and the fields each kind
may give, billing periods, prepayments, currencies and their fx rates. How the loader places
these problems at their lines is in tests/load/ and the corpus (tests/bad_inputs/134-145)."""

from __future__ import annotations

import pydantic
import pytest

from commitcast.load.errors import problems_from_validation
from commitcast.load.reader import Document
from commitcast.model.scenario import Scenario

COMMIT = {
    "name": "Tokens",
    "kind": "commit",
    "price_per_million_tokens": "$2",
    "minimum": {"amount": "10M", "every_months": 6},
    "max_tokens_per_month": "5T",
    "start": "2026-06-01",
    "end": "2027-05-31",
}
RESERVED = {"name": "R", "monthly_fee": "1M", "start": "2026-06-01", "end": "2027-05-31"}


def scenario(*contracts: dict, **top: object) -> Scenario:
    data = {
        "name": "x",
        "horizon": {"start": "2026-06", "months": 12},
        "contracts": list(contracts),
    }
    return Scenario.model_validate(data | top)


def issues(*contracts: dict, **top: object) -> list[str]:
    with pytest.raises(pydantic.ValidationError) as caught:
        scenario(*contracts, **top)
    problems = problems_from_validation(caught.value, Document(data={}, file="m", marks={}))
    return [f"{p.field}: {p.message}" for p in problems]


def test_a_commit_reads_its_price_minimum_and_limit():
    (commit,) = scenario(COMMIT).contracts
    assert commit.kind == "commit"
    assert commit.price_per_million_tokens == pytest.approx(2, abs=0.005)
    assert commit.minimum is not None
    assert commit.minimum.amount == pytest.approx(10e6, abs=0.005)
    assert commit.minimum.every_months == 6
    assert commit.max_tokens_per_month == 5e12
    assert commit.monthly_fee == 0.0  # none: it bills tokens


def test_defaults_a_reserved_contract_billed_monthly_without_a_prepayment():
    (contract,) = scenario(RESERVED).contracts
    assert contract.kind == "reserved"
    assert contract.payment.every_months == 1
    assert contract.prepayment is None
    assert contract.currency is None
    assert contract.minimum is None and contract.max_tokens_per_month is None


def test_a_commit_refuses_each_field_of_a_reserved_contract():
    commit = COMMIT | {
        "monthly_fee": "1M",
        "capacity": {"tokens_per_month": "5T"},
        "ramp": [{"months": 2, "fraction": 0.5}],
        "escalator": {"rate": "3%"},
        "uptime": 0.99,
        "sla": {"cap": 0.5},
        "prepayment": {"amount": "1M", "paid": "2026-06-01"},
        "payment": {"every_months": 3},
        "accounting": {"treatment": "lease"},
    }
    assert issues(commit) == [
        "contracts[0].monthly_fee: a commit has no monthly fee; it bills tokens at "
        "price_per_million_tokens; remove monthly_fee (kind: commit)",
        "contracts[0].capacity: a commit provides no reserved capacity; remove capacity "
        "(kind: commit)",
        "contracts[0].ramp: a commit has no ramp; remove ramp (kind: commit)",
        "contracts[0].escalator: a commit's price has no escalator; remove escalator "
        "(kind: commit)",
        "contracts[0].uptime: uptime is of reserved capacity; remove uptime (kind: commit)",
        "contracts[0].sla: SLA credits are on reserved capacity; remove sla (kind: commit)",
        "contracts[0].prepayment: a prepayment is credited against a reserved contract's fees; "
        "remove prepayment (kind: commit)",
        "contracts[0].payment.every_months: a commit bills its usage monthly and its shortfall "
        "at the end of each minimum period; remove every_months",
        "contracts[0].accounting.treatment: a commit provides no capacity to lease",
    ]


def test_a_commit_needs_a_price_and_a_reserved_contract_a_fee():
    commit = {k: v for k, v in COMMIT.items() if k != "price_per_million_tokens"}
    reserved = {k: v for k, v in RESERVED.items() if k != "monthly_fee"} | {"name": "S"}
    assert issues(commit, reserved) == [
        "contracts[0].price_per_million_tokens: a commit needs price_per_million_tokens",
        "contracts[1].monthly_fee: a reserved contract needs monthly_fee",
    ]


def test_a_reserved_contract_refuses_a_commits_fields():
    reserved = RESERVED | {
        "price_per_million_tokens": 2,
        "minimum": {"amount": "1M"},
        "max_tokens_per_month": "1T",
    }
    assert issues(reserved) == [
        f"contracts[0].{name}: {name} is for take-or-pay commits; add kind: commit or remove it"
        for name in ("price_per_million_tokens", "minimum", "max_tokens_per_month")
    ]


def test_a_scenario_dumped_and_validated_again_is_the_same():
    # --set, distributions, variants and the bridge validate model_dump(): every default is
    # then given, and must not read as a field of the other kind
    base = scenario(COMMIT, RESERVED)
    again = Scenario.model_validate(base.model_dump())
    assert again == base


def test_prepayment_and_billing_period():
    reserved = RESERVED | {
        "payment": {"timing": "arrears", "every_months": 3},
        "prepayment": {"amount": "€3M", "paid": "2026-05-15", "applied": "pro_rata"},
        "currency": "eur",
    }
    (contract,) = scenario(reserved, fx={"EUR": {"rate": 1.08}}).contracts
    assert contract.payment.every_months == 3
    assert contract.prepayment is not None
    assert contract.prepayment.amount == pytest.approx(3e6, abs=0.005)
    assert contract.prepayment.applied == "pro_rata"
    assert contract.prepayment.refundable is False
    assert contract.currency == "EUR"  # codes are read in capitals


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"payment": {"every_months": 0}},
            "contracts[0].payment.every_months: 0 is out of range; it must be at least 1 and at "
            "most 120",
        ),
        (
            {"prepayment": {"amount": 1, "paid": "2026-06-01", "applied": "evenly"}},
            "contracts[0].prepayment.applied: 'evenly' is not one of 'first' or 'pro_rata'",
        ),
        (
            {"prepayment": {"amount": 1}},
            "contracts[0].prepayment.paid: this field is required",
        ),
        (
            {"currency": "EURO"},
            "contracts[0].currency: 'EURO' is not a currency code; write three letters such as USD",
        ),
    ],
)
def test_bad_billing_prepayment_and_currency(change, message):
    assert issues(RESERVED | change) == [message]


def test_every_currency_needs_a_rate_but_the_reporting_one():
    stream = {"name": "UK", "currency": "GBP", "revenue_per_month": "2M"}
    assert issues(
        RESERVED | {"currency": "EUR"}, revenue=[stream], currency="CHF", fx={"CHF": {"rate": 1}}
    ) == [
        "fx.CHF: CHF is the reporting currency (rate 1); remove it from fx",
        "contracts[0].currency: EUR has no rate; add fx: {EUR: {rate: ...}} (units of CHF per EUR)",
        "revenue[0].currency: GBP has no rate; add fx: {GBP: {rate: ...}} (units of CHF per GBP)",
    ]
    given = scenario(RESERVED | {"currency": "EUR"}, fx={"EUR": {"rate": "1.08", "change": "0.1%"}})
    assert given.fx["EUR"].rate == pytest.approx(1.08, abs=1e-12)
    assert given.fx["EUR"].change == pytest.approx(0.001, abs=1e-12)
    assert given.currency_of(given.contracts[0]) == "EUR"
    # a currency the same as the scenario's needs no rate
    assert scenario(RESERVED | {"currency": "usd"}).contracts[0].currency == "USD"
