"""Check that a change moves no figure: every command on every bundled scenario, before and after.

    python scripts/same_figures.py [--against REV]

Runs each command below (JSON output, and the workbook's stored values) with the package as it is
at REV (default: HEAD) and as it is in the work tree, then compares every figure: money within
half a cent, ratios within 1e-9 relative, text and structure exactly. Prints the number of figures
compared and every difference; exits 1 if there is any. The old revision is checked out into a
temporary git worktree that is removed on every exit path.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
BASE = "scenarios/colossus-base.yaml"
API_PRICE = "revenue.API.price_per_million_tokens"


def commands(scenarios: list[Path]) -> list[list[str]]:
    """Every command with JSON output, over each of `scenarios`."""
    out: list[list[str]] = []
    for path in scenarios:
        f = str(path.relative_to(ROOT))
        out += [
            ["project", f, "-f", "json"],
            ["project", f, "-f", "json", "--by", "quarter"],
            ["project", f, "-f", "json", "--by", "year"],
            ["project", f, "-f", "json", "--set", "costs.training_share=0.3"],
            ["sensitivity", f, "-f", "json"],
            ["sensitivity", f, "-f", "json", "--grid", "costs.training_share=0.1,0.2,0.4"],
            ["solve", f, "-f", "json", "--vary", API_PRICE, "--target", "gross_margin_pct=40%"],
            ["solve", f, "-f", "json", "--breakeven-utilization"],
            ["exit", f, "-f", "json", "--contract", "0"],
            ["simulate", f, "-f", "json", "-n", "500", "--seed", "7"],
        ]
        if f != BASE:
            out += [
                ["compare", BASE, f, "-f", "json"],
                ["compare", BASE, f, "-f", "json", "--bridge", "npv"],
                ["compare", BASE, f, "-f", "json", "--metric", "cumulative_cash", "--by", "year"],
            ]
    return out


def run_all(src: Path, workdir: Path, scenarios: list[Path]) -> dict[str, object]:
    """Each command's parsed JSON (or its error text), keyed by the command line."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "100", "SOURCE_DATE_EPOCH": "0"}
    results: dict[str, object] = {}
    for argv in commands(scenarios):
        done = subprocess.run(
            [sys.executable, "-m", "commitcast", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        key = " ".join(argv)
        results[key] = json.loads(done.stdout) if done.returncode == 0 else done.stderr.strip()
    for path in scenarios:
        book = workdir / f"{path.stem}.xlsx"
        subprocess.run(
            [sys.executable, "-m", "commitcast", "export", str(path), "-o", str(book)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        results[f"export {path.name}"] = workbook_values(book)
    return results


def workbook_values(path: Path) -> dict[str, list[list[object]]]:
    """Stored values of every sheet but the Audit sheet (its time and hashes change)."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return {
            sheet.title: _by_label([list(row) for row in sheet.iter_rows(values_only=True)])
            for sheet in book.worksheets
            if sheet.title != "Audit"
        }
    finally:
        book.close()


def _by_label(rows: list[list[object]]) -> dict[str, list[object]]:
    """A sheet's rows by their first non-empty text cells (label, unit), so that a row added
    to a sheet adds a key rather than moves every row below it; repeated labels are numbered."""
    keyed: dict[str, list[object]] = {}
    for number, row in enumerate(rows):
        label = " | ".join(str(cell) for cell in row[:2] if isinstance(cell, str)) or f"#{number}"
        key, n = label, 1
        while key in keyed:
            n += 1
            key = f"{label} ({n})"
        keyed[key] = row
    return keyed


def differences(before: object, after: object, where: str) -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        # a figure added is no figure moved; one that went missing is
        missing = sorted(set(before) - set(after))
        if missing:
            return [f"{where}: no longer has {missing}"]
        ADDED.update(str(k) for k in set(after) - set(before))
        return [d for k in before for d in differences(before[k], after[k], f"{where}.{k}")]
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{where}: length {len(before)} != {len(after)}"]
        return [
            d
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for d in differences(b, a, f"{where}[{i}]")
        ]
    numbers = (int, float)
    if isinstance(before, numbers) and isinstance(after, numbers) and not isinstance(before, bool):
        COUNT[0] += 1
        if math.isclose(before, after, rel_tol=1e-9, abs_tol=0.005):
            return []
        return [f"{where}: {before!r} != {after!r}"]
    COUNT[0] += 1
    return [] if before == after else [f"{where}: {before!r} != {after!r}"]


COUNT = [0]
ADDED: set[str] = set()


@contextlib.contextmanager
def worktree(revision: str) -> Iterator[tuple[Path, Path]]:
    """`revision` checked out in a temporary git worktree, and a temporary folder beside it;
    both removed on every exit path."""
    with tempfile.TemporaryDirectory(prefix="same-figures-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(old), revision], cwd=ROOT, check=True
        )
        try:
            yield old, Path(tmp)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD", help="the revision to compare with")
    args = parser.parse_args()
    with worktree(args.against) as (old, tmp):
        (tmp / "before").mkdir()
        (tmp / "after").mkdir()
        # the scenarios bundled at both revisions (one added since has nothing to compare)
        scenarios = [p for p in SCENARIOS if (old / "scenarios" / p.name).exists()]
        before = run_all(old / "src", tmp / "before", scenarios)
        after = run_all(ROOT / "src", tmp / "after", scenarios)
    found = differences(before, after, "")
    errors = [k for k, v in after.items() if isinstance(v, str)]
    for line in found[:200]:
        print(line)
    for key in errors:
        print(f"error both times: {key}")
    if ADDED:
        shown = sorted(ADDED)
        more = f" and {len(shown) - 40} more" if len(shown) > 40 else ""
        print(f"added (not compared): {', '.join(shown[:40])}{more}")
    print(
        f"{len(before)} outputs, {COUNT[0]} figures compared against {args.against}: "
        f"{len(found)} differences ({len(errors)} commands ended in an error both times)"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
