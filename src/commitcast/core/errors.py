"""One error type for everything a user can get wrong, and the exit codes.

Problems are data: the loader and validators collect every one they find, each with the
file, line, column and field path, so a user can fix a scenario in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_FAILURE = 1  # a bug or an environment failure the user cannot fix in their input
EXIT_USAGE = 2  # bad input: scenario, option, override, output path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where it is."""

    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    field: str | None = None  # dotted path such as contracts[0].monthly_fee
    hint: str | None = None
    severity: str = "error"  # or "warning"

    def location(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = self.location() + ": "
        if self.severity == "warning":
            text += "warning: "
        if self.field:
            text += f"{_clip(self.field, 100, 100)}: "
        text += _clip(self.message, 600, 400)
        if self.hint:
            text += f" ({self.hint})"
        return text


def _clip(text: str, head: int, tail: int) -> str:
    """A message quoting a 1 MB value from the file stays one readable line: keep its start
    (what is wrong) and end (how to fix it)."""
    if len(text) <= head + tail + 40:
        return text
    return f"{text[:head]}... [{len(text) - head - tail:,} characters] ...{text[-tail:]}"


@dataclass
class CommitcastError(Exception):
    """Raised with every problem found; the CLI prints them all and exits with `exit_code`."""

    problems: list[Problem] = field(default_factory=list)
    exit_code: int = EXIT_USAGE

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @classmethod
    def single(cls, message: str, *, hint: str | None = None, **where: object) -> CommitcastError:
        return cls([Problem(message, hint=hint, **where)])  # type: ignore[arg-type]

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
