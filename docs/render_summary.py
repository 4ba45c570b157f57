"""Render the README's picture of the Summary sheet through LibreOffice.

    python docs/render_summary.py            # writes docs/summary.png

Exports the three Colossus scenarios, converts the workbook's first page (the Summary) to PDF
with LibreOffice (headless, recalculating on load), rasterizes it with pdftoppm (poppler-utils)
and crops it to the printed area.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["colossus-base.yaml", "colossus-downside.yaml", "colossus-early-exit.yaml"]
DPI = 150


def main() -> None:
    # removed with everything in it on every way out (no temporary left)
    with tempfile.TemporaryDirectory(prefix="commitcast-docs-") as scratch:
        folder = Path(scratch)
        book = folder / "board.xlsx"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
        subprocess.run(
            ["commitcast", "export", *(str(ROOT / "scenarios" / s) for s in SCENARIOS), "-o", book],
            check=True,
            env=env,
        )
        profile = folder / "profile"
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"1"}}',
                "--outdir",
                str(folder),
                str(book),
            ],
            check=True,
            capture_output=True,
        )
        pdf = folder / "board.pdf"
        gray = folder / "gray"
        subprocess.run(
            ["pdftoppm", "-gray", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", pdf, gray],
            check=True,
        )
        header, _, pixels = _pgm(gray.with_suffix(".pgm"))
        width, height = header
        image = np.frombuffer(pixels, dtype=np.uint8)[: width * height].reshape(height, width)
        ys, xs = np.nonzero(image < 250)
        margin = 16
        x, y = max(int(xs.min()) - margin, 0), max(int(ys.min()) - margin, 0)
        w, h = int(xs.max()) - x + margin, int(ys.max()) - y + margin
        target = ROOT / "docs" / "summary"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(DPI),
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                "-x",
                str(x),
                "-y",
                str(y),
                "-W",
                str(w),
                "-H",
                str(h),
                pdf,
                target,
            ],
            check=True,
        )
        print(f"wrote {target.with_suffix('.png')}", file=sys.stderr)


def _pgm(path: Path) -> tuple[tuple[int, int], int, bytes]:
    """Width, height, maximum and pixels of a binary PGM (P5) file."""
    data = path.read_bytes()
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        while data[position : position + 1].isspace():
            position += 1
        end = position
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    return (int(fields[1]), int(fields[2])), int(fields[3]), data[position + 1 :]


if __name__ == "__main__":
    main()
