"""Paths as a user writes them (`revenue.API.growth`, `contracts[0].end`) resolved against a
scenario to field paths, with suggestions for a near miss."""

from __future__ import annotations

import difflib
import re
from typing import Any

from commitcast.core.errors import CommitcastError
from commitcast.core.paths import Path_, format_path
from commitcast.model.fields import fields_at
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
        if _is_mapping(tuple(resolved)) and isinstance(node, dict):
            # a mapping keyed by the user (fx: {EUR: ...}): its keys are the scenario's own
            if not isinstance(token, str) or token.upper() not in node:
                _bad_key(resolved, token, list(node), text)
            token = token.upper()
        elif not isinstance(token, str) or token not in fields_at(tuple(resolved)):
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


# Fields that map keys a scenario chooses (currency codes) to models, not fixed field names.
MAPPINGS = (("fx",),)


def _is_mapping(path: Path_) -> bool:
    return path in MAPPINGS


def _bad_key(resolved: list[str | int], token: str | int, keys: list[str], text: str) -> None:
    where = format_path(tuple(resolved))
    raise CommitcastError.single(
        f"no {token!r} in {where}; the scenario gives: {', '.join(keys) or 'none'}",
        file="--set",
        field=text,
        hint=f"add it to {where} in the file first",
    )
