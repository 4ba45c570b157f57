"""Where a scenario came from and what was changed on the way: for error lines, JSON headers and
the workbook's Audit sheet. Set by the loader and by overrides; read by every output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commitcast.core.errors import Problem
from commitcast.core.paths import Path_, format_path


@dataclass(frozen=True)
class Provenance:
    file: str | None = None  # as given on the command line, "<input>" for text, None if built
    sha256: str | None = None  # of the bytes read
    document: Any = None  # load.reader.Document: the marks that give problems their line
    overrides: tuple[str, ...] = ()  # --set assignments applied, in order


def field_problem(
    source: Provenance, path: Path_, message: str, hint: str | None = None, *, exact: bool = False
) -> Problem:
    """A problem with the field at `path` of the scenario `source` describes, at its line and
    column when the scenario came from a file (that of its deepest parent written there if it
    is not; with `exact`, none: a default written nowhere has no line)."""
    document = source.document
    mark = None
    if document is not None:
        mark = document.marks.get(tuple(path)) if exact else document.mark_for(path)
    return Problem(
        message,
        file=source.file,
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        field=format_path(path),
        hint=hint,
    )
