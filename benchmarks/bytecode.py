"""commitcast's modules compiled to bytecode before a benchmark times whole processes.

`pip install commitcast` writes each module's bytecode (.pyc) when it installs the package, as
it did for numpy, PyYAML and Typer, the baselines the start-up targets are set against. A
checkout run with PYTHONDONTWRITEBYTECODE=1 (this development machine sets it) has none, and
every process would compile all of commitcast's sources again before it starts: time that no
installed commitcast spends, and that the baselines do not spend either. So the benchmarks
write the bytecode first, into the package's own __pycache__ folders (ignored by git), as any
Python run without that setting would; `--no-bytecode` on a benchmark measures without it.
"""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path


def write_bytecode() -> str:
    """Compile the commitcast package that `python -m commitcast` runs; say what was done."""
    spec = importlib.util.find_spec("commitcast")
    if spec is None or spec.origin is None:
        raise SystemExit("commitcast is not importable: pip install -e . first")
    package = Path(spec.origin).parent
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"could not compile {package}")
    return f"bytecode of {package} written (as pip install writes it)"
