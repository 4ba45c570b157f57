"""Output that appears whole or not at all (render/files.py), called directly.

Interrupted and failed writes, locked or unreplaceable destinations, devices, named pipes,
symlinks and folders that cannot hold files, through the command line and in real processes
killed mid-write, are in tests/test_nothing_lost.py.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.render.files import atomic_path, check_destination, write_text, write_with


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_check_destination_returns_the_path(tmp_path):
    assert check_destination(tmp_path / "out.csv") == tmp_path / "out.csv"
    assert check_destination(str(tmp_path / "out.csv")) == tmp_path / "out.csv"
    assert listing(tmp_path) == []  # checking writes nothing


def test_a_bare_file_name_is_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_text("out.csv", "a,b\n")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "a,b\n"
    assert listing(tmp_path) == ["out.csv"]


@pytest.mark.parametrize(
    ("where", "message", "hint"),
    [
        (".", "this is a folder; give a file name", "e.g. -o board.xlsx"),
        ("missing/out.csv", "the folder {folder!r} does not exist", "create it first"),
        ("a-file/out.csv", "{folder!r} is a file, not a folder", "check the path"),
    ],
)
def test_a_destination_that_cannot_be_a_file(tmp_path, where, message, hint):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    target = tmp_path / where
    with pytest.raises(CommitcastError) as caught:
        check_destination(target)
    (problem,) = caught.value.problems
    assert problem.message == message.format(folder=str(target.parent))
    assert (problem.file, problem.hint) == (str(target), hint)


def test_text_is_written_as_given_in_utf8(tmp_path):
    target = tmp_path / "out.csv"
    write_text(target, "a,b\r\nZürich,€\n")  # no newline translation: CSV's \r\n stays
    assert target.read_bytes() == "a,b\r\nZürich,€\n".encode()
    assert listing(tmp_path) == ["out.csv"]


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "new.csv", "x")
    finally:
        os.umask(mask)
    # 0o666 less the umask, as open() would give, not mkstemp's private 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "new.csv").st_mode) == 0o644


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "private.csv"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o600)
    write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_write_with_lets_a_writer_fill_a_temporary_file_beside_the_target(tmp_path):
    seen: list[Path] = []

    def writer(temp: Path) -> None:
        seen.append(temp)
        assert temp.parent == tmp_path  # beside the target: os.replace stays on one disk
        assert temp.name.startswith(".book.xlsx.") and temp.name.endswith(".part")
        temp.write_bytes(b"PK")

    write_with(tmp_path / "book.xlsx", writer)
    assert (tmp_path / "book.xlsx").read_bytes() == b"PK"
    assert not seen[0].exists()
    assert listing(tmp_path) == ["book.xlsx"]


def test_nothing_is_written_when_the_block_fails(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(ZeroDivisionError), atomic_path(target) as temp:
        temp.write_text("{", encoding="utf-8")
        1 / 0  # noqa: B018
    assert listing(tmp_path) == []


def test_a_long_legal_name_gets_a_temporary_name_that_fits(tmp_path):
    from commitcast.render.files import temporary_name

    assert temporary_name("book.xlsx", 255) == "book.xlsx"
    long = "é" * 120 + ".xlsx"  # 245 bytes: legal, but not with 15 more
    part = temporary_name(long, 255)
    assert long.startswith(part) and len(part.encode()) + 15 <= 255
    target = tmp_path / ("n" * 250 + ".csv")  # 254 bytes
    write_text(target, "x")
    assert listing(tmp_path) == [target.name]


def test_names_that_cannot_be_files_are_refused_before_any_work(tmp_path):
    loop, other = tmp_path / "loop.csv", tmp_path / "other.csv"
    loop.symlink_to(other)
    other.symlink_to(loop)
    for target, message in (
        (loop, "the path is a loop of symbolic links"),
        (tmp_path / "loop.csv" / "x.csv", "the path is a loop of symbolic links"),
        (tmp_path / ("o" * 256), "is 256 bytes long; a file or folder name can have at most 255"),
    ):
        with pytest.raises(CommitcastError) as caught:
            check_destination(target)
        assert message in caught.value.problems[0].message
