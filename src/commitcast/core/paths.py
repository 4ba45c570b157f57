"""Field paths: where a value stands in a scenario, as a tuple and as text (`contracts[0].end`)."""

from __future__ import annotations

Path_ = tuple[str | int, ...]


def format_path(path: Path_) -> str:
    """('contracts', 0, 'monthly_fee') -> 'contracts[0].monthly_fee'"""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text
