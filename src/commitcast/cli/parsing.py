"""Option text to typed values, and the analysis functions' problems in the options' words.

The command line is the one place that reads option syntax: `--vary PATH=LOW:HIGH` (or `PATH`),
`--grid PATH=a,b,c`, `--target FIGURE=VALUE`, `--range LOW:HIGH`, a relative change `-20%` (a
`Flex`), amounts such as `--funding-limit 1T`, `--runs`, `--contract NAME|INDEX`. Each parser
returns what the analysis functions take and refuses bad text as a problem naming the option
(`command line: --vary revenue.API.growth: a value is missing (e.g. 0.02)`). A value written as
in a scenario file (`1.1B`, `2027-03-01`, `unserved`) is passed on as that text: whether it fits
the input is the model's to say, with the message a file would get.

The analysis functions word their problems for a Python caller, naming the argument or the
input path; `options_named` rewords them for the command line, naming the option instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from commitcast.core.errors import CommitcastError, Problem
from commitcast.core.measures import MONTHLY_COLUMNS
from commitcast.variants.inputs import ArgumentProblem, Flex, Value, attempt, collecting

if TYPE_CHECKING:
    from commitcast.analysis.sensitivity import Driver

COMMAND_LINE = "command line"
T = TypeVar("T")


def _refuse(message: str, hint: str | None = None, field: str | None = None) -> CommitcastError:
    return CommitcastError.single(message, file=COMMAND_LINE, field=field, hint=hint)


def parse_each(parse: Callable[[str], T], texts: Sequence[str]) -> list[T]:
    """`parse` applied to every text; the problems of all of them raised together."""
    with collecting() as problems:
        parsed = [attempt(problems, parse, text) for text in texts]
    return [item for item in parsed if item is not None]


# ---- values --------------------------------------------------------------------------------


def read_value(text: str, option: str, path: str) -> Value:
    """One value of a range or a list: a signed percentage (`-20%`, `+20%`) is a change
    relative to the base value (a Flex); anything else is a value as in a file, passed on as
    text (`1.1B`, `2%`, `2027-03-01`)."""
    text = text.strip()
    if text[:1] in "+-" and text.endswith("%"):
        try:
            change = float(text[:-1]) / 100.0
        except ValueError:
            raise _refuse(
                f"{option} {path}: cannot read {text!r} as a percentage change",
                hint="write e.g. -20%:+20%",
            ) from None
        return Flex(change, text)
    if not text:
        raise _refuse(f"{option} {path}: a value is missing", hint="e.g. 0.02")
    return text


def _span(text: str, option: str, path: str) -> tuple[Value, Value]:
    # a date holds no ':' and neither does an amount, so the first ':' splits the range
    low, _, high = text.partition(":")
    with collecting() as problems:
        ends = [attempt(problems, read_value, end, option, path) for end in (low, high)]
    first, second = ends
    assert first is not None and second is not None
    return first, second


def parse_vary(text: str) -> Driver:
    """`--vary PATH=LOW:HIGH` (values, or -20%:+20% of the base), or `--vary PATH` for the
    default flex."""
    from commitcast.analysis.sensitivity import Driver

    path, sep, span = text.partition("=")
    if sep and ":" not in span:
        raise _refuse(
            f"cannot read --vary {text!r}",
            hint="write --vary PATH=LOW:HIGH (values or -20%:+20%), or --vary PATH",
        )
    path = path.strip()
    if not sep:
        return Driver(path)
    low, high = _span(span, "--vary", path)
    return Driver(path, low, high)


def parse_grid(text: str) -> tuple[str, list[Value]]:
    """`--grid PATH=a,b,c`: values as in a file, or signed percentages of the base value."""
    path, sep, listing = text.partition("=")
    values = [v for v in listing.split(",") if v.strip()] if sep else []
    if not values:
        raise _refuse(
            f"cannot read --grid {text!r}",
            hint="write --grid PATH=a,b,c, e.g. --grid revenue.API.growth=0.02,0.04,0.06",
        )
    path = path.strip()
    return path, parse_each(lambda value: read_value(value, "--grid", path), values)


def parse_range(text: str, path: str) -> tuple[Value, Value]:
    """`--range LOW:HIGH` (values, or -50%:+50% of the base) for the input `path`."""
    if ":" not in text:
        raise _refuse(
            f"cannot read the range {text!r} for {path}",
            field="--range",
            hint="write LOW:HIGH, e.g. 0.02:0.06 or -20%:+20%",
        )
    return _span(text, "--range", path)


def split_assignment(text: str, option: str) -> tuple[str, str]:
    """`NAME=VALUE` split at the last '=' (a value never holds one)."""
    name, sep, value = text.rpartition("=")
    if not sep or not name.strip():
        raise _refuse(f"cannot read {option} {text!r}", hint=f"write {option} PATH=VALUE")
    return name.strip(), value.strip()


def parse_target(text: str) -> tuple[str, float]:
    """`--target FIGURE=VALUE`, e.g. `npv=0` or `gross_margin_pct=40%`: the figure and the
    value in its unit (40% is 0.4)."""
    from commitcast.core.numbers import parse_number

    figure, value = split_assignment(text, "--target")

    def number() -> float:
        try:
            return parse_number(value)
        except ValueError as error:
            raise _refuse(
                f"--target {text}: {error}", hint="e.g. npv=0 or gross_margin_pct=40%"
            ) from None

    with collecting() as problems:
        attempt(problems, check_figure, figure, "--target")
        goal = attempt(problems, number)
    assert goal is not None
    return figure, goal


def parse_amount(text: str, option: str, example: str) -> float:
    """An amount as finance people write it (`5B`, `$900M`, `1T`)."""
    from commitcast.core.numbers import parse_number

    try:
        return parse_number(text)
    except ValueError as error:
        raise _refuse(f"{option}: {error}", hint=f"e.g. {option} {example}") from None


def parse_funding_limit(text: str) -> float:
    """`--funding-limit AMOUNT`, 0 or more."""
    from commitcast.analysis.simulate import funding_limit_problem

    limit = parse_amount(text, "--funding-limit", "5B")
    reason = funding_limit_problem(limit, written=text)
    if reason:
        raise _refuse(f"--funding-limit: {reason}", hint="e.g. --funding-limit 5B")
    return limit


def unused(ctx: Any, options: Mapping[str, str], why: str, hint: str) -> list[Problem]:
    """A problem for each option of `options` (parameter: option as written) given on the
    command line where the command would not use it (`why`), rather than ignored silently; its
    default, not given, is no problem."""
    return [
        Problem(f"{option} {why}", hint=hint, file=COMMAND_LINE)
        for name, option in options.items()
        # (by name: Typer vendors click, whose ParameterSource is not part of Typer's API)
        if ctx.get_parameter_source(name).name == "COMMANDLINE"
    ]


def check_runs(runs: int, scheduler: bool = False) -> int:
    """`--runs`, 1 to the most a simulation holds (more with `--scheduler`)."""
    from commitcast.analysis.simulate import MAX_RUNS, MAX_RUNS_DISTRIBUTED, runs_problem

    reason = runs_problem(runs, MAX_RUNS_DISTRIBUTED if scheduler else MAX_RUNS)
    if reason:
        raise _refuse(f"--runs {reason}", hint="e.g. --runs 10000")
    return runs


_MONTH = re.compile(r"\s*([0-9]{4})-([0-9]{1,2})\s*")


def parse_month(text: str, option: str) -> dt.date:
    """A month written YYYY-MM (`--as-of 2027-01`), as the date of its first day."""
    match = _MONTH.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise _refuse(
            f"{option}: cannot read {text!r} as a month",
            hint=f"write YYYY-MM, e.g. {option} 2027-01",
        )
    return dt.date(int(match[1]), int(match[2]), 1)


_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([KMGT])(?:I?B)?\s*", re.IGNORECASE)


def parse_memory(text: str) -> int:
    """`--memory SIZE`: 512M, 2G, 1.5G (K, M, G, T are KiB, MiB, GiB, TiB; MB, MiB and GB,
    GiB read the same), in bytes."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise _refuse(
            f"--memory: cannot read {text!r} as a size; give a number and a unit, K, M, G or T",
            hint="e.g. --memory 512M or --memory 2G",
        )
    size = int(float(match[1]) * 1024 ** ("KMGT".index(match[2].upper()) + 1))
    if size <= 0:
        raise _refuse(f"--memory: {text.strip()} is no memory at all", hint="e.g. --memory 1G")
    return size


def check_scheduler(text: str) -> str:
    """`--scheduler local|ADDRESS`: whether the address answers is for the cluster to say."""
    if not text.strip():
        raise _refuse(
            "--scheduler: give 'local' or a Dask scheduler's address",
            hint="e.g. --scheduler local or --scheduler tcp://scheduler-host:8786",
        )
    return text.strip()


def size_option(size: int) -> str:
    """A size as --memory takes it, rounded up to a whole MiB: 700M, 2G."""
    mib = -(-size // (1 << 20))
    return f"{mib // 1024}G" if mib % 1024 == 0 else f"{mib}M"


def check_figure(name: str, option: str) -> str:
    """A summary figure named in `option` (`--metric`, `--target`, `--bridge`)."""
    from commitcast.variants.inputs import check_figure as check

    with options_named(figure=option):
        return check(name, "figure")


def check_column(name: str, option: str = "--metric") -> str:
    """A monthly column named in `option` (compare's `--metric`)."""
    from commitcast.analysis.compare import check_column as check

    with options_named(metric=option):
        return check(name)


_INDEX = re.compile(r"-?[0-9]+")


def parse_contract(text: str, names: Sequence[str]) -> str | int:
    """`--contract`: a contract's name, or failing that its index (`0`, `-1`). Text that is
    neither is passed on as a name, for the analysis to refuse listing the names."""
    if text in names or not _INDEX.fullmatch(text):
        return text
    index = int(text)
    return index if -len(names) <= index < len(names) else text


# ---- the analysis functions' problems, in the options' words -------------------------------


@contextmanager
def options_named(**options: str) -> Iterator[None]:
    """Reword the problems an analysis function raises about its arguments for the command
    line: `options` maps each argument to its option (`drivers="--vary"`)."""
    try:
        yield
    except CommitcastError as error:
        if not any(isinstance(p, ArgumentProblem) for p in error.problems):
            raise
        raise CommitcastError(
            [_in_options(p, options) for p in error.problems], error.exit_code
        ) from None


def _in_options(problem: Problem, options: Mapping[str, str]) -> Problem:
    if not isinstance(problem, ArgumentProblem):
        return problem  # about a scenario file: already where it belongs
    fixed = _FIXED.get(problem.kind)
    if fixed is not None:
        return fixed(problem)
    option = options.get(problem.argument or "")
    if option is None:
        # an argument no option of this command gives: only the place changes
        return Problem(problem.message, file=COMMAND_LINE, field=problem.field, hint=problem.hint)
    return _WORDS.get(problem.kind, _field)(problem, option)


def _field(p: ArgumentProblem, option: str) -> Problem:
    field = option if p.field == p.argument else p.field
    return Problem(p.message, file=COMMAND_LINE, field=field, hint=p.hint)


def _input(p: ArgumentProblem, option: str) -> Problem:
    value = "" if p.value is None else f"={p.value}"
    return Problem(f"{option} {p.path}{value}: {p.reason}", file=COMMAND_LINE, hint=p.hint)


_WORDS: dict[str, Callable[[ArgumentProblem, str], Problem]] = {
    "field": _field,
    "input": _input,
    "discrete": lambda p, option: Problem(
        f"{p.path} is a whole number or a choice; flex it with --grid instead",
        file=COMMAND_LINE,
        field=option,
    ),
    "nothing": lambda p, option: Problem(
        p.message, file=COMMAND_LINE, hint=f"use {option} PATH=LOW:HIGH"
    ),
    "axes_count": lambda p, option: Problem(
        f"give one or two {option} options", file=COMMAND_LINE, field=option
    ),
    "same_axis": lambda p, option: Problem(
        f"both {option} options vary {p.path}", file=COMMAND_LINE, field=option
    ),
    "zero": lambda p, option: Problem(p.message, file=COMMAND_LINE, hint=f"{option} LOW:HIGH"),
    "no_root": lambda p, option: Problem(
        p.message,
        file=COMMAND_LINE,
        hint=f"widen {option}, or the target cannot be reached by this input",
    ),
    "breakeven": lambda p, option: Problem(p.message, file=COMMAND_LINE, field=option),
    # simulate's memory budget: the size that fits, in --memory's own form
    "budget": lambda p, option: Problem(
        p.message,
        file=COMMAND_LINE,
        field=option,
        hint=f"give {option} {size_option(int(p.reason))} or more, or a shorter horizon",
    ),
    "out_of_memory": lambda p, option: Problem(
        p.message, file=COMMAND_LINE, hint=f"give a smaller {option}, within the memory free"
    ),
    "say_which": lambda p, option: Problem(
        p.message, file=COMMAND_LINE, hint=f"{option} NAME, one of: {p.reason}"
    ),
    "monthly": lambda p, option: Problem(
        p.message,
        file=COMMAND_LINE,
        field=option,
        hint="with --by use one of: " + ", ".join(MONTHLY_COLUMNS),
    ),
}

# Kinds worded the same whichever options the command has.
_FIXED: dict[str, Callable[[ArgumentProblem], Problem]] = {
    "date_range": lambda p: Problem(p.message, file=COMMAND_LINE, hint="PATH=LOW:HIGH"),
    "cells": lambda p: Problem(p.message, file=COMMAND_LINE),
    "horizons": lambda p: Problem(
        p.message,
        file=COMMAND_LINE,
        field="--bridge",
        hint="--set horizon.start=... and horizon.months=... on the command line to align them",
    ),
    "currencies": lambda p: Problem(
        p.message,
        file=COMMAND_LINE,
        hint="convert the amounts of one file (or --set currency=...) first",
    ),
    "fiscal_years": lambda p: Problem(
        p.message,
        file=COMMAND_LINE,
        field="--by",
        hint="--set fiscal_year_start_month=N applies to every file; or --by quarter or year",
    ),
}
