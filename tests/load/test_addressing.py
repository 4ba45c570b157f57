"""Paths as a user writes them (load/addressing.py): `--set` split at the right '=', path text
read into names and indexes, and resolved against a scenario with hints for a near miss.

Applying overrides, names and indexes addressing one item, and did-you-mean hints for a stream
or a field are in tests/load/test_overrides.py.
"""

from __future__ import annotations

import re

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.load.addressing import parse_path_text, resolve_path, split_assignment
from commitcast.load.validation import load_scenario, scenario_from_text
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def base():
    return load_scenario(FIXTURES / "colossus-base.yaml")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("revenue.API.growth=0.02", ("revenue.API.growth", "0.02")),
        ("  discount_rate =  10% ", ("discount_rate", "10%")),  # spaces around either side go
        ("name=a=b", ("name", "a=b")),  # the first '=' splits: a value may hold one
        ('revenue."A=B".growth=0.02', ('revenue."A=B".growth', "0.02")),  # not inside quotes
        ("revenue.'x=y'.growth=1", ("revenue.'x=y'.growth", "1")),
        ("costs.overflow.cost_per_million_tokens=", ("costs.overflow.cost_per_million_tokens", "")),
    ],
)
def test_split_assignment(text, parts):
    assert split_assignment(text) == parts


@pytest.mark.parametrize("text", ["revenue.API.growth", "=0.02", "  =1", ""])
def test_an_assignment_without_a_path_or_an_equals_sign_is_refused(text):
    with pytest.raises(CommitcastError) as caught:
        split_assignment(text)
    (problem,) = caught.value.problems
    assert problem.file == "--set"
    assert problem.message == f"cannot read --set {text!r}"
    assert problem.hint == "write --set PATH=VALUE, e.g. revenue.API.growth=0.02"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("revenue.API.growth", ["revenue", "API", "growth"]),
        ("contracts[0].end", ["contracts", 0, "end"]),
        ("contracts[-1].end", ["contracts", -1, "end"]),
        ('contracts."Colossus reservation".end', ["contracts", "Colossus reservation", "end"]),
        ("contracts.'Colossus reservation'.end", ["contracts", "Colossus reservation", "end"]),
        ('contracts["A.B"].ramp[1].fraction', ["contracts", "A.B", "ramp", 1, "fraction"]),
        ("contracts[ 2 ]", ["contracts", 2]),
        ("revenue. API .growth", ["revenue", "API", "growth"]),  # spaces around a name go
    ],
)
def test_path_text_as_names_and_indexes(text, tokens):
    assert parse_path_text(text) == tokens


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the path is empty"),
        ("contracts[x].end", "cannot read the index at '[x].end'"),
        ("contracts[0]end", "expected '.' at 'end'"),
        ('revenue."API"growth', "expected '.' at 'growth'"),
    ],
)
def test_path_text_that_cannot_be_read(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_path_text(text)


def test_a_negative_index_counts_from_the_end(base):
    assert resolve_path(base, "revenue[-1].growth") == ("revenue", 1, "growth")
    assert resolve_path(base, "contracts[-1].ramp[-1].fraction") == (
        "contracts",
        0,
        "ramp",
        0,
        "fraction",
    )


def test_an_index_out_of_range_says_how_many_there_are(base):
    with pytest.raises(CommitcastError) as caught:
        resolve_path(base, "revenue[2].growth")
    (problem,) = caught.value.problems
    assert problem.message == "revenue has 2 item(s); index 2 is out of range"
    assert (problem.file, problem.field) == ("--set", "revenue[2].growth")


def test_an_absent_optional_section_can_be_addressed():
    scenario = scenario_from_text(
        "name: x\nhorizon: {start: 2026-01, months: 2}\n"
        "contracts:\n  - {name: C, monthly_fee: 1, start: 2026-01-01, end: 2026-12-31}\n"
    )
    assert scenario.contracts[0].escalator is None
    assert resolve_path(scenario, "contracts.C.escalator.rate") == (
        "contracts",
        0,
        "escalator",
        "rate",
    )
    assert resolve_path(scenario, "contracts[0].termination.notice_days") == (
        "contracts",
        0,
        "termination",
        "notice_days",
    )


def test_a_wrong_top_level_field_lists_the_fields_there(base):
    with pytest.raises(CommitcastError) as caught:
        resolve_path(base, "discount_rat")
    (problem,) = caught.value.problems
    assert problem.message == (
        "no field 'discount_rat' in the scenario; fields there: name, label, currency, horizon, "
        "fiscal_year_start_month, discount_rate, contracts, revenue, costs, training_runs, "
        "serving, benchmarks, fx, correlations"
    )
    assert problem.hint == "did you mean 'discount_rate'?"


def test_a_name_far_from_any_has_no_hint(base):
    with pytest.raises(CommitcastError) as caught:
        resolve_path(base, "contracts.Zzzz.end")
    (problem,) = caught.value.problems
    assert problem.message == (
        "no item named 'Zzzz' in contracts; names there: 'Colossus reservation'"
    )
    assert problem.hint is None


def test_unreadable_path_text_is_a_set_problem(base):
    with pytest.raises(CommitcastError) as caught:
        resolve_path(base, "contracts[x]")
    (problem,) = caught.value.problems
    assert (problem.file, problem.field) == ("--set", "contracts[x]")
    assert problem.message == "cannot read the index at '[x]'"
