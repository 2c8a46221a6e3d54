"""The output folder: built beside the live site and swapped in only when everything succeeded.

A build never writes into the live site (``out``). It works on a second tree beside it:

* the first build (or one whose previous state is unknown) starts from an empty folder,
  ``.<out>.building-<pid>``;
* later builds reuse the tree the previous build replaced, kept as ``.<out>.spare``: it is
  brought up to date file by file (pages whose key changed are written, pages unchanged
  since the live build are hard-linked from the live site, so they keep their inode and
  modification time), which costs time in proportion to what changed, not to the site.

When the tree is complete (pages, static files and the post-build steps' files), the two
folders are exchanged with one atomic rename; the old live site becomes the spare. A
failed build deletes its work tree and leaves the live site as it was. Files are never
rewritten in place: a page's file may be a hard link shared with the live site, so a new
version is written to a temporary name and renamed over the old one.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import threading
from contextlib import contextmanager
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


def new_token() -> str:
    return secrets.token_hex(8)


def write_marker(folder: Path, token: str | None = None) -> None:
    """Mark a folder as built by build.py (its content is the same for every build)."""
    atomic_replace(folder / MARKER, MARKER_TEXT.encode("utf-8"))


def spare_folder(out: Path) -> Path:
    """Where the tree that the last build replaced is kept."""
    return out.parent / f".{out.name}.spare"


def staging_name(out: Path) -> Path:
    return out.parent / f".{out.name}.building-{os.getpid()}"


@contextmanager
def staging_folder(out: Path):
    """A new, empty folder beside ``out`` that replaces it only if the block succeeds."""
    check_output_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_name(out)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        write_marker(staging, new_token())
        replace_folder(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace_folder(new: Path, out: Path) -> None:
    """Put ``new`` in place of ``out``, then delete the old site."""
    if out.exists():
        exchange(new, out)
        shutil.rmtree(new, ignore_errors=True)
    else:
        new.rename(out)


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

_RECORDING = threading.local()


@contextmanager
def recording_writes():
    """Collect the paths ``write_file`` writes during the block (for the post-build steps)."""
    written: list[tuple[Path, str]] = []
    previous = getattr(_RECORDING, "paths", None)
    _RECORDING.paths = written
    try:
        yield written
    finally:
        _RECORDING.paths = previous


def write_file(root: Path, relative: str, data: bytes) -> None:
    """Write one output file, creating its folders; never in place (see the module's doc)."""
    target = root / relative
    if target.exists():
        atomic_replace(target, data)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    paths = getattr(_RECORDING, "paths", None)
    if paths is not None:
        paths.append((root, relative))


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


def replace_file(path: str, data: bytes) -> None:
    """Write a file that may exist and may be a hard link shared with the live site."""
    temporary = f"{path}.{os.getpid()}.tmp"
    write_new(temporary, data)
    os.replace(temporary, path)


def link_file(source: str, path: str) -> None:
    """Make ``path`` the same file as ``source`` (same inode, same modification time)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    try:
        os.link(source, path)
    except FileNotFoundError:
        if not os.path.exists(source):
            raise
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.link(source, path)


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


def link_tree(source: Path, target: Path) -> int:
    """A copy of ``source`` made of hard links (folders are new, files are shared)."""
    count = 0
    source_text, target_text = str(source), str(target)
    for folder, folders, files in os.walk(source_text):
        relative = folder[len(source_text):]
        destination = target_text + relative
        os.makedirs(destination, exist_ok=True)
        for name in files:
            if name == MARKER and not relative:
                continue
            os.link(os.path.join(folder, name), os.path.join(destination, name))
            count += 1
    return count


def remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def same_bytes(first: str, second: str) -> bool:
    """Whether two files hold the same bytes."""
    try:
        a, b = os.stat(first), os.stat(second)
    except FileNotFoundError:
        return False
    if a.st_size != b.st_size:
        return False
    if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
        return True
    with open(first, "rb") as one, open(second, "rb") as two:
        while True:
            x, y = one.read(1 << 16), two.read(1 << 16)
            if x != y:
                return False
            if not x:
                return True


def copy_static(static_dir: Path, root: Path) -> int:
    """Copy the shared static files into the site's ``static/`` folder."""
    if not static_dir.is_dir():
        return 0
    shutil.copytree(static_dir, root / "static", dirs_exist_ok=True)
    return sum(1 for p in static_dir.rglob("*") if p.is_file())
