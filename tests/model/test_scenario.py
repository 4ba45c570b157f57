"""The scenario model's own parsers and helpers (no file involved)."""

from __future__ import annotations

import datetime as dt

import pydantic
import pytest

from commitcast.model.scenario import Scenario, currency_issues, parse_date, parse_month


def test_parse_date_says_what_is_wrong():
    assert parse_date("2026-06-01") == dt.date(2026, 6, 1)
    assert parse_date(dt.datetime(2026, 6, 1, 12)) == dt.date(2026, 6, 1)
    with pytest.raises(ValueError, match="February 2027 has 28 days"):
        parse_date("2027-02-29")
    with pytest.raises(ValueError, match="write it YYYY-MM-DD"):
        parse_date("06/01/2026")
    with pytest.raises(ValueError, match="outside the years 1900-2200"):
        parse_date("2999-01-01")


def test_parse_month():
    assert parse_month("2026-06") == dt.date(2026, 6, 1)
    assert parse_month("2026-06-01") == dt.date(2026, 6, 1)
    with pytest.raises(ValueError, match="there is no month 13"):
        parse_month("2026-13")


def test_horizon_end_and_months():
    s = Scenario.model_validate({"name": "x", "horizon": {"start": "2026-06", "months": 48}})
    assert s.months == 48
    # June 2026 + 47 months = May 2030, whose last day is the 31st
    assert s.horizon_end() == dt.date(2030, 5, 31)


def test_python_callers_get_the_same_number_parsing():
    s = Scenario.model_validate(
        {
            "name": "x",
            "horizon": {"start": "2026-01", "months": 1},
            "contracts": [
                {"name": "A", "monthly_fee": "1.25B", "start": "2026-01-01", "end": "2026-12-31"}
            ],
            "discount_rate": "10%",
        }
    )
    assert s.contracts[0].monthly_fee == 1.25e9
    assert s.discount_rate == pytest.approx(0.10)


def test_unknown_keys_are_refused_from_python_too():
    with pytest.raises(pydantic.ValidationError, match="extra"):
        Scenario.model_validate({"name": "x", "horizon": {"start": "2026-01", "months": 1}, "x": 1})


# --- Amounts in their item's currency (currency_issues, and the model's own check) ----------


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


def test_python_callers_get_the_currency_check_naming_the_field():
    data = _data(currency="EUR")
    data["contracts"][0]["monthly_fee"] = "USD 5M"
    with pytest.raises(pydantic.ValidationError) as raised:
        Scenario.model_validate(data)
    (error,) = raised.value.errors(include_url=False)
    assert error["loc"] == ("contracts", 0, "monthly_fee")
    assert error["input"] == "USD 5M"
    assert "USD 5M is in USD but this contract's amounts are in EUR" in error["msg"]
    assert "contracts.0.monthly_fee" in str(raised.value)


def test_the_currency_check_comes_with_every_other_problem_of_the_scenario():
    data = _data(currency="EUR", discount_rate="ten percent")
    data["contracts"][0] |= {"monthly_fee": "£5M", "capacity": {"tokens_per_month": "-5T"}}
    with pytest.raises(pydantic.ValidationError) as raised:
        Scenario.model_validate(data)
    found = {error["loc"]: error["msg"] for error in raised.value.errors(include_url=False)}
    assert set(found) == {
        ("discount_rate",),
        ("contracts", 0, "capacity", "tokens_per_month"),
        ("contracts", 0, "monthly_fee"),
    }
    assert "£5M is in GBP" in found[("contracts", 0, "monthly_fee")]


def test_an_amount_in_its_items_currency_validates_from_python():
    data = _data(currency="EUR", fx={"GBP": {"rate": "EUR 1.17"}})
    data["contracts"][0]["monthly_fee"] = "€5M"
    data["contracts"].append(
        {
            "name": "L",
            "currency": "GBP",
            "monthly_fee": "5M GBP",
            "start": "2026-06-01",
            "end": "2027-05-31",
        }
    )
    scenario = Scenario.model_validate(data)
    assert scenario.contracts[0].monthly_fee == pytest.approx(5e6, abs=0.005)
    assert scenario.contracts[1].monthly_fee == pytest.approx(5e6, abs=0.005)
    assert scenario.fx["GBP"].rate == pytest.approx(1.17)
