"""From a caller's path and values to batch keys and engine values, each checked by the model.

Every what-if function varies inputs through `Batch`; this module is the one place that turns
`revenue.API.growth` into the batch key `revenue[0].growth` and checks each value a function
will run by applying it as an override (so a negative price or an impossible date is refused
with the same message a file would get).

Values are typed (`Value`): a number (the scenario's value: `0.02` for 2%, `1.25e9`), a date,
text written as in a scenario file (`"1.1B"`, `"2%"`, `"2027-03-01"`, `"unserved"`), or a `Flex`,
a change relative to the input's base value. Nothing here reads option syntax such as
`PATH=LOW:HIGH`: the command line parses that and passes typed values.

A problem with an argument raises `CommitcastError` whose problems are `ArgumentProblem`s:
they name the argument or the input path, never a command-line option, and carry what the
command line needs to word them in its own options (`commitcast.cli.parsing`).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pydantic

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.measures import MEASURABLE_FIGURES as FIGURES
from commitcast.core.paths import format_path
from commitcast.load.overrides import apply_overrides, parse_value, resolve_path, set_value
from commitcast.model.inputs import DATE_FIELDS, base_params, decode
from commitcast.model.scenario import Contract, Costs, RevenueStream, Scenario

T = TypeVar("T")

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


@dataclass(frozen=True)
class Flex:
    """A change relative to an input's base value: `Flex(-0.2)` is 20% below it, `Flex(0.1)`
    10% above. Only amounts and rates can be flexed (not dates, whole numbers or choices).

    `text` is how the caller wrote it (`-20%`), kept for messages; it takes no part in
    comparisons.
    """

    change: float
    text: str | None = field(default=None, compare=False)

    def of(self, base: float) -> float:
        return base * (1.0 + self.change)

    def __str__(self) -> str:
        return self.text if self.text is not None else f"{self.change * 100:+g}%"


# A value for an input: the scenario's value as a number or date, text as in a file, or a Flex.
Value = float | int | str | dt.date | Flex


@dataclass(frozen=True)
class ArgumentProblem(Problem):
    """A problem with an argument of an analysis function, not with a scenario file.

    Worded for a Python caller: `field` is the input path (for a path or value the scenario
    refuses) or the argument's name (`metric`, `drivers`, ...). The rest says what the command
    line needs to word it in its own options:

    - argument: the parameter it concerns (`drivers`, `axes`, `path`, `search`, `metric`, ...);
    - kind: `input` for a path or value of an input (then `path`, `value` and `reason` are set:
      the input as written, the value as written or None, what is wrong without either);
      `field` when only the field changes name; or a kind of its own (`discrete`, `zero`, ...);
    - reason: for `input`, the message without the path; otherwise any detail a kind needs.
    """

    argument: str | None = None
    kind: str = "field"
    path: str | None = None
    value: str | None = None
    reason: str = ""


def argument_error(
    message: str,
    argument: str | None,
    *,
    kind: str = "field",
    hint: str | None = None,
    path: str | None = None,
    reason: str = "",
    named: bool = True,
) -> CommitcastError:
    """One ArgumentProblem; `named=False` leaves `field` empty (the message says it all)."""
    return CommitcastError(
        [
            ArgumentProblem(
                message,
                field=argument if named else None,
                hint=hint,
                argument=argument,
                kind=kind,
                path=path,
                reason=reason,
            )
        ]
    )


def input_problem(
    argument: str, path: str, reason: str, hint: str | None = None, value: str | None = None
) -> ArgumentProblem:
    """A path, or one of its values, that the scenario refuses."""
    return ArgumentProblem(
        reason,
        field=path,
        hint=hint,
        argument=argument,
        kind="input",
        path=path,
        value=value,
        reason=reason,
    )


@contextmanager
def collecting() -> Iterator[list[Problem]]:
    """Gather the problems of several checks and raise them together at the end."""
    problems: list[Problem] = []
    yield problems
    if problems:
        raise CommitcastError(problems)


def attempt(problems: list[Problem], check: Callable[..., T], *args: Any) -> T | None:
    """`check(*args)`, or None with its problems added to `problems`."""
    try:
        return check(*args)
    except CommitcastError as error:
        problems += error.problems
        return None


def check_figure(name: str, argument: str = "metric") -> str:
    """`name` if it is a summary figure that can be measured; else an ArgumentProblem."""
    if name not in FIGURES:
        raise argument_error(
            f"{name!r} is not a summary figure that can be measured",
            argument,
            hint="one of: " + ", ".join(FIGURES),
        )
    return name


@dataclass(frozen=True)
class Input:
    """One varied input: the path as given, its batch key and its base engine value."""

    path: str  # as the caller wrote it (shown in output and used for overrides)
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


def input_of(scenario: Scenario, path: str, argument: str) -> Input:
    """The batch key of a caller's path; refuses fields the engine cannot vary between runs.

    `argument` names the parameter the path was given in, for the problems raised.
    """
    try:
        where = resolve_path(scenario, path)
    except CommitcastError as error:
        # resolve_path words its problems for --set; keep what is wrong and the hint
        raise CommitcastError(
            [input_problem(argument, path, p.message, p.hint) for p in error.problems]
        ) from None
    key = format_path(where)
    params = base_params(scenario)
    if key not in params:
        raise argument_error(
            f"{path} is not a numeric input that can vary between runs (names, the horizon and "
            "the number of contracts, streams or ramp steps are fixed for a batch)",
            argument,
            hint="vary an amount, rate, share or date such as revenue.API.growth",
        )
    return Input(path=path, key=key, base=params[key], where=tuple(where))


def value_of(scenario: Scenario, item: Input, value: Value, argument: str) -> float:
    """The engine value of `value` for `item`, checked by the model as an override would be.

    A Flex is applied to the base value (amounts and rates only); text is read as in a file.
    """
    if isinstance(value, Flex):
        if item.is_date or item.is_discrete:
            raise CommitcastError(
                [
                    input_problem(
                        argument,
                        item.path,
                        f"a relative change ({value}) needs an amount or rate",
                        "write the value itself",
                    )
                ]
            )
        return checked_value(scenario, item, value.of(item.base), argument)
    if isinstance(value, str) and not value.strip():
        raise CommitcastError(
            [input_problem(argument, item.path, "a value is missing", "e.g. 0.02")]
        )
    if isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, numbers.Real):
        value = float(value)
    elif not isinstance(value, str):
        raise TypeError(
            f"{argument}: a value for {item.path} is a number, a date, text as in a file or a "
            f"Flex; got {type(value).__name__}"
        )
    return checked_value(scenario, item, value, argument)


def checked_value(scenario: Scenario, item: Input, value: float | str, argument: str) -> float:
    """Apply one value as an override; return the engine value the model accepted."""
    text = value if isinstance(value, str) else item.show(value)
    quick = _quick_check(scenario, item, text)
    if quick is not None:
        return quick
    try:
        changed = apply_overrides(scenario, [f"{item.path}={text}"])
    except CommitcastError as error:
        raise CommitcastError(
            [
                input_problem(argument, item.path, p.message, p.hint, value=text)
                for p in error.problems
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
