"""Uncertain inputs: any number in a scenario may be a distribution, `{dist: ..., ...}`.

Supported (each may add `min:` and/or `max:` to clip the sampled values):

| dist         | parameters                        | central value (`project` uses it)     |
|--------------|-----------------------------------|---------------------------------------|
| `normal`     | `mean`, `sd`                      | mean                                  |
| `lognormal`  | `mean`, `sd` of the value itself  | mean                                  |
| `triangular` | `low`, `mode`, `high`             | mode                                  |
| `uniform`    | `low`, `high`                     | midpoint                              |
| `choice`     | `values`, optional `weights`      | the most likely value (first of ties) |

A lognormal is given by the mean and standard deviation of the value (what a user thinks
in), not of its logarithm: sigma^2 = ln(1 + sd^2 / mean^2), mu = ln(mean) - sigma^2 / 2.
The central value is clipped to `min`/`max` like any sample.

Every distribution turns a standard normal draw z into a value (normal: mean + sd * z;
lognormal: exp(mu + sigma * z); the others: their inverse CDF at Phi(z)). That makes
correlations a Gaussian copula: correlated standard normals in, the stated marginals out.

`correlations:` (top level) lists pairs of uncertain inputs by path, as `--set` writes them:

    correlations:
      - {between: [revenue.API.growth, revenue.API.price_change], rho: -0.6}

The pairs make a correlation matrix of the normal draws (1 on the diagonal, 0 for pairs not
listed); it must be positive semi-definite (the pairs must not contradict each other).

This module holds the models and the sampling; validation calls `central_values` before the
scenario model sees the data and `attach` after.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from commitcast.core.numbers import parse_number
from commitcast.core.paths import Path_

if TYPE_CHECKING:
    import numpy as np


DIST_KEY = "dist"
# The largest standard normal draw sampling allows for: past it a float64 cannot hold the
# probability of a draw (Phi(-38.5) underflows), and _phi clips there.
Z_MAX = 40.0
LARGEST = sys.float_info.max


class ParameterIssue(ValueError):
    """A distribution's parameters that cannot be sampled faithfully, at the parameter to fix
    (the loader puts the problem at its line)."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(message)


def _past_range(parameter: str, what: str) -> ParameterIssue:
    return ParameterIssue(
        parameter,
        f"{what} passes the range of numbers (about 1e308), so the samples cannot be drawn "
        "faithfully; give parameters of the size of the figure itself",
    )


KINDS = ("normal", "lognormal", "triangular", "uniform", "choice")
Number = Annotated[float, BeforeValidator(parse_number)]


class _Spec(BaseModel):
    # built on the first distribution a file gives (see model.scenario's _Model), not on import
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    min: Number | None = Field(None, description="Clip sampled values below this.")
    max: Number | None = Field(None, description="Clip sampled values above this.")

    @model_validator(mode="after")
    def _bounds(self) -> _Spec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g})")
        return self

    def raw_central(self) -> float:
        raise NotImplementedError

    def central(self) -> float:
        """The value `project` uses: the raw central value, clipped."""
        return self.clip_one(self.raw_central())

    def clip_one(self, value: float) -> float:
        if self.min is not None and value < self.min:
            value = self.min
        if self.max is not None and value > self.max:
            value = self.max
        return value

    def from_normal(self, z: np.ndarray) -> np.ndarray:
        """Values for standard normal draws z (same shape), clipped."""
        import numpy as np

        values = self._transform(z)
        if self.min is not None or self.max is not None:
            values = np.clip(values, self.min, self.max)
        return values

    def _transform(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def describe(self) -> str:
        fields = self.model_dump(exclude_none=True)
        kind = fields.pop(DIST_KEY)
        return f"{kind}(" + ", ".join(f"{k}={short_text(v)}" for k, v in fields.items()) + ")"


def short_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(short_text(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


# The standard normal CDF with numpy alone (SciPy's import cost simulate a quarter of a second).
# Phi(z) = erfc(-z / sqrt 2) / 2, with erf and erfc from W. J. Cody's rational Chebyshev
# approximations ("Rational Chebyshev approximations for the error function", Math. Comp. 23,
# 1969; his SPECFUN routine CALERF): erf(x) = x A(x^2) / B(x^2) below 0.46875, and above it
# erfc(x) = exp(-x^2) R(x), R = C(x) / D(x) up to 4 and (1/sqrt(pi) - w P(w) / Q(w)) / x with
# w = 1/x^2 beyond. exp(-x^2) is taken of x * x unsplit, as SciPy's ndtr (Cephes) does, so the
# two agree to a few units in the last place down to 1e-300 (tests/model/test_uncertainty.py);
# there both carry the rounding of z / sqrt 2, ~2e-13 relative at |z| = 38 (~5e-14 to |z| = 20).
_SQRT1_2 = 0.70710678118654752440
_SQRT_PI_INV = 5.6418958354775628695e-1
_ERF_SMALL = 0.46875
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)  # fmt: skip
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)  # fmt: skip
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)  # fmt: skip


def _ratio(t: np.ndarray, num: tuple[float, ...], den: tuple[float, ...]) -> np.ndarray:
    """Cody's form: (n[-1] t^k + n[0] t^(k-1) + ... + n[k-1]) / (t^k + d[0] t^(k-1) + ... + d[k-1]),
    with k = len(den) and n[k] the one extra coefficient of the numerator (Horner, as CALERF)."""
    k = len(den)
    top = num[k] * t
    bottom = t
    for i in range(k - 1):
        top = (top + num[i]) * t
        bottom = (bottom + den[i]) * t
    return (top + num[k - 1]) / (bottom + den[k - 1])  # type: ignore[no-any-return]


def _erfc_scaled(y: np.ndarray) -> np.ndarray:
    """exp(y^2) erfc(y) for y >= 0.46875."""
    import numpy as np

    middle = _ratio(np.minimum(y, 4.0), _C, _D)
    far = np.maximum(y, 4.0)  # never 0, so 1 / far^2 is finite
    w = 1.0 / (far * far)
    beyond = (_SQRT_PI_INV - w * _ratio(w, _P, _Q)) / far
    return np.where(y <= 4.0, middle, beyond)  # type: ignore[no-any-return]


def _phi(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF (agrees with scipy.special.ndtr to ~1e-15 relative)."""
    import numpy as np

    x = np.asarray(z, dtype=np.float64) * _SQRT1_2
    y = np.abs(x)
    small = y < _ERF_SMALL
    x_small = np.where(small, x, 0.0)
    centre = 0.5 + 0.5 * (x_small * _ratio(x_small * x_small, _A, _B))
    y_tail = np.clip(y, _ERF_SMALL, 40.0)  # erfc(40) underflows to 0; no overflow warnings
    half = 0.5 * (np.exp(-y_tail * y_tail) * _erfc_scaled(y_tail))  # Phi(-|z|)
    return np.where(small, centre, np.where(x > 0, 1.0 - half, half))  # type: ignore[no-any-return]


class Normal(_Spec):
    dist: Literal["normal"]
    mean: Number
    sd: Number = Field(ge=0)

    @model_validator(mode="after")
    def _faithful(self) -> Normal:
        if not math.isfinite(abs(self.mean) + Z_MAX * self.sd):
            raise _past_range("sd", f"mean +/- {Z_MAX:g} sd")
        return self

    def raw_central(self) -> float:
        return self.mean

    def _transform(self, z: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * z


class LogNormal(_Spec):
    dist: Literal["lognormal"]
    mean: Number = Field(gt=0, description="Mean of the value (not of its logarithm).")
    sd: Number = Field(ge=0, description="Standard deviation of the value.")

    @model_validator(mode="after")
    def _faithful(self) -> LogNormal:
        # the largest sample, exp(mu + Z_MAX sigma), must be a number: sd / mean of 1e200
        # would overflow (sd / mean) ** 2 and every sample after it
        ratio = self.sd / self.mean
        if ratio > 1e150:
            raise _past_range("sd", "(sd / mean) squared")
        mu, sigma = self.log_parameters()
        if mu + Z_MAX * sigma > math.log(LARGEST):
            raise _past_range("sd", "the largest sample, exp(mu + 40 sigma)")
        return self

    def raw_central(self) -> float:
        return self.mean

    def log_parameters(self) -> tuple[float, float]:
        """(mu, sigma) of the value's logarithm."""
        import math

        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def _transform(self, z: np.ndarray) -> np.ndarray:
        import numpy as np

        if self.sd == 0:  # exp(log(mean)) need not give back the mean to the last bit
            return np.full_like(z, self.mean)
        mu, sigma = self.log_parameters()
        return np.exp(mu + sigma * z)


class Triangular(_Spec):
    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"needs low <= mode <= high; got low {self.low:g}, mode {self.mode:g}, "
                f"high {self.high:g}"
            )
        width = self.high - self.low
        if not math.isfinite(width * max(self.mode - self.low, self.high - self.mode)):
            raise _past_range("high", "(high - low) x (mode - low)")
        return self

    def raw_central(self) -> float:
        return self.mode

    def _transform(self, z: np.ndarray) -> np.ndarray:
        import numpy as np

        a, c, b = self.low, self.mode, self.high
        if a == b:
            return np.full_like(z, a)
        u = _phi(z)
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < split, left, right)


class Uniform(_Spec):
    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        if not math.isfinite(self.high - self.low):
            raise _past_range("high", "high - low")
        return self

    def raw_central(self) -> float:
        return (self.low + self.high) / 2

    def _transform(self, z: np.ndarray) -> np.ndarray:
        import numpy as np

        if self.low == self.high:
            return np.full_like(z, self.low)
        return self.low + (self.high - self.low) * _phi(z)


class Choice(_Spec):
    dist: Literal["choice"]
    values: list[Number] = Field(min_length=1)
    weights: list[Number] | None = Field(None, description="Relative; default equal.")

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is None:
            return self
        if len(self.weights) != len(self.values):
            raise ValueError(
                f"{len(self.values)} values but {len(self.weights)} weights; give one weight "
                "per value"
            )
        if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            raise ValueError("weights must be 0 or more and not all 0")
        if not math.isfinite(sum(self.weights)):
            raise _past_range("weights", "the sum of the weights")
        return self

    def probabilities(self) -> list[float]:
        weights = self.weights or [1.0] * len(self.values)
        total = sum(weights)
        return [w / total for w in weights]

    def raw_central(self) -> float:
        chances = self.probabilities()
        return self.values[chances.index(max(chances))]

    def _transform(self, z: np.ndarray) -> np.ndarray:
        import numpy as np

        edges = np.cumsum(self.probabilities())[:-1]
        picks = np.searchsorted(edges, _phi(z), side="right")
        return np.asarray(self.values, dtype=np.float64)[picks]


Distribution = Normal | LogNormal | Triangular | Uniform | Choice
_ADAPTER: Any = None


def parse_spec(data: dict[str, Any]) -> Distribution:
    """A `{dist: ...}` mapping as a Distribution (pydantic.ValidationError if invalid)."""
    global _ADAPTER
    from pydantic import TypeAdapter

    if _ADAPTER is None:
        _ADAPTER = TypeAdapter(Annotated[Distribution, Field(discriminator=DIST_KEY)])
    return _ADAPTER.validate_python(data)  # type: ignore[no-any-return]


class Correlation(BaseModel):
    """One pair of uncertain inputs and the correlation of their normal draws."""

    model_config = ConfigDict(extra="forbid")

    between: list[str] = Field(
        min_length=2,
        max_length=2,
        description="Two paths of inputs that have distributions, e.g. revenue.API.growth.",
    )
    rho: Annotated[float, BeforeValidator(lambda v: _rho(v))] = Field(
        description="Correlation between -1 and 1."
    )


def _rho(value: Any) -> float:
    number = parse_number(value)
    if not -1 <= number <= 1:
        raise ValueError(f"{short_text(number)} is out of range; a correlation is between -1 and 1")
    return number


@dataclass(frozen=True)
class UncertainInput:
    key: str  # flat engine key, e.g. revenue[0].growth
    path: Path_  # where it is in the file
    label: str  # as a user writes it: revenue.API.growth
    spec: Distribution


@dataclass
class Uncertainty:
    """The distributions and correlations of a scenario, attached to it after validation."""

    inputs: dict[str, UncertainInput] = field(default_factory=dict)  # by flat key
    correlations: list[tuple[str, str, float]] = field(default_factory=list)  # flat keys

    def keys(self) -> list[str]:
        """Sampling order: sorted keys, so the same file and seed give the same numbers."""
        return sorted(self.inputs)

    def without(self, keys: set[str]) -> Uncertainty:
        """After `--set` fixes some inputs (or whole sections): those no longer vary."""

        return Uncertainty(
            {k: v for k, v in self.inputs.items() if not is_fixed(k, keys)},
            [c for c in self.correlations if not is_fixed(c[0], keys) | is_fixed(c[1], keys)],
        )

    def correlation_rows(self, keys: Sequence[str]) -> list[list[float]]:
        """The correlation matrix of `keys` (every input named in a pair among them), as
        lists: 1 on the diagonal, rho for each pair, 0 for pairs not listed."""
        where = {key: i for i, key in enumerate(keys)}
        rows = [[float(i == j) for j in range(len(keys))] for i in range(len(keys))]
        for a, b, rho in self.correlations:
            rows[where[a]][where[b]] = rows[where[b]][where[a]] = rho
        return rows

    def matrix(self) -> np.ndarray:
        """The copula's correlation matrix over every uncertain input (`keys`' order)."""
        import numpy as np

        return np.array(self.correlation_rows(self.keys()), dtype=np.float64)

    def factor(self) -> np.ndarray | None:
        """L with L @ L.T = the correlation matrix; None when there are no correlations."""
        import numpy as np

        if not self.correlations:
            return None
        matrix = self.matrix()
        try:
            return np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            # semi-definite (e.g. rho = 1): factor by eigenvalues, negatives are rounding
            values, vectors = np.linalg.eigh(matrix)
            return vectors * np.sqrt(np.clip(values, 0, None))  # type: ignore[no-any-return]

    def sample(self, rng: np.random.Generator, runs: int) -> dict[str, np.ndarray]:
        """`runs` draws of every input, by flat key. Consecutive calls continue the stream, so
        drawing 10 runs then 10 more gives what drawing 20 at once gives."""
        keys = self.keys()
        z = rng.standard_normal((runs, len(keys)))
        factor = self.factor()
        if factor is not None:
            z = z @ factor.T
        return {key: self.inputs[key].spec.from_normal(z[:, i]) for i, key in enumerate(keys)}


def is_fixed(key: str, fixed: set[str]) -> bool:
    return any(key == k or key.startswith((k + ".", k + "[")) for k in fixed)
