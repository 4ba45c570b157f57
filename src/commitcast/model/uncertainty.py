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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.numbers import parse_number
from commitcast.load.reader import Document, Path_, format_path, problem_at

if TYPE_CHECKING:
    import numpy as np

    from commitcast.model.scenario import Scenario

DIST_KEY = "dist"
KINDS = ("normal", "lognormal", "triangular", "uniform", "choice")
Number = Annotated[float, BeforeValidator(parse_number)]
# below this the copula's matrix counts as not positive semi-definite (rounding of user input)
PSD_TOLERANCE = 1e-10


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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
        return f"{kind}(" + ", ".join(f"{k}={_short(v)}" for k, v in fields.items()) + ")"


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _phi(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF."""
    from scipy.special import ndtr

    return ndtr(z)  # type: ignore[no-any-return]


class Normal(_Spec):
    dist: Literal["normal"]
    mean: Number
    sd: Number = Field(ge=0)

    def raw_central(self) -> float:
        return self.mean

    def _transform(self, z: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * z


class LogNormal(_Spec):
    dist: Literal["lognormal"]
    mean: Number = Field(gt=0, description="Mean of the value (not of its logarithm).")
    sd: Number = Field(ge=0, description="Standard deviation of the value.")

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
        raise ValueError(f"{_short(number)} is out of range; a correlation is between -1 and 1")
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
            {k: v for k, v in self.inputs.items() if not _is_fixed(k, keys)},
            [c for c in self.correlations if not _is_fixed(c[0], keys) | _is_fixed(c[1], keys)],
        )

    def matrix(self) -> np.ndarray:
        import numpy as np

        keys = self.keys()
        where = {key: i for i, key in enumerate(keys)}
        matrix = np.eye(len(keys))
        for a, b, rho in self.correlations:
            matrix[where[a], where[b]] = matrix[where[b], where[a]] = rho
        return matrix

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


def _is_fixed(key: str, fixed: set[str]) -> bool:
    return any(key == k or key.startswith((k + ".", k + "[")) for k in fixed)


def after_overrides(
    before: Scenario,
    after: Scenario,
    fixed: set[str],
    specs: dict[Path_, Distribution],
    document: Document,
) -> Scenario:
    """The uncertainty of a scenario changed by --set: the file's distributions except those
    set to a number, plus any distribution given in a --set value."""
    kept = uncertainty_of(before).without(fixed)
    every = {item.path: item.spec for item in kept.inputs.values()} | specs
    return attach(after, every, document, fixed)


def uncertainty_of(scenario: Scenario) -> Uncertainty:
    found = getattr(scenario, "_uncertainty", None)
    return found if isinstance(found, Uncertainty) else Uncertainty()


def central_values(document: Document) -> tuple[Any, dict[Path_, Distribution]]:
    """The document's data with each `{dist: ...}` replaced by its central value, and the
    distributions by path. Raises CommitcastError listing every invalid distribution."""
    import pydantic

    specs: dict[Path_, Distribution] = {}
    problems: list[Problem] = []

    def walk(node: Any, path: Path_) -> Any:
        if isinstance(node, dict):
            if DIST_KEY in node and path and path[-1] in _NOT_NUMBERS:
                problems.append(problem_at(document, path, _CANNOT, hint=_ONLY))
                return None
            if DIST_KEY in node:
                try:
                    spec = parse_spec(node)
                except pydantic.ValidationError as error:
                    problems.extend(_spec_problems(error, document, path, node))
                    return 0.0
                specs[path] = spec
                return spec.central()
            return {key: walk(value, (*path, key)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value, (*path, index)) for index, value in enumerate(node)]
        return node

    data = walk(document.data, ())
    if problems:
        raise CommitcastError(problems)
    return data, specs  # `walk` built new containers: the document's data is untouched


# fields that are dates, names or choices: a {dist: ...} there is refused before the model
# would report it as a badly written date or name
_NOT_NUMBERS = {
    "start",
    "end",
    "earliest_notice",
    "notice_given",
    "timing",
    "policy",
    "name",
    "counterparty",
    "currency",
}
_CANNOT = "this field cannot have a distribution"


def _spec_problems(
    error: Any, document: Document, path: Path_, node: dict[str, Any]
) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(part for part in item["loc"] if isinstance(part, str | int))
        kind = item["type"]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc, message = (
                (DIST_KEY,),
                (f"unknown distribution {node.get(DIST_KEY)!r}; use one of {', '.join(KINDS)}"),
            )
        elif kind == "extra_forbidden":
            message = f"unknown key {loc[-1]!r} for dist {node.get(DIST_KEY)!r}"
        elif kind == "missing":
            message = f"dist {node.get(DIST_KEY)!r} needs this parameter"
        elif kind in _BOUNDS:
            bound = (item.get("ctx") or {}).get(_BOUNDS[kind][0])
            message = (
                f"{_short(item['input'])} is out of range; it must be {_BOUNDS[kind][1]} "
                f"{_short(bound)}"
            )
        else:
            cause = (item.get("ctx") or {}).get("error")
            message = str(cause) if kind == "value_error" and cause is not None else item["msg"]
        # the first loc part is the union member's tag, e.g. 'normal'
        if loc and loc[0] in KINDS:
            loc = loc[1:]
        problems.append(problem_at(document, (*path, *loc), message))
    return problems


_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "too_short": ("min_length", "a list of at least"),
}


def attach(
    scenario: Scenario,
    specs: dict[Path_, Distribution],
    document: Document,
    fixed: set[str] | None = None,
) -> Scenario:
    """Check where the distributions stand and the correlations; attach them to the scenario.

    A correlation with an input in `fixed` (set to a number by --set) that no longer has a
    distribution is dropped rather than refused."""
    correlations = list(getattr(scenario, "correlations", None) or [])
    if not specs and not correlations:
        return scenario
    from commitcast.variants.batch import CHOICES, DATE_FIELDS, base_params

    numeric = base_params(scenario)
    dumped = scenario.model_dump()
    problems: list[Problem] = []
    uncertainty = Uncertainty()
    for path, spec in specs.items():
        key = format_path(path)
        not_a_number = [f for f in (*DATE_FIELDS, *CHOICES) if key.endswith(f)]
        if key not in numeric or not_a_number:
            problems.append(problem_at(document, path, _CANNOT, hint=_ONLY))
            continue
        if isinstance(_value_at(dumped, path), int) and not _whole_choice(spec):
            problems.append(
                problem_at(
                    document,
                    path,
                    "this field is a whole number: give it as {dist: choice, values: [...]} of "
                    "whole numbers",
                )
            )
            continue
        uncertainty.inputs[key] = UncertainInput(key, path, label_of(scenario, path), spec)
    problems += _check_support(scenario, uncertainty, document)
    problems += _resolve_correlations(scenario, correlations, uncertainty, document, fixed or set())
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise CommitcastError(problems)
    scenario._uncertainty = uncertainty
    return scenario


_ONLY = "distributions can replace amounts, rates, shares and token counts, not dates or choices"


def _whole_choice(spec: Distribution) -> bool:
    return isinstance(spec, Choice) and all(float(v).is_integer() for v in spec.values)


def _value_at(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def label_of(scenario: Scenario, path: Path_) -> str:
    """('revenue', 0, 'growth') -> 'revenue.API.growth' (names instead of indexes)."""
    parts: list[str] = []
    node: Any = scenario
    for part in path:
        if isinstance(part, int):
            item = node[part]
            name = getattr(item, "name", None)
            parts.append(_quote(name) if isinstance(name, str) else f"[{part}]")
            node = item
        else:
            parts.append(part)
            node = getattr(node, part, None)
    return ".".join(parts).replace(".[", "[")


def _quote(name: str) -> str:
    plain = name and all(ch.isalnum() or ch in "_-" for ch in name)
    return name if plain else f'"{name}"'


def check_values(scenario: Scenario, path: Path_, values: list[float]) -> str | None:
    """Why the scenario refuses any of `values` at `path`, or None if it accepts them all."""
    import pydantic

    from commitcast.model.scenario import Scenario as ScenarioModel

    data = scenario.model_dump()
    for value in values:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        try:
            ScenarioModel.model_validate(data)
        except pydantic.ValidationError as error:
            first = error.errors(include_url=False)[0]
            cause = (first.get("ctx") or {}).get("error")
            return str(cause) if cause is not None else str(first["msg"])
    return None


def support(spec: Distribution) -> list[float]:
    """The finite extremes a distribution can reach (after clipping)."""
    if isinstance(spec, Triangular | Uniform):
        ends = [spec.low, spec.high]
    elif isinstance(spec, Choice):
        ends = list(spec.values)
    elif isinstance(spec, LogNormal) and spec.sd == 0 or isinstance(spec, Normal) and spec.sd == 0:
        ends = [spec.mean]
    else:
        ends = [v for v in (spec.min, spec.max) if v is not None]
    return sorted({spec.clip_one(v) for v in ends})


def _check_support(
    scenario: Scenario, uncertainty: Uncertainty, document: Document
) -> list[Problem]:
    problems = []
    for item in uncertainty.inputs.values():
        reason = check_values(scenario, item.path, support(item.spec))
        if reason:
            problems.append(
                problem_at(
                    document,
                    item.path,
                    f"the distribution reaches values this field does not allow: {reason}",
                    hint="narrow it, or clip it with min: and max:",
                )
            )
    return problems


def _resolve_correlations(
    scenario: Scenario,
    correlations: list[Correlation],
    uncertainty: Uncertainty,
    document: Document,
    fixed: set[str],
) -> list[Problem]:
    from commitcast.load.overrides import resolve_path

    problems: list[Problem] = []
    seen: dict[frozenset[str], int] = {}
    for index, pair in enumerate(correlations):
        keys = []
        for side, text in enumerate(pair.between):
            where: Path_ = ("correlations", index, "between", side)
            try:
                key = format_path(resolve_path(scenario, text))
            except CommitcastError as error:
                problems += [problem_at(document, where, p.message, p.hint) for p in error.problems]
                continue
            if key not in uncertainty.inputs and _is_fixed(key, fixed):
                continue
            if key not in uncertainty.inputs:
                problems.append(
                    problem_at(
                        document,
                        where,
                        f"{text} has no distribution, so it cannot be correlated",
                        hint="give it one, e.g. {dist: normal, mean: ..., sd: ...}",
                    )
                )
                continue
            keys.append(key)
        if len(keys) != 2:
            continue
        where = ("correlations", index, "between")
        if keys[0] == keys[1]:
            problems.append(problem_at(document, where, "a pair needs two different inputs"))
        elif frozenset(keys) in seen:
            problems.append(
                problem_at(
                    document,
                    where,
                    f"this pair is already correlated in correlations[{seen[frozenset(keys)]}]",
                )
            )
        else:
            seen[frozenset(keys)] = index
            uncertainty.correlations.append((keys[0], keys[1], pair.rho))
    if problems or not uncertainty.correlations:
        return problems
    import numpy as np

    lowest = float(np.linalg.eigvalsh(uncertainty.matrix()).min())
    if lowest < -PSD_TOLERANCE:
        problems.append(
            problem_at(
                document,
                ("correlations",),
                "these correlations contradict each other: their matrix is not positive "
                f"semi-definite (smallest eigenvalue {lowest:.4g})",
                hint="e.g. if A and B move together and B and C move together, A and C cannot "
                "move opposite; weaken some rho",
            )
        )
    return problems
