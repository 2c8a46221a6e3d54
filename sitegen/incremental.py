"""Bring a built tree up to date: staged changes applied together, or rolled back.

Used by the build command between preparing the site and finishing it; see ``output.py``
for the trees and ``workers.py`` for the pages. A build that updates the live site in
place writes every new file under a hidden *pending* name beside its target; nothing the
site serves changes until ``Changes.apply``. Applying keeps a hard link to each old file
(its *backup*) until ``Changes.finish``, so a step that fails afterwards (the search
index) can still put the previous site back (``Changes.discard``).
"""

from __future__ import annotations

import fcntl
import os
import pickle
from contextlib import contextmanager
from pathlib import Path

from .cache import KIND_PAGE, KIND_POST, KIND_STATIC, BuildCache, Manifest, ManifestBuilder, atomic_write, key64, path_hash
from .output import remove_file, write_new

STATE = "state.pickle"
PENDING = ".sitegen-new"
BACKUP = ".sitegen-old"


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


def save_state(cache: BuildCache, out: Path, state: dict, token: str) -> None:
    """Record the state of the tree ``token`` and delete the manifests of other trees."""
    folder = cache.output_folder(out)
    atomic_write(folder / STATE, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    for path in folder.glob("*.manifest"):
        if path.stem != token:
            path.unlink(missing_ok=True)


def beside(root: str, relative: str, suffix: str) -> str:
    """A hidden name next to a file of the tree: ``a/.index.html<suffix>``."""
    folder, name = os.path.split(relative)
    return os.path.join(root, folder, f".{name}{suffix}")


def pending_path(root: str, relative: str, in_place: bool) -> str:
    """Where the new version of a file is written: beside it when the tree is live."""
    return beside(root, relative, PENDING) if in_place else os.path.join(root, relative)


class Changes:
    """The files a build writes into or removes from a tree, applied together.

    In a private tree (a first build) files are written where they belong and not listed:
    there is nothing to apply or undo. In the live tree they wait under their pending names until
    ``apply``, which keeps every replaced or removed file as a backup until ``finish``.
    """

    REPLACED, ADDED, REMOVED = 0, 1, 2

    def __init__(self, root: Path, in_place: bool):
        self.root = str(root)
        self.in_place = in_place
        self.staged: list[str] = []
        self.removals: list[str] = []
        self.applied: list[tuple[str, int]] = []

    def write(self, relative: str, data: bytes) -> None:
        """Stage one new or changed file."""
        write_new(pending_path(self.root, relative, self.in_place), data)
        if self.in_place:
            self.staged.append(relative)

    def move(self, source: str, relative: str) -> None:
        """Stage a file written elsewhere (a post-build step's), by renaming it."""
        target = pending_path(self.root, relative, self.in_place)
        try:
            os.replace(source, target)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(source, target)
        if self.in_place:
            self.staged.append(relative)

    def remove(self, relative: str) -> None:
        """Stage the removal of a file the new site no longer has."""
        self.removals.append(relative)

    def apply(self) -> None:
        """Put the staged files in place and take the removed ones away, keeping backups."""
        root = self.root
        if not self.in_place:
            for relative in self.removals:
                remove_file(root, relative)
            self.removals.clear()
            return
        for relative in self.staged:
            target = os.path.join(root, relative)
            try:
                os.link(target, beside(root, relative, BACKUP))
                change = self.REPLACED
            except FileNotFoundError:
                change = self.ADDED
            os.replace(beside(root, relative, PENDING), target)
            self.applied.append((relative, change))
        for relative in self.removals:
            try:
                os.replace(os.path.join(root, relative), beside(root, relative, BACKUP))
            except FileNotFoundError:
                continue
            self.applied.append((relative, self.REMOVED))
        self.staged.clear()
        self.removals.clear()

    def finish(self) -> int:
        """Delete the backups; returns how many files were removed from the site."""
        root = self.root
        removed = 0
        for relative, change in self.applied:
            if change != self.ADDED:
                remove_file(root, os.path.relpath(beside(root, relative, BACKUP), root))
            removed += change == self.REMOVED
        self.applied.clear()
        return removed

    def discard(self) -> None:
        """Undo everything: delete the staged files, put the backups back."""
        root = self.root
        for relative in self.staged:
            remove_file(root, os.path.relpath(pending_path(root, relative, self.in_place), root))
        for relative, change in reversed(self.applied):
            if change == self.ADDED:
                remove_file(root, relative)
            else:
                os.replace(beside(root, relative, BACKUP), os.path.join(root, relative))
        self.staged.clear()
        self.removals.clear()
        self.applied.clear()


def stage_files(files: list[tuple[str, str]], kind: int, changes: Changes, live: Manifest,
                rows: ManifestBuilder) -> int:
    """Record ``(relative path, source file)`` pairs and stage those that differ from the tree's.

    Static files are copied; post-build files, already written in a scratch folder, are
    moved. Returns how many were staged.
    """
    written = 0
    for relative, source in sorted(files):
        with open(source, "rb") as handle:
            data = handle.read()
        key = key64(b"post" if kind == KIND_POST else b"static", data)
        hashed = path_hash(relative)
        rows.add(hashed, key, kind, relative)
        if live.get(hashed) != key:
            if kind == KIND_POST:
                changes.move(source, relative)
            else:
                changes.write(relative, data)
            written += 1
    return written


def update_static(static_dir: Path, changes: Changes, live: Manifest, rows: ManifestBuilder) -> int:
    """Stage the static files that differ from the tree's; returns how many."""
    files = [("static/" + path.relative_to(static_dir).as_posix(), str(path))
             for path in static_dir.rglob("*") if path.is_file()] if static_dir.is_dir() else []
    return stage_files(files, KIND_STATIC, changes, live, rows)


def stage_post_files(scratch: Path, top: str, changes: Changes, live: Manifest, rows: ManifestBuilder) -> int:
    """Stage the files a post-build step wrote under ``scratch/top`` that differ from the tree's."""
    start = os.path.join(str(scratch), top)
    found = [(top, start)] if os.path.isfile(start) else []
    for folder, _folders, files in os.walk(start):
        prefix = os.path.relpath(folder, scratch).replace(os.sep, "/") + "/"
        found.extend((prefix + name, os.path.join(folder, name)) for name in files)
    return stage_files(found, KIND_POST, changes, live, rows)


def keep_post_files(live: Manifest, rows: ManifestBuilder, tops: set[str]) -> None:
    """Carry the tree's post-build files under the top-level names ``tops`` over unchanged."""
    for hashed, (path, key, kind) in zip(live.hashes, live.entries()):
        if kind == KIND_POST and path.split("/", 1)[0] in tops:
            rows.add(hashed, key, kind, path)


def stale_files(live: Manifest, rows: ManifestBuilder, kinds: tuple[int, ...] = (KIND_PAGE, KIND_STATIC, KIND_POST)
                ) -> list[str]:
    """The tree's files of the given kinds that the new build does not have."""
    wanted = set(rows.hashes)
    return [path for hashed, path, kind in zip(live.hashes, live.paths, live.kinds)
            if hashed not in wanted and kind in kinds]
