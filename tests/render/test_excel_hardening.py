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
