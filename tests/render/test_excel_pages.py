"""The workbook as printed: LibreOffice -> PDF -> PNG, page count, orientation and what each page
holds.

The base case's workbook is converted to PDF by LibreOffice (headless, a fresh profile), each
page rasterized by pdftoppm (poppler-utils) and its text read by pdftotext. Its 21 pages, all
landscape and none blank: the Summary, the Charts, the Assumptions (2), the calculation sheet
(10: June-December 2026, 2027, 2028, January-May 2029 and the year totals, each two pages
tall), Contracts (4: twelve months a page from May 2026), Obligations, Audit (2, its rows as
tall as their wrapped texts). A month-by-month page shows at most twelve months of one
(fiscal) year, with the row labels repeated, and together the pages show every month: nothing
is squeezed one page wide. The Audit's texts read back whole and in order: no row overlaps the
next.

Fonts: .ci/run installs Carlito (metrically compatible with Calibri, the workbook's font) so
LibreOffice lays the columns out as Excel does. Without LibreOffice or poppler-utils the tests
are skipped with the reason printed, except when COMMITCAST_REQUIRE_LIBREOFFICE=1 (CI).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from commitcast.load.validation import load_scenario
from commitcast.render.excel import CONVENTIONS, write_workbook
from tests.conftest import SCENARIOS
from tests.render.test_excel_libreoffice import soffice

BASE = SCENARIOS / "colossus-base.yaml"
MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4})\b")
# long enough to wrap (it ran over "Run at (UTC)" before the rows grew with their text)
COMMAND = (
    "commitcast project scenarios/colossus-base.yaml --xlsx /home/finance/models/2026/board/"
    "colossus-base-with-a-long-name.xlsx --set contracts[0].monthly_fee=1.1B --set "
    "costs.training_share=0.45 --set revenue.API.growth=0.02"
)
NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def poppler() -> None:
    if shutil.which("pdftoppm") and shutil.which("pdftotext"):
        return
    reason = "poppler-utils (pdftoppm, pdftotext) is not installed; .ci/run installs it"
    if os.environ.get("COMMITCAST_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(reason)
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[tuple[Path, str]]:
    """(PNG, text) of each printed page of the base case's workbook."""
    executable = soffice()
    poppler()
    folder = tmp_path_factory.mktemp("pages")
    book = folder / "base.xlsx"
    write_workbook(book, [load_scenario(BASE)], command_line=COMMAND)
    with tempfile.TemporaryDirectory(prefix="commitcast-lo-") as profile:
        done = subprocess.run(
            [
                executable,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(book),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    pdf = folder / "base.pdf"
    assert pdf.exists(), f"LibreOffice made no PDF: {done.stdout} {done.stderr}"
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(folder / "page")], check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    texts = text.split("\f")
    images = sorted(folder.glob("page-*.png"))
    return list(zip(images, texts[: len(images)], strict=True))


def footer(text: str) -> str:
    """The sheet named in a page's footer ('<sheet>   Page n of N'), or ''."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = re.fullmatch(r"(.*?)\s+Page \d+ of \d+", lines[-1]) if lines else None
    return found.group(1) if found else ""


def months(text: str) -> list[tuple[int, int]]:
    """The (year, month) headers of a page: its 'Month' row."""
    for line in text.splitlines():
        if line.strip().startswith("Month ") and MONTH.search(line):
            return [(int(y), NAMES.index(m) + 1) for m, y in MONTH.findall(line)]
    return []


def test_page_count_and_orientation(pages):
    assert len(pages) == 21, [footer(t) or t.strip().splitlines()[0] for _, t in pages]
    for image, _ in pages:
        with Image.open(image) as png:
            width, height = png.size
            assert width > height, f"{image.name} is not landscape: {png.size}"
            # not blank: some pixels darker than the paper
            assert png.convert("L").getextrema()[0] < 128, f"{image.name} is blank"


def test_month_pages_show_a_year_at_most_with_the_labels(pages):
    calc = [t for _, t in pages if footer(t) == "Colossus reservation, base case"]
    contracts = [t for _, t in pages if footer(t) == "Contracts"]
    assert len(calc) == 10 and len(contracts) == 4
    shown: list[tuple[int, int]] = []
    for text in calc:
        here = months(text)
        assert len(here) <= 12
        assert len({year for year, _ in here}) <= 1, here  # one calendar (fiscal) year a page
        shown += here
        # the row labels on every page: the top half's first rows, the lower half's last
        assert "Month" in text
        assert "Committed fees" in text or "Cumulative cash" in text
    horizon = [(2026 + (5 + m) // 12, (5 + m) % 12 + 1) for m in range(36)]
    assert sorted(set(shown)) == horizon
    # the year totals: a page of their own
    assert any(re.search(r"\b2026\s+2027\s+2028\s+2029\b", t) for t in calc)
    across: list[tuple[int, int]] = []
    for text in contracts:
        here = months(text)
        assert 1 <= len(here) <= 12
        assert "Committed fees" in text and "Days in month" in text
        across += here
    assert across[0] == (2026, 5)  # from the month before the horizon
    assert len(across) == len(set(across)) >= 37


def test_the_audit_texts_do_not_overlap(pages):
    """Each wrapped text sits in a row tall enough for it: read line by line, the Audit pages
    give the command line, then the run time, then every convention whole and in order
    (overlapping rows interleave their lines' words)."""
    first = next(i for i, (_, t) in enumerate(pages) if t.lstrip().startswith("Audit"))
    words = " ".join(" ".join(t.split()) for _, t in pages[first:])
    words = re.sub(r"\S+ Page \d+ of \d+", "", words)  # no footer on the Audit
    assert f"Command line {COMMAND} Run at (UTC) " in words
    expected = " ".join(f"{n}. {text}" for n, text in enumerate(CONVENTIONS, start=1))
    assert " ".join(expected.split()) in words


def test_the_summary_prints_figures_as_the_terminal_does(tmp_path):
    """Three scenarios side by side, printed: each difference of ratios in points with its
    sign (-17.4pt, as `commitcast compare` writes it, never (17.4%)), money in the terminal's
    units, and the risk case's central values said under the figures."""
    executable = soffice()
    poppler()
    from commitcast.core.display import format_money, format_points
    from commitcast.engine.projection import projection

    paths = [BASE, SCENARIOS / "colossus-risk.yaml", SCENARIOS / "portfolio.yaml"]
    book = tmp_path / "compare.xlsx"
    write_workbook(book, [load_scenario(p) for p in paths], command_line="t")
    with tempfile.TemporaryDirectory(prefix="commitcast-lo-") as profile:
        subprocess.run(
            [
                executable,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path),
                str(book),
            ],
            capture_output=True,
            timeout=600,
            check=False,
        )
    page = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(tmp_path / "compare.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    summaries = [projection(load_scenario(p)).summary for p in paths]
    lines = {line.split("  ")[0].strip(): line for line in page.splitlines() if line.strip()}
    for figure, label in (
        ("average_utilization", "Average utilization"),
        ("gross_margin_pct", "Gross margin %"),
    ):
        cells = lines[label].split()
        assert cells[-1] == format_points(summaries[2][figure] - summaries[0][figure], sign=True)
    revenue = lines["Total revenue"].split()
    assert revenue[-3] == format_money(summaries[2]["total_revenue"])  # $115.43B
    assert "Central values: Colossus reservation, risk case gives 7 input(s)" in page
