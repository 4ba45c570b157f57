"""The scenario: pydantic models, their defaults and validation rules. No file I/O here.

Every numeric field goes through `amounts.parse_number`, so `1.25B`, `$900M` and `3%` are read
the same way in a file, in `--set` and from Python. Unknown keys are refused (a typo must never
silently drop an assumption).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import types
import typing
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from commitcast.core.numbers import digit_problem, parse_number, without_currency, written_currency
from commitcast.core.paths import Path_
from commitcast.core.text import half_character, lone_surrogate
from commitcast.model.provenance import Provenance
from commitcast.model.uncertainty import Correlation, Uncertainty

# A validation context key: the amounts' currencies are checked already (Scenario's validator)
CURRENCIES_CHECKED = "currencies_checked"
MAX_MONEY = 1e18  # over a quintillion of any currency is a typo, not a contract
MAX_TOKENS = 1e24
MAX_HORIZON_MONTHS = 1200
LAST_YEAR = 2200  # keeps month grids bounded; no contract runs past it


class FieldIssues(ValueError):
    """Problems found by a cross-field rule, each tied to the field a user should fix.

    Pydantic only knows the model's location for such a rule; the loader extends it with
    `field` so the error points at the right line.
    """

    def __init__(self, issues: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.issues = issues
        super().__init__("; ".join(message for _, message in issues))


def _number_validator(
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    optional: bool = False,
    what: str = "",
    percent: bool = True,
) -> Callable[[Any], float | None]:
    def check(value: Any) -> float | None:
        if value is None and optional:
            return None
        if value is None:
            raise ValueError("a value is required here")
        number = parse_number(value, allow_percent=percent)
        if low is not None and (number <= low if low_open else number < low):
            if low == 0 and not low_open:
                raise ValueError(f"{_show(value)} is negative; {what or 'it'} must be 0 or more")
            bound = "more than" if low_open else "at least"
            raise ValueError(f"{_show(value)} is out of range; it must be {bound} {_show(low)}")
        if high is not None and number > high:
            raise ValueError(f"{_show(value)} is out of range; it must be at most {_show(high)}")
        return number

    return check


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _int_validator(low: int, high: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or value is None:
            raise ValueError("expected a whole number")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and digit_problem(value):
            raise ValueError(digit_problem(value))
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?[0-9]+\s*", value):
            value = int(value)
        if not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        if value < low or (high is not None and value > high):
            top = f" and at most {high}" if high is not None else ""
            raise ValueError(f"{value} is out of range; it must be at least {low}{top}")
        return value

    return check


_MONTH_NAMES = list(calendar.month_name)


def parse_date(value: Any) -> dt.date:
    """YYYY-MM-DD, with a message that says what is wrong with an impossible date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")
    return _date_of_text(value)


# A portfolio's contracts start and end on a few dozen dates: each text is read once (a date is
# immutable; a text that is no date raises every time, its message included)
@functools.lru_cache(maxsize=4096)
def _date_of_text(value: str) -> dt.date:
    if digit_problem(value):
        raise ValueError(digit_problem(value))
    match = re.fullmatch(r"\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\s*", value)
    if not match:
        raise ValueError(f"cannot read {value!r} as a date; write it YYYY-MM-DD")
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"{value} is not a real date: there is no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(
            f"{value} is not a real date: {_MONTH_NAMES[month]} {year} has {last} days"
        )
    return _check_year(dt.date(year, month, day))


def _check_year(day: dt.date) -> dt.date:
    if not 1900 <= day.year <= LAST_YEAR:
        raise ValueError(f"{day.isoformat()} is outside the years 1900-{LAST_YEAR}")
    return day


def parse_optional_date(value: Any) -> dt.date | None:
    return None if value is None else parse_date(value)


def parse_month(value: Any) -> dt.date:
    """A horizon start: 2026-06 (or 2026-06-01); held as the first day of that month."""
    if isinstance(value, dt.date):
        if value.day != 1:
            raise ValueError(f"{value.isoformat()}: the horizon starts on a month; write YYYY-MM")
        return _check_year(value)
    if isinstance(value, str):
        if digit_problem(value):
            raise ValueError(digit_problem(value))
        match = re.fullmatch(r"\s*([0-9]{4})-([0-9]{1,2})\s*", value)
        if match:
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                raise ValueError(f"{value}: there is no month {month}")
            return _check_year(dt.date(year, month, 1))
        return parse_month(parse_date(value))
    raise ValueError(f"expected a month written YYYY-MM, got {value!r}")


def _name(value: Any) -> str:
    if value is None:
        # `name: #1 deal` is a comment, so the name is empty: say how to write it
        raise ValueError("expected a name (text); put a name starting with # or & in quotes")
    if isinstance(value, bool):
        raise ValueError("expected a name (text)")
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a name (text), got {type(value).__name__}")
    if not value.strip():
        raise ValueError("a name must not be empty")
    if len(value) > 200:
        raise ValueError("a name must be at most 200 characters")
    if value.isascii() and value.isprintable():
        # (most names) no control character, line break or reordering mark, and not blank
        # (stripped above): nothing below can refuse it, and its walk over code points is
        # most of what checking a 10,000-contract portfolio's names costs
        return value
    hidden = next(
        (ch for ch in value if ch in _REORDERING or unicodedata.category(ch) in _BREAKS), None
    )
    if hidden is not None:
        # a line break splits a table's row; a bidirectional override shows the text around it
        # reversed ("exe.txt" for "txt.exe"), so the name read is not the name written
        what = "a line break" if unicodedata.category(hidden) in _BREAKS else "it reorders text"
        raise ValueError(f"a name must not contain {_code_point(hidden)} ({what}); remove it")
    half = lone_surrogate(value)
    if half is not None:
        raise ValueError(f"a name must not contain {half_character(half)}; remove it")
    control = next((ch for ch in value if unicodedata.category(ch) == "Cc"), None)
    if control is not None:
        # an escape sequence in a name would be sent to the terminal (clear the screen, ...)
        raise ValueError(
            f"a name must not contain control characters such as {control!r} "
            "(tabs, line breaks, escape codes)"
        )
    if all(_invisible(ch) for ch in value):
        shown = next(ch for ch in value if not ch.isspace())  # not empty: checked above
        raise ValueError(
            "a name must have a visible character; this one has only invisible ones such as "
            f"{_code_point(shown)}"
        )
    return value


# Characters a name must not hold: the line and paragraph separators, and the bidirectional
# marks, embeddings, overrides and isolates (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069)
_BREAKS = ("Zl", "Zp")
_REORDERING = frozenset(
    "\u061c\u200e\u200f"
    + "".join(map(chr, range(0x202A, 0x202F)))
    + "".join(map(chr, range(0x2066, 0x206A)))
)
# letters and symbols that show as blank space (fillers, the blank Braille pattern)
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _invisible(character: str) -> bool:
    """Shows nothing: a space, a format character (zero-width space, joiner, soft hyphen), a
    combining mark with nothing to combine with, a filler."""
    return (
        character.isspace()
        or unicodedata.category(character) in ("Cf", "Zs", "Mn", "Me", "Cc")
        or character in _BLANK
    )


def _code_point(character: str) -> str:
    return f"U+{ord(character):04X} ({unicodedata.name(character, 'unnamed')})"


# `monthly_fee: 3%` would silently be $0.03: a percentage is only allowed for rates and shares.
Money = Annotated[
    float,
    BeforeValidator(_number_validator(low=0, high=MAX_MONEY, what="amount", percent=False)),
]
OptionalMoney = Annotated[
    float | None,
    BeforeValidator(
        _number_validator(low=0, high=MAX_MONEY, optional=True, what="amount", percent=False)
    ),
]
Tokens = Annotated[
    float,
    BeforeValidator(_number_validator(low=0, high=MAX_TOKENS, what="a token count", percent=False)),
]
Price = Annotated[
    float, BeforeValidator(_number_validator(low=0, high=1e9, what="a price", percent=False))
]
OptionalPrice = Annotated[
    float | None,
    BeforeValidator(
        _number_validator(low=0, high=1e9, optional=True, what="a price", percent=False)
    ),
]
# A monthly rate of change: -100% or less would make figures vanish or flip sign.
Rate = Annotated[float, BeforeValidator(_number_validator(low=-1, high=10, low_open=True))]
Share = Annotated[float, BeforeValidator(_number_validator(low=0, high=1, what="a share"))]
Date = Annotated[dt.date, BeforeValidator(parse_date)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(parse_optional_date)]
Month = Annotated[dt.date, BeforeValidator(parse_month)]
OptionalMonth = Annotated[
    dt.date | None, BeforeValidator(lambda v: None if v is None else parse_month(v))
]
Name = Annotated[str, BeforeValidator(_name)]
OptionalTokens = Annotated[
    float | None,
    BeforeValidator(
        _number_validator(
            low=0, high=MAX_TOKENS, optional=True, what="a token count", percent=False
        )
    ),
]
# GPUs, serving slots: counts that may be fractional on average (a GPU shared by two pools)
OptionalCount = Annotated[
    float | None,
    BeforeValidator(
        _number_validator(low=0, high=1e9, optional=True, what="a count", percent=False)
    ),
]
Positive = Annotated[
    float,
    BeforeValidator(_number_validator(low=0, high=1e9, low_open=True, percent=False)),
]
OptionalSeconds = Annotated[
    float | None,
    BeforeValidator(
        _number_validator(low=0, high=1e9, optional=True, what="a time", percent=False)
    ),
]
OptionalName = Annotated[str | None, BeforeValidator(lambda v: None if v is None else _name(v))]


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise ValueError(f"{value!r} is not a currency code; write three letters such as USD")
    return value.strip().upper()


Currency = Annotated[str, BeforeValidator(_currency)]
OptionalCurrency = Annotated[
    str | None, BeforeValidator(lambda v: None if v is None else _currency(v))
]


class _Model(BaseModel):
    # Each model's validator is built when it is first used, not when it is defined: a file is
    # validated by Scenario's, which holds them all, and building every nested model's own
    # validator too cost ~10 ms of every command's start
    model_config = ConfigDict(extra="forbid", validate_default=False, defer_build=True)


class Horizon(_Model):
    """The run of calendar months projected."""

    start: Month = Field(description="First month projected, YYYY-MM.")
    months: Annotated[int, BeforeValidator(_int_validator(1, MAX_HORIZON_MONTHS))] = Field(
        description="How many months to project (1 to 1200)."
    )


class Escalator(_Model):
    rate: Rate = Field(description="Fee increase per step, e.g. 0.03 (or 3%).")
    every_months: Annotated[int, BeforeValidator(_int_validator(1, 600))] = Field(
        12,
        description="Step length in contract months: the fee steps up from contract month "
        "every_months, 2 x every_months, ...",
    )


class RampStep(_Model):
    months: Annotated[int, BeforeValidator(_int_validator(1, 600))] = Field(
        description="Contract months this step lasts."
    )
    fraction: Share = Field(description="Share of the fee and capacity in those months (0..1).")


class Termination(_Model):
    notice_days: Annotated[int, BeforeValidator(_int_validator(0, 3650))] = Field(
        description="Days between notice and the first day without service."
    )
    fee: Money = Field(0.0, description="Termination fee charged in the last month of service.")
    earliest_notice: OptionalDate = Field(
        None, description="First day notice may be given (default: the contract's start)."
    )
    notice_given: OptionalDate = Field(
        None, description="Day notice is (assumed) given; null for none."
    )


class Payment(_Model):
    timing: Literal["advance", "arrears"] = Field(
        "advance",
        description="advance: a billing period's fees are paid in its first month; arrears: in "
        "the month after its last.",
    )
    every_months: Annotated[int, BeforeValidator(_int_validator(1, 120))] = Field(
        1, description="Billing period in contract months (1 monthly, 3 quarterly, 12 yearly)."
    )


class Prepayment(_Model):
    """An amount paid ahead and credited against the contract's later payments."""

    amount: Money = Field(description="Amount prepaid, in the contract's currency.")
    paid: Date = Field(description="Day it is paid, YYYY-MM-DD (cash out in that month).")
    applied: Literal["first", "pro_rata"] = Field(
        "first",
        description="first: against each payment until used up; pro_rata: each payment x "
        "amount / the payments scheduled from the month it is paid.",
    )
    refundable: bool = Field(
        False,
        description="An unused remainder is refunded (default: forfeited at the end of service).",
    )


class CommitMinimum(_Model):
    amount: Money = Field(description="Minimum spend per period, in the contract's currency.")
    every_months: Annotated[int, BeforeValidator(_int_validator(1, 600))] = Field(
        12, description="Period length in contract months, counted from the start month."
    )


class Capacity(_Model):
    """Either `tokens_per_month`, or `gpus` and the throughput of one GPU."""

    tokens_per_month: OptionalTokens = Field(
        None, description="Tokens the contract provides per month (default 0)."
    )
    gpus: OptionalCount = Field(None, description="GPUs reserved (instead of tokens_per_month).")
    tokens_per_gpu_second: OptionalTokens = Field(
        None, description="Sustained serving throughput of one GPU, tokens per second."
    )

    @model_validator(mode="after")
    def _one_form(self) -> Capacity:
        issues: list[tuple[tuple[str | int, ...], str]] = []
        if self.gpus is not None and self.tokens_per_month is not None:
            issues.append(
                (
                    ("tokens_per_month",),
                    "give either tokens_per_month or gpus with tokens_per_gpu_second, not both",
                )
            )
        if self.tokens_per_gpu_second is not None and self.gpus is None:
            issues.append(
                (("tokens_per_gpu_second",), "tokens_per_gpu_second needs gpus (how many GPUs)")
            )
        if self.gpus is not None and self.tokens_per_gpu_second is None:
            issues.append(
                (
                    ("gpus",),
                    "gpus needs tokens_per_gpu_second (the sustained throughput of one GPU)",
                )
            )
        if issues:
            raise FieldIssues(issues)
        return self


class SlaTier(_Model):
    below: Annotated[
        float, BeforeValidator(_number_validator(low=0, high=1, low_open=True, what="a share"))
    ] = Field(description="The tier applies when uptime is strictly below this share.")
    credit: Share = Field(description="Credit, as a share of the month's fee.")


class Sla(_Model):
    credits: list[SlaTier] = Field(
        default_factory=list, description="Service-credit tiers: {below, credit} each."
    )
    cap: Share = Field(1.0, description="Credit at most this share of the month's fee.")


class Accounting(_Model):
    """How a contract is accounted for: a stated policy, the user's judgment (the tool does not
    decide whether a contract is a lease)."""

    treatment: Literal["lease", "service"] = Field(
        "service", description="lease: on the balance sheet; service: fees expensed as incurred."
    )
    standard: Literal["asc842", "ifrs16"] = Field(
        "asc842",
        description="asc842: operating lease, one straight-line cost; ifrs16: depreciation "
        "+ interest.",
    )
    borrowing_rate: Annotated[
        float, BeforeValidator(_number_validator(low=-1, high=10, low_open=True))
    ] = Field(0.0, description="Annual incremental borrowing rate that discounts the payments.")
    term: Literal["noncancelable", "full"] = Field(
        "noncancelable",
        description="noncancelable: to the end of service if notice were given at the earliest; "
        "full: to the end (or the notice given).",
    )
    short_term_exemption: bool = Field(
        True, description="A lease term of 12 months or less stays off the balance sheet."
    )


class Contract(_Model):
    name: Name = Field(description="Unique name of the contract.")
    counterparty: OptionalName = Field(None, description="Who provides the capacity.")
    kind: Literal["reserved", "commit"] = Field(
        "reserved",
        description="reserved: dedicated capacity for a monthly fee; commit: tokens bought at a "
        "price, with a minimum spend per period (take-or-pay).",
    )
    currency: OptionalCurrency = Field(
        None, description="ISO code of the contract's amounts (default: the scenario's)."
    )
    monthly_fee: Money = Field(0.0, description="Fee per full month of service (reserved).")
    price_per_million_tokens: OptionalPrice = Field(
        None, description="Price of tokens bought under a commit, per million."
    )
    minimum: CommitMinimum | None = Field(
        None, description="A commit's minimum spend: {amount, every_months}."
    )
    max_tokens_per_month: OptionalTokens = Field(
        None, description="Most tokens a commit sells in a month (default: no limit)."
    )
    prepayment: Prepayment | None = Field(
        None, description="An amount paid ahead and credited against later payments."
    )
    start: Date = Field(description="First day of service, YYYY-MM-DD.")
    end: Date = Field(description="Last day of service, inclusive, YYYY-MM-DD.")
    escalator: Escalator | None = None
    ramp: list[RampStep] = Field(default_factory=list)
    termination: Termination | None = Field(
        None, description="Early termination terms; none means the contract cannot be ended early."
    )
    payment: Payment = Field(default_factory=Payment)
    capacity: Capacity = Field(default_factory=Capacity)
    uptime: Share = Field(
        1.0, description="Share of the time the capacity is available (fees do not change)."
    )
    sla: Sla | None = Field(None, description="Service credits when uptime falls short.")
    accounting: Accounting = Field(
        default_factory=Accounting, description="Accounting policy (default: a service)."
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> Contract:
        term = self.termination
        issues = kind_issues(self) + date_issues(
            self.start,
            self.end,
            term is not None,
            term.earliest_notice if term else None,
            term.notice_given if term else None,
        )
        if issues:
            raise FieldIssues(issues)
        return self

    @property
    def earliest_notice(self) -> dt.date:
        term = self.termination
        return (term.earliest_notice if term and term.earliest_notice else None) or self.start


# What only a reserved contract may give, and what only a commit may: (field, why).
RESERVED_ONLY = {
    "monthly_fee": "a commit has no monthly fee; it bills tokens at price_per_million_tokens",
    "capacity": "a commit provides no reserved capacity",
    "ramp": "a commit has no ramp",
    "escalator": "a commit's price has no escalator",
    "uptime": "uptime is of reserved capacity",
    "sla": "SLA credits are on reserved capacity",
    "prepayment": "a prepayment is credited against a reserved contract's fees",
}
COMMIT_ONLY = ("price_per_million_tokens", "minimum", "max_tokens_per_month")


def _gives(c: Contract, name: str) -> bool:
    """Whether a contract gives `name` a value other than its default. By value, not by the
    fields set: a scenario dumped and validated again (--set, distributions, variants, the
    bridge) holds every default, and must read as the scenario written."""
    # models compare by their fields' values (not by which were set), lists item by item
    return bool(getattr(c, name) != _contract_default(name))


@functools.cache
def _contract_default(name: str) -> Any:
    """A contract field's default, made once (compared, never changed)."""
    return Contract.model_fields[name].get_default(call_default_factory=True)


def kind_issues(c: Contract) -> list[tuple[tuple[str | int, ...], str]]:
    """Fields a contract gives that its kind does not have, and what its kind needs."""
    # only the other kind's fields need looking at
    others = RESERVED_ONLY if c.kind == "commit" else COMMIT_ONLY
    given = {name for name in others if _gives(c, name)}
    issues: list[tuple[tuple[str | int, ...], str]] = []
    if c.kind == "commit":
        issues += [
            ((name,), f"{why}; remove {name} (kind: commit)")
            for name, why in RESERVED_ONLY.items()
            if name in given
        ]
        if c.price_per_million_tokens is None:
            issues.append(
                (("price_per_million_tokens",), "a commit needs price_per_million_tokens")
            )
        if c.payment.every_months != 1:
            issues.append(
                (
                    ("payment", "every_months"),
                    "a commit bills its usage monthly and its shortfall at the end of each "
                    "minimum period; remove every_months",
                )
            )
        if c.accounting.treatment == "lease":
            issues.append((("accounting", "treatment"), "a commit provides no capacity to lease"))
        return issues
    issues += [
        ((name,), f"{name} is for take-or-pay commits; add kind: commit or remove it")
        for name in COMMIT_ONLY
        if name in given
    ]
    if "monthly_fee" not in c.model_fields_set:  # a fee of 0 written is a fee given
        issues.append((("monthly_fee",), "a reserved contract needs monthly_fee"))
    return issues


def date_issues(
    start: dt.date,
    end: dt.date,
    has_termination: bool,
    earliest_notice: dt.date | None,
    notice_given: dt.date | None,
) -> list[tuple[tuple[str | int, ...], str]]:
    """A contract's dates out of order, each tied to the field to fix.

    Also used by validation on a contract whose other fields failed, so that these problems
    are reported in the same pass.
    """
    issues: list[tuple[tuple[str | int, ...], str]] = []
    if end < start:
        issues.append(
            (("end",), f"{end} is before the start {start}; end is the last day of service")
        )
    if not has_termination:
        return issues
    earliest = earliest_notice or start
    if earliest_notice is not None and earliest_notice > end:
        issues.append(
            (
                ("termination", "earliest_notice"),
                f"{earliest_notice} is after the contract ends on {end}",
            )
        )
    if notice_given is not None:
        if notice_given < earliest:
            source = "earliest_notice" if earliest_notice else "the contract's start"
            issues.append(
                (
                    ("termination", "notice_given"),
                    f"{notice_given} is before {source} ({earliest}); notice cannot be given then",
                )
            )
        elif notice_given > end:
            issues.append(
                (
                    ("termination", "notice_given"),
                    f"{notice_given} is after the contract ends on {end}",
                )
            )
    return issues


class RevenueStream(_Model):
    name: Name = Field(description="Unique name of the revenue stream.")
    tokens_per_month: Tokens = Field(
        0.0, description="Token demand in the first month (the horizon's, or the stream's start)."
    )
    growth: Rate = Field(0.0, description="Monthly growth of demand and of flat revenue.")
    price_per_million_tokens: OptionalPrice = Field(
        None, description="Usage price per million tokens in the first month."
    )
    price_change: Rate = Field(0.0, description="Monthly change of the token price.")
    revenue_per_month: OptionalMoney = Field(
        None, description="Flat revenue in the first month (not tied to tokens served)."
    )
    start: OptionalMonth = Field(
        None,
        description="First month of the stream, YYYY-MM (default: the horizon's start); "
        "growth and price change count from it.",
    )
    end: OptionalMonth = Field(
        None, description="Last month of the stream, inclusive (default: the horizon's end)."
    )
    currency: OptionalCurrency = Field(
        None, description="ISO code of the stream's prices and revenue (default: the scenario's)."
    )

    @model_validator(mode="after")
    def _end_after_start(self) -> RevenueStream:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise FieldIssues(
                [(("end",), f"{self.end:%Y-%m} is before the stream's start {self.start:%Y-%m}")]
            )
        return self


class TrainingRun(_Model):
    """A training run that takes a share of the available capacity for a while."""

    name: Name = Field(description="Unique name of the training run.")
    start: Month = Field(description="First month of the run, YYYY-MM.")
    months: Annotated[int, BeforeValidator(_int_validator(1, MAX_HORIZON_MONTHS))] = Field(
        description="Months the run lasts."
    )
    share: Share = Field(description="Share of the available capacity it takes (0..1).")
    repeat_every_months: Annotated[
        int | None, BeforeValidator(lambda v: None if v is None else _int_validator(1, 600)(v))
    ] = Field(None, description="Months from one run's start to the next's (default: once).")

    @model_validator(mode="after")
    def _repeat_after_end(self) -> TrainingRun:
        if self.repeat_every_months is not None and self.repeat_every_months < self.months:
            raise FieldIssues(
                [
                    (
                        ("repeat_every_months",),
                        f"{self.repeat_every_months} is less than the run's {self.months} "
                        "months; a run repeats after it ends",
                    )
                ]
            )
        return self


class Serving(_Model):
    """How requests queue for serving slots: the inputs of the queue-latency estimate."""

    request_seconds: Positive = Field(
        description="Mean time one request holds a serving slot, seconds."
    )
    slots_per_gpu: Positive = Field(description="Requests one GPU serves at once.")
    pools: Annotated[int, BeforeValidator(_int_validator(1, 1_000_000))] = Field(
        1, description="Independent serving pools the GPUs are split into."
    )
    peak_to_average: Annotated[
        float, BeforeValidator(_number_validator(low=1, high=1000, percent=False))
    ] = Field(1.0, description="Busiest hour's demand / the month's average (at least 1).")
    arrival_cv: Annotated[
        float, BeforeValidator(_number_validator(low=0, high=100, percent=False))
    ] = Field(1.0, description="Coefficient of variation of the time between arrivals.")
    service_cv: Annotated[
        float, BeforeValidator(_number_validator(low=0, high=100, percent=False))
    ] = Field(1.0, description="Coefficient of variation of request times.")
    wait_target_seconds: OptionalSeconds = Field(
        None, description="Optional cap on the peak-hour mean queue wait, seconds."
    )


class Benchmarks(_Model):
    market_price_per_gpu_hour: OptionalPrice = Field(
        None, description="What the same GPUs cost on the market, per GPU-hour."
    )


class FxRate(_Model):
    rate: Annotated[
        float, BeforeValidator(_number_validator(low=0, high=1e9, low_open=True, percent=False))
    ] = Field(
        description="Units of the reporting currency per unit of this one in the horizon's "
        "first month."
    )
    change: Rate = Field(0.0, description="Monthly change of the rate, compounded.")


class Overflow(_Model):
    policy: Literal["on_demand", "unserved"] = Field(
        "unserved",
        description="on_demand: demand over capacity is bought on demand; unserved: it is lost.",
    )
    cost_per_million_tokens: OptionalPrice = Field(
        None, description="On-demand price per million tokens (required for on_demand)."
    )

    @model_validator(mode="after")
    def _cost_for_on_demand(self) -> Overflow:
        if self.policy == "on_demand" and self.cost_per_million_tokens is None:
            raise FieldIssues(
                [
                    (
                        ("cost_per_million_tokens",),
                        "policy on_demand needs cost_per_million_tokens (the on-demand price)",
                    )
                ]
            )
        return self


class Costs(_Model):
    training_share: Share = Field(
        0.0, description="Share of committed capacity and fees used for training (0..1)."
    )
    serving_cost_per_million_tokens: Price = Field(
        0.0, description="Variable cost per million tokens served (committed or on demand)."
    )
    overflow: Overflow = Field(default_factory=Overflow)
    collection_lag_months: Annotated[int, BeforeValidator(_int_validator(0, 120))] = Field(
        0, description="Months between earning revenue and collecting the cash."
    )


class Scenario(_Model):
    # Not fields: a scenario file cannot set them; the loader, overrides and `attach` do.
    _provenance: Provenance = PrivateAttr(default_factory=Provenance)
    _uncertainty: Uncertainty = PrivateAttr(default_factory=Uncertainty)

    name: Name = Field(description="Scenario name shown in every output.")
    label: OptionalName = Field(
        None,
        description="A short name for the workbook's sheet names (default: the name, shortened "
        "at a word boundary).",
    )
    currency: Currency = Field("USD", description="ISO currency code of every amount.")
    horizon: Horizon
    fiscal_year_start_month: Annotated[int, BeforeValidator(_int_validator(1, 12))] = Field(
        1, description="First month of the fiscal year (1 = January); FY named by its end year."
    )
    discount_rate: Annotated[
        float, BeforeValidator(_number_validator(low=-1, high=10, low_open=True))
    ] = Field(0.0, description="Annual discount rate for NPV, e.g. 0.10.")
    contracts: list[Contract] = Field(default_factory=list)
    revenue: list[RevenueStream] = Field(default_factory=list)
    costs: Costs = Field(default_factory=Costs)
    training_runs: list[TrainingRun] = Field(
        default_factory=list, description="Runs that take extra capacity for a while."
    )
    serving: Serving | None = Field(
        None, description="Queue-latency inputs (every contract must then give gpus)."
    )
    benchmarks: Benchmarks = Field(default_factory=Benchmarks)
    fx: dict[Currency, FxRate] = Field(
        default_factory=dict,
        description="Rate of each other currency used: {EUR: {rate: 1.08, change: 0.001}}.",
    )
    correlations: list[Correlation] = Field(
        default_factory=list,
        description="Correlations between inputs given as distributions (Gaussian copula).",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _amounts_in_their_currency(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """Amounts written in another currency than their item's (`monthly_fee: USD 5M` in a
        EUR scenario), read on the data as given (parsing drops the currency), reported with
        every other problem of the scenario: pydantic's errors and these, all at once. A caller
        that has checked them on the data as written (the loader, --set: CURRENCIES_CHECKED in
        the context) is not made to wait for a second walk over every amount."""
        if (info.context or {}).get(CURRENCIES_CHECKED):
            return handler(data)
        issues = currency_issues(data)
        if not issues:
            return handler(data)
        # each at its field, as pydantic's own errors are (the loader finds its line there)
        found = [
            pydantic_core.InitErrorDetails(
                type="value_error",
                loc=loc,
                input=_value_at(data, loc),
                ctx={"error": FieldIssues([((), message)])},
            )
            for loc, message in issues
        ]
        try:
            handler(data)
        except ValidationError as error:
            details = [
                pydantic_core.InitErrorDetails(
                    type=item["type"],
                    loc=item["loc"],
                    input=item["input"],
                    **({"ctx": item["ctx"]} if "ctx" in item else {}),
                )
                for item in error.errors(include_url=False)
            ]
            raise ValidationError.from_exception_data(cls.__name__, [*details, *found]) from None
        raise ValidationError.from_exception_data(cls.__name__, found)

    @model_validator(mode="after")
    def _whole_scenario_rules(self) -> Scenario:
        issues = duplicate_names(
            {group: [item.name for item in getattr(self, group)] for group in NAMED_GROUPS}
        )
        if self.serving is not None:
            issues += [
                (
                    ("contracts", i, "capacity", "gpus"),
                    f"serving (queue latency) needs every contract's gpus; {c.name!r} gives "
                    "none: give capacity.gpus and tokens_per_gpu_second",
                )
                for i, c in enumerate(self.contracts)
                if c.capacity.gpus is None and c.kind == "reserved"
            ]
        issues += self._currency_issues()
        if issues:
            raise FieldIssues(issues)
        return self

    def _currency_issues(self) -> list[tuple[tuple[str | int, ...], str]]:
        issues: list[tuple[tuple[str | int, ...], str]] = []
        if self.currency in self.fx:
            issues.append(
                (
                    ("fx", self.currency),
                    f"{self.currency} is the reporting currency (rate 1); remove it from fx",
                )
            )
        for group in ("contracts", "revenue"):
            for i, item in enumerate(getattr(self, group)):
                code = item.currency
                if code is not None and code != self.currency and code not in self.fx:
                    issues.append(
                        (
                            (group, i, "currency"),
                            f"{code} has no rate; add fx: {{{code}: {{rate: ...}}}} (units of "
                            f"{self.currency} per {code})",
                        )
                    )
        return issues

    def currency_of(self, item: Contract | RevenueStream) -> str:
        """The currency of a contract or stream: its own, or the scenario's."""
        return item.currency or self.currency

    @property
    def provenance(self) -> Provenance:
        """Where the scenario came from: file, hash, the --set assignments applied."""
        return self._provenance

    @provenance.setter
    def provenance(self, value: Provenance) -> None:
        self._provenance = value

    @property
    def uncertainty(self) -> Uncertainty:
        """The inputs given as distributions, and their correlations (empty if none)."""
        return self._uncertainty

    @uncertainty.setter
    def uncertainty(self, value: Uncertainty) -> None:
        self._uncertainty = value

    @property
    def months(self) -> int:
        return self.horizon.months

    def horizon_end(self) -> dt.date:
        """Last day of the horizon's last month."""
        index = self.horizon.start.year * 12 + self.horizon.start.month - 1 + self.months - 1
        year, month = divmod(index, 12)
        return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


NAMED_GROUPS = ("contracts", "revenue", "training_runs")


def duplicate_names(groups: dict[str, list[Any]]) -> list[tuple[tuple[str | int, ...], str]]:
    """Items whose name repeats an earlier one in the same list (overrides address by name)."""
    issues: list[tuple[tuple[str | int, ...], str]] = []
    for group, names in groups.items():
        seen: dict[Any, int] = {}
        for index, name in enumerate(names):
            if name is None:
                continue
            if name in seen:
                issues.append(
                    (
                        (group, index, "name"),
                        f"{name!r} is already the name of {group}[{seen[name]}]; "
                        "names must be unique",
                    )
                )
            else:
                seen[name] = index
    return issues


# --- Amounts and their currency ------------------------------------------------------------


def strip_annotation(annotation: Any) -> Any:
    """Model | None -> Model; Annotated[X, ...] -> X."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return strip_annotation(args[0])
    return annotation


# The money types of the model: a field declared with one of them is an amount of money or a
# price, which may say its currency (`EUR 400M`); every other number may not.
_MONEY_VALIDATORS = tuple(
    meta
    for kind in (Money, OptionalMoney) + (Price, OptionalPrice)
    for meta in typing.get_args(kind)[1:]
)


def is_amount(model: type[BaseModel], name: str) -> bool:
    """Whether the field `name` of `model` holds money (a fee, a price, an fx rate)."""
    if model is FxRate:
        return name == "rate"  # units of the reporting currency per unit of another
    field = model.model_fields.get(name)
    return field is not None and any(meta in _MONEY_VALIDATORS for meta in field.metadata)


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models a field holds: itself, its list's items, its mapping's values."""
    annotation = strip_annotation(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (list, dict):
        return models_in(typing.get_args(annotation)[-1])
    return []


def _value_at(data: Any, loc: Path_) -> Any:
    for part in loc:
        data = data[part]
    return data


@functools.cache
def _field_kinds(model: type[BaseModel]) -> dict[str, tuple[list[type[BaseModel]], bool, bool]]:
    """Each field of `model`: the models it holds, whether it is a number, whether money (the
    walk over a scenario's amounts asks for every field of every item: worked out once)."""
    return {
        name: (models_in(field.annotation), _is_float(field.annotation), is_amount(model, name))
        for name, field in model.model_fields.items()
    }


def _is_float(annotation: Any) -> bool:
    return strip_annotation(annotation) is float


def _code(value: Any) -> str | None:
    """A currency field's code as the model reads it; None if it is not one."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        return value.strip().upper()
    return None


@dataclass(frozen=True)
class _Owner:
    """Whose amounts these are: their currency (None: not a code, not checked), how to say so,
    and what else the user may do about an amount in another currency ({written})."""

    code: str | None
    whose: str
    otherwise: str = ""


def currency_issues(data: Any) -> list[tuple[Path_, str]]:
    """Amounts written in a currency other than their item's, and currencies on numbers that
    are not money, in a scenario's raw data (a file's, or a dumped scenario with --set values).

    An amount of a contract or revenue stream is in the item's `currency`, else the scenario's
    (default USD); fx rates and every other amount are in the scenario's. A currency that is
    not a code is a problem of its own: its item's amounts are not checked.
    """
    if not isinstance(data, dict):
        return []
    issues: list[tuple[Path_, str]] = []
    reporting = _code(data.get("currency") or "USD")

    def visit(node: Any, loc: Path_, model: type[BaseModel], owner: _Owner) -> None:
        if not isinstance(node, dict):
            return
        fields = _field_kinds(model)
        for key, value in node.items():
            kind = fields.get(key) if isinstance(key, str) else None
            if kind is None:
                continue  # an unknown key, reported by the model
            inner, number, amount = kind
            here = (*loc, key)
            if model is Scenario and key in ("contracts", "revenue") and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        visit(item, (*here, index), inner[0], _item_owner(key, item, reporting))
            elif model is Scenario and key == "fx" and isinstance(value, dict):
                for code, rate in value.items():
                    whose = f"an fx rate is in {reporting} per {_code(code) or code}"
                    visit(rate, (*here, code), FxRate, _Owner(reporting, whose))
            elif inner and isinstance(value, list):
                for index, item in enumerate(value):
                    visit(item, (*here, index), inner[0], owner)
            elif inner:
                visit(value, here, inner[0], owner)
            elif number and not isinstance(value, int | float):  # a number has no currency
                issues.extend(_leaf(value, here, amount, owner))

    visit(data, (), Scenario, _Owner(reporting, f"the scenario's amounts are in {reporting}"))
    return issues


def _item_owner(group: str, item: dict[str, Any], reporting: str | None) -> _Owner:
    what = "contract" if group == "contracts" else "revenue stream"
    own = item.get("currency")
    if own is None:
        whose = f"this {what}'s amounts are in {reporting}, the scenario's currency"
        return _Owner(reporting, whose, f", or give the {what} currency: {{written}}")
    code = _code(own)  # None: not a code, a problem of its own
    otherwise = f", or give the {what} currency: {{written}}"
    return _Owner(code, f"this {what}'s amounts are in {code}", otherwise)


def _leaf(value: Any, loc: Path_, amount: bool, owner: _Owner) -> list[tuple[Path_, str]]:
    """The problems of one number as written (or of a distribution's parameters)."""
    if isinstance(value, dict):  # {dist: ...}: its parameters are in the field's currency
        return [
            issue
            for key, inner in value.items()
            if key != "dist"
            for issue in _leaf(inner, (*loc, key), amount, owner)
        ]
    if isinstance(value, list):  # a choice's values
        return [
            issue
            for i, inner in enumerate(value)
            for issue in _leaf(inner, (*loc, i), amount, owner)
        ]
    written = written_currency(value)
    if written is None:
        return []
    figure = without_currency(str(value))
    if not amount:
        message = f"{value} has a currency, but this is not an amount of money; write {figure}"
        return [(loc, message)]
    if owner.code is None or written == owner.code:
        return []
    message = (
        f"{value} is in {written} but {owner.whose}: write it in {owner.code} ({figure} or "
        f"{owner.code} {figure}){owner.otherwise.format(written=written)}"
    )
    return [(loc, message)]
