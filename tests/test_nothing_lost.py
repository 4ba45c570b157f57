"""Nothing is ever lost: output files appear whole or not at all, and never overwrite by surprise.

Every file goes through render/files.py (temporary file beside the target, then os.replace), so
an error, Ctrl-C or a locked destination leaves the previous file exactly as it was.
"""

from __future__ import annotations

import csv
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from commitcast.core.errors import CommitcastError
from commitcast.render import files
from tests.conftest import ROOT, SCENARIOS

BASE = SCENARIOS / "colossus-base.yaml"
PREVIOUS = "a previous, good output\n"


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    path = tmp_path / "out.csv"
    path.write_text(PREVIOUS, encoding="utf-8")
    return path


# --- interrupted writes -------------------------------------------------------------------


def test_keyboard_interrupt_mid_write_leaves_previous_file(previous: Path):
    def writer(temp: Path) -> None:
        with temp.open("w", encoding="utf-8") as handle:
            handle.write("month,committed_fees\n2026-06,")  # half a file
            handle.flush()
            assert temp.read_text(encoding="utf-8").startswith("month")  # it really was written
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        files.write_with(previous, writer)
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    assert _listing(previous.parent) == ["out.csv"]  # the temporary file is gone


def test_error_mid_write_leaves_previous_file(previous: Path):
    def writer(temp: Path) -> None:
        temp.write_text("partial", encoding="utf-8")
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        files.write_with(previous, writer)
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    assert _listing(previous.parent) == ["out.csv"]


def test_disk_full_mid_write_is_a_clear_error(previous: Path):
    def writer(temp: Path) -> None:
        temp.write_text("partial", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(CommitcastError) as caught:
        files.write_with(previous, writer)
    assert "No space left on device" in str(caught.value)
    assert "previous file is unchanged" in str(caught.value)
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    assert _listing(previous.parent) == ["out.csv"]


def test_ctrl_c_during_project_output_exits_130_and_keeps_previous(
    previous: Path, cli, monkeypatch
):
    real_write_text = Path.write_text

    def interrupted(self: Path, data: str, *args, **kwargs):
        real_write_text(self, data[: len(data) // 2], *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", interrupted)
    result = cli("project", BASE, "--format", "csv", "-o", previous)
    monkeypatch.undo()
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.stderr
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    assert _listing(previous.parent) == ["out.csv"]


SLOW_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from commitcast.render.files import write_with

    def writer(temp: Path) -> None:
        with temp.open("w") as handle:
            handle.write("x" * 1_000_000)
            handle.flush()
            print("half written", flush=True)
            time.sleep(60)
            handle.write("never")

    write_with(sys.argv[1], writer)
    """
)


def _start_slow_writer(target: Path, prelude: str = "") -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", prelude + SLOW_WRITER, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "half written"
    return process


def test_process_interrupted_by_sigint_leaves_previous_file_and_no_temp(previous: Path):
    process = _start_slow_writer(previous)
    assert len(_listing(previous.parent)) == 2  # out.csv and the half-written temporary file
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert process.returncode != 0
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    assert _listing(previous.parent) == ["out.csv"]


def test_process_terminated_by_sigterm_cleans_up(previous: Path):
    # the real entry point (cli.app.main) installs this handler; the slow writer does the same
    prelude = "from commitcast.cli.app import terminate_cleanly\nterminate_cleanly()\n"
    process = _start_slow_writer(previous, prelude)
    assert len(_listing(previous.parent)) == 2
    process.terminate()
    process.wait(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    assert _listing(previous.parent) == ["out.csv"]


def test_process_killed_outright_still_leaves_previous_file(previous: Path):
    # SIGKILL runs no cleanup: the hidden temporary file may stay, the output never breaks.
    process = _start_slow_writer(previous)
    process.kill()
    process.wait(timeout=30)
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    leftovers = [n for n in _listing(previous.parent) if n != "out.csv"]
    assert all(n.startswith(".out.csv.") and n.endswith(".part") for n in leftovers)


# --- destinations that cannot be written --------------------------------------------------


def test_locked_destination_says_so_plainly(previous: Path, cli, monkeypatch):
    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    result = cli("project", BASE, "--format", "csv", "-o", previous)
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert "open or locked by another program" in result.stderr
    assert "Traceback" not in result.output
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    assert _listing(previous.parent) == ["out.csv"]


def test_unreplaceable_destination_is_a_clear_error(previous: Path, cli, monkeypatch):
    def busy(src, dst):
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(os, "replace", busy)
    result = cli("project", BASE, "--format", "csv", "-o", previous)
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert "cannot replace the file: Device or resource busy" in result.stderr
    assert previous.read_text(encoding="utf-8") == PREVIOUS
    assert _listing(previous.parent) == ["out.csv"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/out.csv", "does not exist"),
        ("a-file/out.csv", "is a file, not a folder"),
    ],
)
def test_output_folder_that_cannot_hold_files(tmp_path: Path, cli, where: str, message: str):
    (tmp_path / "a-file").write_text("I am a file", encoding="utf-8")
    before = _listing(tmp_path)
    target = tmp_path / where
    for args in (
        ("project", BASE, "--format", "csv", "-o", target),
        ("project", BASE, "--format", "json", "-o", target),
        ("schema", "-o", target),
        ("init", target),
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr
        assert f"{target}:" in result.stderr
        assert "Traceback" not in result.output and "internal error" not in result.output
    assert _listing(tmp_path) == before


def test_output_in_a_folder_no_file_can_be_created_in(cli):
    # /proc refuses new files even to root (chmod would not stop root)
    for args in (("project", BASE, "--format", "csv", "-o", "/proc/out.csv"), ("init", "/proc/x")):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert "cannot create a file in '/proc'" in result.stderr
        assert "internal error" not in result.output


def test_output_that_is_a_folder(tmp_path: Path, cli):
    result = cli("project", BASE, "--format", "csv", "-o", tmp_path)
    assert result.exit_code == 2
    assert "is a directory" in result.output
    assert _listing(tmp_path) == []


def test_output_without_a_file_format_writes_nothing(previous: Path, cli):
    result = cli("project", BASE, "-o", previous)
    assert result.exit_code == 2
    assert "--output needs --format csv or json" in result.stderr
    assert previous.read_text(encoding="utf-8") == PREVIOUS


# --- init never overwrites ----------------------------------------------------------------


def test_init_never_overwrites_without_force(tmp_path: Path, cli):
    mine = tmp_path / "scenario.yaml"
    mine.write_text("name: my careful work\n", encoding="utf-8")
    result = cli("init", mine)
    assert result.exit_code == 2
    assert "the file exists; not overwriting it" in result.stderr
    assert "--force" in result.stderr
    assert mine.read_text(encoding="utf-8") == "name: my careful work\n"
    assert _listing(tmp_path) == ["scenario.yaml"]

    result = cli("init", mine, "--force")
    assert result.exit_code == 0, result.output
    assert mine.read_text(encoding="utf-8") != "name: my careful work\n"
    assert cli("validate", mine).exit_code == 0
    assert _listing(tmp_path) == ["scenario.yaml"]


# --- text from a scenario never becomes a formula -----------------------------------------

HOSTILE = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_name_in_csv_is_inert_text(tmp_path: Path, name: str):
    from commitcast.render.tables import csv_rows

    path = tmp_path / "names.csv"
    files.write_text(path, csv_rows(["contract", "fee"], [[name, 1.0]]))
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    cell = rows[1][0]
    # a spreadsheet reads a cell starting with ' as text; the name is kept whole after it
    assert cell == "'" + name
    assert cell[0] not in "=+-@\t\r"


def test_hostile_names_are_accepted_in_a_scenario(write_scenario, cli):
    # the names are legal (they are someone's typing); they must simply stay text downstream
    path = write_scenario(
        'name: \'=HYPERLINK("http://x","click")\'\n'
        "horizon: {start: 2026-06, months: 12}\n"
        "contracts:\n"
        "  - name: \"+cmd|' /C calc'!A0\"\n"
        "    counterparty: '=1+1'\n"
        "    monthly_fee: 1000\n"
        "    start: 2026-06-01\n"
        "    end: 2027-05-31\n"
    )
    result = cli("validate", path)
    assert result.exit_code == 0, result.output


HOSTILE_SCENARIO = """\
name: '=HYPERLINK("http://x","click")'
horizon: {start: 2026-06, months: 12}
contracts:
  - name: "+cmd|' /C calc'!A0"
    counterparty: '=1+1'
    monthly_fee: 1000
    start: 2026-06-01
    end: 2027-05-31
    termination: {notice_days: 30}
revenue:
  - {name: '@SUM(A1:A2)', tokens_per_month: 1e12, price_per_million_tokens: 2}
  - {name: "-2+3", revenue_per_month: 100}
"""
HOSTILE_TEXTS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "=1+1", "@SUM(A1:A2)"]


def test_hostile_names_in_a_workbook_are_strings_not_formulas(write_scenario, cli, tmp_path):
    import openpyxl

    path = write_scenario(HOSTILE_SCENARIO)
    book = tmp_path / "book.xlsx"
    result = cli("export", path, "-o", book)
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(book)  # formulas as written, not cached values
    found: set[str] = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                hits = {text for text in HOSTILE_TEXTS if text in cell.value}
                if cell.data_type == "f":
                    # formulas are the workbook's own; a name may never be spliced into one
                    assert not hits, (sheet.title, cell.coordinate, cell.value)
                elif hits:
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    found |= hits
    assert found == set(HOSTILE_TEXTS)  # every name was written, each one as text


def test_hostile_names_in_compare_csv_are_inert(write_scenario, cli, tmp_path):
    path = write_scenario(HOSTILE_SCENARIO)
    out = tmp_path / "compare.csv"
    result = cli("compare", path, path, "-f", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    named = [cell for cell in cells if "HYPERLINK" in cell]
    assert named  # the scenario name is in the table
    for cell in cells:
        assert cell[:1] not in ("=", "+", "@", "\t", "\r"), cell
        if cell.startswith("-"):
            float(cell)  # only numbers may start with '-'


@pytest.mark.parametrize(
    "args",
    [
        ("variance", "PLAN", "IN", "-f", "csv", "-o", "OUT"),
        ("variance", "PLAN", "IN", "-f", "json", "-o", "OUT"),
        ("variance", "PLAN", "IN", "-f", "md", "-o", "OUT"),
        ("project", "PLAN", "--actuals", "IN", "-f", "csv", "-o", "OUT"),
        ("simulate", "PLAN", "--runs", "5", "--actuals", "IN", "-f", "csv", "-o", "OUT"),
    ],
    ids=["variance-csv", "variance-json", "variance-md", "project", "simulate"],
)
def test_output_onto_the_actuals_file_is_refused(tmp_path: Path, cli, args):
    # `variance plan.yaml actuals.csv -o actuals.csv` once replaced the month's actuals with
    # the variance table
    source = SCENARIOS / "colossus-base-actuals.csv"
    actuals = tmp_path / "actuals.csv"
    actuals.write_bytes(source.read_bytes())
    link = tmp_path / "link.csv"
    link.symlink_to(actuals)
    for out in (actuals, link):
        swap = {"PLAN": str(BASE), "IN": str(actuals), "OUT": str(out)}
        result = cli(*[swap.get(a, a) for a in args])
        assert result.exit_code == 2, result.output
        assert "is both the actuals to read and the output to write" in result.stderr
        assert actuals.read_bytes() == source.read_bytes()
    assert _listing(tmp_path) == ["actuals.csv", "link.csv"]


@pytest.mark.parametrize(
    "args",
    [
        ("project", "IN", "--format", "csv", "-o", "OUT"),
        ("project", "IN", "--format", "json", "-o", "OUT"),
        ("simulate", "IN", "--runs", "5", "-f", "csv", "-o", "OUT"),
        ("compare", str(BASE), "IN", "-f", "csv", "-o", "OUT"),
        ("sensitivity", "IN", "-f", "csv", "-o", "OUT"),
        ("exit", "IN", "-f", "csv", "-o", "OUT"),
    ],
    ids=["project-csv", "project-json", "simulate", "compare", "sensitivity", "exit"],
)
def test_output_onto_the_scenario_itself_is_refused(tmp_path: Path, cli, args):
    # `-o deal.yaml` by tab completion would replace the user's scenario with a table
    scenario = tmp_path / "deal.yaml"
    scenario.write_bytes(BASE.read_bytes())
    link = tmp_path / "link.yaml"
    link.symlink_to(scenario)
    for out in (scenario, link):
        argv = [str(scenario) if a == "IN" else str(out) if a == "OUT" else a for a in args]
        result = cli(*argv)
        assert result.exit_code == 2, result.output
        assert "is both a scenario to read and the output to write" in result.stderr
        assert scenario.read_bytes() == BASE.read_bytes()
    assert _listing(tmp_path) == ["deal.yaml", "link.yaml"]
    # and the guard does not outlive its command: the file can be read again at once
    assert cli("validate", scenario).exit_code == 0


def test_output_to_a_device_streams_into_it_and_never_replaces_it(tmp_path: Path, cli):
    # `-o /dev/null` as root used to os.replace the device node with a regular file
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # same as /dev/null
    except PermissionError:
        pytest.skip("creating a device node needs root; the FIFO test covers the same path")
    result = cli("project", BASE, "--format", "csv", "-o", device)
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(device).st_mode)
    assert _listing(tmp_path) == ["null"]


def test_output_to_a_named_pipe_is_streamed(tmp_path: Path):
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    files.write_text(pipe, "month,committed_fees\n2026-06,1.0\n")
    reader.join(timeout=30)
    assert received == [b"month,committed_fees\n2026-06,1.0\n"]
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert _listing(tmp_path) == ["pipe"]


def test_output_through_a_symlink_keeps_the_link(tmp_path: Path, cli):
    real = tmp_path / "real.csv"
    real.write_text(PREVIOUS, encoding="utf-8")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    result = cli("project", BASE, "--format", "csv", "-o", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("month,committed_fees,")
    assert _listing(tmp_path) == ["latest.csv", "real.csv"]


def test_ctrl_c_while_the_workbook_is_written_keeps_the_previous_workbook(
    tmp_path: Path, cli, monkeypatch
):
    import xlsxwriter

    book = tmp_path / "board.xlsx"
    assert cli("export", BASE, "-o", book).exit_code == 0
    before = book.read_bytes()
    real_close = xlsxwriter.Workbook.close

    def interrupted(self):
        real_close(self)  # the whole workbook is put together ...
        raise KeyboardInterrupt  # ... and the user presses Ctrl-C before it is written

    monkeypatch.setattr(xlsxwriter.Workbook, "close", interrupted)
    result = cli("export", BASE, "--set", "revenue.API.growth=0.05", "-o", book)
    monkeypatch.undo()
    assert result.exit_code == 130, result.output
    assert book.read_bytes() == before
    assert _listing(tmp_path) == ["board.xlsx"]


def test_workbook_open_in_excel_says_so_plainly(tmp_path: Path, cli, monkeypatch):
    book = tmp_path / "board.xlsx"
    assert cli("export", BASE, "-o", book).exit_code == 0
    before = book.read_bytes()

    def locked(src, dst):  # what Windows does while Excel holds the file open
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(os, "replace", locked)
    result = cli("export", BASE, "--set", "revenue.API.growth=0.05", "-o", book)
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert f"{book}: cannot replace the file: it is open or locked by another program" in (
        result.stderr.replace("\n", " ")
    )
    assert "close it in Excel and try again" in result.stderr.replace("\n", " ")
    assert book.read_bytes() == before
    assert _listing(tmp_path) == ["board.xlsx"]


def test_output_and_xlsx_on_the_same_file_are_refused(tmp_path: Path, cli):
    # the workbook would silently replace the CSV just written: one of two outputs lost
    target = tmp_path / "out.xlsx"
    result = cli("project", BASE, "-f", "csv", "-o", target, "--xlsx", tmp_path / "." / "out.xlsx")
    assert result.exit_code == 2, result.output
    assert "--output and --xlsx are both" in result.stderr
    assert _listing(tmp_path) == []


def test_bad_scenario_with_xlsx_writes_no_workbook(tmp_path: Path, cli):
    bad = ROOT / "tests" / "bad_inputs" / "10-duplicate-monthly-fee.yaml"
    book = tmp_path / "book.xlsx"
    result = cli("project", bad, "--xlsx", book)
    assert result.exit_code == 2
    assert "duplicate key 'monthly_fee'" in result.stderr
    assert _listing(tmp_path) == []


def test_project_xlsx_with_hostile_names_keeps_them_as_text(write_scenario, cli, tmp_path):
    import openpyxl

    book = tmp_path / "p.xlsx"
    result = cli("project", write_scenario(HOSTILE_SCENARIO), "--xlsx", book)
    assert result.exit_code == 0, result.output
    found = set()
    for sheet in openpyxl.load_workbook(book).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    hits = {text for text in HOSTILE_TEXTS if text in cell.value}
                    assert not hits or cell.data_type == "s", (sheet.title, cell.coordinate)
                    found |= hits
    assert '=HYPERLINK("http://x","click")' in found
