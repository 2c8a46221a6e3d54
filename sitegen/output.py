"""The output folder: updated in place with staged files, or built anew beside the live site.

When the last build of the output folder is known, a build updates it in place: see
``incremental.Changes``, which writes each changed file beside its target and puts them
all in place at the end. Otherwise (the first build, or one whose previous state is
unknown) the site is built in a new folder beside it, ``.<out>.building-<pid>``, and the two
folders are exchanged with one atomic rename when everything succeeded; the old site is
then deleted. Either way, a failed build leaves the live site as it was, and a folder this
tool did not build is never replaced.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from pathlib import Path

from .errors import BuildError

MARKER = ".sitegen-build"
MARKER_TEXT = "built by build.py; safe to delete\n"


def check_output_folder(out: Path) -> None:
    """Refuse to replace a folder that this tool did not build."""
    if out.exists() and not out.is_dir():
        raise BuildError("the output path is a file; choose a folder with --out", out)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise BuildError("refusing to replace this folder: it was not built by build.py; "
                         "choose a new or empty folder with --out", out)


def read_token(folder: Path) -> str | None:
    """A name for the tree in ``folder`` as this build system left it, or None if unknown.

    It is made of the inode numbers of the folder and of its marker file, and the marker's
    modification time: every build writes a new marker, so no two trees share a name, and
    the marker's content stays the same from build to build (the site is byte-identical).
    """
    try:
        tree, marker = os.stat(folder), os.stat(folder / MARKER)
    except OSError:
        return None
    return f"{tree.st_dev:x}-{tree.st_ino:x}-{marker.st_ino:x}-{marker.st_mtime_ns:x}"


def write_marker(folder: Path) -> None:
    """Mark a folder as built by build.py (its content is the same for every build)."""
    atomic_replace(folder / MARKER, MARKER_TEXT.encode("utf-8"))


def staging_name(out: Path) -> Path:
    """Where a new site is built before it replaces ``out``."""
    return out.parent / f".{out.name}.building-{os.getpid()}"


def scratch_name(out: Path) -> Path:
    """Where the post-build steps write their files before they are staged into the site."""
    return out.parent / f".{out.name}.post-{os.getpid()}"


# --- atomic exchange of two folders ---------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def exchange(first: Path, second: Path) -> None:
    """Swap two folders: atomically where the system can (Linux), else with three renames."""
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
            return
        if ctypes.get_errno() not in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(first))
    middle = second.parent / f".{second.name}.swap-{os.getpid()}"
    second.rename(middle)
    first.rename(second)
    middle.rename(first)


# --- files ----------------------------------------------------------------------------------

def write_file(root: Path, relative: str, data: bytes) -> None:
    """Write one file of a post-build step into its (fresh) output folder."""
    write_new(os.path.join(root, relative), data)


def atomic_replace(target: Path, data: bytes) -> None:
    """Write ``data`` to a new file and rename it over ``target``."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, target)


def write_new(path: str, data: bytes) -> None:
    """Write a file that does not exist yet (a fresh tree), creating its folder if needed."""
    try:
        handle = open(path, "wb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = open(path, "wb")
    with handle:
        handle.write(data)


def remove_file(root: str, relative: str) -> None:
    """Delete a file and the folders it leaves empty, up to ``root``."""
    path = os.path.join(root, relative)
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    folder = os.path.dirname(path)
    while len(folder) > len(root):
        try:
            os.rmdir(folder)
        except OSError:
            break
        folder = os.path.dirname(folder)


def remove_tree(path: Path) -> None:
    """Delete a folder and everything in it, or a file; nothing if it does not exist."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
