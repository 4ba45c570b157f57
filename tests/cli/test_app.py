"""The Typer app and the one place where exceptions become exit codes (cli/app.py).

Through whole commands: --debug and its tracebacks, internal errors, Ctrl-C and SIGTERM in real
processes, a closed pipe and tiny terminal widths are in tests/cli/test_misuse.py and
tests/test_nothing_lost.py; --version and --help in tests/cli/test_core.py.
"""

from __future__ import annotations

import importlib
import signal

import pytest
import typer

from commitcast.core.errors import CommitcastError, Problem

# the module, not the Typer app that commitcast.cli exports under the same name
cli_app = importlib.import_module("commitcast.cli.app")


def raising(error: BaseException):
    @cli_app.handles_errors
    def command() -> None:
        """The command's own help."""
        raise error

    return command


@pytest.fixture
def quiet(monkeypatch):
    """Not in --debug mode, whatever the environment says."""
    monkeypatch.setitem(cli_app._state, "debug", False)


def test_a_usage_problem_is_printed_and_exits_with_its_code(quiet, capsys):
    problems = [Problem("bad fee", file="s.yaml", line=3), Problem("bad end", file="s.yaml")]
    with pytest.raises(typer.Exit) as caught:
        raising(CommitcastError(problems))()
    assert caught.value.exit_code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "s.yaml:3: bad fee\ns.yaml: bad end\n"


def test_an_error_may_carry_exit_code_1(quiet, capsys):
    with pytest.raises(typer.Exit) as caught:
        raising(CommitcastError([Problem("disk gone")], 1))()
    assert caught.value.exit_code == 1


def test_anything_else_is_a_bug_reported_in_one_line_without_a_traceback(quiet, capsys):
    with pytest.raises(typer.Exit) as caught:
        raising(ValueError("boom [/]"))()
    assert caught.value.exit_code == 1
    err = capsys.readouterr().err
    assert err.startswith("internal error: ValueError: boom [/]\n")  # brackets print as they are
    assert "This is a bug in commitcast. Run again with --debug" in " ".join(err.split())
    assert "Traceback" not in err


def test_ctrl_c_exits_130_saying_no_file_was_changed(quiet, capsys):
    with pytest.raises(typer.Exit) as caught:
        raising(KeyboardInterrupt())()
    assert caught.value.exit_code == 130
    assert capsys.readouterr().err == "interrupted; no output file was changed\n"


@pytest.mark.parametrize("error", [typer.Exit(3), typer.Abort(), SystemExit(143)])
def test_exits_pass_through(quiet, error):
    with pytest.raises(type(error)):
        raising(error)()


@pytest.mark.parametrize(
    "error", [ValueError("boom"), CommitcastError([Problem("x")]), KeyboardInterrupt()]
)
def test_debug_lets_the_exception_through(monkeypatch, error):
    monkeypatch.setitem(cli_app._state, "debug", True)
    with pytest.raises(type(error)):
        raising(error)()


def test_the_wrapper_keeps_the_commands_name_and_help():
    command = raising(ValueError())
    assert command.__name__ == "command"
    assert command.__doc__ == "The command's own help."


def test_usage_error_is_placed_on_the_command_line():
    error = cli_app.usage_error("--output needs --format csv or json", hint="or redirect with >")
    assert error.exit_code == 2
    assert str(error) == "command line: --output needs --format csv or json (or redirect with >)"


def test_sigterm_unwinds_like_an_exception():
    before = signal.getsignal(signal.SIGTERM)
    try:
        cli_app.terminate_cleanly()
        handler = signal.getsignal(signal.SIGTERM)
        with pytest.raises(SystemExit) as caught:
            handler(signal.SIGTERM, None)
        assert caught.value.code == 128 + 15
    finally:
        signal.signal(signal.SIGTERM, before)


def test_consoles_never_read_markup_and_refuse_a_useless_width(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "12")
    assert cli_app.stdout().width == 80  # a handful of columns would print a letter a line
    assert cli_app.stderr().width == 80
    monkeypatch.setenv("COLUMNS", "100")
    assert cli_app.stdout().width == 100
    # text from a scenario is never read as Rich markup
    cli_app.stdout().print("deal [bold]A[/] [/]")
    cli_app.stderr().print("name [red]x")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("deal [bold]A[/] [/]\n", "name [red]x\n")


def test_each_invocation_starts_without_the_last_ones_outputs(cli, tmp_path):
    cli_app.destinations.add(str(tmp_path / "left-over.csv"))
    result = cli("schema", "-o", tmp_path / "schema.json")
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "left-over.csv") not in cli_app.destinations


def test_no_arguments_shows_the_help(cli):
    result = cli()
    assert result.exit_code in (0, 2)  # click's own code for a group called bare
    assert "Usage" in result.output and "project" in result.output


# ---- running out of memory -----------------------------------------------------------------


def test_memory_error_says_what_to_do_and_exits_2(quiet, capsys):
    with pytest.raises(typer.Exit) as caught:
        raising(MemoryError("Unable to allocate 7.45 GiB for an array"))()
    assert caught.value.exit_code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith("out of memory (Unable to allocate 7.45 GiB for an array): ")
    for advice in ("fewer runs", "shorter horizon", "smaller --memory budget"):
        assert advice in err
    assert "internal error" not in err and "bug" not in err and "Traceback" not in err


def test_memory_error_without_a_message(quiet, capsys):
    with pytest.raises(typer.Exit) as caught:
        raising(MemoryError())()
    assert caught.value.exit_code == 2
    assert capsys.readouterr().err.startswith("out of memory: this needs more memory")


def test_memory_error_with_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setitem(cli_app._state, "debug", True)
    with pytest.raises(MemoryError):
        raising(MemoryError())()


@pytest.mark.parametrize(
    ("target", "args"),
    [
        # deep in the engine, while projecting
        ("commitcast.engine.run.run", ("project", "{base}", "--format", "json")),
        # while reading the scenario
        ("commitcast.load.validation.load_scenario", ("validate", "{base}")),
        # in a what-if command
        ("commitcast.engine.run.run", ("sensitivity", "{base}")),
    ],
)
def test_running_out_of_memory_in_a_command_is_a_clear_exit_2(cli, monkeypatch, target, args):
    import sys

    from tests.conftest import SCENARIOS

    module_name, _, function = target.rpartition(".")
    original = getattr(importlib.import_module(module_name), function)

    def exhausted(*_args, **_kwargs):
        raise MemoryError("Unable to allocate 96.0 GiB for an array with shape (100000, 120000)")

    # the function where it is defined and in every module that imported it by name
    for name, module in list(sys.modules.items()):
        if name.startswith("commitcast") and getattr(module, function, None) is original:
            monkeypatch.setattr(module, function, exhausted)
    result = cli(*(a.format(base=SCENARIOS / "colossus-base.yaml") for a in args))
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "out of memory (Unable to allocate 96.0 GiB" in text
    assert "fewer runs" in text and "internal error" not in text and "bug" not in text


# ---- --help without the modules it never uses ----------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], True),
        (["--help"], True),
        (["project", "-h"], True),
        (["project", "x.yaml"], False),
        (["--version"], False),
    ],
)
def test_asks_for_help(args, expected):
    assert cli_app.asks_for_help(args) is expected


HELP_PROBE = """
import sys
if sys.argv[1] == "real":  # the modules imported first: Typer's own way, no stand-ins
    import rich.markdown, rich.traceback
sys.argv = ["commitcast", *sys.argv[2:]]
import commitcast.cli
try:
    commitcast.cli.main()
except SystemExit:
    pass
sys.stdout.flush()
print(repr(sorted(m for m in ("rich.markdown", "rich.traceback", "pygments", "markdown_it")
                  if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["project", "--help"], ["simulate", "-h"], []])
@pytest.mark.parametrize("colour", [False, True])
def test_help_is_the_same_text_without_the_unused_modules(args, colour):
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    if colour:
        env["FORCE_COLOR"] = "1"
    else:
        env["NO_COLOR"] = "1"
    runs = {
        how: subprocess.run(
            [sys.executable, "-c", HELP_PROBE, how, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        for how in ("stand-ins", "real")
    }
    light, real = runs["stand-ins"], runs["real"]
    assert "Usage" in light.stdout + light.stderr
    assert (light.stdout, light.returncode) == (real.stdout, real.returncode)
    assert light.stderr.splitlines()[:-1] == real.stderr.splitlines()[:-1]
    assert light.stderr.splitlines()[-1] == "[]"  # none of them imported for the help


def test_stand_ins_leave_nothing_behind_and_still_work():
    import subprocess
    import sys

    code = """
import sys
sys.argv = ["commitcast", "--help"]
import commitcast.cli
try:
    commitcast.cli.main()
except SystemExit:
    pass
import typer.rich_utils as formatter
assert "rich.markdown" not in sys.modules and "rich.traceback" not in sys.modules
shown = formatter.Markdown("# a title")  # imports the real module on first use
import rich.markdown, rich.traceback
assert type(shown) is rich.markdown.Markdown and isinstance(shown, formatter.Markdown)
assert formatter.Traceback.from_exception == rich.traceback.Traceback.from_exception
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[-1] == "ok", done.stderr


def test_main_leaves_the_collector_nothing_to_search_on_the_way_out():
    # the interpreter's last cyclic collections were 30-45 ms of `commitcast project`
    import subprocess
    import sys

    from tests.conftest import SCENARIOS

    code = f"""
import gc, sys
sys.argv = ["commitcast", "validate", {str(SCENARIOS / "colossus-base.yaml")!r}]
import commitcast.cli
try:
    commitcast.cli.main()
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
print(gc.get_freeze_count() > 1000)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[-1] == "True", done.stderr


def test_keep_until_exit_freezes_only_in_the_program(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run by main() keeps what it has read out of the collector's searches; one run
    from Python (or by a test's runner) leaves the collector as it was."""
    import gc

    app_module = importlib.import_module("commitcast.cli.app")  # (commitcast.cli.app: the app)

    assert gc.get_freeze_count() == 0
    monkeypatch.setitem(app_module._state, "main", False)
    app_module.keep_until_exit()
    assert gc.get_freeze_count() == 0
    monkeypatch.setitem(app_module._state, "main", True)
    try:
        app_module.keep_until_exit()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
