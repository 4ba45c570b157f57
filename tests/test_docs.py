"""README.md and docs/*.md: every example is the real output, and the reference is complete.

Examples are fenced blocks of two kinds:

- ```` ```console ````: `$ commitcast ...` lines, each followed by the output shown at 100
  columns. Each block runs in a fresh temporary folder holding a link to `scenarios/`, so paths
  read as from the repository root and files written (`-o`, `--xlsx`, `init`) are left in the
  temporary folder, never in the repository. Besides `commitcast` a block may use `$ cat FILE`
  (the text shown is written to FILE for the commands after it), the filters `| head -N`,
  `| tail -N`, `| cut -dX -fLIST` and `| jq .key.path` (applied to stdout) and a trailing
  `; echo "exit $?"`, which shows the exit status; without it a command must exit 0. What a
  command prints on stderr is shown before its stdout; for a failing command the text shown is
  exactly its stderr.
- ```` ```pycon ````: `>>>` sessions, run as doctests, one namespace per page, in the same kind
  of temporary folder.

Output is compared after removing trailing spaces. JSON output is parsed and its numbers compared
to the cent for money and 1e-9 for ratios (`close`); in other output, text is compared exactly
except numbers with 12 or more significant digits (trailing zeros aside) or an exponent:
full-precision floats, whose last digit differs between CPUs (621020294349.718 here is
621020294349.7179 there), get the same tolerance. Rounded figures ($525.75B, 36.3%) must
match exactly.

When an example fails, the message shows the actual output: paste it into the page, or run
scripts/refresh_docs.py, which rewrites every output that changed.
"""

from __future__ import annotations

import doctest
import json
import re
import shlex
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from pydantic import BaseModel
from typer.main import get_command
from typer.testing import CliRunner

import commitcast
from commitcast.cli import app
from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
WIDTH = "100"
ENV = {"COLUMNS": WIDTH, "NO_COLOR": "1", "TERM": "dumb", "FORCE_COLOR": None}
ENV["COMMITCAST_DEBUG"] = None
SHOW_EXIT = '; echo "exit $?"'
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
NUMBER = re.compile(r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence
    lang: str
    body: str

    @property
    def name(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    return [
        Block(page, text.count("\n", 0, m.start()) + 1, m["lang"], m["body"])
        for m in FENCE.finditer(text)
    ]


def console_blocks() -> list[Block]:
    return [b for page in PAGES for b in blocks(page) if b.lang == "console"]


def pycon_pages() -> list[Path]:
    return [page for page in PAGES if any(b.lang == "pycon" for b in blocks(page))]


def steps(body: str) -> list[tuple[str, str]]:
    """A console block as (command, output shown) pairs."""
    found: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        else:
            assert found, "a console block starts with a `$ ` command"
            found[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in found]


# --- comparing ---------------------------------------------------------------------------------


def normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def close(a: float, b: float) -> bool:
    """Equal to the cent for money, to 1e-9 for ratios, and never asked to be closer than a
    float can be: tolerance min(half a cent, 1e-9 x the value), but at least 8 units in the last
    place (3e15 tokens carry no cents). A relative 1e-9 alone would let $41 slip on $41B."""
    largest = max(abs(a), abs(b))
    if largest < 1e-3:  # a residual next to zero (solve's "off by -4.77e-07"): zero to 1e-6
        return abs(a - b) <= 1e-6
    tolerance = max(min(0.005, 1e-9 * largest), 8 * sys.float_info.epsilon * largest)
    return abs(a - b) <= tolerance


def same_json(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return close(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same_json, a, b))
    return a == b


def full_precision(token: str) -> bool:
    if "e" in token.lower():
        return True
    return len(token.lstrip("-").replace(".", "").strip("0")) >= 12


def same_text(shown: str, actual: str) -> bool:
    shown, actual = normal(shown), normal(actual)
    if shown == actual:
        return True
    if shown.lstrip().startswith(("{", "[")):
        try:
            return same_json(json.loads(shown), json.loads(actual))
        except ValueError:
            pass
    a, b = NUMBER.split(shown), NUMBER.split(actual)
    if len(a) != len(b):
        return False
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            continue
        if i % 2 == 0 or not (full_precision(x) or full_precision(y)):
            return False
        if not close(float(x), float(y)):
            return False
    return True


def test_the_comparison_is_tolerant_only_of_full_precision_floats():
    assert same_text('{"ending_cash": 621020294349.718}', '{"ending_cash": 621020294349.7179}')
    assert same_text("cash,621020294349.718\n", "cash,621020294349.7179  \n")
    assert same_text("gross_margin = $0.00 (off by -4.77e-07)", "gross_margin = $0.00 (off by 0)")
    assert not same_text('{"npv": 525748822393.51}', '{"npv": 525749822393.51}')
    assert not same_text('{"a": 1, "b": 2}', '{"b": 2, "a": 1}')
    assert not same_text("npv $525.75B", "npv $525.76B")
    assert not same_text("│ 2026 │ $7.50B │", "│ 2026 │  $7.50B│")
    assert not same_text("12500000000.0", "12500000001.0")
    assert same_text("2028,12730.8", "2028,12730.799999999997")
    # money to the cent even on large figures, where a relative 1e-9 would allow $41
    assert not same_text('{"npv": 41000000000.0}', '{"npv": 41000000001.0}')
    assert same_text('{"npv": 41000000000.0}', '{"npv": 41000000000.004}')
    assert not same_text('{"utilization": 0.3}', '{"utilization": 0.300000001}')


# --- running -----------------------------------------------------------------------------------


def head(text: str, args: list[str]) -> str:
    count = int(args[-1].lstrip("-"))
    return "".join(text.splitlines(keepends=True)[:count])


def tail(text: str, args: list[str]) -> str:
    count = int(args[-1].lstrip("-"))
    return "".join(text.splitlines(keepends=True)[-count:])


def cut(text: str, args: list[str]) -> str:
    options = {arg[:2]: arg[2:] for arg in args}
    delimiter, fields = options.get("-d", "\t"), []
    for part in options["-f"].split(","):
        low, _, high = part.partition("-")
        fields += range(int(low), int(high or low) + 1)
    rows = [line.split(delimiter) for line in text.splitlines()]
    return "".join(
        delimiter.join(row[f - 1] for f in fields if f <= len(row)) + "\n" for row in rows
    )


def jq(text: str, args: list[str]) -> str:
    (path,) = args
    value = json.loads(text)
    for key in filter(None, path.split(".")):
        value = value[key]
    return json.dumps(as_jq_prints(value), indent=2) + "\n"


def as_jq_prints(value: object) -> object:
    """jq prints a whole float without its `.0`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return int(value)
    if isinstance(value, dict):
        return {key: as_jq_prints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_jq_prints(item) for item in value]
    return value


FILTERS = {"head": head, "tail": tail, "cut": cut, "jq": jq}
RUNNER = CliRunner(env=ENV)


@dataclass
class Ran:
    shown: str  # what a terminal shows: stderr, then stdout (filtered), then `exit N`
    exit_code: int
    stderr: str


def run(command: str, folder: Path, shown: str) -> Ran:
    show_exit = command.endswith(SHOW_EXIT)
    line = command.removesuffix(SHOW_EXIT)
    first, *filters = (shlex.split(stage) for stage in line.split(" | "))
    if first[0] == "cat":
        (folder / first[1]).write_text(shown + "\n", encoding="utf-8")
        return Ran(shown, 0, "")
    assert first[0] == "commitcast", f"examples run commitcast, not {first[0]!r}"
    result = RUNNER.invoke(app, first[1:])
    stdout = result.stdout
    for stage in filters:
        assert stage[0] in FILTERS, f"the test cannot run `{stage[0]}` in {command!r}"
        stdout = FILTERS[stage[0]](stdout, stage[1:])
    text = result.stderr + stdout
    if show_exit:
        text += f"exit {result.exit_code}\n"
    return Ran(text, result.exit_code, result.stderr)


def link_scenarios(folder: Path) -> Path:
    """Make `folder` the place an example runs in: scenarios/ reads as from the repository root."""
    (folder / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    return folder


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(link_scenarios(tmp_path))
    return tmp_path


def check_step(block: Block, command: str, shown: str, ran: Ran) -> None:
    """Fail, with the actual output as a hint, unless `shown` is what `command` printed."""
    actual = "\n".join(f"$ {command}\n{normal(ran.shown)}".splitlines())
    hint = f"{block.name}: `$ {command}` now prints (COLUMNS={WIDTH}):\n\n{actual}\n"
    if command.endswith(SHOW_EXIT):
        expected = int(shown.splitlines()[-1].removeprefix("exit "))
        assert ran.exit_code == expected, hint
        if expected:  # an error: the message is on stderr, nothing on stdout
            message = shown.rsplit("\n", 1)[0] if "\n" in shown else ""
            assert normal(ran.stderr) == normal(message), hint
    else:
        assert ran.exit_code == 0, hint
    assert same_text(shown, ran.shown), hint


@pytest.mark.parametrize("block", console_blocks(), ids=lambda b: b.name)
def test_console_example_is_the_real_output(block: Block, folder: Path):
    for command, shown in steps(block.body):
        check_step(block, command, shown, run(command, folder, shown))


class Tolerant(doctest.OutputChecker):
    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return same_text(want, got)


def run_python_examples(page: Path, runner: doctest.DocTestRunner) -> str:
    """Run the page's pycon blocks with `runner`, in one namespace; return its report."""
    parser = doctest.DocTestParser()
    namespace: dict[str, object] = {}
    report: list[str] = []
    for block in (b for b in blocks(page) if b.lang == "pycon"):
        test = parser.get_doctest(block.body, namespace, block.name, str(page), block.line)
        runner.run(test, out=report.append, clear_globs=False)
        namespace = test.globs  # the next block goes on from here
    return "".join(report)


@pytest.mark.parametrize("page", pycon_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_examples_run_as_shown(page: Path, folder: Path):
    runner = doctest.DocTestRunner(checker=Tolerant())
    report = run_python_examples(page, runner)
    assert runner.failures == 0, report


def test_no_example_escapes_the_check():
    for page in PAGES:
        for block in blocks(page):
            if block.lang in ("console", "pycon"):
                continue
            for line in block.body.splitlines():
                assert not line.startswith(("$ ", ">>> ")), f"{block.name}: {line}"


def test_pages_with_examples_state_the_width_before_the_first():
    for page in PAGES:
        first = next((b.line for b in blocks(page) if b.lang == "console"), None)
        if first is not None:
            top = " ".join(page.read_text(encoding="utf-8").splitlines()[:first])
            assert f"{WIDTH} columns" in " ".join(top.split()), page.name


# --- the guide ---------------------------------------------------------------------------------


def test_readme_is_a_short_guide_with_the_two_quick_start_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 250
    assert "pip install . && commitcast project scenarios/colossus-base.yaml\n" in text
    assert 'pip install -e ".[test]" && python -m pytest\n' in text
    for page in ("commands", "scenario", "conventions", "workbook", "whatif", "simulate", "api"):
        assert f"(docs/{page}.md)" in text, page


def anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    titles = re.findall(r"^#+ (.*)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-") for title in titles}


def test_links_between_pages_lead_somewhere():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for target, anchor in re.findall(r"\]\(([^)#:\s]*)(?:#([^)]*))?\)", text):
            path = (page.parent / target).resolve() if target else page
            assert path.exists(), f"{page.name}: link to {target}"
            if anchor:
                assert anchor in anchors(path), f"{page.name}: link to {target}#{anchor}"


# --- the reference is complete -----------------------------------------------------------------


def commands_page() -> str:
    return (DOCS / "commands.md").read_text(encoding="utf-8")


def section(text: str, title: str) -> str:
    """The text under the heading that starts with `title`, to the next heading of its level."""
    match = re.search(rf"^(#+) {re.escape(title)}.*$", text, re.M)
    assert match, f"no section {title!r}"
    level = len(match[1])
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, match.end())
    return text[match.end() : end.start() if end else len(text)]


def mentions(text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def test_every_command_and_option_is_in_commands_md():
    group = get_command(app)
    context = click.Context(group)
    text = commands_page()
    names = [n for n in group.list_commands(context) if not group.get_command(context, n).hidden]
    assert {"validate", "project", "exit"} <= set(names)
    for name in names:
        command = group.get_command(context, name)
        part = section(text, f"`commitcast {name}")
        options = [p for p in command.get_params(context) if p.param_type_name == "option"]
        # Typer's options are its own click subclass: count them, so a check of none cannot pass
        assert any(o.opts == ["--help"] or "--help" in o.opts for o in options), name
        assert len(options) >= 2, name
        for param in options:
            for option in (*param.opts, *param.secondary_opts):
                if option not in ("--help", "-h"):  # documented once, with the global options
                    assert mentions(part, option), f"commitcast {name} {option}"
    part = section(text, "Global options")
    for param in group.get_params(context):
        for option in (*param.opts, *param.secondary_opts):
            assert mentions(part, option), option


def test_every_command_has_an_example():
    text = "".join(page.read_text(encoding="utf-8") for page in PAGES)
    group = get_command(app)
    for name in group.list_commands(click.Context(group)):
        assert f"$ commitcast {name} " in text, name


def test_exit_codes_are_documented():
    part = section(commands_page(), "Exit codes")
    for code in (0, 1, 2, 130, 143):
        assert f"| {code} |" in part, code


# fields owned by `commitcast simulate`, documented on its own page
SIMULATE_FIELDS = {"correlations"}


def _model(annotation: typing.Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside an annotation, and whether it is a list of them."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None, False
        annotation = args[0]
    if typing.get_origin(annotation) is list:
        inner, _ = _model(typing.get_args(annotation)[0])
        return inner, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def field_paths(model: type[BaseModel] = commitcast.Scenario, prefix: str = "") -> list[str]:
    paths = []
    for name, info in model.model_fields.items():
        if not prefix and name in SIMULATE_FIELDS:
            continue
        path = f"{prefix}{name}"
        paths.append(path)
        inner, is_list = _model(info.annotation)
        if inner is not None:
            paths += field_paths(inner, f"{path}[]." if is_list else f"{path}.")
    return paths


def test_every_scenario_field_is_in_the_field_table():
    table = (DOCS / "scenario.md").read_text(encoding="utf-8")
    paths = field_paths()
    assert "contracts[].termination.notice_given" in paths  # the walk reaches nested fields
    missing = [p for p in paths if f"| `{p}` |" not in table]
    assert missing == []


def test_number_formats_are_documented():
    text = (DOCS / "scenario.md").read_text(encoding="utf-8")
    for form in ("`1.25B`", "`$900M`", "`$1,250,000,000`", "`3%`", "`5.0e15`"):
        assert form in text


def test_every_output_column_and_summary_figure_is_explained():
    base = commitcast.projection(commitcast.load_scenario(ROOT / "scenarios/colossus-base.yaml"))
    names = [*base.frame().columns, *base.summary]
    assert len(names) > 30
    conventions = (DOCS / "conventions.md").read_text(encoding="utf-8")
    for name in names:
        assert re.search(rf"\b{name}\b", conventions), name
    commands = section(commands_page(), "`commitcast project")
    for name in names:
        assert re.search(rf"\b{name}\b", commands), name


def test_every_distribution_and_correlations_are_documented():
    from commitcast.model.uncertainty import KINDS

    text = (DOCS / "simulate.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"| `{kind}` |" in text, kind
    assert "correlations" in text and "rho" in text


def test_the_scenario_examples_in_yaml_are_valid():
    for page in PAGES:
        for block in blocks(page):
            if block.lang == "yaml" and re.search(r"^horizon:", block.body, re.M):
                commitcast.scenario_from_text(block.body, block.name)
