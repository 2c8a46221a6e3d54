"""Bring the work tree up to date around the pages: static files, stale files, post-step files.

Used by the build command between preparing the site and swapping the work tree in; see
``output.py`` for the trees and ``workers.py`` for the pages.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from contextlib import contextmanager
from pathlib import Path

from .cache import (KIND_PAGE, KIND_POST, KIND_STATIC, BuildCache, Manifest, ManifestBuilder, atomic_write,
                    digest, key64, path_hash)
from .output import MARKER, link_file, remove_file, remove_tree, replace_file, write_new

STATE = "state.pickle"


@contextmanager
def build_lock(cache: BuildCache, out: Path, notice=None):
    """Only one build at a time may work on an output folder."""
    folder = cache.output_folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if notice:
                notice(f"waiting for another build of {out} to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_state(cache: BuildCache, out: Path) -> dict:
    """What the last successful build of ``out`` recorded: input digest per tree token, warnings."""
    try:
        state = pickle.loads((cache.output_folder(out) / STATE).read_bytes())
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, TypeError, AttributeError):
        return {}


def save_state(cache: BuildCache, out: Path, state: dict, keep_tokens: set[str]) -> None:
    """Record the state and delete the manifests of trees that no longer exist."""
    folder = cache.output_folder(out)
    state["inputs"] = {token: value for token, value in state.get("inputs", {}).items() if token in keep_tokens}
    atomic_write(folder / STATE, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    for path in folder.glob("*.manifest"):
        if path.stem not in keep_tokens:
            path.unlink(missing_ok=True)


def top(relative: str) -> str:
    return relative.split("/", 1)[0]


def update_static(static_dir: Path, work: Path, live: Path | None, work_manifest: Manifest,
                  live_manifest: Manifest | None, rows: ManifestBuilder) -> int:
    """Put the static files into ``static/`` of the work tree; returns how many were written."""
    written = 0
    if not static_dir.is_dir():
        return 0
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        relative = "static/" + path.relative_to(static_dir).as_posix()
        data = path.read_bytes()
        key = key64(b"static", data)
        hashed = path_hash(relative)
        rows.add(hashed, key, KIND_STATIC, relative)
        current = work_manifest.get(hashed)
        if current == key:
            continue
        target = os.path.join(work, relative)
        if live is not None and live_manifest is not None and live_manifest.get(hashed) == key:
            link_file(os.path.join(live, relative), target)
        elif current is None and not os.path.lexists(target):
            write_new(target, data)
            written += 1
        else:
            replace_file(target, data)
            written += 1
    return written


def remove_stale(work: Path, work_manifest: Manifest, new: ManifestBuilder) -> int:
    """Delete the pages and static files of the work tree that the new build does not have."""
    wanted = set(new.hashes)
    removed = 0
    root = str(work)
    for hashed, (path, _key, kind) in zip(work_manifest.hashes, work_manifest.entries()):
        if kind != KIND_POST and hashed not in wanted:
            remove_file(root, path)
            removed += 1
    return removed


def clear_post_files(work: Path, work_manifest: Manifest, rows: ManifestBuilder) -> None:
    """Delete what the post-build steps wrote last time, so that they write afresh.

    A top-level folder that holds only such files goes as a whole; elsewhere file by file.
    """
    others = {top(path) for path in rows.paths} | {top(path) for path, _, kind in work_manifest.entries()
                                                   if kind != KIND_POST}
    groups: set[str] = set()
    root = str(work)
    for path, _key, kind in work_manifest.entries():
        if kind != KIND_POST:
            continue
        group = top(path)
        if group not in others and "/" in path:
            groups.add(group)
        else:
            remove_file(root, path)
    for group in groups:
        remove_tree(work / group)


def collect_post_files(work: Path, written: list, rows: ManifestBuilder, live: Path | None,
                       live_manifest: Manifest | None) -> int:
    """Add the post-build steps' files to the manifest; link those equal to the live ones.

    They are the files ``write_file`` wrote into the work tree during the steps, and every
    file under a top-level entry that neither pages nor static files use (a tool such as
    Pagefind writes its own folder). Returns how many files are new or changed.
    """
    pages = {top(path) for path in rows.paths}
    found: set[str] = {relative for root, relative in written if Path(root) == work}
    for entry in os.scandir(work):
        if entry.name in pages or entry.name == MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            for folder, _folders, files in os.walk(entry.path):
                relative_folder = os.path.relpath(folder, work)
                found.update(f"{relative_folder}/{name}".replace(os.sep, "/") for name in files)
        elif entry.is_file(follow_symlinks=False):
            found.add(entry.name)
    changed = 0
    for relative in sorted(found):
        path = os.path.join(work, relative)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            key = key64(b"post", handle.read())
        hashed = path_hash(relative)
        rows.add(hashed, key, KIND_POST, relative)
        if live is not None and live_manifest is not None and live_manifest.get(hashed) == key:
            link_file(os.path.join(live, relative), path)
        else:
            changed += 1
    return changed


def describe(manifest: Manifest) -> dict[str, int]:
    """How many files of each kind a manifest holds."""
    counts = {"pages": 0, "static": 0, "post": 0}
    names = {KIND_PAGE: "pages", KIND_STATIC: "static", KIND_POST: "post"}
    for kind in manifest.kinds:
        counts[names[kind]] += 1
    return counts


__all__ = ["build_lock", "load_state", "save_state", "update_static", "remove_stale", "clear_post_files",
           "collect_post_files", "describe", "digest"]
