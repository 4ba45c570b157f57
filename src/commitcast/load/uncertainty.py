"""Distributions in a scenario file: read them (`central_values`) before the scenario model sees
the data, check where they stand and attach them (`attach`) after."""

from __future__ import annotations

from typing import Any

from commitcast.core.eigen import smallest_eigenvalue
from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.paths import Path_, format_path
from commitcast.load.reader import Document, problem_at
from commitcast.model.scenario import Scenario
from commitcast.model.uncertainty import (
    DIST_KEY,
    KINDS,
    Choice,
    Correlation,
    Distribution,
    LogNormal,
    Normal,
    ParameterIssue,
    Triangular,
    UncertainInput,
    Uncertainty,
    Uniform,
    is_fixed,
    parse_spec,
    short_text,
)

# below this the copula's matrix counts as not positive semi-definite (rounding of user input)
PSD_TOLERANCE = 1e-10


def after_overrides(
    before: Scenario,
    after: Scenario,
    fixed: set[str],
    specs: dict[Path_, Distribution],
    document: Document,
) -> Scenario:
    """The uncertainty of a scenario changed by --set: the file's distributions except those
    set to a number, plus any distribution given in a --set value."""
    kept = before.uncertainty.without(fixed)
    every = {item.path: item.spec for item in kept.inputs.values()} | specs
    return attach(after, every, document, fixed)


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
        if not isinstance(node, dict | list):
            return node
        # a copy only where something inside is replaced; the rest returned as it was
        copy: Any = None
        for key, value in node.items() if isinstance(node, dict) else enumerate(node):
            if isinstance(value, dict | list):
                new = walk(value, (*path, key))
                if new is not value:
                    if copy is None:
                        copy = dict(node) if isinstance(node, dict) else list(node)
                    copy[key] = new
        return node if copy is None else copy

    data = walk(document.data, ())
    if problems:
        raise CommitcastError(problems)
    # `walk` copies a container only where a distribution inside it is replaced, and returns
    # the rest as it was (most files have none): the document's data is never changed
    return data, specs


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
                f"{short_text(item['input'])} is out of range; it must be {_BOUNDS[kind][1]} "
                f"{short_text(bound)}"
            )
        else:
            cause = (item.get("ctx") or {}).get("error")
            message = str(cause) if kind == "value_error" and cause is not None else item["msg"]
            if isinstance(cause, ParameterIssue):  # at the parameter's line
                loc = (*loc, cause.parameter)
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
    from commitcast.model.inputs import CHOICES, DATE_FIELDS, base_params

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
    scenario.uncertainty = uncertainty
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
    from commitcast.load.addressing import resolve_path

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
            if key not in uncertainty.inputs and is_fixed(key, fixed):
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
    # over the inputs named in a pair: the copula's matrix is theirs beside an identity for
    # the inputs in no pair, whose eigenvalues, 1, are never its smallest (theirs average 1)
    paired = dict.fromkeys(key for a, b, _ in uncertainty.correlations for key in (a, b))
    lowest = smallest_eigenvalue(uncertainty.correlation_rows(list(paired)))
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
