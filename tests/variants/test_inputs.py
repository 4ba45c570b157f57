"""From a caller's path and values to batch keys and checked engine values (variants/inputs.py).

How the what-if functions use these (drivers, axes, search ranges) is in tests/analysis/; how
the command line rewords their problems in tests/cli/test_parsing.py.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from commitcast.core.calendar import day_number
from commitcast.core.errors import CommitcastError, Problem
from commitcast.load.overrides import apply_overrides
from commitcast.load.validation import load_scenario
from commitcast.model.inputs import base_params
from commitcast.variants.inputs import (
    ArgumentProblem,
    Flex,
    Input,
    argument_error,
    attempt,
    check_figure,
    checked_value,
    collecting,
    input_of,
    value_of,
)
from tests.conftest import FIXTURES

CENT = 0.005


@pytest.fixture(scope="module")
def base():
    return load_scenario(FIXTURES / "colossus-base.yaml")


def test_flex_is_a_change_relative_to_the_base():
    assert Flex(-0.2).of(1.25e9) == pytest.approx(1.0e9, abs=CENT)  # 1.25B x 0.8
    assert Flex(0.1).of(0.04) == pytest.approx(0.044, abs=1e-12)
    assert str(Flex(-0.2)) == "-20%"
    assert str(Flex(0.025)) == "+2.5%"
    assert str(Flex(-0.2, "-20.0%")) == "-20.0%"  # as the caller wrote it
    assert Flex(-0.2, "-20.0%") == Flex(-0.2)  # the text takes no part in comparing


def test_input_of_a_path_by_name(base):
    item = input_of(base, "revenue.API.growth", "drivers")
    assert item == Input(
        path="revenue.API.growth",
        key="revenue[0].growth",
        base=0.04,
        where=("revenue", 0, "growth"),
    )
    fee = input_of(base, 'contracts."Colossus reservation".monthly_fee', "path")
    assert (fee.key, fee.base) == ("contracts[0].monthly_fee", 1.25e9)


@pytest.mark.parametrize(
    ("path", "is_date", "is_discrete"),
    [
        ("contracts[0].end", True, False),
        ("contracts[0].termination.notice_given", True, False),
        ("contracts[0].termination.notice_days", False, True),
        ("contracts[0].payment.timing", False, True),
        ("contracts[0].ramp[0].months", False, True),
        ("contracts[0].ramp[0].fraction", False, False),
        ("costs.overflow.policy", False, True),
        ("costs.collection_lag_months", False, True),
        ("contracts[0].monthly_fee", False, False),
    ],
)
def test_what_kind_of_input(base, path, is_date, is_discrete):
    item = input_of(base, path, "drivers")
    assert (item.is_date, item.is_discrete) == (is_date, is_discrete)


def test_show_writes_an_engine_value_as_in_a_file(base):
    end = input_of(base, "contracts[0].end", "x")
    assert end.show(day_number(dt.date(2029, 5, 31))) == "2029-05-31"
    notice = input_of(base, "contracts[0].termination.notice_given", "x")
    assert notice.show(math.nan) == "null"
    assert input_of(base, "contracts[0].payment.timing", "x").show(1.0) == "arrears"
    fee = input_of(base, "contracts[0].monthly_fee", "x")
    assert fee.show(1.25e9) == "1250000000"  # a whole amount without ".0"
    assert fee.show(1e16) == "1e+16"  # beyond exact whole floats: the float as Python writes it
    assert input_of(base, "revenue.API.growth", "x").show(0.04) == "0.04"


@pytest.mark.parametrize("path", ["name", "horizon.months", "contracts[0].name"])
def test_what_cannot_vary_between_runs_is_refused(base, path):
    with pytest.raises(CommitcastError) as caught:
        input_of(base, path, "axes")
    (problem,) = caught.value.problems
    assert isinstance(problem, ArgumentProblem)
    assert problem.message.startswith(f"{path} is not a numeric input that can vary between runs")
    assert (problem.argument, problem.field, problem.kind) == ("axes", "axes", "field")


def test_a_path_the_scenario_lacks_is_an_input_problem(base):
    with pytest.raises(CommitcastError) as caught:
        input_of(base, "revenue.APl.growth", "drivers")
    (problem,) = caught.value.problems
    assert isinstance(problem, ArgumentProblem)
    assert (problem.kind, problem.argument, problem.path) == (
        "input",
        "drivers",
        "revenue.APl.growth",
    )
    assert problem.field == "revenue.APl.growth"  # the input path, never an option
    assert problem.reason.startswith("no item named 'APl' in revenue")
    assert problem.hint == "did you mean 'API'?"


def test_values_of_each_type(base):
    fee = input_of(base, "contracts[0].monthly_fee", "drivers")
    assert value_of(base, fee, Flex(-0.2), "drivers") == pytest.approx(1.0e9, abs=CENT)
    assert value_of(base, fee, "1.1B", "drivers") == pytest.approx(1.1e9, abs=CENT)
    assert value_of(base, fee, 900_000_000, "drivers") == pytest.approx(9e8, abs=CENT)
    end = input_of(base, "contracts[0].end", "drivers")
    later = day_number(dt.date(2029, 12, 31))
    assert value_of(base, end, dt.date(2029, 12, 31), "drivers") == later
    assert value_of(base, end, "2029-12-31", "drivers") == later
    policy = input_of(base, "costs.overflow.policy", "axes")
    assert value_of(base, policy, "unserved", "axes") == 0.0
    growth = input_of(base, "revenue.API.growth", "axes")
    assert value_of(base, growth, "2%", "axes") == pytest.approx(0.02, abs=1e-12)


def test_a_value_of_no_known_type_is_a_type_error(base):
    fee = input_of(base, "contracts[0].monthly_fee", "drivers")
    with pytest.raises(TypeError, match="drivers: a value for contracts\\[0\\].monthly_fee"):
        value_of(base, fee, [1, 2], "drivers")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("contracts[0].end", Flex(-0.2), "a relative change (-20%) needs an amount or rate"),
        ("contracts[0].monthly_fee", "  ", "a value is missing"),
    ],
)
def test_values_refused_before_the_model_sees_them(base, path, value, reason):
    item = input_of(base, path, "drivers")
    with pytest.raises(CommitcastError) as caught:
        value_of(base, item, value, "drivers")
    (problem,) = caught.value.problems
    assert (problem.kind, problem.path, problem.reason) == ("input", path, reason)


def test_the_model_refuses_a_value_as_it_would_in_a_file(base):
    price = input_of(base, "revenue.API.price_per_million_tokens", "search")
    with pytest.raises(CommitcastError) as caught:
        checked_value(base, price, -1.0, "search")
    (problem,) = caught.value.problems
    assert (problem.kind, problem.argument, problem.value) == ("input", "search", "-1")
    assert "negative" in problem.reason
    # a rule across fields (the end before the start) is the contract's, and is checked too
    end = input_of(base, "contracts[0].end", "axes")
    with pytest.raises(CommitcastError) as caught:
        checked_value(base, end, "2026-01-01", "axes")
    assert caught.value.problems[0].reason == (
        "2026-01-01 is before the start 2026-06-01; end is the last day of service"
    )


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("costs.training_share", "45%"),  # through the costs section alone
        ("contracts[0].escalator.rate", "0.05"),  # through the contract alone
        ("revenue.Subscriptions.revenue_per_month", "1.2B"),  # through the stream alone
        ("discount_rate", "0.07"),  # the whole scenario
        ("contracts[0].termination.notice_given", "2027-03-01"),
    ],
)
def test_a_checked_value_is_what_the_override_gives(base, path, value):
    item = input_of(base, path, "drivers")
    expected = base_params(apply_overrides(base, [f"{path}={value}"]))[item.key]
    assert checked_value(base, item, value, "drivers") == pytest.approx(expected, abs=1e-9)


def test_check_figure(base):
    assert check_figure("npv") == "npv"
    assert check_figure("gross_margin_pct", "figure") == "gross_margin_pct"
    with pytest.raises(CommitcastError) as caught:
        check_figure("payback_month", "figure")  # a month is a position, not a measure
    (problem,) = caught.value.problems
    assert problem.message == "'payback_month' is not a summary figure that can be measured"
    assert (problem.argument, problem.field) == ("figure", "figure")
    assert (
        problem.hint is not None and "npv" in problem.hint and "payback_month" not in problem.hint
    )


def test_argument_error_names_the_argument_unless_told_not_to():
    (named,) = argument_error("give one or two axes", "axes", kind="axes_count").problems
    assert (named.field, named.argument, named.kind) == ("axes", "axes", "axes_count")
    (unnamed,) = argument_error("nothing crosses", "search", named=False).problems
    assert (unnamed.field, unnamed.argument) == (None, "search")
    assert str(unnamed) == "<input>: nothing crosses"


def test_collecting_raises_every_problem_together():
    def refuse(message: str) -> None:
        raise CommitcastError([Problem(message)])

    with pytest.raises(CommitcastError) as caught, collecting() as problems:
        assert attempt(problems, refuse, "first") is None
        assert attempt(problems, lambda: 7) == 7
        attempt(problems, refuse, "second")
    assert [p.message for p in caught.value.problems] == ["first", "second"]


def test_collecting_nothing_raises_nothing_and_other_errors_pass_through():
    with collecting() as problems:
        assert attempt(problems, int, "3") == 3
    assert problems == []
    with pytest.raises(ValueError), collecting() as problems:
        attempt(problems, int, "three")  # not a CommitcastError: not collected
