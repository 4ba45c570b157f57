"""Distributions: parameters, central values, sample moments, clipping, correlations, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from commitcast.core.errors import CommitcastError
from commitcast.engine.projection import projection
from commitcast.load.validation import scenario_from_text
from commitcast.model.uncertainty import Choice, UncertainInput, Uncertainty, _phi, parse_spec
from tests.conftest import ROOT

N = 200_000  # samples for moment checks: standard errors are ~0.2% of an sd


def draws(spec: dict, n: int = N, seed: int = 1) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal(n)
    return parse_spec(spec).from_normal(z)


def close(sample: float, expected: float, standard_error: float) -> bool:
    # 5 standard errors: a fixed seed makes this deterministic; it fails only on a wrong formula
    return abs(sample - expected) <= 5 * standard_error


def test_normal_moments() -> None:
    x = draws({"dist": "normal", "mean": -0.01, "sd": 0.005})
    assert close(x.mean(), -0.01, 0.005 / math.sqrt(N))
    assert close(x.std(), 0.005, 0.005 / math.sqrt(2 * N))


def test_lognormal_is_given_by_the_mean_and_sd_of_the_value() -> None:
    mean, sd = 3.0e15, 0.6e15
    x = draws({"dist": "lognormal", "mean": mean, "sd": sd})
    assert (x > 0).all()
    assert close(x.mean(), mean, sd / math.sqrt(N))
    # log parameters by hand: sigma^2 = ln(1 + 0.2^2) = 0.0392207..., mu = ln(3e15) - sigma^2/2
    sigma = math.sqrt(math.log(1.04))
    mu = math.log(3.0e15) - math.log(1.04) / 2
    logs = np.log(x)
    assert close(logs.mean(), mu, sigma / math.sqrt(N))
    assert close(logs.std(), sigma, sigma / math.sqrt(2 * N))
    # the sd of a lognormal sample converges slowly; 2% is many standard errors here
    assert x.std() == pytest.approx(sd, rel=0.02)


def test_triangular_moments() -> None:
    a, c, b = 0.01, 0.04, 0.07
    x = draws({"dist": "triangular", "low": a, "mode": c, "high": b})
    assert a <= x.min() and x.max() <= b
    mean = (a + b + c) / 3  # 0.04
    variance = (a * a + b * b + c * c - a * b - a * c - b * c) / 18  # 0.00015
    assert close(x.mean(), mean, math.sqrt(variance / N))
    assert x.var() == pytest.approx(variance, rel=0.01)
    # the mode is where the density peaks: P(X <= c) = (c - a) / (b - a) = 0.5
    assert close((x <= c).mean(), 0.5, 0.5 / math.sqrt(N))


def test_uniform_moments() -> None:
    x = draws({"dist": "uniform", "low": 0.01, "high": 0.05})
    assert x.min() >= 0.01 and x.max() <= 0.05
    variance = 0.04**2 / 12
    assert close(x.mean(), 0.03, math.sqrt(variance / N))
    assert x.var() == pytest.approx(variance, rel=0.01)


def test_choice_frequencies_follow_the_weights() -> None:
    x = draws({"dist": "choice", "values": [0.25, 0.30, 0.40], "weights": [3, 5, 2]})
    for value, share in ((0.25, 0.3), (0.30, 0.5), (0.40, 0.2)):
        assert close((x == value).mean(), share, math.sqrt(share * (1 - share) / N))


def test_choice_without_weights_is_equally_likely() -> None:
    x = draws({"dist": "choice", "values": [1, 2, 3, 4]})
    for value in (1, 2, 3, 4):
        assert close((x == value).mean(), 0.25, math.sqrt(0.25 * 0.75 / N))


def test_normal_cdf_agrees_with_scipy_into_the_far_tails() -> None:
    # the CDF is numpy-only (importing SciPy cost simulate ~0.25 s); SciPy's ndtr is the reference
    ndtr = pytest.importorskip("scipy.special").ndtr
    z = np.concatenate(
        [
            np.linspace(-38.5, 38.5, 400_001),  # every branch: |z| / sqrt 2 < 0.46875, <= 4, > 4
            np.random.default_rng(7).standard_normal(100_000),
            # each side of the branch points, 0.46875 and 4 times sqrt 2
            np.nextafter(0.46875 * math.sqrt(2), [-np.inf, np.inf]),
            np.nextafter(4 * math.sqrt(2), [-np.inf, np.inf]),
            [0.0, -0.0, 5e-324, 1e-10, -1e-10],
        ]
    )
    z = np.concatenate([z, -z])
    expected = ndtr(z)
    got = _phi(z)
    normal = expected >= 1e-300
    assert normal.sum() > 500_000
    assert np.abs(got[normal] / expected[normal] - 1).max() <= 1e-14
    # below 1e-300 (z < -37.0) the values are subnormal or 0 in both: equal in absolute terms
    assert np.abs(got[~normal] - expected[~normal]).max() <= 1e-300


def test_normal_cdf_values_by_hand() -> None:
    # Phi(0) = 1/2; Phi(-z) = 1 - Phi(z); tables: Phi(1.96) = 0.9750021048517795,
    # Phi(-8) = 6.22096057427178e-16 (erfc(8 / sqrt 2) / 2)
    got = _phi(np.array([0.0, 1.96, -1.96, -8.0]))
    assert got[0] == 0.5
    assert got[1] == pytest.approx(0.9750021048517795, rel=1e-14)
    assert got[2] == pytest.approx(1 - 0.9750021048517795, rel=1e-13)
    assert got[3] == pytest.approx(6.22096057427178e-16, rel=1e-13)


def test_normal_cdf_at_the_ends() -> None:
    got = _phi(np.array([np.inf, -np.inf, 1e300, -1e300, 40.0, -40.0, np.nan]))
    assert list(got[:6]) == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    assert np.isnan(got[6])


@pytest.mark.parametrize(
    ("spec", "central"),
    [
        ({"dist": "normal", "mean": 0.03, "sd": 0.01}, 0.03),
        ({"dist": "lognormal", "mean": 5.0, "sd": 2.0}, 5.0),
        ({"dist": "triangular", "low": 1, "mode": 2, "high": 6}, 2.0),
        ({"dist": "uniform", "low": 1, "high": 6}, 3.5),
        ({"dist": "choice", "values": [1, 2, 3], "weights": [1, 3, 1]}, 2.0),
        ({"dist": "choice", "values": [7, 8]}, 7.0),  # a tie: the first value
        ({"dist": "normal", "mean": 0.03, "sd": 0.01, "max": 0.02}, 0.02),  # clipped
    ],
)
def test_central_values(spec: dict, central: float) -> None:
    assert parse_spec(spec).central() == central


def test_clipping() -> None:
    x = draws({"dist": "normal", "mean": 0.0, "sd": 1.0, "min": -0.5, "max": 1.0})
    assert x.min() == -0.5 and x.max() == 1.0
    # P(Z < -0.5) = 0.3085 of the draws land on the lower bound
    assert close((x == -0.5).mean(), 0.30854, math.sqrt(0.31 * 0.69 / N))


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "normal", "mean": 0.07, "sd": 0},
        {"dist": "lognormal", "mean": 0.07, "sd": 0},
        {"dist": "triangular", "low": 0.07, "mode": 0.07, "high": 0.07},
        {"dist": "uniform", "low": 0.07, "high": 0.07},
        {"dist": "choice", "values": [0.07]},
    ],
)
def test_degenerate_distributions_give_exactly_their_value(spec: dict) -> None:
    x = draws(spec, n=1000)
    assert (x == 0.07).all()


def test_amounts_are_read_like_any_scenario_number() -> None:
    spec = parse_spec({"dist": "uniform", "low": "1.1B", "high": "$1.3B"})
    assert (spec.low, spec.high) == (1.1e9, 1.3e9)


def _normal_inputs(keys: list[str]) -> dict[str, UncertainInput]:
    spec = parse_spec({"dist": "normal", "mean": 0, "sd": 1})
    return {key: UncertainInput(key, (key,), key, spec) for key in keys}


def test_sampled_correlation_matches_the_matrix() -> None:
    pairs = [("a", "b", -0.6), ("a", "c", 0.3)]
    uncertainty = Uncertainty(_normal_inputs(["a", "b", "c"]), pairs)
    samples = uncertainty.sample(np.random.default_rng(5), N)
    sampled = np.corrcoef([samples["a"], samples["b"], samples["c"]])
    wanted = np.array([[1, -0.6, 0.3], [-0.6, 1, 0], [0.3, 0, 1]])
    # the standard error of a sample correlation is (1 - rho^2) / sqrt(N) <= 0.0023
    np.testing.assert_allclose(sampled, wanted, atol=0.012)


def test_correlation_carries_through_other_marginals_as_a_gaussian_copula() -> None:
    inputs = {
        "u": UncertainInput("u", ("u",), "u", parse_spec({"dist": "uniform", "low": 0, "high": 1})),
        "t": UncertainInput(
            "t", ("t",), "t", parse_spec({"dist": "triangular", "low": 0, "mode": 1, "high": 5})
        ),
    }
    uncertainty = Uncertainty(inputs, [("u", "t", 0.7)])
    samples = uncertainty.sample(np.random.default_rng(9), N)

    def ranks(x: np.ndarray) -> np.ndarray:
        return np.argsort(np.argsort(x)).astype(float)

    spearman = np.corrcoef(ranks(samples["u"]), ranks(samples["t"]))[0, 1]
    # rank correlation of a Gaussian copula: 6/pi * asin(rho/2) = 0.6829 for rho = 0.7
    assert spearman == pytest.approx(6 / math.pi * math.asin(0.35), abs=0.01)


def test_sampling_in_pieces_continues_the_stream() -> None:
    uncertainty = Uncertainty(_normal_inputs(["a", "b"]), [("a", "b", 0.5)])
    whole = uncertainty.sample(np.random.default_rng(3), 30)
    rng = np.random.default_rng(3)
    parts = [uncertainty.sample(rng, n) for n in (7, 13, 10)]
    for key in ("a", "b"):
        np.testing.assert_array_equal(whole[key], np.concatenate([p[key] for p in parts]))


def test_perfect_correlation_is_allowed() -> None:
    uncertainty = Uncertainty(_normal_inputs(["a", "b"]), [("a", "b", 1.0)])
    samples = uncertainty.sample(np.random.default_rng(2), 1000)
    np.testing.assert_allclose(samples["a"], samples["b"], atol=1e-5)


SCENARIO = """\
name: uncertain
horizon: {start: 2026-01, months: 12}
contracts:
  - {name: C, monthly_fee: 100M, start: 2026-01-01, end: 2026-12-31,
     capacity: {tokens_per_month: 1e12}}
revenue:
  - name: API
    tokens_per_month: 8e11
    price_per_million_tokens: 150
    growth: GROWTH
    price_change: {dist: normal, mean: -0.01, sd: 0.005}
costs:
  training_share: {dist: choice, values: [0.2, 0.3], weights: [1, 3]}
"""


def scenario_text(growth: str = "{dist: triangular, low: 0, mode: 0.02, high: 0.05}") -> str:
    return SCENARIO.replace("GROWTH", growth)


def test_project_runs_at_central_values() -> None:
    uncertain = scenario_from_text(scenario_text())
    # the same scenario written with the central values by hand: mode 0.02, mean -0.01, and
    # 0.3 (weight 3 of 4) for the training share
    fixed = scenario_from_text(
        scenario_text("0.02")
        .replace("{dist: normal, mean: -0.01, sd: 0.005}", "-0.01")
        .replace("{dist: choice, values: [0.2, 0.3], weights: [1, 3]}", "0.3")
    )
    a, b = projection(uncertain), projection(fixed)
    assert a.summary == b.summary
    labels = sorted(item.label for item in uncertain.uncertainty.inputs.values())
    assert labels == ["costs.training_share", "revenue.API.growth", "revenue.API.price_change"]


def test_project_says_it_uses_central_values(cli, write_scenario) -> None:
    result = cli("project", write_scenario(scenario_text()), "--format", "json")
    assert result.exit_code == 0
    assert "central values" in result.stderr
    assert "revenue.API.growth=0.02" in result.stderr
    assert "central values" not in result.stdout


def test_set_fixes_an_uncertain_input() -> None:
    from commitcast.load.overrides import apply_overrides

    scenario = apply_overrides(scenario_from_text(scenario_text()), ["revenue.API.growth=0.01"])
    assert "revenue[0].growth" not in scenario.uncertainty.inputs
    assert "revenue[0].price_change" in scenario.uncertainty.inputs
    assert scenario.revenue[0].growth == 0.01


def problems(text: str) -> list[str]:
    with pytest.raises(CommitcastError) as caught:
        scenario_from_text(text, "s.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("growth", "expected"),
    [
        (
            "{dist: normall, mean: 1, sd: 1}",
            "s.yaml:10:14: revenue[0].growth.dist: unknown "
            "distribution 'normall'; use one of normal, lognormal, triangular, uniform, choice",
        ),
        (
            "{dist: normal, mean: 0.01}",
            "s.yaml:10:5: revenue[0].growth.sd: dist 'normal' needs this parameter",
        ),
        (
            "{dist: normal, mean: 0.01, sd: -1}",
            "s.yaml:10:40: revenue[0].growth.sd: -1 is out of range; it must be at least 0",
        ),
        (
            "{dist: uniform, low: 0, high: 1, mode: 0.5}",
            "s.yaml:10:46: revenue[0].growth.mode: unknown key 'mode' for dist 'uniform'",
        ),
        (
            "{dist: triangular, low: 0.05, mode: 0.01, high: 0.07}",
            "s.yaml:10:5: "
            "revenue[0].growth: needs low <= mode <= high; got low 0.05, mode 0.01, high 0.07",
        ),
        (
            "{dist: choice, values: [1, 2], weights: [1]}",
            "s.yaml:10:5: revenue[0].growth: 2 values but 1 weights; give one weight per value",
        ),
        (
            "{dist: normal, mean: 0, sd: 1, min: 2, max: 1}",
            "s.yaml:10:5: revenue[0].growth: min (2) is above max (1)",
        ),
        (
            "{dist: lognormal, mean: -1, sd: 1}",
            "s.yaml:10:31: revenue[0].growth.mean: -1 is out of range; it must be more than 0",
        ),
    ],
)
def test_invalid_distribution_errors_name_the_line(growth: str, expected: str) -> None:
    assert problems(scenario_text(growth)) == [expected]


def test_a_distribution_the_field_cannot_take() -> None:
    text = scenario_text().replace(
        "training_share: {dist: choice, values: [0.2, 0.3], weights: [1, 3]}",
        "training_share: {dist: uniform, low: 0.5, high: 1.5}",
    )
    (message,) = problems(text)
    assert message.startswith("s.yaml:13:3: costs.training_share: the distribution reaches")
    assert "1.5 is out of range; it must be at most 1" in message


def test_dates_and_whole_numbers() -> None:
    text = scenario_text().replace(
        "start: 2026-01-01,", "start: {dist: choice, values: [2026-01-01]},"
    )
    assert problems(text) == [
        "s.yaml:4:34: contracts[0].start: this field cannot have a distribution (distributions "
        "can replace amounts, rates, shares and token counts, not dates or choices)"
    ]
    lag = scenario_text() + "  collection_lag_months: {dist: uniform, low: 0, high: 2}\n"
    (message,) = problems(lag)
    assert "costs.collection_lag_months: this field is a whole number" in message
    whole = scenario_text() + "  collection_lag_months: {dist: choice, values: [0, 1, 2]}\n"
    assert "costs.collection_lag_months" in scenario_from_text(whole).uncertainty.inputs
    months = scenario_text().replace("months: 12}", "months: {dist: choice, values: [12]}}")
    (message,) = problems(months)
    assert message.startswith("s.yaml:2:")
    assert "cannot have a distribution" in message


def test_choice_of_whole_numbers_is_kept_as_given() -> None:
    spec = parse_spec({"dist": "choice", "values": [0, 1, 2]})
    assert isinstance(spec, Choice) and spec.values == [0.0, 1.0, 2.0]


def test_set_can_give_a_distribution() -> None:
    from commitcast.load.overrides import apply_overrides

    base = scenario_from_text(scenario_text("0.02"))
    assert "revenue[0].growth" not in base.uncertainty.inputs
    changed = apply_overrides(base, ["revenue.API.growth={dist: uniform, low: 0, high: 0.04}"])
    spec = changed.uncertainty.inputs["revenue[0].growth"].spec
    assert (spec.low, spec.high) == (0.0, 0.04)
    assert changed.revenue[0].growth == 0.02  # the midpoint, for `project`
    with pytest.raises(CommitcastError) as caught:
        apply_overrides(base, ["revenue.API.growth={dist: normal, mean: 0.02}"])
    assert [str(p) for p in caught.value.problems] == [
        "--set: revenue[0].growth.sd: dist 'normal' needs this parameter"
    ]


def test_set_keeps_a_correlation_while_both_inputs_vary() -> None:
    from commitcast.load.overrides import apply_overrides

    text = scenario_text() + (
        "correlations:\n  - {between: [revenue.API.growth, revenue.API.price_change], rho: 0.5}\n"
    )
    scenario = scenario_from_text(text)
    redrawn = apply_overrides(scenario, ["revenue.API.growth={dist: uniform, low: 0, high: 0.1}"])
    assert redrawn.uncertainty.correlations == [
        ("revenue[0].growth", "revenue[0].price_change", 0.5)
    ]
    fixed = apply_overrides(scenario, ["revenue.API.growth=0.01"])
    assert fixed.uncertainty.correlations == []


def test_json_schema_allows_distributions_where_numbers_go() -> None:
    import jsonschema

    from commitcast.load.reader import read_file
    from commitcast.model.schema import scenario_schema

    validator = jsonschema.Draft202012Validator(scenario_schema())
    risk = read_file(ROOT / "scenarios" / "colossus-risk.yaml")
    assert [e.message for e in validator.iter_errors(risk.data)] == []
    risk.data["revenue"][0]["growth"] = {"dist": "normall", "mean": 0.01, "sd": 0.01}
    assert list(validator.iter_errors(risk.data))
    risk.data["revenue"][0]["growth"] = {"dist": "normal", "mean": "1%", "sd": 0.01, "foo": 1}
    assert list(validator.iter_errors(risk.data))
    risk.data["revenue"][0]["growth"] = {"dist": "normal", "mean": "1%", "sd": 0.01}
    assert [e.message for e in validator.iter_errors(risk.data)] == []
