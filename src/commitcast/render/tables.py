"""Machine-readable outputs: CSV, JSON and Markdown. Numbers are never rounded here."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

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
    if value is None:
        return ""
    if isinstance(value, float):
        # float(): numpy 2 writes repr(np.float64(0.1)) as "np.float64(0.1)"
        return "" if math.isnan(value) else repr(float(value))
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
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _json_ready(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def escape(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(escape(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(escape(str(c)) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
