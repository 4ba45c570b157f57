"""The scenario format as JSON Schema (model/schema.py), for editors.

What `commitcast schema` prints and that the shipped scenarios pass it is in
tests/cli/test_core.py; distributions in tests/model/test_uncertainty.py. Here: the rules the
module adds to pydantic's schema, each checked by validating data with jsonschema.
"""

from __future__ import annotations

import copy
import json

import pytest

from commitcast.model.schema import scenario_schema

jsonschema = pytest.importorskip("jsonschema")

MINIMAL = {
    "name": "x",
    "horizon": {"start": "2026-06", "months": 12},
    "contracts": [{"name": "C", "monthly_fee": 1, "start": "2026-06-01", "end": "2027-05-31"}],
}


def errors(data: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        scenario_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [error.message for error in validator.iter_errors(data)]


def with_value(path: tuple, value: object) -> dict:
    data = copy.deepcopy(MINIMAL)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def test_the_header():
    schema = scenario_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "commitcast scenario"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert json.loads(json.dumps(schema)) == schema  # plain JSON: nothing but dicts and lists
    assert errors(MINIMAL) == []


@pytest.mark.parametrize("start", ["2026-06", "2026-6", "2026-06-01", " 2026-06 "])
def test_the_horizon_starts_on_a_month(start):
    # "format": "date" would make an editor flag 2026-06, the way a scenario writes it
    assert errors(with_value(("horizon", "start"), start)) == []


@pytest.mark.parametrize("start", ["2026-06-15", "June 2026", "26-06"])
def test_a_horizon_start_that_is_not_a_month_is_flagged(start):
    assert errors(with_value(("horizon", "start"), start))


@pytest.mark.parametrize(
    "fee",
    ["1.25B", "$900M", "$1,250,000,000", "5.0e15", "EUR 900M", "900M EUR", "€900M", 1_250_000],
)
def test_amounts_may_be_written_as_finance_people_write_them(fee):
    assert errors(with_value(("contracts", 0, "monthly_fee"), fee)) == []


# a percentage is not an amount (the loader refuses `monthly_fee: 3%`), nor is a currency
# written twice, in small letters, or a symbol after the figure
@pytest.mark.parametrize(
    "fee", ["1,25B", "12 million", "lots", True, "3%", "$5M USD", "eur 5M", "5M €", "EUR 3%"]
)
def test_text_that_is_no_amount_is_flagged(fee):
    assert errors(with_value(("contracts", 0, "monthly_fee"), fee))


def test_whole_numbers_keep_their_type():
    months = scenario_schema()["$defs"]["Horizon"]["properties"]["months"]
    assert months["anyOf"][0] == {"type": "integer"}
    assert errors(with_value(("horizon", "months"), "24")) == []  # text that reads as one


def test_the_horizon_cannot_be_a_distribution_but_an_amount_can():
    spread = {"dist": "uniform", "low": 1, "high": 2}
    assert errors(with_value(("horizon", "months"), spread))
    assert errors(with_value(("contracts", 0, "monthly_fee"), spread)) == []
    assert errors(with_value(("discount_rate",), spread)) == []  # a top-level number too


def test_every_distribution_is_one_of_the_five_kinds():
    definition = scenario_schema()["$defs"]["Distribution"]
    kinds = [ref["$ref"].rsplit("/", 1)[1] for ref in definition["oneOf"]]
    assert kinds == [
        "DistributionNormal",
        "DistributionLogNormal",
        "DistributionTriangular",
        "DistributionUniform",
        "DistributionChoice",
    ]


# One rule for digits (issue 16): the digits 0-9 only, in the schema and in the loader alike;
# Python's int() and float() read Arabic-Indic and fullwidth digits, the schema's [0-9] does not.
@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("contracts", 0, "monthly_fee"), "١٢٥٠"),
        (("contracts", 0, "monthly_fee"), "１２５０"),
        (("contracts", 0, "start"), "２０２６-06-01"),
        (("horizon", "start"), "٢٠٢٦-06"),
        (("horizon", "months"), "１２"),
    ],
)
def test_digits_other_than_0_to_9_are_refused_by_the_schema_and_the_loader(path, value):
    from commitcast.core.errors import CommitcastError
    from commitcast.load.validation import scenario_from_text

    assert errors(with_value(path, value))
    data = with_value(path, value)
    with pytest.raises(CommitcastError, match="is not one of the digits 0-9"):
        scenario_from_text(json.dumps(data, ensure_ascii=False))
