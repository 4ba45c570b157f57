"""Layer 7, report: results as neutral tables (plain dicts and rows, unrounded) for render."""
