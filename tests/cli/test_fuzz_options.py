"""Fuzzing the options of the what-if, simulate and export commands.

Whatever a user types after --vary, --grid, --target, --range, --contract, --metric, --bridge,
--funding-limit or --runs, the outcome is a result (exit 0) or a clear refusal (exit 2): never
a traceback, an 'internal error', or a numpy warning standing in for a figure.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
RISK = SCENARIOS / "colossus-risk.yaml"

_LONG = os.environ.get("COMMITCAST_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_LONG) if _LONG else 25,
    deadline=None,
    suppress_health_check=list(HealthCheck),  # the cli fixture is reused on purpose
    derandomize=not _LONG,
)

PATHS = [
    "revenue.API.growth",
    "revenue.API.price_per_million_tokens",
    "contracts[0].monthly_fee",
    "contracts[0].end",
    "contracts[0].termination.notice_days",
    "costs.training_share",
    "discount_rate",
    "horizon.months",
    "revenue.Nope.growth",
    "name",
    "",
]
NUMBERS = [
    "0",
    "-1",
    "1e999",
    ".nan",
    "-100%",
    "+20%",
    "-20%",
    "1.25B",
    "1,25B",
    "2026-02-30",
    "2027-01-01",
    "abc",
    "",
    "9" * 40,
    "0.5",
    "10",
]
FIGURES = ["npv", "gross_margin_pct", "peak_funding_need", "nope", "", "utilization"]
TEXT = st.text(st.sampled_from(list(":=,%-+.e0123456789abc[]\"' ")), max_size=15)
path = st.sampled_from(PATHS) | TEXT
number = st.sampled_from(NUMBERS) | TEXT


def pair(separator: str) -> st.SearchStrategy[str]:
    return st.builds(lambda a, b: f"{a}{separator}{b}", number, number)


def _check(result) -> None:
    text = result.stdout + result.stderr
    assert result.exit_code in (0, 2), text
    assert "Traceback" not in text and "internal error" not in text, text
    assert "RuntimeWarning" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if result.exit_code == 2:
        assert result.stderr.strip(), "a refusal must say why"


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.builds(lambda p, r: ["--vary", f"{p}={r}"], path, pair(":")),
            st.builds(lambda p: ["--vary", p], path),
            st.builds(
                lambda p, values: ["--grid", f"{p}={','.join(values)}"],
                path,
                st.lists(number, max_size=4),
            ),
            st.builds(lambda m: ["--metric", m], st.sampled_from(FIGURES) | TEXT),
        ),
        max_size=3,
    )
)
def test_sensitivity_options(cli, options: list[list[str]]):
    _check(cli("sensitivity", BASE, *[part for option in options for part in option]))


@FUZZ
@given(
    path,
    st.builds(lambda f, v: f"{f}={v}", st.sampled_from(FIGURES) | TEXT, number),
    st.one_of(st.none(), pair(":")),
)
def test_solve_options(cli, vary: str, target: str, search: str | None):
    args = ["solve", BASE, "--vary", vary, "--target", target]
    if search is not None:
        args += ["--range", search]
    _check(cli(*args))


@FUZZ
@given(
    st.one_of(st.none(), st.sampled_from(["Colossus reservation", "0", "1", "-1", "nope", ""])),
    st.sampled_from(["table", "csv", "json"]),
)
def test_exit_options(cli, contract: str | None, output_format: str):
    args = ["exit", BASE, "-f", output_format]
    if contract is not None:
        args += ["--contract", contract]
    _check(cli(*args))


@FUZZ
@given(
    st.one_of(
        st.builds(lambda m: ["--metric", m], st.sampled_from(["revenue", "nope", ""]) | TEXT),
        st.builds(lambda b: ["--bridge", b], st.sampled_from(FIGURES) | TEXT),
        st.just([]),
    ),
    st.sampled_from(["table", "csv", "json", "md"]),
)
def test_compare_options(cli, option: list[str], output_format: str):
    _check(cli("compare", BASE, RISK, *option, "-f", output_format))


@FUZZ
@given(
    st.sampled_from(["1", "2", "0", "-5", "abc", "50"]),
    st.sampled_from(["0", "1", "-1", "99999999999999999999"]),
    st.one_of(st.none(), number),
)
def test_simulate_options(cli, runs: str, seed: str, funding_limit: str | None):
    args = ["simulate", RISK, "--runs", runs, "--seed", seed, "-f", "json"]
    if funding_limit is not None:
        args += ["--funding-limit", funding_limit]
    _check(cli(*args))


@FUZZ
@given(st.lists(st.builds(lambda p, v: f"{p}={v}", path, number), min_size=1, max_size=2))
def test_export_with_random_sets(cli, tmp_path_factory, sets: list[str]):
    out = tmp_path_factory.mktemp("export") / "book.xlsx"
    args = ["export", BASE, "-o", out]
    for assignment in sets:
        args += ["--set", assignment]
    result = cli(*args)
    _check(result)
    assert out.exists() == (result.exit_code == 0)
    assert [p.name for p in out.parent.iterdir()] == (["book.xlsx"] if out.exists() else [])
