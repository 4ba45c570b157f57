"""Output files appear whole or not at all.

Every file commitcast writes goes to a temporary file in the destination's folder and is moved
into place with `os.replace` only when complete, so an error or Ctrl-C mid-write leaves any
previous file untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from commitcast.core.errors import CommitcastError

# Most file systems take names of at most 255 bytes; pathconf says when a folder differs.
NAME_MAX = 255
# mkstemp's temporary name: "." + the target's name + "." + 8 random characters + ".part"
_TEMP_EXTRA = len("..") + 8 + len(".part")


def name_max(folder: str | os.PathLike[str]) -> int:
    """The longest file name, in bytes, that `folder` takes."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return NAME_MAX


def path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why `path` cannot name a file at all (a part over the length a folder takes, a symlink
    loop), or None: checked before any call that would raise on it."""
    text = os.fspath(path)
    for part in Path(text).parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            return (
                f"the name {_short(part)!r} is {size:,} bytes long; a file or folder name "
                f"can have at most {NAME_MAX}"
            )
    try:
        os.stat(text)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "the path is a loop of symbolic links; it leads to no file"
        if error.errno == errno.ENAMETOOLONG:
            return "the path is too long for this system"
        return None  # reported by whoever opens it, with its own words
    return None


def _short(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}...{text[-12:]}"


def check_destination(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any work is done, a destination that cannot be written."""
    target = Path(path)
    problem = path_problem(target)
    if problem:
        raise CommitcastError.single(problem, file=str(target), hint="give another file name")
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
    folder = target.parent if str(target.parent) else Path(".")
    temp: Path | None = None
    try:
        # created inside the try: SIGTERM (made an exception by cli.app.terminate_cleanly) or
        # Ctrl-C right after mkstemp still removes it
        temp = _temporary(folder, target.name)
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
    except CommitcastError:
        raise
    except Exception as raised:
        # the writer failed (disk full, quota, a file size limit): the destination was never
        # touched. XlsxWriter wraps the OSError in its FileCreateError: the same failure.
        error = os_error(raised)
        if error is None:
            raise
        raise CommitcastError.single(
            f"cannot write the file: {error.strerror or error}; the previous file is unchanged",
            file=str(target),
            hint="free some space or write elsewhere",
        ) from None
    finally:
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def os_error(error: BaseException) -> OSError | None:
    """The OSError behind `error`: itself, or the one a library wrapped (XlsxWriter raises
    FileCreateError(OSError) when the disk is full), else None."""
    if isinstance(error, OSError):
        return error
    for inner in (error.__cause__, *error.args[:1]):
        if isinstance(inner, OSError):
            return inner
    return None


@contextlib.contextmanager
def scratch_folder(beside: str | os.PathLike[str]) -> Iterator[Path]:
    """A new folder beside `beside` (the temporary file of `atomic_path`) for a writer's own
    temporary files (XlsxWriter's sheet XML), removed with everything in it on every exit
    path: an error, a full disk, Ctrl-C or SIGTERM. Never in $TMPDIR, which may be small, full
    or on another disk, and where nothing would remove them after an interruption."""
    place = Path(beside)
    folder = place.parent if str(place.parent) else Path(".")
    base = place.name.removeprefix(".").removesuffix(".part")  # .book.xlsx.k3j9x2a1.part
    made: str | None = None
    try:
        made = tempfile.mkdtemp(
            prefix=f".{temporary_name(base, name_max(folder) - 1)}.",
            suffix=".parts",
            dir=folder,
        )
        yield Path(made)
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def temporary_name(name: str, room: int) -> str:
    """The part of `name` the temporary file's name carries: all of it when the temporary
    name fits `room` bytes, else its start, cut on a character (a 250-byte name is legal, and
    its temporary name must be too)."""
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) + _TEMP_EXTRA <= room:
        return name
    cut = encoded[: max(0, room - _TEMP_EXTRA)]
    return cut.decode("utf-8", "ignore")


def _temporary(folder: Path, name: str) -> Path:
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{temporary_name(name, name_max(folder))}.", suffix=".part", dir=folder
        )
    except OSError as error:  # e.g. /proc, a read-only mount: os.access cannot tell
        raise CommitcastError.single(
            f"cannot create a file in {str(folder)!r}: {error.strerror}",
            file=str(folder / name),
            hint="write to another folder",
        ) from None
    os.close(handle)
    return Path(temporary)


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
