"""Which fields a scenario allows where (model/fields.py), read from the models: the lists
behind did-you-mean hints and --set paths. (A few more locations are checked in
tests/load/test_validation.py::test_fields_at.)"""

from __future__ import annotations

from commitcast.model.fields import amount_fields, currency_issues, fields_at, model_at
from commitcast.model.scenario import Contract, Overflow, RampStep, Scenario, Termination


def test_the_top_level_fields_in_declaration_order():
    assert fields_at(()) == [
        "name",
        "label",
        "currency",
        "horizon",
        "fiscal_year_start_month",
        "discount_rate",
        "contracts",
        "revenue",
        "costs",
        "training_runs",
        "serving",
        "benchmarks",
        "fx",
        "correlations",
    ]
    assert model_at(()) is Scenario


def test_optional_sections_and_list_items_lead_to_their_model():
    # `termination: Termination | None` and `ramp: list[RampStep]` are looked through
    assert model_at(("contracts", 0)) is Contract
    assert model_at(("contracts", 3, "termination")) is Termination
    assert fields_at(("contracts", 0, "termination")) == [
        "notice_days",
        "fee",
        "earliest_notice",
        "notice_given",
    ]
    assert model_at(("contracts", 0, "ramp", 1)) is RampStep
    assert fields_at(("contracts", 0, "ramp", 1)) == ["months", "fraction"]
    assert fields_at(("contracts", 0, "escalator")) == ["rate", "every_months"]
    assert model_at(("costs", "overflow")) is Overflow


def test_places_without_fields():
    assert fields_at(("contracts",)) == []  # a list, not a mapping: items are indexed
    assert model_at(("contracts", "Colossus")) is None  # lists are indexed here, not named
    assert fields_at(("name",)) == []  # a value
    assert fields_at(("contracts", 0, "monthly_fee", "x")) == []  # below a value
    assert fields_at(("horizon", 0)) == []  # an index into a mapping
    assert fields_at(("contracts", 0, "nowhere")) == []


def test_the_fields_that_hold_money():
    # read from the model's money types (Money, Price and their optional forms) and fx rates
    assert amount_fields() == [
        "Contract.monthly_fee",
        "Contract.price_per_million_tokens",
        "CommitMinimum.amount",
        "Prepayment.amount",
        "Termination.fee",
        "RevenueStream.price_per_million_tokens",
        "RevenueStream.revenue_per_month",
        "Costs.serving_cost_per_million_tokens",
        "Overflow.cost_per_million_tokens",
        "Benchmarks.market_price_per_gpu_hour",
        "FxRate.rate",
    ]


def _data(**top):
    contract = {"name": "C", "monthly_fee": 1, "start": "2026-06-01", "end": "2027-05-31"}
    return {
        "name": "x",
        "horizon": {"start": "2026-06", "months": 12},
        "contracts": [contract],
    } | top


def test_an_amount_in_its_items_currency_passes():
    data = _data(currency="EUR", fx={"GBP": {"rate": "EUR 1.17"}})
    data["contracts"][0]["monthly_fee"] = "€5M"
    data["contracts"].append({"name": "L", "currency": "gbp", "monthly_fee": "5M GBP"})
    data["revenue"] = [{"name": "R", "revenue_per_month": "EUR 9M", "growth": "3%"}]
    assert currency_issues(data) == []


def test_an_amount_in_another_currency_is_named_with_what_to_write():
    data = _data(currency="EUR")
    data["contracts"][0]["monthly_fee"] = "USD 5M"
    data["contracts"].append({"name": "L", "currency": "GBP", "monthly_fee": "4M EUR"})
    data["revenue"] = [{"name": "R", "currency": "GBP", "price_per_million_tokens": "$2"}]
    data["costs"] = {"overflow": {"cost_per_million_tokens": "£3"}}
    assert currency_issues(data) == [
        (
            ("contracts", 0, "monthly_fee"),
            "USD 5M is in USD but this contract's amounts are in EUR, the scenario's currency: "
            "write it in EUR (5M or EUR 5M), or give the contract currency: USD",
        ),
        (
            ("contracts", 1, "monthly_fee"),
            "4M EUR is in EUR but this contract's amounts are in GBP: write it in GBP (4M or "
            "GBP 4M), or give the contract currency: EUR",
        ),
        (
            ("revenue", 0, "price_per_million_tokens"),
            "$2 is in USD but this revenue stream's amounts are in GBP: write it in GBP (2 or "
            "GBP 2), or give the revenue stream currency: USD",
        ),
        (
            ("costs", "overflow", "cost_per_million_tokens"),
            "£3 is in GBP but the scenario's amounts are in EUR: write it in EUR (3 or EUR 3)",
        ),
    ]


def test_the_default_currency_is_usd_and_fx_rates_are_in_it():
    data = _data(fx={"EUR": {"rate": "EUR 1.08"}})
    data["contracts"][0]["termination"] = {"notice_days": 30, "fee": "$1M"}
    assert currency_issues(data) == [
        (
            ("fx", "EUR", "rate"),
            "EUR 1.08 is in EUR but an fx rate is in USD per EUR: write it in USD (1.08 or "
            "USD 1.08)",
        )
    ]


def test_a_number_that_is_not_money_takes_no_currency():
    data = _data(discount_rate="EUR 0.1")
    data["contracts"][0]["capacity"] = {"tokens_per_month": "$5T"}
    # in the order of the data: discount_rate was added after contracts
    assert currency_issues(data) == [
        (
            ("contracts", 0, "capacity", "tokens_per_month"),
            "$5T has a currency, but this is not an amount of money; write 5T",
        ),
        (
            ("discount_rate",),
            "EUR 0.1 has a currency, but this is not an amount of money; write 0.1",
        ),
    ]


def test_a_distributions_parameters_are_in_the_fields_currency():
    data = _data(currency="GBP")
    data["contracts"][0]["monthly_fee"] = {"dist": "choice", "values": ["£1M", "€2M"]}
    assert currency_issues(data) == [
        (
            ("contracts", 0, "monthly_fee", "values", 1),
            "€2M is in EUR but this contract's amounts are in GBP, the scenario's currency: "
            "write it in GBP (2M or GBP 2M), or give the contract currency: EUR",
        )
    ]


def test_items_with_a_bad_currency_code_and_unreadable_amounts_are_left_to_the_model():
    data = _data()
    data["contracts"][0] |= {"currency": "EURO", "monthly_fee": "GBP 5M"}
    data["revenue"] = [{"name": "R", "revenue_per_month": "eur 5M", "nonsense": "EUR 1"}]
    assert currency_issues(data) == []
    assert currency_issues(["not", "a", "mapping"]) == []
