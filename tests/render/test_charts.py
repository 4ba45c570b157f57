"""Charts for slides and for the report: the files open and have a 16:9 slide's size, money
axes read as the terminal shows money, and the SVG for the page is inline-safe."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.load.validation import load_scenario
from commitcast.render.charts import (
    PALETTE,
    SLIDE,
    SLIDE_DPI,
    build_chart,
    chart,
    show,
    svg_inline,
    table_of,
)
from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
DOWNSIDE = SCENARIOS / "colossus-downside.yaml"
RISK = SCENARIOS / "colossus-risk.yaml"


@pytest.fixture(scope="module")
def two():
    return [load_scenario(BASE), load_scenario(DOWNSIDE)]


def test_png_svg_and_pdf_open_at_the_slides_size(two, tmp_path):
    # 13.33 x 7.5 inches: 2000 x 1125 pixels at 150 dpi; 960 x 540 points
    width, height = round(SLIDE[0] * SLIDE_DPI), round(SLIDE[1] * SLIDE_DPI)
    assert (width, height) == (2000, 1125)
    png = chart(two, "cumulative_cash", tmp_path / "cash.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (width, height)

    svg = chart(two, "cumulative_cash", tmp_path / "cash.svg")
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert [float(v) for v in root.attrib["viewBox"].split()] == [0, 0, 960, 540]

    pdf = chart(two, "cumulative_cash", tmp_path / "cash.PDF")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
    assert box and (float(box[1]), float(box[2])) == (960, 540)


def test_one_line_per_scenario_money_in_the_terminals_units(two):
    built = build_chart(two, "cumulative_cash", by="year")
    assert [s.name for s in built.series] == [s.name for s in two]
    assert built.x == ["2026", "2027", "2028", "2029"]
    header, rows = table_of(built)
    assert header == ["year", *(s.name for s in two)]
    # the base case's ending cash, as the README's yearly table shows it
    assert rows[-1][1] == "$20.10B"
    assert show("money", -3.2e6) == "($3.2M)" and show("ratio", 0.951) == "95.1%"


@pytest.mark.parametrize("metric", ["margin", "obligations", "exit", "tornado"])
def test_the_reports_charts_alone(metric, tmp_path):
    path = chart([load_scenario(BASE)], metric, tmp_path / f"{metric}.png")
    assert path.stat().st_size > 10_000


def test_the_fan_needs_distributions(tmp_path):
    with pytest.raises(CommitcastError, match="no input has a distribution"):
        build_chart([load_scenario(BASE)], "fan")
    built = build_chart([load_scenario(RISK)], "fan", runs=200, seed=1)
    assert [s.name for s in built.series] == ["P5", "P50 (median)", "P95"]
    assert "P(gross margin < 0)" in built.note


def test_refusals(two, tmp_path):
    with pytest.raises(CommitcastError, match="neither a monthly column"):
        build_chart(two, "nonsense")
    with pytest.raises(CommitcastError, match="draws one scenario"):
        build_chart(two, "tornado")
    with pytest.raises(CommitcastError, match="no periods"):
        build_chart(two, "exit", by="year")
    with pytest.raises(CommitcastError, match=r"\.png, \.svg or \.pdf"):
        chart(two, "revenue", tmp_path / "chart.gif")
    assert not (tmp_path / "chart.gif").exists()


def test_inline_svg_is_safe_for_a_page(two):
    built = build_chart(two, "cumulative_cash")
    text = svg_inline(built, "p1")
    assert text.startswith("<svg") and "<?xml" not in text and "<!--" not in text
    assert "http" not in text and "<style" not in text and "<metadata" not in text
    assert all(i.startswith("p1-") for i in re.findall(r'\bid="([^"]+)"', text))
    assert all(r.startswith("p1-") for r in re.findall(r"url\(#([^)]+)\)", text))
    assert 'viewBox="' in text and not re.search(r'<svg[^>]*\swidth="', text)
    # the Okabe-Ito palette draws the lines
    assert PALETTE[0].lower() in text.lower() and PALETTE[1].lower() in text.lower()


def test_a_name_is_text_never_mathtext_or_hidden(tmp_path):
    from commitcast.load.validation import scenario_from_text

    text = BASE.read_text().replace(
        "name: Colossus reservation, base case", 'name: "_$x^2$ <b>"', 1
    )
    scenario = scenario_from_text(text)
    built = build_chart([scenario], "cumulative_cash")
    svg = svg_inline(built, "q")
    assert "<b>" not in svg
    chart([scenario], "cumulative_cash", tmp_path / "odd.svg")  # no mathtext error


# A scenario whose obligations by maturity are refused (a term the view does not cover yet).
@pytest.fixture
def refusing(monkeypatch):
    """obligations() refusing the downside case, at a line of its own."""
    from commitcast.core.errors import Problem
    from commitcast.report import board

    real = board.obligations

    def refused(scenario, *args, **kwargs):
        if "downside" in (scenario.provenance.file or ""):
            problem = Problem("obligations by maturity does not cover x yet", line=7)
            raise CommitcastError([problem])
        return real(scenario, *args, **kwargs)

    monkeypatch.setattr(board, "obligations", refused)


def test_refused_obligations_are_the_charts_error_or_its_note(refusing, two):
    base, downside = two
    assert "downside" in (downside.provenance.file or "")
    # alone: the refusal itself, at its line
    with pytest.raises(CommitcastError, match="does not cover x yet") as raised:
        build_chart([downside], "obligations")
    assert raised.value.problems[0].line == 7
    # beside a scenario whose obligations are shown: drawn for it, the other named in the note
    built = build_chart(two, "obligations")
    assert {s.name for s in built.series} == {"noncancelable", "cancelable"}
    assert (
        built.note
        == f"Not shown for {downside.name}: obligations by maturity does not cover x yet."
    )
