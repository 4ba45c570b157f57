"""The Typer app, its global options, and the one place where exceptions become exit codes."""

from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

import typer

from commitcast.core.errors import EXIT_FAILURE, EXIT_USAGE, CommitcastError

app = typer.Typer(
    name="commitcast",
    help="Model large multi-year compute commitments: cash flow, utilization, margin, exit cost.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": os.environ.get("COMMITCAST_DEBUG") == "1"}
# Output files of the running command (resolved), so no input is ever written over.
destinations: set[str] = set()

F = TypeVar("F", bound=Callable[..., Any])


def _version(value: bool) -> None:
    if value:
        from commitcast import __version__

        typer.echo(f"commitcast {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks (for developers)."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Model large multi-year compute commitments: cash flow, utilization, margin, exit cost."""
    # set on every invocation: an earlier --debug run in the same process must not leak
    _state["debug"] = debug or os.environ.get("COMMITCAST_DEBUG") == "1"
    destinations.clear()


def stderr():  # type: ignore[no-untyped-def]
    from rich.console import Console

    # markup off: text from a scenario ('[/]' in a name) must print as written, never be
    # parsed as Rich markup (a MarkupError crashed the tornado and the internal-error report)
    return _usable_width(Console(stderr=True, highlight=False, markup=False))


def stdout():  # type: ignore[no-untyped-def]
    from rich.console import Console

    console = _usable_width(Console(highlight=False, markup=False))
    console.on_broken_pipe = _broken_pipe
    return console


def _broken_pipe() -> None:
    # `commitcast project x | head`: the reader has what it wanted. Rich would exit 1 (our code
    # for a bug); handles_errors turns BrokenPipeError into exit 0, as for CSV and JSON.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # nothing more to flush into the closed pipe
    raise BrokenPipeError


def _usable_width(console):  # type: ignore[no-untyped-def]
    # COLUMNS=0 (set by some CI runners) made Rich print nothing at all, errors included, and
    # a handful of columns prints tables one letter per line: fall back to 80.
    if console.width < 40:
        console.width = 80
    return console


def handles_errors(function: F) -> F:
    """Turn CommitcastError into its messages and exit 2, MemoryError into what to do about
    it and exit 2; anything else into exit 1 (a bug).

    With --debug the traceback is shown instead.
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except CommitcastError as error:
            if _state["debug"]:
                raise
            from commitcast.render.terminal import print_problems

            print_problems(stderr(), error.problems)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            if _state["debug"]:
                raise
            stderr().print("interrupted; no output file was changed")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # `commitcast project x --format csv | head` closes the pipe early: not an error.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except MemoryError as error:  # numpy's "Unable to allocate ..." too: a subclass
            if _state["debug"]:
                raise
            stderr().print(out_of_memory(error))
            raise typer.Exit(EXIT_USAGE) from None
        except Exception as error:  # the last line of defence: never a bare traceback
            if _state["debug"]:
                raise
            stderr().print(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in commitcast. Run again with --debug for the traceback and "
                "report it."
            )
            raise typer.Exit(EXIT_FAILURE) from None

    return wrapper  # type: ignore[return-value]


def out_of_memory(error: MemoryError) -> str:
    """What to do when the machine ran out of memory: not a bug, and the user can fix it."""
    detail = f" ({error})" if str(error) else ""
    return (
        f"out of memory{detail}: this needs more memory than the machine has free. Ask for "
        "less: fewer runs (simulate -n), a shorter horizon (e.g. --set horizon.months=60), or "
        "a smaller --memory budget for simulate."
    )


def usage_error(message: str, hint: str | None = None) -> CommitcastError:
    return CommitcastError.single(message, hint=hint, file="command line")


def terminate_cleanly() -> None:
    """Make SIGTERM (`kill`, a CI timeout) unwind like Ctrl-C, so a half-written temporary
    output file is removed; the default action would end the process on the spot."""
    import signal

    def _terminate(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    # a file size limit (ulimit -f) would end the process on the spot with SIGXFSZ, leaving
    # its temporary files; ignored, the write fails with EFBIG and is reported like a full disk
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


# typer.rich_utils, which formats --help, imports rich.markdown (markdown_it, pygments) for
# rich_markup_mode="markdown" and rich.traceback for pretty exceptions at its top. This app uses
# neither, and the two were 70 ms, a third of `commitcast --help`.
UNUSED_BY_HELP = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


def asks_for_help(args: list[str]) -> bool:
    """Whether this command line only prints help (no arguments prints it too)."""
    return not args or "--help" in args or "-h" in args


def import_help_formatter() -> None:
    """Import typer.rich_utils with stand-ins for the modules of UNUSED_BY_HELP.

    A stand-in holds a class that imports the real module as soon as it is called or asked for
    an attribute, so a Typer that did use one would still work; the stand-ins leave
    sys.modules right after, so any other import of those modules gets the real ones. If
    the import fails, Typer imports rich_utils itself later, with the real modules.
    """
    if "typer.rich_utils" in sys.modules:
        return
    stand_ins = {
        module: _stand_in(module, name)
        for module, name in UNUSED_BY_HELP.items()
        if module not in sys.modules
    }
    sys.modules.update(stand_ins)
    try:
        import typer.rich_utils  # noqa: F401
    except Exception:
        sys.modules.pop("typer.rich_utils", None)
    finally:
        for module, stand_in in stand_ins.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]


def _stand_in(module: str, name: str) -> ModuleType:
    def real() -> Any:
        return getattr(importlib.import_module(module), name)

    class Deferred(type):
        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            return real()(*args, **kwargs)

        def __getattr__(cls, attribute: str) -> Any:
            return getattr(real(), attribute)

        def __instancecheck__(cls, instance: Any) -> bool:
            return isinstance(instance, real())

    stand_in = ModuleType(module)
    setattr(stand_in, name, Deferred(name, (), {"__module__": module}))
    return stand_in


def keep_until_exit() -> None:
    """Under `main()`, one short process: what it holds now stays until the process ends, so
    the garbage collector need not search it again. After a scenario is read, the first full
    collection would otherwise scan every object of it once more while the engine runs
    (10,000 contracts: ~1M objects, ~0.1 s). A command run from Python or by a test's runner
    leaves the collector as it was."""
    if _state.get("main"):
        gc.freeze()


def main() -> None:
    """The `commitcast` program: run the command line, then leave."""
    _state["main"] = True
    terminate_cleanly()
    if asks_for_help(sys.argv[1:]):
        import_help_formatter()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        # The process ends here. Its tens of thousands of objects (numpy, pydantic, Typer and
        # Rich as imported) would otherwise be searched for reference cycles once more on the
        # way out: 30-45 ms, a tenth of `commitcast project`, to free memory the exit frees
        # anyway. Output is flushed, atexit handlers run and threads are joined as before;
        # the commands close and flush every file they write themselves.
        gc.freeze()


__all__ = [
    "EXIT_USAGE",
    "app",
    "handles_errors",
    "keep_until_exit",
    "main",
    "stderr",
    "stdout",
    "usage_error",
]
