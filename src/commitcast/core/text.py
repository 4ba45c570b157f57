"""Text a scenario may not hold, whichever reader or field it came through."""

from __future__ import annotations


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in `text` (U+D800-U+DFFF: half of a character, which no UTF-8
    file, workbook or page can hold), or None. Only a YAML escape ("\\ud800") or a byte that
    is not UTF-8 in a command-line argument (Python hands it over as U+DC80-U+DCFF) writes one."""
    return next((ch for ch in text if "\ud800" <= ch <= "\udfff"), None)


def half_character(character: str) -> str:
    """How a message names a lone surrogate."""
    return f"U+{ord(character):04X}, half of a character (a lone surrogate)"
