"""Where a scenario came from and what was changed on the way: for error lines, JSON headers and
the workbook's Audit sheet. Set by the loader and by overrides; read by every output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Provenance:
    file: str | None = None  # as given on the command line, "<input>" for text, None if built
    sha256: str | None = None  # of the bytes read
    document: Any = None  # load.reader.Document: the marks that give problems their line
    overrides: tuple[str, ...] = ()  # --set assignments applied, in order
