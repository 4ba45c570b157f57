"""Render the README's picture of the board report's first page through headless Chromium.

    python docs/render_report.py            # writes docs/report.png

Writes the report of the three Colossus scenarios (SOURCE_DATE_EPOCH fixed, so the date and the
file are the same on every run), prints it to PDF with headless Chromium (a fresh profile; the
report's own print stylesheet: landscape, one section per page) and rasterizes the first page
with pdftoppm (poppler-utils).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["colossus-base.yaml", "colossus-downside.yaml", "colossus-risk.yaml"]
DPI = 110


def main() -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    # removed with everything in it on every way out (no temporary left)
    with tempfile.TemporaryDirectory(prefix="commitcast-docs-") as scratch:
        folder = Path(scratch)
        report = folder / "board.html"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
        subprocess.run(
            [
                "commitcast",
                "report",
                *(f"scenarios/{name}" for name in SCENARIOS),
                "-o",
                report,
                "--runs",
                "2000",
            ],
            check=True,
            env=env,
            cwd=ROOT,
        )
        pdf = folder / "board.pdf"
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={folder / 'profile'}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                report.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
        target = ROOT / "docs" / "report"
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", pdf, target],
            check=True,
        )
        print(f"wrote {target.with_suffix('.png').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
