"""Machine-readable outputs: CSV, JSON and Markdown. Numbers are never rounded here."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from commitcast.core.display import undefined
from commitcast.engine.projection import Period, Projection


def safe_text(value: str) -> str:
    """Text from an input file must never become a formula in a spreadsheet that opens the
    CSV: a leading =, +, -, @, tab or carriage return gets a quote mark in front."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def csv_rows(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if undefined(value):  # the one rule: NaN and infinities are blank, as in every output
        return ""
    if isinstance(value, float):
        # float(): numpy 2 writes repr(np.float64(0.1)) as "np.float64(0.1)"
        return repr(float(value))
    if isinstance(value, str):
        # the csv module quotes a field with "\n" but not one with a bare "\r", which a
        # spreadsheet would take as the end of the row
        return safe_text(value).replace("\r\n", "\n").replace("\r", "\n")
    return value


def projection_csv(result: Projection, by: Period = "month") -> str:
    return csv_rows(*result.table(by))


def to_json(data: Any) -> str:
    return json.dumps(_json_ready(data), indent=2, allow_nan=False) + "\n"


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and undefined(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _json_ready(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# Markdown's inline markup and HTML: text from a scenario (a name such as `[x](javascript:...)`
# or `<img onerror=...>`) is shown as written, never read as a link, an image, code, emphasis,
# a heading, an entity or HTML. A markup character already escaped (a backslash before it) is
# left as it is, so text escaped once is not escaped again. The ':' of '://' and the '.' of
# 'www.' are escaped too: GitHub's Markdown makes a link of a bare address in text
# (https://..., www....), and an escaped one stays text. (So a backslash written before a ':'
# or a '.' is taken as such an escape, and shows as the ':' or '.' alone.)
_MARKUP = re.compile(
    r"\\([\\`*_\[\]<>#~&|:.])"  # already escaped: as it is
    r"|([\\`*_\[\]<>#~&|])"  # markup
    r"|(:)(?=//)|(?<=\bwww)(\.)|(?<=\bWWW)(\.)"  # a bare address's ':' and 'www.'
)
# a list item's text that would open a list of its own: "- x", "+ x", "1. x", "1) x"
_LIST_MARKER = re.compile(r"^(\s*)(\d{0,9})([-+.)])(?=\s|$)")


def markdown_text(text: str) -> str:
    """`text` as written, on one line, in any Markdown output (a table cell, a list item): the
    one place where Markdown and HTML are escaped. Escaping twice changes nothing.

    >>> markdown_text("[x](javascript:alert(1)) <img src=x onerror=alert(1)> a|b")
    '\\\\[x\\\\](javascript:alert(1)) \\\\<img src=x onerror=alert(1)\\\\> a\\\\|b'
    >>> markdown_text("see https://example.com or www.example.com")
    'see https\\\\://example.com or www\\\\.example.com'
    """
    one_line = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return _MARKUP.sub(lambda m: "\\" + next(g for g in m.groups() if g), one_line)


def markdown_list(lines: Sequence[str]) -> str:
    """A Markdown list of `lines`, each escaped; an item that begins as a list marker would
    (a contract named "1. North" or "- old") has the marker escaped, so it shows as written."""
    items = (_LIST_MARKER.sub(_escaped_marker, markdown_text(line)) for line in lines)
    return "".join(f"- {item}\n" for item in items)


def _escaped_marker(marker: re.Match[str]) -> str:
    """'- ' -> '\\- ', '1. ' -> '1\\. ': the punctuation escaped (a digit cannot be)."""
    spaces, digits, mark = marker.groups()
    if bool(digits) != (mark in ".)"):
        return marker[0]  # '5-', '.': no list marker
    return f"{spaces}{digits}\\{mark}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table; every cell escaped by `markdown_text` (callers pass plain text)."""
    lines = ["| " + " | ".join(markdown_text(str(h)) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(markdown_text(str(c)) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
