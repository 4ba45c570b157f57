"""Rewrite the outputs shown in the documentation's examples with what the commands print now.

    python scripts/refresh_docs.py [--check | --dry-run] [PAGE ...]

Runs every example exactly as tests/test_docs.py does (its functions do the parsing, running
and comparing): each ```` ```console ```` block in a fresh temporary folder linked to
`scenarios/`, at COLUMNS=100; each page's ```` ```pycon ```` blocks as doctests in one
namespace, in the same kind of folder. Where the test would fail, the output shown is replaced
by the actual output (for a console step, as the test's hint prints it; for a `>>>` statement,
what it printed). Commands, `$ cat` file contents, the prose and every output the test accepts
(a full-precision float that differs in its last digit included) are left as they are, so a
refresh of pages that pass changes nothing.

PAGE: README.md and docs/*.md by default; any Markdown file may be named.
--check: write nothing; list the examples whose output would change and exit 1 if any.
--dry-run: write nothing; print the changes as a unified diff.

A page is written only when it changes, through a temporary file beside it and os.replace.
An example that rewriting its output cannot fix (a command without `; echo "exit $?"` that
fails, a `$ ` line that is not a command the test can run, an output with a blank line in a
doctest) is reported and left alone; the exit status is then 2.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import doctest
import os
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_docs import (  # noqa: E402  (the repository root must be importable first)
    FENCE,
    PAGES,
    SHOW_EXIT,
    Block,
    Ran,
    Tolerant,
    blocks,
    check_step,
    link_scenarios,
    normal,
    run,
    run_python_examples,
    steps,
)

EXCEPTION_HEADER = "Traceback (most recent call last):"


@dataclass
class Refresh:
    """What a page's examples print now: its new text, what changed and what could not be."""

    page: Path
    old: str
    new: str = ""
    changed: list[str] = field(default_factory=list)  # "docs/x.md:12: $ commitcast ..."
    problems: list[str] = field(default_factory=list)


@contextlib.contextmanager
def example_folder() -> Iterator[Path]:
    """The folder an example runs in, as the test's `folder` fixture makes it, as the cwd."""
    with tempfile.TemporaryDirectory(prefix="refresh-docs-") as tmp:
        folder = link_scenarios(Path(tmp).resolve())
        cwd = Path.cwd()
        os.chdir(folder)
        try:
            # pytest records warnings; shown on stderr they would land in the output
            with warnings.catch_warnings(record=True):
                yield folder
        finally:
            os.chdir(cwd)


def line_of(block: Block, index: int) -> str:
    """`page:line` of the line `index` of a block's body."""
    return f"{block.name.rsplit(':', 1)[0]}:{block.line + 1 + index}"


# --- console blocks ----------------------------------------------------------------------------


def passes(block: Block, command: str, shown: str, ran: Ran) -> bool:
    try:
        check_step(block, command, shown, ran)
    except (AssertionError, ValueError, IndexError):
        return False
    return True


def refresh_console(block: Block, refresh: Refresh) -> str:
    """The block's body with each failing step's output replaced by the actual output."""
    lines = block.body.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("$ ")]
    if not starts or starts[0] != 0:
        refresh.problems.append(f"{block.name}: a console block starts with a `$ ` command")
        return block.body
    groups = [lines[a:b] for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
    pairs = steps(block.body)
    assert pairs == [(g[0][2:], "\n".join(g[1:])) for g in groups], block.name
    out: list[str] = []
    with example_folder() as folder:
        for start, group, (command, shown) in zip(starts, groups, pairs, strict=True):
            out += group[:1]
            where = f"{line_of(block, start)}: $ {command}"
            try:
                ran = run(command, folder, shown)
            except Exception as error:  # an example the test cannot run
                refresh.problems.append(f"{where}: cannot run: {error!r}")
                out += group[1:]
                continue
            if passes(block, command, shown, ran):
                out += group[1:]
                continue
            new = normal(ran.shown).splitlines()
            if not command.endswith(SHOW_EXIT):  # keep the blank lines that end the step
                kept = len(group) - 1
                while kept and not group[kept].strip():
                    kept -= 1
                new += [""] * (len(group) - 1 - kept)
            if not passes(block, command, "\n".join(new), ran):
                reason = (
                    f"exits {ran.exit_code} without `{SHOW_EXIT.strip('; ')}`"
                    if ran.exit_code and not command.endswith(SHOW_EXIT)
                    else "the test fails whatever the output shown"
                )
                refresh.problems.append(f"{where}: {reason}")
                out += group[1:]
                continue
            refresh.changed.append(where)
            out += new
    return "".join(line + "\n" for line in out)


# --- pycon blocks ------------------------------------------------------------------------------


class Recorder(doctest.DocTestRunner):
    """A doctest runner that keeps, for each example whose output the test rejects, the
    output it printed (an exception it was expected to raise as doctest shows one, traceback
    elided), and the examples that raised an exception where they were expected not to."""

    def __init__(self) -> None:
        super().__init__(checker=Tolerant())
        # by (line of the block's fence, line of the example in the block)
        self.actual: dict[tuple[int, int], tuple[doctest.Example, str]] = {}
        self.raised: dict[tuple[int, int], tuple[doctest.Example, str]] = {}  # not expected to

    def report_failure(self, out, test, example, got) -> None:
        if example.exc_msg is not None and EXCEPTION_HEADER in got:  # another exception
            _, _, trace = got.partition(EXCEPTION_HEADER)  # doctest shows no output before it
            match = doctest.DocTestParser._EXCEPTION_RE.match(EXCEPTION_HEADER + trace)
            message = match.group("msg") if match else trace.splitlines()[-1] + "\n"
            got = f"{EXCEPTION_HEADER}\n    ...\n{message}"
        self.actual[(test.lineno, example.lineno)] = (example, got)

    def report_unexpected_exception(self, out, test, example, exc_info) -> None:
        message = traceback.format_exception_only(*exc_info[:2])[-1].strip()
        self.raised[(test.lineno, example.lineno)] = (example, message)


def refresh_pycon(page: Path, pycon: list[Block], refresh: Refresh) -> dict[int, str]:
    """The new body of each pycon block of the page, by the line of its fence."""
    recorder = Recorder()
    with example_folder():
        run_python_examples(page, recorder)
    for (line, index), (example, message) in sorted(recorder.raised.items()):
        block = next(block for block in pycon if block.line == line)
        where = f"{line_of(block, index)}: >>> {example.source.splitlines()[0]}"
        refresh.problems.append(f"{where}: raises {message}")
    bodies = {}
    for block in pycon:
        lines = block.body.splitlines()
        found = sorted(
            (
                (index, example, got)
                for (line, index), (example, got) in recorder.actual.items()
                if line == block.line
            ),
            key=lambda item: item[0],
        )
        for index, example, got in reversed(found):
            source = example.source.splitlines()[0]
            where = f"{line_of(block, index)}: >>> {source}"
            new = normal(got).splitlines()
            if any(not text.strip() or text.startswith(">>>") for text in new):
                refresh.problems.append(f"{where}: its output cannot be shown in a doctest")
                continue
            first = index + example.source.count("\n")
            lines[first : first + example.want.count("\n")] = [
                " " * example.indent + text for text in new
            ]
            refresh.changed.append(where)
        bodies[block.line] = "".join(line + "\n" for line in lines)
    return bodies


# --- pages -------------------------------------------------------------------------------------


def refresh_page(page: Path) -> Refresh:
    text = page.read_text(encoding="utf-8")
    refresh = Refresh(page, text)
    found = blocks(page)
    spans = [match.span("body") for match in FENCE.finditer(text)]
    assert len(spans) == len(found), page
    pycon = [block for block in found if block.lang == "pycon"]
    bodies = refresh_pycon(page, pycon, refresh) if pycon else {}
    for block in found:
        if block.lang == "console":
            bodies[block.line] = refresh_console(block, refresh)
    new = text
    for (start, end), block in reversed(list(zip(spans, found, strict=True))):
        if block.line in bodies and bodies[block.line] != block.body:
            new = new[:start] + bodies[block.line] + new[end:]
    refresh.new = new
    refresh.changed.sort(key=lambda where: int(where.split(":")[1]))
    return refresh


def write_atomically(page: Path, text: str) -> None:
    """Replace the page in one step: a reader sees the old text or the new, never a part."""
    handle, name = tempfile.mkstemp(prefix=f".{page.name}.", suffix=".tmp", dir=page.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.chmod(name, page.stat().st_mode & 0o7777)
        os.replace(name, page)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def diff_names(page: Path) -> tuple[str, str]:
    if page.is_relative_to(ROOT):
        name = page.relative_to(ROOT).as_posix()
        return f"a/{name}", f"b/{name}"
    return str(page), str(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Rewrite the outputs shown in the documentation's examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 done (or nothing to change), 1 --check found changes, "
        "2 some example could not be refreshed.",
    )
    parser.add_argument("pages", nargs="*", type=Path, help="pages (default: all of them)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 on changes")
    mode.add_argument("--dry-run", action="store_true", help="write nothing; print a diff")
    args = parser.parse_args(argv)
    if not __debug__:
        parser.error("the test's checks are asserts: run without -O")
    pages = [page.resolve() for page in args.pages] or PAGES
    for page in pages:
        if not page.is_file():
            parser.error(f"no such page: {page}")

    changed, problems = 0, 0
    for page in pages:
        refresh = refresh_page(page)
        problems += len(refresh.problems)
        for problem in refresh.problems:
            print(f"cannot refresh {problem}", file=sys.stderr)
        if refresh.new == refresh.old:
            continue
        changed += 1
        if args.dry_run:
            sys.stdout.writelines(
                difflib.unified_diff(
                    refresh.old.splitlines(keepends=True),
                    refresh.new.splitlines(keepends=True),
                    *diff_names(page),
                )
            )
            continue
        for where in refresh.changed:
            print(f"{'would change' if args.check else 'changed'} {where}")
        if not args.check:
            write_atomically(page, refresh.new)

    verb = "would change" if args.check or args.dry_run else "changed"
    print(f"{verb} {changed} of {len(pages)} page(s)", file=sys.stderr)
    if problems:
        return 2
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
