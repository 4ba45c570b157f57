"""`--set PATH=VALUE`: change any scenario field for one run without editing the file.

Paths are dotted field names; items of a list are addressed by index or by name:
`revenue.API.growth`, `contracts."Colossus reservation".monthly_fee`, `contracts[0].end`.
Values are read exactly as in a scenario file (`1.1B`, `3%`, `2027-03-01`, `null`).
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Sequence
from typing import Any

import pydantic

from commitcast.core.errors import CommitcastError, Problem
from commitcast.load.reader import Document, Path_, format_path, parse_text, resolve_scalar
from commitcast.load.validation import fields_at, problems_from_validation
from commitcast.model.scenario import NAMED_GROUPS, Scenario

_TOKEN = re.compile(r'\s*(?:"(?P<dq>[^"]*)"|\'(?P<sq>[^\']*)\'|(?P<plain>[^.\[\]"\']+))')
_INDEX = re.compile(r"\[\s*(?P<index>-?\d+|\"[^\"]*\"|'[^']*')\s*\]")
NAMED_LISTS = (*NAMED_GROUPS, "ramp")


def split_assignment(text: str) -> tuple[str, str]:
    """'revenue.API.growth=0.02' -> ('revenue.API.growth', '0.02')"""
    # The value may hold '=' but a quoted name in the path may too: split at the first '='
    # outside quotes.
    quote = None
    for position, char in enumerate(text):
        if char in "\"'" and quote in (None, char):
            quote = None if quote == char else char
        elif char == "=" and quote is None:
            path, value = text[:position].strip(), text[position + 1 :].strip()
            if path:
                return path, value
            break
    raise CommitcastError.single(
        f"cannot read --set {text!r}",
        hint="write --set PATH=VALUE, e.g. revenue.API.growth=0.02",
        file="--set",
    )


def parse_path_text(text: str) -> list[str | int]:
    """Tokens of a path: names as str, [n] indexes as int, quoted names as str."""
    parts: list[str | int] = []
    position = 0
    expect_name = True
    while position < len(text):
        if text[position] == ".":
            position += 1
            expect_name = True
            continue
        if text[position] == "[":
            match = _INDEX.match(text, position)
            if not match:
                raise ValueError(f"cannot read the index at {text[position:]!r}")
            raw = match["index"]
            parts.append(int(raw) if raw.lstrip("-").isdigit() else raw[1:-1])
            position = match.end()
            expect_name = False
            continue
        if not expect_name:
            raise ValueError(f"expected '.' at {text[position:]!r}")
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"cannot read the path at {text[position:]!r}")
        name = match["dq"] if match["dq"] is not None else match["sq"]
        parts.append(name if name is not None else match["plain"].strip())
        position = match.end()
        expect_name = False
    if not parts:
        raise ValueError("the path is empty")
    return parts


def resolve_path(scenario: Scenario, text: str) -> Path_:
    """A user's path as field names and list indexes: ('revenue', 0, 'growth').

    Raises CommitcastError naming the paths that do exist near a wrong one.
    """
    try:
        tokens = parse_path_text(text)
    except ValueError as error:
        raise CommitcastError.single(str(error), field=text, file="--set") from None
    data = scenario.model_dump()
    resolved: list[str | int] = []
    node: Any = data
    for token in tokens:
        if isinstance(node, list):
            index = _list_index(node, token, resolved, text)
            resolved.append(index)
            node = node[index]
            continue
        if not isinstance(token, str) or token not in fields_at(tuple(resolved)):
            _bad_field(resolved, token, text)
        resolved.append(token)
        node = node.get(token) if isinstance(node, dict) else None
        if node is None:
            node = {}  # an absent optional section (escalator, termination) may be created
    return tuple(resolved)


def _list_index(items: list[Any], token: str | int, resolved: list[str | int], text: str) -> int:
    where = format_path(tuple(resolved))
    if isinstance(token, int):
        if -len(items) <= token < len(items):
            return token % len(items)
        raise CommitcastError.single(
            f"{where} has {len(items)} item(s); index {token} is out of range",
            file="--set",
            field=text,
        )
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if token in names:
        return names.index(token)
    close = difflib.get_close_matches(token, [n for n in names if n], n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else None
    listing = ", ".join(repr(n) for n in names) or "none"
    raise CommitcastError.single(
        f"no item named {token!r} in {where}; names there: {listing}",
        file="--set",
        field=text,
        hint=hint,
    )


def _bad_field(resolved: list[str | int], token: str | int, text: str) -> None:
    known = fields_at(tuple(resolved))
    where = format_path(tuple(resolved)) or "the scenario"
    close = difflib.get_close_matches(str(token), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else None
    raise CommitcastError.single(
        f"no field {token!r} in {where}; fields there: {', '.join(known)}",
        file="--set",
        field=text,
        hint=hint,
    )


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
    from commitcast.model.uncertainty import after_overrides, central_values

    document = Document(data=data, file="--set", marks={})
    # a --set value may itself be a distribution: {dist: normal, mean: 0.02, sd: 0.01}
    data, distributions = central_values(document)
    try:
        changed = Scenario.model_validate(data)
    except pydantic.ValidationError as error:
        raise CommitcastError(problems_from_validation(error, document)) from None
    changed._source = scenario._source
    changed._overrides = [*scenario._overrides, *applied]
    # an input set to a number no longer varies in a simulation
    fixed = {format_path(resolve_path(scenario, split_assignment(a)[0])) for a in assignments}
    return after_overrides(scenario, changed, fixed, distributions, document)
