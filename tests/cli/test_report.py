"""commitcast report and commitcast chart: files written whole, never over an input, options
refused before any work, and matplotlib loaded only by these two commands."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
DOWNSIDE = SCENARIOS / "colossus-downside.yaml"
RISK = SCENARIOS / "colossus-risk.yaml"


def test_report_writes_one_html_file(cli, tmp_path):
    out = tmp_path / "report.html"
    done = cli("report", BASE, DOWNSIDE, RISK, "-o", out, "--runs", "200", "--seed", "4")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"wrote {out}"  # no progress bar: stderr is no terminal
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "200 runs, seed 4" in page
    assert "--runs 200 --seed 4" in page  # the command in the audit block
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left


def test_report_with_set_names_the_override(cli, tmp_path):
    out = tmp_path / "r.html"
    done = cli("report", BASE, "-o", out, "--set", "revenue.API.growth=0.01")
    assert done.exit_code == 0, done.output
    assert "revenue.API.growth=0.01" in out.read_text(encoding="utf-8")


def test_report_refusals(cli, tmp_path):
    done = cli("report", BASE, "-o", tmp_path / "r.pdf")
    assert done.exit_code == 2 and "must end in .html" in done.output
    done = cli("report", BASE, "-o", tmp_path / "r.html", "--runs", "0")
    assert done.exit_code == 2 and "--runs" in done.output
    copy = tmp_path / "base.html"
    copy.write_text(BASE.read_text())
    done = cli("report", copy, "-o", copy)
    assert done.exit_code == 2 and "destroy" in done.output
    assert copy.read_text() == BASE.read_text()
    assert not (tmp_path / "r.html").exists()


def test_chart_by_suffix(cli, tmp_path):
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        out = tmp_path / f"cash{suffix}"
        done = cli("chart", BASE, DOWNSIDE, "--metric", "cumulative_cash", "-o", out)
        assert done.exit_code == 0, done.output
        assert out.read_bytes().startswith(magic)
    done = cli("chart", BASE, "-m", "gross_margin", "--by", "quarter", "-o", tmp_path / "q.png")
    assert done.exit_code == 0, done.output
    done = cli("chart", RISK, "-m", "fan", "--runs", "100", "-o", tmp_path / "fan.svg")
    assert done.exit_code == 0, done.output


def test_chart_refusals(cli, tmp_path):
    done = cli("chart", BASE, "-m", "revenue", "-o", tmp_path / "c.gif")
    assert done.exit_code == 2 and ".png, .svg or .pdf" in done.output
    done = cli("chart", BASE, "-m", "nonsense", "-o", tmp_path / "c.png")
    assert done.exit_code == 2 and "--metric" in done.output
    done = cli("chart", BASE, DOWNSIDE, "-m", "tornado", "-o", tmp_path / "c.png")
    assert done.exit_code == 2 and "draws one scenario" in done.output
    done = cli("chart", BASE, "-m", "fan", "-o", tmp_path / "c.png")
    assert done.exit_code == 2 and "no input has a distribution" in done.output
    assert list(tmp_path.iterdir()) == []


def test_matplotlib_is_loaded_only_to_draw():
    code = (
        "import sys, commitcast.cli, commitcast.render.html, commitcast.render.charts, "
        "commitcast.report.board\nprint('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_scenarios_in_two_currencies_are_refused_on_the_command_line(cli, tmp_path):
    # as compare and chart say it: the files together are the command line's problem (the
    # report said "<input>:", a file that does not exist)
    euro = tmp_path / "euro.yaml"
    euro.write_text(BASE.read_text(encoding="utf-8").replace("currency: USD", "currency: EUR"))
    out = tmp_path / "report.html"
    done = cli("report", BASE, euro, "-o", out)
    assert done.exit_code == 2, done.output
    assert "command line: scenarios in different currencies cannot be compared" in done.stderr
    assert "<input>" not in done.stderr
    line = euro.read_text(encoding="utf-8").splitlines().index("currency: EUR") + 1
    assert f"{euro}:{line}:1: currency: scenario 'Colossus reservation, base case' is in EUR" in (
        done.stderr
    )
    assert not out.exists()


def test_options_a_chart_would_not_use_are_refused_not_ignored(cli, tmp_path):
    out = tmp_path / "chart.png"
    runs = cli("chart", BASE, "-m", "revenue", "-n", "50", "--seed", "3", "-o", out)
    assert runs.exit_code == 2, runs.output
    assert "command line: --runs applies to the fan chart; the revenue chart" in runs.stderr
    assert "command line: --seed applies to the fan chart" in runs.stderr  # both at once
    by = cli("chart", BASE, "-m", "obligations", "--by", "month", "-o", out)
    assert by.exit_code == 2, by.output
    assert "--by applies to monthly columns and margin; the obligations chart" in by.stderr
    assert not out.exists()
    # where they are used, or left at their defaults, they are no problem
    assert cli("chart", BASE, "-m", "revenue", "--by", "year", "-o", out).exit_code == 0
    assert cli("chart", BASE, "-m", "obligations", "-o", out).exit_code == 0
