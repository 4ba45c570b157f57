"""cli/parsing.py: each option syntax read into typed values, each bad text refused naming the
option, and the analysis functions' problems reworded in the options' names."""

from __future__ import annotations

import pytest

from commitcast.analysis.sensitivity import Driver, grid, sensitivity
from commitcast.cli import parsing
from commitcast.core.errors import CommitcastError
from commitcast.load.validation import load_scenario
from commitcast.variants.inputs import Flex
from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"


@pytest.fixture(scope="module")
def base():
    return load_scenario(BASE)


def refusal(call, *args) -> list[str]:
    """The lines a user sees for the problems `call(*args)` raises."""
    with pytest.raises(CommitcastError) as caught:
        call(*args)
    assert caught.value.exit_code == 2
    return [str(problem) for problem in caught.value.problems]


# ---- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.02", "0.02"),
        (" 1.1B ", "1.1B"),  # text as in a file, stripped; the model reads it
        ("2027-03-01", "2027-03-01"),
        ("unserved", "unserved"),
        ("-1", "-1"),  # a negative value, not a change: no % sign
        ("2%", "2%"),  # a rate written with %, not a change: no sign
        ("-20%", Flex(-0.20)),
        ("+20%", Flex(0.20)),
        ("+2.5%", Flex(0.025)),
    ],
)
def test_a_value_is_text_or_a_relative_change(text, expected):
    value = parsing.read_value(text, "--vary", "revenue.API.growth")
    assert value == expected
    if isinstance(expected, Flex):
        assert isinstance(value, Flex)
        assert value.change == pytest.approx(expected.change, rel=1e-15)
        assert str(value) == text.strip()  # shown as written


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "+x%",
            "command line: --vary revenue.API.growth: cannot read '+x%' as a percentage change "
            "(write e.g. -20%:+20%)",
        ),
        ("", "command line: --vary revenue.API.growth: a value is missing (e.g. 0.02)"),
        ("  ", "command line: --vary revenue.API.growth: a value is missing (e.g. 0.02)"),
    ],
)
def test_a_bad_value(text, line):
    assert refusal(parsing.read_value, text, "--vary", "revenue.API.growth") == [line]


# ---- --vary --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("revenue.API.growth", Driver("revenue.API.growth")),
        (" costs.training_share ", Driver("costs.training_share")),
        ("revenue.API.growth=0.02:0.06", Driver("revenue.API.growth", "0.02", "0.06")),
        (
            'contracts."Colossus reservation".monthly_fee=-10%:+10%',
            Driver('contracts."Colossus reservation".monthly_fee', Flex(-0.1), Flex(0.1)),
        ),
        (
            "contracts[0].end=2027-01-01:2028-06-30",
            Driver("contracts[0].end", "2027-01-01", "2028-06-30"),
        ),
    ],
)
def test_vary(text, expected):
    assert parsing.parse_vary(text) == expected


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            "revenue.API.growth=0.02",
            [
                "command line: cannot read --vary 'revenue.API.growth=0.02' (write --vary "
                "PATH=LOW:HIGH (values or -20%:+20%), or --vary PATH)"
            ],
        ),
        (
            "revenue.API.growth=:+y%",
            [
                "command line: --vary revenue.API.growth: a value is missing (e.g. 0.02)",
                "command line: --vary revenue.API.growth: cannot read '+y%' as a percentage "
                "change (write e.g. -20%:+20%)",
            ],
        ),
    ],
)
def test_bad_vary(text, lines):
    assert refusal(parsing.parse_vary, text) == lines


def test_every_bad_option_is_reported_at_once():
    lines = refusal(parsing.parse_each, parsing.parse_vary, ["a=1", "b=0:1", "c=:1"])
    assert lines == [
        "command line: cannot read --vary 'a=1' (write --vary PATH=LOW:HIGH (values or "
        "-20%:+20%), or --vary PATH)",
        "command line: --vary c: a value is missing (e.g. 0.02)",
    ]


# ---- --grid --------------------------------------------------------------------------------


def test_grid():
    assert parsing.parse_grid("revenue.API.growth=0.02, 0.04,,-10%") == (
        "revenue.API.growth",
        ["0.02", "0.04", Flex(-0.1)],
    )
    assert parsing.parse_grid("costs.overflow.policy=unserved,on_demand") == (
        "costs.overflow.policy",
        ["unserved", "on_demand"],
    )


@pytest.mark.parametrize("text", ["revenue.API.growth", "revenue.API.growth=", "x=,,"])
def test_bad_grid(text):
    assert refusal(parsing.parse_grid, text) == [
        f"command line: cannot read --grid {text!r} (write --grid PATH=a,b,c, e.g. --grid "
        "revenue.API.growth=0.02,0.04,0.06)"
    ]


def test_bad_grid_values_are_all_named():
    assert refusal(parsing.parse_grid, "revenue.API.growth=+a%,0.1,-b%") == [
        "command line: --grid revenue.API.growth: cannot read '+a%' as a percentage change "
        "(write e.g. -20%:+20%)",
        "command line: --grid revenue.API.growth: cannot read '-b%' as a percentage change "
        "(write e.g. -20%:+20%)",
    ]


# ---- --target and --range ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("npv=0", ("npv", 0.0)),
        ("gross_margin_pct=40%", ("gross_margin_pct", 0.40)),
        ("peak_funding_need=9B", ("peak_funding_need", 9e9)),
        (" npv = -1.5T ", ("npv", -1.5e12)),
    ],
)
def test_target(text, expected):
    assert parsing.parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("npv", ["command line: cannot read --target 'npv' (write --target PATH=VALUE)"]),
        ("=3", ["command line: cannot read --target '=3' (write --target PATH=VALUE)"]),
        (
            "npv=lots",
            [
                "command line: --target npv=lots: cannot read 'lots' as a number; write e.g. "
                "1250000000, 1.25B, $900M or $1,250,000,000 (e.g. npv=0 or gross_margin_pct=40%)"
            ],
        ),
        (
            "payback_month=3",
            [
                "command line: --target: 'payback_month' is not a summary figure that can be "
                "measured (one of: "
            ],
        ),
    ],
)
def test_bad_target(text, lines):
    got = refusal(parsing.parse_target, text)
    assert len(got) == len(lines)
    for line, expected in zip(got, lines, strict=True):
        assert line.startswith(expected)


def test_range():
    assert parsing.parse_range("0:0.5", "revenue.API.growth") == ("0", "0.5")
    assert parsing.parse_range("-50%:+50%", "x") == (Flex(-0.5), Flex(0.5))
    assert parsing.parse_range("2027-01-01:2027-06-01", "x") == ("2027-01-01", "2027-06-01")


def test_bad_range():
    assert refusal(parsing.parse_range, "0.1", "revenue.API.growth") == [
        "command line: --range: cannot read the range '0.1' for revenue.API.growth (write "
        "LOW:HIGH, e.g. 0.02:0.06 or -20%:+20%)"
    ]
    assert refusal(parsing.parse_range, ":-q%", "x") == [
        "command line: --range x: a value is missing (e.g. 0.02)",
        "command line: --range x: cannot read '-q%' as a percentage change (write e.g. -20%:+20%)",
    ]


# ---- --runs, --funding-limit, --metric, --bridge, --contract ------------------------------


def test_runs():
    assert parsing.check_runs(1) == 1
    assert parsing.check_runs(1_000_000) == 1_000_000
    for runs in (0, -5, 1_000_001):
        assert refusal(parsing.check_runs, runs) == [
            f"command line: --runs must be between 1 and 1,000,000; got {runs:,} "
            "(e.g. --runs 10000)"
        ]


def test_funding_limit():
    assert parsing.parse_funding_limit("5B") == 5e9
    assert parsing.parse_funding_limit("1T") == 1e12
    assert parsing.parse_funding_limit("$900M") == 9e8
    assert parsing.parse_funding_limit("0") == 0.0
    assert refusal(parsing.parse_funding_limit, "-5B") == [
        "command line: --funding-limit: -5B is negative; give the amount of funding available, "
        "0 or more (e.g. --funding-limit 5B)"
    ]
    (line,) = refusal(parsing.parse_funding_limit, "lots")
    assert line.startswith("command line: --funding-limit: cannot read 'lots' as a number")
    assert line.endswith("(e.g. --funding-limit 5B)")
    (line,) = refusal(parsing.parse_funding_limit, "nan")
    assert line.startswith("command line: --funding-limit: cannot read 'nan' as a number")


def test_figures_and_columns():
    assert parsing.check_figure("npv", "--metric") == "npv"
    (line,) = refusal(parsing.check_figure, "nope", "--bridge")
    assert line.startswith(
        "command line: --bridge: 'nope' is not a summary figure that can be measured (one of: "
    )
    assert parsing.check_column("revenue") == "revenue"
    (line,) = refusal(parsing.check_column, "npv")
    assert line.startswith(
        "command line: --metric: 'npv' is not a monthly column (with --by use one of: "
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Second", "Second"),
        ("1", 1),
        ("-2", -2),
        ("0", "0"),  # a contract named "0" is that contract, not the first
        ("2", "2"),  # out of range: passed on as a name, refused listing the names
        ("--1", "--1"),
        ("", ""),
    ],
)
def test_contract(text, expected):
    assert parsing.parse_contract(text, ["0", "Second"]) == expected


# ---- analysis problems in the options' words ----------------------------------------------


VARY = {"drivers": "--vary", "axes": "--grid", "metric": "--metric"}


def in_options(call, *args, **options) -> list[str]:
    def worded():
        with parsing.options_named(**options):
            call(*args)

    return refusal(worded)


@pytest.mark.parametrize(
    ("driver", "line"),
    [
        (
            Driver("revenue.APX.growth", 0, 1),
            "command line: --vary revenue.APX.growth: no item named 'APX' in revenue; names "
            "there: 'API', 'Subscriptions' (did you mean 'API'?)",
        ),
        (
            Driver("revenue.API.price_per_million_tokens", "-1", "5"),
            "command line: --vary revenue.API.price_per_million_tokens=-1: -1 is negative; a "
            "price must be 0 or more",
        ),
        (
            Driver("contracts[0].end", Flex(-0.2, "-20%"), "2027-01-01"),
            "command line: --vary contracts[0].end: a relative change (-20%) needs an amount or "
            "rate (write the value itself)",
        ),
        (
            Driver("revenue.API.name", "a", "b"),
            "command line: --vary: revenue.API.name is not a numeric input that can vary between "
            "runs (names, the horizon and the number of contracts, streams or ramp steps are "
            "fixed for a batch) (vary an amount, rate, share or date such as revenue.API.growth)",
        ),
        (
            Driver("contracts[0].termination.notice_days"),
            "command line: --vary: contracts[0].termination.notice_days is a whole number or a "
            "choice; flex it with --grid instead",
        ),
        (
            Driver("contracts[0].end"),
            "command line: contracts[0].end is a date: give its range (PATH=LOW:HIGH)",
        ),
    ],
)
def test_sensitivity_problems_name_the_option(base, driver, line):
    assert in_options(sensitivity, base, [driver], **VARY) == [line]


def test_grid_problems_name_the_option(base):
    lines = in_options(
        grid, base, [("revenue.API.growth", [0.1]), ("revenue[0].growth", [0.2])], **VARY
    )
    assert lines == ["command line: --grid: both --grid options vary revenue.API.growth"]
    lines = in_options(grid, base, [("a", [1]), ("b", [1]), ("c", [1])], **VARY)
    assert lines == ["command line: --grid: give one or two --grid options"]
    lines = in_options(grid, base, [("a", [1] * 101), ("b", [1] * 100)], **VARY)
    assert lines == ["command line: the grid has 10100 cells; at most 10000"]


def test_problems_of_other_arguments_only_change_place(base):
    from commitcast.analysis.solve import solve

    # the command line maps no option to `target`: the problem keeps its field
    lines = in_options(solve, base, "revenue.API.growth", "npv", float("inf"), path="--vary")
    assert lines == ["command line: target: the target must be a finite number; got inf"]


def test_scenario_problems_pass_unchanged(base):
    from commitcast.load.overrides import apply_overrides

    def refuse():
        apply_overrides(base, ["costs.training_share=2"])

    with pytest.raises(CommitcastError) as plain:
        refuse()
    assert in_options(refuse, **VARY) == [str(p) for p in plain.value.problems]


def test_a_month_is_read_as_its_first_day():
    import datetime as dt

    assert parsing.parse_month("2027-01", "--as-of") == dt.date(2027, 1, 1)
    assert parsing.parse_month(" 2026-6 ", "--as-of") == dt.date(2026, 6, 1)
    for text in ("2027-13", "2027-00", "Jan 2027", "2027-01-15", "2027"):
        assert refusal(parsing.parse_month, text, "--as-of") == [
            f"command line: --as-of: cannot read {text!r} as a month "
            "(write YYYY-MM, e.g. --as-of 2027-01)"
        ]
