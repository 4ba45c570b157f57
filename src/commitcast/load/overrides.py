"""`--set PATH=VALUE`: change any scenario field for one run without editing the file.

Paths are dotted field names; items of a list are addressed by index or by name:
`revenue.API.growth`, `contracts."Colossus reservation".monthly_fee`, `contracts[0].end`.
Values are read exactly as in a scenario file (`1.1B`, `3%`, `2027-03-01`, `null`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pydantic

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.paths import Path_, format_path
from commitcast.load.addressing import resolve_path, split_assignment
from commitcast.load.errors import problems_from_validation, with_currencies
from commitcast.load.reader import Document, parse_text, problem_at, resolve_scalar
from commitcast.model.scenario import CURRENCIES_CHECKED, Scenario, currency_issues


def parse_value(text: str) -> Any:
    """A --set value read as YAML reads a value: flow lists and mappings too."""
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        return parse_text(stripped, "--set value").data
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
        return stripped[1:-1]
    return resolve_scalar(stripped)


def set_value(data: dict[str, Any], path: Path_, value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        following = node.get(part) if isinstance(node, dict) else node[part]
        if following is None:  # an absent optional section (escalator, termination)
            following = {}
            node[part] = following
        node = following
    node[path[-1]] = value


def apply_overrides(scenario: Scenario, assignments: Sequence[str]) -> Scenario:
    """A new, validated scenario with every assignment applied (in order).

    Every problem is reported together, as `--set` errors naming the path.
    """
    if isinstance(assignments, str):
        # one string would be read a character at a time, each a bad assignment
        raise TypeError("assignments is a list of 'PATH=VALUE' strings, not one string")
    if not assignments:
        return scenario
    data = scenario.model_dump()
    problems: list[Problem] = []
    applied: list[str] = []
    for assignment in assignments:
        try:
            path_text, value_text = split_assignment(assignment)
            path = resolve_path(scenario, path_text)
            value = parse_value(value_text)
        except CommitcastError as error:
            problems += error.problems
            continue
        try:
            set_value(data, path, copy.deepcopy(value))
        except (TypeError, KeyError, IndexError):
            # an earlier --set replaced a section this one reaches into (contracts=x, then
            # contracts[0].monthly_fee=1): the later path no longer exists
            problems.append(
                Problem(
                    f"cannot set {path_text}: an earlier --set replaced what it is part of",
                    file="--set",
                    field=path_text,
                    hint="set the whole section once, or its fields one by one",
                )
            )
            continue
        applied.append(f"{path_text}={value_text}")
    if problems:
        raise CommitcastError(problems)
    from commitcast.load.uncertainty import after_overrides, central_values

    document = Document(data=data, file="--set", marks={})
    # an amount set in another currency than its item's (`contracts[0].monthly_fee=USD 5M` on
    # a contract in EUR), as the loader checks a file; the rest of the data is numbers
    currencies = [problem_at(document, loc, msg) for loc, msg in currency_issues(data)]
    # a --set value may itself be a distribution: {dist: normal, mean: 0.02, sd: 0.01}
    try:
        data, distributions = central_values(document)
    except CommitcastError as error:
        raise CommitcastError(error.problems + currencies) from None
    try:
        changed = Scenario.model_validate(data, context={CURRENCIES_CHECKED: True})
    except pydantic.ValidationError as error:
        problems = with_currencies(problems_from_validation(error, document), currencies)
        raise CommitcastError(problems) from None
    if currencies:
        raise CommitcastError(currencies)
    changed.provenance = replace(
        scenario.provenance, overrides=(*scenario.provenance.overrides, *applied)
    )
    # an input set to a number no longer varies in a simulation
    fixed = {format_path(resolve_path(scenario, split_assignment(a)[0])) for a in assignments}
    return after_overrides(scenario, changed, fixed, distributions, document)
