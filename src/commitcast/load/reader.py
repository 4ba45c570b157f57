"""The only place that reads YAML.

PyYAML composes the node tree (safe: no tags are ever constructed into objects) and this module
turns nodes into plain Python values itself, so that it can

- remember the line and column of every value (errors point at the line to fix),
- refuse duplicate keys instead of silently keeping the last one,
- avoid the YAML 1.1 traps: `012` is 12, not 10; `no`, `on`, `NO` are strings; `1e9` is a
  number; dates stay strings until the model parses them (so 2026-02-30 is a clear error),
- refuse python object tags, alias expansion bombs, huge files and deep nesting.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import gc
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.paths import Path_, format_path
from commitcast.core.text import half_character, lone_surrogate

MAX_FILE_BYTES = 5 * 1024 * 1024  # a scenario is a page of text; 5 MB is already absurd
MAX_DEPTH = 64
# Aliases may repeat anchored values, but not blow a small file up (a "billion laughs"): the
# values they add may be at most EXPANSION_RATIO times the values written in the file so far, or
# EXPANSION_FLOOR, whichever is more. A long honest file (10,000 contracts) is never refused for
# its length, and a bomb is stopped after at most this many values, long before it expands.
EXPANSION_RATIO = 10
EXPANSION_FLOOR = 100_000


_INT = re.compile(r"^[-+]?[0-9][0-9_]*$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_SPECIAL_FLOATS = {
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
    ".inf": float("inf"),
    "+.inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
}
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_RESOLVER = yaml.resolver.Resolver()


class Mark(NamedTuple):
    """Where a value stands in its file (a tuple: a large file has one per value)."""

    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Document:
    """Plain data from a YAML file plus where each value stood."""

    data: Any
    file: str
    marks: dict[Path_, Mark]
    sha256: str | None = None  # of the file's bytes as read (a pipe cannot be read twice)

    def mark_for(self, path: Path_) -> Mark | None:
        """The mark of the deepest known prefix of `path`."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:end]))
            if mark is not None:
                return mark
        return None


def problem_at(document: Document, loc: Path_, message: str, hint: str | None = None) -> Problem:
    """A problem at the line of `loc` (or of its deepest known parent) in `document`."""
    mark = document.mark_for(loc)
    return Problem(
        message,
        file=document.file,
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        field=format_path(loc) or None,
        hint=hint,
    )


def resolve_scalar(text: str, *, quoted: bool = False) -> Any:
    """A plain YAML scalar as commitcast reads it (also used for --set values)."""
    if quoted:
        return text
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if _INT.match(text):
        try:
            return int(text.replace("_", ""))  # decimal always: 012 is 12
        except ValueError:  # past Python's 4300-digit limit: no real figure is that long
            return float("inf")
    if _FLOAT.match(text) and any(ch.isdigit() for ch in text):
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.marks: dict[Path_, Mark] = {}
        self.problems: list[Problem] = []
        self.written: set[int] = set()  # ids of the nodes in the file (an alias repeats one)
        self.expanded = 0  # values built again through aliases

    def problem(self, node: yaml.Node, path: Path_, message: str, hint: str | None = None) -> None:
        self.problems.append(
            Problem(
                message,
                file=self.file,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
                field=format_path(path) or None,
                hint=hint,
            )
        )

    def build(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        if id(node) in self.written:
            self.expanded += 1
            if self.expanded > max(EXPANSION_FLOOR, EXPANSION_RATIO * len(self.written)):
                raise _TooBig(self.expanded)
        else:
            self.written.add(id(node))
        if depth > MAX_DEPTH:
            self.problem(node, path, f"nested more than {MAX_DEPTH} levels deep")
            raise _Abort
        self.marks.setdefault(path, Mark(node.start_mark.line + 1, node.start_mark.column + 1))
        tag = node.tag
        if isinstance(node, yaml.MappingNode):
            if tag != _MAP:
                return self._bad_tag(node, path)
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if tag != _SEQ:
                return self._bad_tag(node, path)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if tag not in _SCALAR_TAGS:
            return self._bad_tag(node, path)
        if node.style in ("'", '"', "|", ">"):
            return node.value
        if tag == _STR and (
            _explicitly_tagged(node)
            or _RESOLVER.resolve(yaml.ScalarNode, node.value, (True, False)) != _STR
        ):
            return node.value  # an explicit `!!str 012` or `!!str 1e9` keeps its text
        value = resolve_scalar(node.value)
        if isinstance(value, float) and math.isinf(value) and node.value not in _SPECIAL_FLOATS:
            shown = node.value
            if len(shown) > 24:
                shown = f"{shown[:12]}... ({len(shown)} characters)"
            self.problem(
                node,
                path,
                f"the number {shown} is too large",
                "write a finite figure",
            )
        return value

    def _bad_tag(self, node: yaml.Node, path: Path_) -> None:
        self.problem(
            node, path, f"the tag {node.tag!r} is not allowed in a scenario", "remove the tag"
        )

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, path, "merge keys (<<) are not supported", "write keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, path, "a key must be a plain name")
                continue
            key = key_node.value
            half = lone_surrogate(key)
            if half is not None:
                # only an escape ("\udfff") writes one, and only PyYAML's own reader takes it
                self.problem(
                    key_node, path, f"a key must not contain {half_character(half)}", "remove it"
                )
                continue
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.problem(
                    key_node,
                    (*path, key),
                    f"duplicate key {key!r} (first given on line {first})",
                    "keep one of them",
                )
                continue
            seen[key] = key_node
            self.marks[(*path, key)] = Mark(
                key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
            result[key] = self.build(value_node, (*path, key), depth + 1)
            # keep the key's own mark: errors about a value point at the key's line
            self.marks[(*path, key)] = Mark(
                key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
        return result


def _explicitly_tagged(node: yaml.Node) -> bool:
    """Whether the node's text starts with a tag (`!!str 1e9`): the composed node no longer
    says so, and YAML 1.1 resolution alone would call `1e9` a string anyway."""
    mark = node.start_mark
    return mark.buffer is not None and mark.buffer.startswith("!", mark.pointer)


class _TooBig(Exception):
    def __init__(self, values: int) -> None:
        self.values = values


class _Abort(Exception):
    pass


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class _DepthLimitedLoader(yaml.SafeLoader):
    """Stops composing at MAX_DEPTH, with the place, instead of recursing until Python's
    recursion limit (slow, and with no line to show) on thousands of '['."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def _problem_from_yaml_error(file: str, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    what = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    context_mark = getattr(error, "context_mark", None)
    if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
        # an unclosed bracket or quote is found lines later: say where it was opened
        context += f" started on line {context_mark.line + 1}"
    message = f"YAML syntax error: {what}" + (f" ({context})" if context else "")
    hint = None
    if "\\t" in what or "\t" in what:
        hint = "indent with spaces, not tabs"
    elif "mapping values are not allowed" in what:
        hint = "check the indentation and that each 'key: value' has a space after the colon"
    elif "expected ',' or ']'" in what or "expected ',' or '}'" in what:
        hint = "close the bracket or brace"
    elif context and "quoted scalar" in context:
        hint = "close the quote"
    return Problem(
        message,
        file=file,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        hint=hint,
    )


def parse_text(text: str, file: str = "<input>") -> Document:
    """Parse YAML text into a Document, or raise CommitcastError with every problem."""
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark from a Windows editor is harmless
    if "\x00" in text:
        raise CommitcastError.single(
            "this looks like a binary file, not a YAML scenario", file=file
        )
    fast = _fast_document(text, file)
    if fast is not None:
        return fast
    # The careful path: PyYAML's own Python parser and composer, whose messages the problems
    # below are written for. Only a file with a problem (or without libyaml) comes here.
    try:
        nodes = list(yaml.compose_all(text, Loader=_DepthLimitedLoader))
    except yaml.YAMLError as error:
        raise CommitcastError([_problem_from_yaml_error(file, error)]) from None
    except _TooDeep as error:
        raise CommitcastError.single(
            f"nested more than {MAX_DEPTH} levels deep",
            file=file,
            line=error.mark.line + 1,
            column=error.mark.column + 1,
            hint="a scenario needs a few levels; check for stray '[' or '{'",
        ) from None
    except RecursionError:
        raise CommitcastError.single(
            f"nested too deeply (more than {MAX_DEPTH} levels)", file=file
        ) from None
    if len(nodes) > 1:
        second = nodes[1]
        raise CommitcastError.single(
            "the file holds more than one YAML document ('---'); put one scenario per file",
            file=file,
            line=second.start_mark.line + 1 if second is not None else None,
        )
    if not nodes or nodes[0] is None:
        raise CommitcastError.single(
            "the file is empty", file=file, hint="start from `commitcast init`"
        )
    builder = _Builder(file)
    try:
        data = builder.build(nodes[0], ())
    except _TooBig as error:
        raise _alias_bomb(file, error.values) from None
    except (_Abort, RecursionError):
        if not builder.problems:
            builder.problems.append(Problem("nested too deeply", file=file))
        raise CommitcastError(builder.problems) from None
    if builder.problems:
        raise CommitcastError(builder.problems)
    return Document(data=data, file=file, marks=builder.marks)


def _alias_bomb(file: str, values: int) -> CommitcastError:
    return CommitcastError.single(
        f"the file's aliases expand to more than {values:,} values, far more than it writes "
        "out (an alias bomb?)",
        file=file,
        hint="write values out instead of repeating anchors",
    )


class _Unusual(Exception):
    """The fast path met something only the careful path reports well: take that path."""


_QUOTED = ("'", '"', "|", ">")


def _fast_document(text: str, file: str) -> Document | None:
    """The document built straight from libyaml's events, or None to take the careful path.

    Same data and marks as the careful path for every clean file, at a fraction of the cost
    (a 3,000-contract portfolio: no pure-Python scanner, no node tree, no recursion). It is
    iterative, so nesting depth costs no stack; anything unusual (a syntax error, a tag, a
    duplicate or merge key, a complex key, nesting past MAX_DEPTH, an oversized number, more
    than one document) sends the file to the careful path, whose messages users know. Only an
    alias bomb is refused here, before it expands."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:  # PyYAML built without libyaml
        return None
    parser = loader(text)
    try:
        with building():
            return _from_events(_events(parser), file)
    except (yaml.YAMLError, _Unusual):
        return None
    finally:
        parser.dispose()


@contextlib.contextmanager
def building() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a scenario is read and validated.

    Reading builds ~30 objects a contract and frees none, and none of them form cycles: each
    collection would only scan them again and again, more of them each time (a 10,000-contract
    portfolio validated in 0.79 s with it and 0.27 s without). Reference counting still frees
    everything; the collector runs again as soon as the block ends."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # (a caller's own frozen objects stay frozen)
            # What was built goes straight to the oldest generation, where the next full
            # collection will look at it, instead of being searched by the next two young
            # collections first (10,000 contracts: ~1M objects, 0.1-0.3 s of scanning).
            gc.freeze()
            gc.unfreeze()
        if collecting:
            gc.enable()


def _events(parser: Any) -> Any:
    """libyaml's events, up to the stream's end: the parser's own method called until it has
    none (yaml.parse asks it two questions per event; a generator costs a resumption each)."""
    return iter(parser.get_event, None)


def _from_events(events: Any, file: str) -> Document:
    marks: dict[Path_, Mark] = {}
    # (path, mark) in the order set, kept while an anchored collection is open, so an alias
    # can give its copy the anchor's marks under its own path
    order: list[tuple[Path_, Mark]] = []
    anchored = 0  # anchored collections open
    # one frame per open collection:
    # [container, path, pending key, seen keys, start in `order`, values before it, anchor, mark]
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[Any, int, Mark, list[tuple[Path_, Mark]]]] = {}
    written = expanded = documents = 0
    root: Any = _NO_KEY
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    no_key = _NO_KEY
    # a long file repeats its plain scalars (timings, dates, round fees): each text is resolved
    # once; the values are immutable (None, bools, numbers, text)
    resolved: dict[str, Any] = {}
    new_mark = tuple.__new__  # Mark(line, column) without NamedTuple's Python-level __new__

    for event in events:
        kind = event.__class__
        if kind is scalar or kind is alias or kind in starts:
            start = event.start_mark
            at = new_mark(Mark, (start.line + 1, start.column + 1))
            top = stack[-1] if stack else None
            is_key = top is not None and top[2] is no_key and top[0].__class__ is dict
            if kind is scalar:
                written += 1
                if event.tag is not None and event.tag != "!":
                    raise _Unusual  # any tag: the careful path says which are allowed
                raw = event.value
                if is_key:
                    if raw == "<<" and event.style not in _QUOTED:
                        raise _Unusual  # a merge key
                    if raw in top[3]:
                        raise _Unusual  # a duplicate key
                    top[2] = raw  # keys are names, as written
                    top[3].add(raw)
                    path = (*top[1], raw)
                    marks[path] = at  # errors about a value point at its key's line
                    if anchored:
                        order.append((path, at))
                    if event.anchor is not None:
                        anchors[event.anchor] = (raw, 1, at, [])
                    continue
                if event.style in _QUOTED:
                    value: Any = raw
                else:
                    if raw == "=":
                        raise _Unusual  # YAML 1.1's value tag
                    value = resolved.get(raw, no_key)
                    if value is no_key:
                        value = resolved[raw] = resolve_scalar(raw)
                    too_large = value.__class__ is float and math.isinf(value)
                    if too_large and raw not in _SPECIAL_FLOATS:
                        raise _Unusual  # "too large": the careful path words it
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1, at, [])
                inner: tuple[tuple[Path_, Mark], ...] | list[tuple[Path_, Mark]] = ()
            elif kind is alias:
                if is_key or event.anchor not in anchors:
                    raise _Unusual  # an alias as a key, before its anchor, or to itself
                value, size, at, inner = anchors[event.anchor]
                expanded += size
                if expanded > max(EXPANSION_FLOOR, EXPANSION_RATIO * written):
                    raise _alias_bomb(file, expanded)
                value = copy.deepcopy(value)
            else:
                written += 1
                if event.tag is not None and event.tag != "!" or len(stack) >= MAX_DEPTH:
                    raise _Unusual
                if is_key:
                    raise _Unusual  # a collection as a key
                value = {} if kind is yaml.MappingStartEvent else []
                inner = ()
            # place the value: the root, an item of a list, or the value of the pending key
            if top is None:
                if documents != 1 or root is not _NO_KEY:
                    raise _Unusual
                root, path = value, ()
                marks.setdefault(path, at)
            elif top[0].__class__ is list:
                path = (*top[1], len(top[0]))
                top[0].append(value)
                marks.setdefault(path, at)
            else:
                path = (*top[1], top[2])
                top[0][top[2]] = value
                top[2] = no_key
            if anchored:
                order.append((path, marks[path]))
            for sub, sub_mark in inner:  # an alias's copy keeps the anchor's lines
                marks[(*path, *sub)] = sub_mark
                if anchored:
                    order.append(((*path, *sub), sub_mark))
            if kind in starts:
                if event.anchor is not None:
                    anchored += 1
                stack.append(
                    [value, path, no_key, set(), len(order), written + expanded, event.anchor, at]
                )
        elif kind in ends:
            container, path, _, _, first, before, anchor, at = stack.pop()
            if anchor is not None:
                anchored -= 1
                cut = len(path)
                inner = [(p[cut:], m) for p, m in order[first:] if p[:cut] == path]
                # its size counts the values aliases put inside it: what a copy costs
                anchors[anchor] = (container, written + expanded - before + 1, at, inner)
                if not anchored:
                    order.clear()
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unusual
    if root is _NO_KEY or root is None:
        raise _Unusual  # empty, or only comments: the careful path says so
    return Document(data=root, file=file, marks=marks)


_NO_KEY = object()


def read_input(path: Path, what: str, file: str, kind: str, limit: int) -> bytes:
    """The bytes of an input file (`what`: "a scenario", `file`: "a scenario file", `kind`:
    "a .yaml file"), at most `limit`, with clear errors for a missing file, a symlink loop, a
    name too long, a folder, a file too large or one that cannot be read."""
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CommitcastError.single("no such file", file=name, hint="check the path") from None
    except OSError as error:
        # a symlink loop (ELOOP), a name over 255 bytes (ENAMETOOLONG), a folder not readable
        reason = {
            errno.ELOOP: "the path is a loop of symbolic links; it leads to no file",
            errno.ENAMETOOLONG: "the name is too long for this system (at most 255 bytes)",
        }.get(error.errno or 0, f"cannot read the file: {error.strerror or error}")
        raise CommitcastError.single(reason, file=name, hint="check the path") from None
    if path.is_dir():
        raise CommitcastError.single(
            f"this is a folder, not {file}", file=name, hint=f"name {kind}"
        )
    if size > limit:
        raise CommitcastError.single(
            f"the file is {size / 1e6:.1f} MB; {what} must be under {limit / 1e6:.0f} MB",
            file=name,
        )
    try:
        with path.open("rb") as handle:
            # bounded: a pipe or a device (/dev/zero) has no size to check beforehand
            raw = handle.read(limit + 1)
    except OSError as error:
        raise CommitcastError.single(f"cannot read the file: {error.strerror}", file=name) from None
    if len(raw) > limit:
        raise CommitcastError.single(
            f"the file holds more than {limit / 1e6:.0f} MB; {what} must be under "
            f"{limit / 1e6:.0f} MB",
            file=name,
        )
    return raw


def decode_utf8(raw: bytes, name: str, hint: str, *, bom: bool = False) -> str:
    """`raw` as UTF-8 text (`bom`: a leading byte-order mark is allowed and dropped), or an
    error at the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CommitcastError.single(
            f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})",
            file=name,
            line=line,
            hint=hint,
        ) from None


def read_file(path: str | Path) -> Document:
    """Read a scenario file from disk, with clear errors for the usual mistakes."""
    name = str(path)
    raw = read_input(Path(path), "a scenario", "a scenario file", "a .yaml file", MAX_FILE_BYTES)
    text = decode_utf8(raw, name, "save it as UTF-8")
    document = parse_text(text, name)
    document.sha256 = hashlib.sha256(raw).hexdigest()
    return document
