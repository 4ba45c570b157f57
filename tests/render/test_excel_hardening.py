"""Workbooks every reader can open, written without leaving anything behind (issue 16).

Sheet names as Excel counts them, dates no spreadsheet reads as commitcast does, contracts that
pass the range of numbers after the horizon, full disks and file size limits, interruptions.
Through the command line (the corpus's export_* keys): tests/test_bad_inputs_commands.py.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.load.validation import scenario_from_text
from commitcast.render.excel_style import (
    SHEET_NAME_UNITS,
    distinct_sheet_names,
    shorten,
    utf16_units,
)
from commitcast.render.files import atomic_path, os_error, scratch_folder
from commitcast.render.limits import early_date_problems

RESERVED = ["Summary", "Charts", "Assumptions", "Contracts", "Obligations", "Audit", "history"]


# ---- sheet names ------------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["𠀀", "𝐀", "😀"])
def test_names_outside_the_basic_plane_fit_as_excel_counts(character: str):
    # was: cut to 28 code points, 56 UTF-16 units: InvalidWorksheetName, exit 1
    names = distinct_sheet_names([character * 20, character * 20], RESERVED)
    letter = character if character != "😀" else ""
    assert all(utf16_units(n) <= SHEET_NAME_UNITS for n in names)
    if letter:
        assert names[0] == letter * 15  # 30 units: never half a character
        assert names[1] == letter * 13 + " (2)"
    assert len(set(names)) == 2


def test_a_closing_parenthesis_is_kept():
    # was: "Summary (2" (the parentheses stripped from the ends of the name)
    assert distinct_sheet_names(["Summary (2)", "Base (v2)"], RESERVED) == [
        "Summary (2)",
        "Base (v2)",
    ]
    assert distinct_sheet_names(["Summary"], RESERVED) == ["Summary (2)"]


def test_long_names_are_shortened_at_a_word_boundary():
    # was: "Colossus reservation, base c" (28 code points)
    names = distinct_sheet_names(
        [
            "Colossus reservation, base case",
            "Colossus reservation, base case",
            "Colossus reservation with a ramp, downside",
            "A scenario (the revised one, v2)",
        ],
        RESERVED,
    )
    assert names == [
        "Colossus reservation, base case",
        "Colossus reservation, base (2)",
        "Colossus reservation with a",
        "A scenario the revised one",  # "A scenario" would keep less than half the room
    ]


def test_one_long_word_is_cut_where_it_must_be():
    assert shorten("x" * 40, 31) == "x" * 31
    assert shorten("Go " + "y" * 40, 31) == "Go " + "y" * 28


# ---- dates before 1 March 1900 ------------------------------------------------------------------

EARLY = """\
name: Early
horizon: {start: 1900-03, months: 12}
contracts:
  - {name: R, monthly_fee: 1000, start: 1900-02-28, end: 1901-02-28}
  - name: T
    monthly_fee: 1000
    start: 1900-03-01
    end: 1901-02-28
    termination: {notice_days: 30, fee: 0, earliest_notice: 1900-01-01}
"""


def test_dates_before_march_1900_are_named_at_their_line():
    problems = early_date_problems([scenario_from_text(EARLY, "early.yaml")])
    where = {(p.field, p.line) for p in problems}
    assert where == {
        ("horizon.start", 2),
        ("contracts[0].start", 4),
        ("contracts[1].termination.earliest_notice", 9),
    }
    text = str(problems[0])
    assert "Excel counts a 29 February 1900" in text and "April 1900" in text


def test_the_first_dates_a_workbook_holds_are_accepted():
    text = EARLY.replace("1900-03, months", "1900-04, months").replace("1900-02-28", "1900-03-01")
    text = text.replace("earliest_notice: 1900-01-01", "earliest_notice: 1900-03-01")
    assert early_date_problems([scenario_from_text(text, "early.yaml")]) == []


# ---- full disks: the OSError behind a writer's own exception ----------------------------------


def test_os_error_finds_the_error_xlsxwriter_wraps():
    from xlsxwriter.exceptions import FileCreateError

    full = OSError(errno.ENOSPC, "No space left on device")
    assert os_error(FileCreateError(full)) is full
    assert os_error(full) is full
    assert os_error(ValueError("x")) is None


def test_a_wrapped_disk_full_is_a_clear_error_and_leaves_nothing(tmp_path: Path):
    from xlsxwriter.exceptions import FileCreateError

    target = tmp_path / "book.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(CommitcastError) as raised, atomic_path(target) as temp:
        temp.write_bytes(b"half")
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))
    assert "cannot write the file: No space left on device" in str(raised.value)
    assert "the previous file is unchanged" in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]
    assert target.read_bytes() == b"previous"


def test_the_scratch_folder_is_beside_and_removed_on_every_exit(tmp_path: Path):
    temp = tmp_path / ".book.xlsx.abcdefgh.part"
    with scratch_folder(temp) as folder:
        assert folder.parent == tmp_path and folder.name.startswith(".book.xlsx.")
        (folder / "sheet1.xml").write_text("<x/>")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(KeyboardInterrupt), scratch_folder(temp) as folder:
        (folder / "sheet1.xml").write_text("<x/>")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_the_scratch_folder_of_a_255_byte_name_is_legal(tmp_path: Path):
    temp = tmp_path / ("." + "n" * 240 + ".xlsx.abcdefgh.part")[:255]
    with scratch_folder(temp) as folder:
        assert len(os.fsencode(folder.name)) <= 255


# ---- full disks, file size limits and interruptions, through the command line -----------------

SMALL = """\
name: Small
horizon: {start: 2026-06, months: 24}
contracts:
  - {name: Reservation, monthly_fee: 1000, start: 2026-06-01, end: 2028-05-31}
revenue:
  - {name: API, revenue_per_month: 5000}
"""
FULL = OSError(errno.ENOSPC, "No space left on device")


def _previous(tmp_path: Path) -> Path:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SMALL, encoding="utf-8")
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"previous workbook")
    return book


def _refused_cleanly(result, book: Path, *fragments: str) -> None:
    text = result.stdout + result.stderr
    assert result.exit_code == 2, text
    assert "Traceback" not in text and "internal error" not in text
    assert "Exception ignored" not in text
    for fragment in fragments:
        assert fragment in text, text
    assert book.read_bytes() == b"previous workbook"
    assert sorted(p.name for p in book.parent.iterdir()) == ["book.xlsx", "s.yaml"]


def _raise(*args, **kwargs):
    raise FULL


def test_disk_full_writing_the_workbook(cli, tmp_path: Path, monkeypatch):
    # was: exit 1, FileCreateError [Errno 28] and "Exception ignored in ZipFile.__del__"
    book = _previous(tmp_path)
    monkeypatch.setattr(Path, "write_bytes", _raise)
    result = cli("export", tmp_path / "s.yaml", "-o", book)
    monkeypatch.undo()
    _refused_cleanly(result, book, "cannot write the file: No space left on device")


def test_disk_full_inside_xlsxwriter(cli, tmp_path: Path, monkeypatch):
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    def close(self):
        raise FileCreateError(FULL)

    book = _previous(tmp_path)
    monkeypatch.setattr(xlsxwriter.Workbook, "close", close)
    result = cli("export", tmp_path / "s.yaml", "-o", book)
    monkeypatch.undo()
    _refused_cleanly(result, book, "cannot write the file: No space left on device")


def test_disk_full_moving_the_workbook_into_place(cli, tmp_path: Path, monkeypatch):
    book = _previous(tmp_path)
    monkeypatch.setattr(os, "replace", _raise)
    result = cli("export", tmp_path / "s.yaml", "-o", book)
    monkeypatch.undo()
    _refused_cleanly(result, book, "No space left on device; the previous file is unchanged")


def test_disk_full_in_the_scratch_folder_of_a_large_book(cli, tmp_path: Path, monkeypatch):
    # a large book's sheet XML goes to a folder beside the target: full there, nothing stays
    import xlsxwriter.packager

    from commitcast.render import excel

    book = _previous(tmp_path)
    real = xlsxwriter.packager.tempfile.mkstemp
    made: list[str] = []

    def mkstemp(*args, **kwargs):
        if len(made) == 5:
            raise FULL
        handle, name = real(*args, **kwargs)
        made.append(name)
        return handle, name

    monkeypatch.setattr(excel, "IN_MEMORY_LIMIT", 0)
    monkeypatch.setattr(xlsxwriter.packager.tempfile, "mkstemp", mkstemp)
    result = cli("export", tmp_path / "s.yaml", "-o", book)
    monkeypatch.undo()
    _refused_cleanly(result, book, "cannot write the file: No space left on device")
    # the target's temporary file (render.files uses the same tempfile module) and the sheet
    # XML files, these in the scratch folder beside it: every one of them gone
    assert [Path(name).parent for name in made[1:]] == [Path(made[1]).parent] * 4
    assert Path(made[1]).parent.parent == tmp_path and Path(made[1]).parent.suffix == ".parts"
    assert not any(Path(name).exists() for name in made)


def _python(code: str, tmpdir: Path, limit: int | None = None):
    import resource
    import signal
    import subprocess
    import sys

    def limits() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # as a shell starts a program

    env = {**os.environ, "TMPDIR": str(tmpdir), "COLUMNS": "100"}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=limits,
    )


EXPORT = """
import sys
import commitcast.render.excel as excel
excel.IN_MEMORY_LIMIT = {limit}
sys.argv = ["commitcast", "export", {scenario!r}, "-o", {book!r}]
from commitcast.cli import main
main()
"""


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory", "scratch-folder"])
def test_a_file_size_limit_is_a_clean_refusal(tmp_path: Path, in_memory: bool):
    # ulimit -f: the real write fails with EFBIG (was: killed by SIGXFSZ, files left behind)
    book = _previous(tmp_path)
    tmpdir = tmp_path.parent / f"{tmp_path.name}-tmpdir"
    tmpdir.mkdir()
    code = EXPORT.format(
        limit=64 << 20 if in_memory else 0, scenario=str(tmp_path / "s.yaml"), book=str(book)
    )
    process = _python(code, tmpdir, limit=20_000)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    assert "cannot write the file: File too large; the previous file is unchanged" in err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert book.read_bytes() == b"previous workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "s.yaml"]
    assert list(tmpdir.iterdir()) == []


def _large(tmp_path: Path) -> Path:
    lines = ["name: Large", "horizon: {start: 2026-06, months: 600}", "contracts:"]
    for i in range(40):
        lines.append(
            f"  - {{name: C{i}, monthly_fee: 1000, start: 2026-06-01, end: 2076-05-31, "
            "escalator: {rate: 3%, every_months: 12}}"
        )
    scenario = tmp_path / "large.yaml"
    scenario.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return scenario


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory", "scratch-folder"])
def test_sigterm_mid_export_leaves_nothing_behind(tmp_path: Path, in_memory: bool):
    # was: XlsxWriter's temporary files stayed in $TMPDIR (14 files, 991 MB after one run)
    import signal
    import time

    out = tmp_path / "out"
    out.mkdir()
    book = out / "book.xlsx"
    book.write_bytes(b"previous workbook")
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    scenario = _large(tmp_path)
    code = EXPORT.format(limit=1 << 40 if in_memory else 0, scenario=str(scenario), book=str(book))
    process = _python(code, tmpdir)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until the export is writing beside the target
        names = [p.name for p in out.iterdir()]
        if any(n.endswith(".parts") for n in names) if not in_memory else len(names) > 1:
            break
        time.sleep(0.05)
    time.sleep(1.0)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert book.read_bytes() == b"previous workbook"
    assert sorted(p.name for p in out.iterdir()) == ["book.xlsx"]
    assert list(tmpdir.iterdir()) == []


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory", "scratch-folder"])
def test_an_export_uses_no_temporary_directory(tmp_path: Path, in_memory: bool):
    out = tmp_path / "out"
    out.mkdir()
    book = out / "book.xlsx"
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    (tmp_path / "s.yaml").write_text(SMALL, encoding="utf-8")
    code = EXPORT.format(
        limit=1 << 40 if in_memory else 0, scenario=str(tmp_path / "s.yaml"), book=str(book)
    )
    process = _python(code, tmpdir)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["book.xlsx"]
    assert list(tmpdir.iterdir()) == []


# ---- formulas within every spreadsheet's limits, read back by every reader ---------------------


def _ramp_book(tmp_path: Path, steps: int) -> Path:
    from commitcast.render.excel import write_workbook

    ramp = ", ".join(
        f"{{months: {1 + j % 3}, fraction: {(j + 1) / (steps + 1):.3f}}}" for j in range(steps)
    )
    text = f"""\
name: Ramp of {steps}
horizon: {{start: 2026-06, months: 36}}
contracts:
  - {{name: R, monthly_fee: 1000, start: 2026-06-01, end: 2029-05-31, ramp: [{ramp}],
     accounting: {{standard: asc842, borrowing_rate: 6%}}}}
"""
    book = tmp_path / f"ramp{steps}.xlsx"
    write_workbook(book, [scenario_from_text(text, f"ramp{steps}.yaml")])
    return book


def _formulas(book: Path) -> list[str]:
    import openpyxl

    formulas = []
    for ws in openpyxl.load_workbook(book).worksheets:
        for row in ws.iter_rows():
            formulas += [c.value for c in row if isinstance(c.value, str) and c.value[:1] == "="]
    return formulas


def _depth(formula: str) -> int:
    depth = deepest = 0
    for character in formula:
        depth += character == "("
        deepest = max(deepest, depth)
        depth -= character == ")"
    return deepest


def test_a_ramp_formula_does_not_grow_with_its_steps(tmp_path: Path):
    # was: an IF per step, 8,192+ characters at 29 steps and 64+ levels at 64 steps
    ramps = {}
    for steps in (1, 29, 70):
        formulas = _formulas(_ramp_book(tmp_path, steps))
        assert max(len(f) for f in formulas) < 1000
        assert max(_depth(f) for f in formulas) < 16
        ramps[steps] = sorted({f for f in formulas if "MATCH" in f and "INDEX($" in f})
    assert ramps[1] and len(ramps[70]) == len(ramps[1])  # the same lookups, however many steps


def test_bundled_scenarios_read_back_in_every_reader(tmp_path: Path):
    from commitcast.load.validation import load_scenario
    from commitcast.render.excel import write_workbook
    from tests.conftest import SCENARIOS
    from tests.readback import assert_readable_workbook

    paths = sorted(SCENARIOS.glob("*.yaml"))
    for path in paths:
        book = tmp_path / f"{path.stem}.xlsx"
        write_workbook(book, [load_scenario(path)])
        assert assert_readable_workbook(book) > 1000
    together = tmp_path / "all.xlsx"
    write_workbook(together, [load_scenario(p) for p in paths])
    assert_readable_workbook(together)


def test_libreoffice_recalculates_extreme_ramps_and_rates(tmp_path: Path):
    """Ramps of 29 and 70 steps and an escalator of -99.9999% a month (LibreOffice's POWER
    gave #NUM! under 2.2e-308, and the Summary with it) recalculate to the stored figures."""
    import datetime as dt

    import openpyxl

    from commitcast.load.validation import load_scenario
    from commitcast.render.excel import write_workbook
    from tests.conftest import ROOT
    from tests.render.test_excel_libreoffice import ERRORS, empty, recalculate, tolerance

    corpus = ROOT / "tests" / "bad_inputs"
    books = [_ramp_book(tmp_path, 29), _ramp_book(tmp_path, 70)]
    for name in ("128-ramp-of-29-steps", "129-ramp-of-70-steps", "131-escalator-near-minus-100"):
        books.append(tmp_path / f"{name}.xlsx")
        write_workbook(books[-1], [load_scenario(corpus / f"{name}.yaml")])
    out = tmp_path / "recalculated"
    out.mkdir()
    recalculate(books, out)
    for book in books:
        formulas = openpyxl.load_workbook(book)
        stored = openpyxl.load_workbook(book, data_only=True)
        judged = openpyxl.load_workbook(out / book.name, data_only=True)
        wrong = []
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                        continue
                    mine = stored[ws.title][cell.coordinate].value
                    theirs = judged[ws.title][cell.coordinate].value
                    if theirs in ERRORS:
                        ok = False
                    elif empty(mine) or empty(theirs):
                        ok = empty(mine) and empty(theirs)
                    elif isinstance(mine, dt.datetime) or isinstance(theirs, dt.datetime):
                        ok = mine == theirs
                    else:
                        ok = abs(mine - theirs) <= tolerance(cell.number_format, mine)
                    if not ok:
                        wrong.append((ws.title, cell.coordinate, mine, theirs))
        assert not wrong, (book.name, wrong[:10])


def test_a_scenario_label_names_its_sheet(tmp_path: Path):
    import openpyxl

    from commitcast.render.excel import write_workbook

    text = (
        "name: Colossus reservation with a ramp and a long name, downside case\n"
        "label: Downside\n"
        "horizon: {start: 2026-06, months: 2}\n"
    )
    path = tmp_path / "book.xlsx"
    write_workbook(path, [scenario_from_text(text)])
    # the label, not the name shortened at a word boundary
    assert "Downside" in openpyxl.load_workbook(path, read_only=True).sheetnames
