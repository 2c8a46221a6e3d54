"""Bring the work tree up to date around the pages: static files, stale files, post-step files.

Used by the build command between preparing the site and swapping the work tree in; see
``output.py`` for the trees and ``workers.py`` for the pages.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import time
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


def clear_post_files(work: Path, work_manifest: Manifest, rows: ManifestBuilder, owners: dict[str, str],
                     timings: dict[str, float]) -> None:
    """Delete what the post-build steps wrote last time, so that each writes afresh.

    A top-level folder that holds only such files goes as a whole; elsewhere file by file.
    The time is added to the step that wrote the files (``owners``: top-level name → step).
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
            started = time.perf_counter()
            remove_file(root, path)
            owner = owners.get(group, "post")
            timings[owner] = timings.get(owner, 0.0) + time.perf_counter() - started
    for group in sorted(groups):
        started = time.perf_counter()
        remove_tree(work / group)
        owner = owners.get(group, "post")
        timings[owner] = timings.get(owner, 0.0) + time.perf_counter() - started


class PostFiles:
    """Finds the files a post-build step wrote into the work tree and adds them to the manifest.

    They are the files ``write_file`` wrote during the step, and every file under a
    top-level entry that appeared during it (a tool such as Pagefind writes its own folder).
    A file equal to the live site's is replaced by a hard link to it, so it keeps its
    modification time.
    """

    def __init__(self, work: Path, rows: ManifestBuilder, live: Path | None, live_manifest: Manifest | None):
        self.work = work
        self.rows = rows
        self.live = live
        self.live_manifest = live_manifest
        self.pages = {top(path) for path in rows.paths}
        self.owners: dict[str, str] = {}
        self.changed = 0

    def entries(self) -> set[str]:
        return {name for name in os.listdir(self.work) if name != MARKER}

    def collect(self, step: str, before: set[str], written: list) -> None:
        work = self.work
        found: set[str] = {relative for root, relative in written if Path(root) == work}
        for name in sorted(self.entries() - before - self.pages):
            self.owners[name] = step
            path = os.path.join(work, name)
            if os.path.isdir(path) and not os.path.islink(path):
                for folder, _folders, files in os.walk(path):
                    relative_folder = os.path.relpath(folder, work).replace(os.sep, "/")
                    found.update(f"{relative_folder}/{file}" for file in files)
            else:
                found.add(name)
        for relative in found:
            self.owners.setdefault(top(relative), step)
        for relative in sorted(found):
            path = os.path.join(work, relative)
            if not os.path.isfile(path):
                continue
            with open(path, "rb") as handle:
                key = key64(b"post", handle.read())
            hashed = path_hash(relative)
            self.rows.add(hashed, key, KIND_POST, relative)
            if self.live is not None and self.live_manifest is not None and self.live_manifest.get(hashed) == key:
                link_file(os.path.join(self.live, relative), path)
            else:
                self.changed += 1


def describe(manifest: Manifest) -> dict[str, int]:
    """How many files of each kind a manifest holds."""
    counts = {"pages": 0, "static": 0, "post": 0}
    names = {KIND_PAGE: "pages", KIND_STATIC: "static", KIND_POST: "post"}
    for kind in manifest.kinds:
        counts[names[kind]] += 1
    return counts


__all__ = ["build_lock", "load_state", "save_state", "update_static", "remove_stale", "clear_post_files",
           "PostFiles", "describe", "digest"]
