"""Pydantic's validation errors as problems at a line and column (load/errors.py).

The wording of each rule of the model, reached through `scenario_from_text`, is in
tests/load/test_validation.py. Here: the mapping itself, on errors raised by the model directly.
"""

from __future__ import annotations

import textwrap

import pydantic
import pytest

from commitcast.load.errors import problems_from_validation
from commitcast.load.reader import parse_text
from commitcast.model.scenario import Scenario


def mapped(text: str) -> list[str]:
    document = parse_text(textwrap.dedent(text), "s.yaml")
    with pytest.raises(pydantic.ValidationError) as caught:
        Scenario.model_validate(document.data)
    return [str(p) for p in problems_from_validation(caught.value, document)]


def test_friendly_words_for_shapes_and_choices_in_file_order():
    found = mapped(
        """\
        name: x
        horizon: {start: 2026-01, months: 3}
        contracts:
          - name: A
            monthly_fee: 5
            start: 2026-01-01
            end: 2026-12-31
            payment: {timing: sometimes}
            ramp: {months: 2}
            escalator: 3
        """
    )
    # pydantic reports escalator, ramp, timing in its own order; the file's order is 8, 9, 10
    assert found == [
        "s.yaml:8:15: contracts[0].payment.timing: 'sometimes' is not one of 'advance' or "
        "'arrears'",
        "s.yaml:9:5: contracts[0].ramp: expected a list here (items starting with '- ')",
        "s.yaml:10:5: contracts[0].escalator: expected a mapping of keys and values here",
    ]


def test_a_missing_field_is_placed_at_its_parent():
    found = mapped(
        """\
        horizon: {start: 2026-01, months: 3}
        contracts:
          - {name: A, start: 2026-01-01, end: 2026-12-31}
        """
    )
    assert found == [
        "s.yaml:1:1: name: this field is required",
        "s.yaml:3:5: contracts[0].monthly_fee: a reserved contract needs monthly_fee",
    ]


def test_an_unknown_key_gets_a_did_you_mean_or_the_keys_known_there():
    found = mapped(
        """\
        name: x
        horizon: {start: 2026-01, months: 3, month: 2}
        costs: {zzz: 1}
        """
    )
    assert found == [
        "s.yaml:2:38: horizon.month: unknown key 'month' (did you mean 'months'?)",
        "s.yaml:3:9: costs.zzz: unknown key 'zzz' (known keys here: collection_lag_months, "
        "overflow, serving_cost_per_million_tokens, training_share)",
    ]


def test_a_rule_about_several_fields_names_each_field_to_fix():
    # the contract's date rule raises one error carrying two issues, each at its own field
    found = mapped(
        """\
        name: x
        horizon: {start: 2026-01, months: 3}
        contracts:
          - name: A
            monthly_fee: 1
            start: 2026-03-01
            end: 2026-01-31
            termination: {notice_days: 30, earliest_notice: 2026-06-01}
        """
    )
    assert found == [
        "s.yaml:7:5: contracts[0].end: 2026-01-31 is before the start 2026-03-01; end is the "
        "last day of service",
        "s.yaml:8:36: contracts[0].termination.earliest_notice: 2026-06-01 is after the contract "
        "ends on 2026-01-31",
    ]
