"""The scenario model's own parsers and helpers (no file involved)."""

from __future__ import annotations

import datetime as dt

import pydantic
import pytest

from commitcast.model.scenario import Scenario, parse_date, parse_month


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
