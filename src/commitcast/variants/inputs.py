"""From a user's path and values to batch keys and engine values, each checked by the model.

Every what-if command varies inputs through `params.Batch`; this module is the one place that
turns `revenue.API.growth` into the batch key `revenue[0].growth`, reads `LOW:HIGH` ranges and
checks each value a command will run by applying it as a `--set` override (so a negative price
or an impossible date is refused with the same message a file would get).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pydantic

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.measures import MEASURABLE_FIGURES as FIGURES
from commitcast.core.paths import format_path
from commitcast.load.overrides import apply_overrides, parse_value, resolve_path, set_value
from commitcast.model.inputs import DATE_FIELDS, base_params, decode
from commitcast.model.scenario import Contract, Costs, RevenueStream, Scenario

# Whole numbers and choices: a root or a 20% flex of these is not meaningful.
DISCRETE_SUFFIXES = (
    "every_months",
    "notice_days",
    "ramp_months",
    "collection_lag_months",
    "payment.timing",
    "overflow.policy",
    "termination.allowed",
)


def check_figure(name: str, option: str = "--metric") -> str:
    if name not in FIGURES:
        raise CommitcastError.single(
            f"{name!r} is not a summary figure that can be measured",
            file="command line",
            field=option,
            hint="one of: " + ", ".join(FIGURES),
        )
    return name


@dataclass(frozen=True)
class Input:
    """One varied input: what the user wrote, its batch key and its base engine value."""

    path: str  # as the user wrote it (shown in output and used for --set)
    key: str  # params key, e.g. revenue[0].growth
    base: float
    where: tuple[str | int, ...] = ()  # the resolved path, ('revenue', 0, 'growth')

    @property
    def is_date(self) -> bool:
        return any(self.key.endswith(field) for field in DATE_FIELDS)

    @property
    def is_discrete(self) -> bool:
        return self.key.endswith(DISCRETE_SUFFIXES) or (
            ".ramp[" in self.key and self.key.endswith(".months")
        )

    def show(self, value: float) -> str:
        """An engine value as a user would write it in a file."""
        decoded = decode(self.key, value)
        if decoded is None:
            return "null"
        if isinstance(decoded, float):
            if math.isfinite(decoded) and decoded.is_integer() and abs(decoded) < 1e16:
                return str(int(decoded))
            return repr(decoded)
        return str(decoded)


def input_of(scenario: Scenario, path: str, option: str = "--vary") -> Input:
    """The batch key of a user's path; refuses fields the engine cannot vary between runs."""
    try:
        where = resolve_path(scenario, path)
    except CommitcastError as error:
        # resolve_path speaks of --set; the user typed this path after `option`
        raise CommitcastError(
            [
                Problem(
                    f"{option} {path}: {problem.message}",
                    file="command line",
                    hint=problem.hint,
                )
                for problem in error.problems
            ]
        ) from None
    key = format_path(where)
    params = base_params(scenario)
    if key not in params:
        raise CommitcastError.single(
            f"{path} is not a numeric input that can vary between runs (names, the horizon and "
            "the number of contracts, streams or ramp steps are fixed for a batch)",
            file="command line",
            field=option,
            hint="vary an amount, rate, share or date such as revenue.API.growth",
        )
    return Input(path=path, key=key, base=params[key], where=tuple(where))


def checked_value(scenario: Scenario, item: Input, value: float | str, option: str) -> float:
    """Apply one value as a --set override; return the engine value the model accepted."""
    text = value if isinstance(value, str) else item.show(value)
    quick = _quick_check(scenario, item, text)
    if quick is not None:
        return quick
    try:
        changed = apply_overrides(scenario, [f"{item.path}={text}"])
    except CommitcastError as error:
        raise CommitcastError(
            [
                Problem(
                    f"{option} {item.path}={text}: {problem.message}",
                    file="command line",
                    field=None,
                    hint=problem.hint,
                )
                for problem in error.problems
            ]
        ) from None
    return base_params(changed)[item.key]


_PARTS: dict[str, type[pydantic.BaseModel]] = {
    "contracts": Contract,
    "revenue": RevenueStream,
    "costs": Costs,
}


def _quick_check(scenario: Scenario, item: Input, text: str) -> float | None:
    """The same check as applying the override, on the one contract, stream or costs section
    it changes: every rule that can involve a numeric field lives at that level (the scenario's
    own rule is about names). Sensitivity checks dozens of values; validating the whole scenario
    for each is most of its time. None when this shortcut does not apply or the value is
    refused: then the full override runs and gives the message a file would."""
    where = item.where
    if not where or where[0] not in _PARTS:
        return None
    listed = where[0] != "costs"
    part = getattr(scenario, where[0])[where[1]] if listed else scenario.costs
    inner = where[2:] if listed else where[1:]
    if not inner:
        return None
    data = part.model_dump()
    try:
        set_value(data, inner, parse_value(text))
        checked = _PARTS[where[0]].model_validate(data)
    except (pydantic.ValidationError, CommitcastError, ValueError):
        return None
    if listed:
        items = list(getattr(scenario, where[0]))
        items[where[1]] = checked  # type: ignore[index]
        changed = scenario.model_copy(update={where[0]: items})
    else:
        changed = scenario.model_copy(update={"costs": checked})
    return base_params(changed)[item.key]


def read_value(scenario: Scenario, item: Input, text: str, option: str) -> float:
    """A value as in a file (`1.1B`, `2%`, `2027-03-01`), or a signed percentage (`-20%`,
    `+20%`) meaning a change relative to the base value."""
    text = text.strip()
    if text[:1] in "+-" and text.endswith("%"):
        if item.is_date or item.is_discrete:
            raise CommitcastError.single(
                f"{option} {item.path}: a relative change ({text}) needs an amount or rate",
                file="command line",
                hint="write the value itself",
            )
        try:
            change = float(text[:-1]) / 100.0
        except ValueError:
            raise CommitcastError.single(
                f"{option} {item.path}: cannot read {text!r} as a percentage change",
                file="command line",
                hint="write e.g. -20%:+20%",
            ) from None
        return checked_value(scenario, item, item.base * (1.0 + change), option)
    if not text:
        raise CommitcastError.single(
            f"{option} {item.path}: a value is missing", file="command line", hint="e.g. 0.02"
        )
    return checked_value(scenario, item, text, option)


def split_assignment(text: str, option: str) -> tuple[str, str]:
    """`PATH=VALUE` split at the last '=' (quoted names in the path may hold '=' too rarely; a
    value never does)."""
    path, sep, value = text.rpartition("=")
    if not sep or not path.strip():
        raise CommitcastError.single(
            f"cannot read {option} {text!r}",
            file="command line",
            hint=f"write {option} PATH=VALUE",
        )
    return path.strip(), value.strip()


def read_range(scenario: Scenario, item: Input, text: str, option: str) -> tuple[float, float]:
    """`LOW:HIGH` (values or signed percentages) as two checked engine values."""
    # a date holds no ':' and neither does an amount, so the first ':' splits the range
    low, sep, high = text.partition(":")
    if not sep:
        raise CommitcastError.single(
            f"cannot read the range {text!r} for {item.path}",
            file="command line",
            field=option,
            hint="write LOW:HIGH, e.g. 0.02:0.06 or -20%:+20%",
        )
    return read_value(scenario, item, low, option), read_value(scenario, item, high, option)
