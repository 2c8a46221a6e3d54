"""Write the site into a fresh folder and swap it in only when everything succeeded."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from .errors import BuildError

MARKER = ".sitegen-build"


def check_output_folder(out: Path) -> None:
    """Refuse to replace a folder that this tool did not build."""
    if out.exists() and not out.is_dir():
        raise BuildError("the output path is a file; choose a folder with --out", out)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise BuildError("refusing to replace this folder: it was not built by build.py; "
                         "choose a new or empty folder with --out", out)


@contextmanager
def staging_folder(out: Path):
    """A temporary folder beside ``out`` that replaces it only if the block succeeds."""
    check_output_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        (staging / MARKER).write_text("built by build.py; safe to delete\n", encoding="utf-8")
        replace_folder(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace_folder(new: Path, out: Path) -> None:
    """Put ``new`` in place of ``out`` with two renames, then delete the old site."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def write_file(root: Path, relative: str, data: bytes) -> None:
    """Write one output file, creating its folders."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def copy_static(static_dir: Path, root: Path) -> int:
    """Copy the shared static files into the site's ``static/`` folder."""
    if not static_dir.is_dir():
        return 0
    shutil.copytree(static_dir, root / "static", dirs_exist_ok=True)
    return sum(1 for p in static_dir.rglob("*") if p.is_file())
