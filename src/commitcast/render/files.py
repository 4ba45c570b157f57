"""Output files appear whole or not at all.

Every file commitcast writes goes to a temporary file in the destination's folder and is moved
into place with `os.replace` only when complete, so an error or Ctrl-C mid-write leaves any
previous file untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from commitcast.core.errors import CommitcastError


def check_destination(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any work is done, a destination that cannot be written."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise CommitcastError.single(
            "this is a folder; give a file name", file=str(target), hint="e.g. -o board.xlsx"
        )
    if not folder.exists():
        raise CommitcastError.single(
            f"the folder {str(folder)!r} does not exist", file=str(target), hint="create it first"
        )
    if not folder.is_dir():
        raise CommitcastError.single(
            f"{str(folder)!r} is a file, not a folder", file=str(target), hint="check the path"
        )
    if not os.access(folder, os.W_OK):
        raise CommitcastError.single(
            f"the folder {str(folder)!r} cannot be written to", file=str(target)
        )
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it onto `path` if the block succeeds."""
    target = check_destination(path)
    if target.exists() and not stat.S_ISREG(os.stat(target).st_mode):
        # /dev/null, /dev/stdout, a named pipe: replacing it would put a regular file in its
        # place (as root, /dev/null itself), so stream the finished file into it instead
        with _streamed_into(target) as temp:
            yield temp
        return
    if target.is_symlink():
        target = Path(os.path.realpath(target))  # replace the file it points to, keep the link
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.",
            suffix=".part",
            dir=target.parent if str(target.parent) else ".",
        )
    except OSError as error:  # e.g. /proc, a read-only mount: os.access cannot tell
        raise CommitcastError.single(
            f"cannot create a file in {str(target.parent)!r}: {error.strerror}",
            file=str(target),
            hint="write to another folder",
        ) from None
    os.close(handle)
    temp = Path(temporary)
    try:
        yield temp
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(temp, os.stat(target).st_mode & 0o777)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        try:
            os.replace(temp, target)
        except PermissionError:
            raise CommitcastError.single(
                "cannot replace the file: it is open or locked by another program "
                "(close it in Excel and try again)",
                file=str(target),
            ) from None
        except OSError as error:
            raise CommitcastError.single(
                f"cannot replace the file: {error.strerror}; the previous file is unchanged",
                file=str(target),
            ) from None
    except OSError as error:
        # the writer failed (disk full, quota): the destination was never touched
        raise CommitcastError.single(
            f"cannot write the file: {error.strerror or error}; the previous file is unchanged",
            file=str(target),
            hint="free some space or write elsewhere",
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


@contextlib.contextmanager
def _streamed_into(target: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="commitcast-") as folder:
        temp = Path(folder) / target.name
        yield temp
        try:
            with temp.open("rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
        except OSError as error:
            raise CommitcastError.single(
                f"cannot write to it: {error.strerror or error}", file=str(target)
            ) from None


def write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8", newline="")


def write_with(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> None:
    """Let `writer` fill a temporary file, then move it into place."""
    with atomic_path(path) as temp:
        writer(temp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
