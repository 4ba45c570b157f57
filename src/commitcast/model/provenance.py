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
    source: Provenance, path: Path_, message: str, hint: str | None = None
) -> Problem:
    """A problem with the field at `path` of the scenario `source` describes, at its line and
    column when the scenario came from a file."""
    document = source.document
    mark = document.mark_for(path) if document is not None else None
    return Problem(
        message,
        file=source.file,
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        field=format_path(path),
        hint=hint,
    )
