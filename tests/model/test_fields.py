"""Which fields a scenario allows where (model/fields.py), read from the models: the lists
behind did-you-mean hints and --set paths. (A few more locations are checked in
tests/load/test_validation.py::test_fields_at.)"""

from __future__ import annotations

from commitcast.model.fields import amount_fields, fields_at, model_at
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
