"""What a page is made from, as digests, and the small on-disk cache under ``.cache/``.

Every output file gets a *key*: a 64-bit digest of everything it is rendered from. A page
whose key is the same as in the previous build is not rendered again. Keys are deliberately
conservative (see ``page_dependencies``): every page depends on the engine's own code, all
templates, the static files (their cache-busting versions), the base and site URL, the
build date, the list of locales and its locale's catalog, and on the content it shows.

The cache folder holds, per output folder, the manifest of each built tree (path → key),
and, for any output folder, parsed catalogs, rendered Markdown and compiled templates.
Everything in it can be deleted at any time: the next build is then a full one.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import os
import pickle
import sys
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .output import remove_tree

CACHE_FOLDER = ".cache"
FORMAT = b"sitegen-cache-1"
ENGINE_ROOT = Path(__file__).resolve().parent
ENGINE_FILES = ("*.py", "*.json", "*.toml", "*.txt")
LIBRARIES = ("jinja2", "markdown", "babel", "markupsafe", "pagefind")

# The page kinds whose content dependencies are known precisely; every other kind (home,
# indexes, decoder, coverage, 404 and any kind added later) depends on all content.
ENTITY_KINDS = frozenset({"code", "pair", "enhanced", "enhanced_class"})
# The kinds of page that show every locale's catalog, not only their own: the coverage
# table in every locale, and the source locale's 404 page (the root one, which carries
# every language; the other locales' 404 pages show their own).
ALL_CATALOG_KINDS = frozenset({"coverage"})
SOURCE_ALL_CATALOG_KINDS = ALL_CATALOG_KINDS | {"not_found"}


def shows_every_catalog(kind: str, is_source: bool) -> bool:
    """Whether a page of ``kind`` in the source locale (or another) shows every catalog."""
    return kind in (SOURCE_ALL_CATALOG_KINDS if is_source else ALL_CATALOG_KINDS)


def digest(*parts: bytes | str) -> bytes:
    """A 16-byte digest of the parts, each length-prefixed so that boundaries count."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


def key64(*parts: bytes | str) -> int:
    """A 64-bit key of the parts."""
    return int.from_bytes(digest(*parts)[:8], "little")


def path_hash(relative: str) -> int:
    """The 64-bit hash a manifest stores a path under."""
    return int.from_bytes(hashlib.blake2b(relative.encode("utf-8"), digest_size=8).digest(), "little")


def file_digest(path: Path) -> bytes:
    """The digest of a file's bytes."""
    return digest(path.read_bytes())


def tree_digests(folder: Path, patterns: tuple[str, ...] = ("*",)) -> dict[str, bytes]:
    """Relative path → digest for every file under ``folder`` matching the patterns."""
    found: dict[str, bytes] = {}
    if not folder.is_dir():
        return found
    for pattern in patterns:
        for path in folder.rglob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                found[path.relative_to(folder).as_posix()] = file_digest(path)
    return dict(sorted(found.items()))


_ENGINE: bytes | None = None
_PARTS: dict[tuple, bytes] = {}


def library_versions(names: tuple[str, ...]) -> list[str]:
    """``name=version`` for each installed library, ``name=-`` for a missing one."""
    versions = []
    for name in names:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return versions


def engine_part(*modules: str, libraries: tuple[str, ...] = ()) -> bytes:
    """The version of a few engine modules and libraries, for caches that depend on just them."""
    key = (modules, libraries)
    if key not in _PARTS:
        parts: list[bytes | str] = [FORMAT, sys.version]
        parts += library_versions(libraries)
        for module in modules:
            path = ENGINE_ROOT / module
            parts += [module, file_digest(path) if path.is_file() else b"-"]
        _PARTS[key] = digest(*parts)
    return _PARTS[key]


# What a parsed catalog (and its warnings and coverage) depends on, besides the files.
CATALOG_CODE = ("catalogs.py", "coverage.py", "locales.py", "errors.py", "cache.py")
# What rendered Markdown depends on, besides the block.
MARKDOWN_CODE = ("text.py", "cache.py")


def engine_digest() -> bytes:
    """The build engine's own version: its source files, Python's and the libraries' versions."""
    global _ENGINE
    if _ENGINE is None:
        parts: list[bytes | str] = [FORMAT, sys.version]
        parts += library_versions(LIBRARIES)
        for relative, value in tree_digests(ENGINE_ROOT, ENGINE_FILES).items():
            parts += [relative, value]
        _ENGINE = digest(*parts)
    return _ENGINE


@dataclass
class Inputs:
    """Digests of everything a build reads, gathered before anything is parsed."""

    engine: bytes
    content: dict[str, bytes]
    catalogs: dict[str, bytes]
    pot: bytes
    templates: bytes
    static: dict[str, bytes]
    options: bytes
    build_date: str
    locales: tuple[str, ...] = ()

    @property
    def site(self) -> bytes:
        """What every page depends on: engine, templates, static files, options, date, locales."""
        static = [part for item in self.static.items() for part in item]
        return digest(b"site", self.engine, self.templates, self.options, self.build_date,
                      "\n".join(self.locales), *static)

    @property
    def everything(self) -> bytes:
        """All inputs: when this is unchanged, the whole site is unchanged."""
        content = [part for item in self.content.items() for part in item]
        catalogs = [part for item in self.catalogs.items() for part in item]
        return digest(b"everything", self.site, self.pot, *content, *catalogs)

    def locale_base(self, stem: str) -> bytes:
        """What every page of one locale depends on: the site and that locale's catalog."""
        return digest(b"locale", self.site, stem, self.catalogs.get(stem, b"source"))


def scan_inputs(project: Path, options: tuple[str, ...], build_date: str, locales: tuple[str, ...]) -> Inputs:
    """Read and digest every input file of the project."""
    locales_dir = project / "locales"
    catalogs = {path.stem: file_digest(path) for path in sorted(locales_dir.glob("*.po"))} \
        if locales_dir.is_dir() else {}
    pot = locales_dir / "messages.pot"
    templates = tree_digests(project / "templates")
    return Inputs(
        engine=engine_digest(),
        content=tree_digests(project / "content"),
        catalogs=catalogs,
        pot=file_digest(pot) if pot.is_file() else b"",
        templates=digest(*[part for item in templates.items() for part in item]),
        static=tree_digests(project / "static"),
        options=digest(*options),
        build_date=build_date,
        locales=locales,
    )


class Dependencies:
    """The content each page shows, as one digest per page (the same in every locale)."""

    def __init__(self, protocols, inputs: Inputs, project: Path):
        self.inputs = inputs
        self.content = digest(b"all-content", *[part for item in inputs.content.items() for part in item])
        self.catalogs = digest(b"all-catalogs", inputs.pot,
                               *[part for item in inputs.catalogs.items() for part in item])
        content_root = project / "content"
        self._protocols = {p.slug: ProtocolDigests(p, inputs, content_root) for p in protocols}

    def post_step(self, reads_catalogs: bool) -> bytes:
        """What a post-build step reads: the site (``Inputs.site``), all content and, if it
        translates, all catalogs."""
        return digest(b"post", self.inputs.site, self.content, self.catalogs if reads_catalogs else b"")

    def page(self, page) -> bytes:
        """The digest of the content ``page`` depends on, whatever its locale (its own
        catalog is in the locale's base; every catalog, where shown, in ``catalogs``)."""
        if page.kind not in ENTITY_KINDS or not page.protocol:
            return digest(b"global", page.kind, self.content)  # and its own catalog, as every page
        return self._protocols[page.protocol].page(page)


class ProtocolDigests:
    """Digests of one protocol's content files, and what each kind of page uses of them."""

    def __init__(self, protocol, inputs: Inputs, content_root: Path):
        def source(path: Path) -> bytes:
            try:
                relative = path.resolve().relative_to(content_root.resolve()).as_posix()
            except ValueError:
                relative = ""
            return inputs.content.get(relative) or digest(b"unknown", str(path))

        self.meta = source(protocol.source / "protocol.toml")
        self.codes = {c.code: source(c.source) for c in protocol.codes}
        self.enhanced = {e.key: source(e.source) for e in protocol.enhanced}
        self.notes = {k: source(n.source) for k, n in protocol.notes.items()}
        self.notes_of: dict[int, list[tuple[int, int]]] = {}
        for pair in sorted(protocol.notes):
            for number in pair:
                self.notes_of.setdefault(number, []).append(pair)
        # The short facts of every code and enhanced code: titles and links between codes,
        # which code and enhanced pages list (summaries appear only on index pages).
        self.roster = digest(b"roster", repr([
            (c.code, c.title, c.actor, c.commands, c.related, c.enhanced, c.extension)
            for c in protocol.codes]), repr([(e.code, e.title, e.basic) for e in protocol.enhanced]),
            repr(sorted(protocol.notes)))
        self.protocol = protocol

    def page(self, page) -> bytes:
        kind, keys = page.kind, page.keys
        if kind == "code":
            number = keys[0]
            # Related and enhanced codes appear by their roster facts (title, links) only.
            parts = [self.codes[number], *(self.notes[p] for p in self.notes_of.get(number, ()))]
            return digest(b"code", self.meta, self.roster, *parts)
        if kind == "pair":
            return digest(b"pair", self.meta, self.codes[keys[0]], self.codes[keys[1]],
                          self.notes.get(tuple(keys), b"no-note"))
        if kind == "enhanced":
            # Its basic reply codes appear by their roster facts (title, links) only.
            return digest(b"enhanced", self.meta, self.roster, self.enhanced[keys[0]])
        # enhanced_class: the redirect page from one class form
        return digest(b"enhanced-class", self.meta, self.enhanced[keys[0]])


# --- manifests: path → key for every file of a built tree ------------------------------------

KIND_PAGE, KIND_STATIC, KIND_POST = 0, 1, 2


@dataclass
class Manifest:
    """Every file of one built tree: its path hash, key and kind, sorted by path hash."""

    hashes: array = field(default_factory=lambda: array("Q"))
    keys: array = field(default_factory=lambda: array("Q"))
    kinds: bytearray = field(default_factory=bytearray)
    paths: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.hashes)

    def get(self, hashed: int) -> int | None:
        """The key stored for a path hash, or None."""
        index = bisect_left(self.hashes, hashed)
        if index < len(self.hashes) and self.hashes[index] == hashed:
            return self.keys[index]
        return None

    def entries(self):
        """(path, key, kind) of every file."""
        return zip(self.paths, self.keys, self.kinds)

    def save(self, path: Path) -> None:
        data = pickle.dumps((FORMAT, self.hashes.tobytes(), self.keys.tobytes(), bytes(self.kinds),
                             "\n".join(self.paths)), protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(path, data)

    @classmethod
    def load(cls, path: Path) -> "Manifest | None":
        try:
            form, hashes, keys, kinds, paths = pickle.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, pickle.UnpicklingError, TypeError):
            return None
        if form != FORMAT:
            return None
        manifest = cls(array("Q"), array("Q"), bytearray(kinds), paths.split("\n") if paths else [])
        manifest.hashes.frombytes(hashes)
        manifest.keys.frombytes(keys)
        if not len(manifest.hashes) == len(manifest.keys) == len(manifest.kinds) == len(manifest.paths):
            return None
        return manifest


class ManifestBuilder:
    """Collects (path hash, key, kind, path) rows compactly, in any order."""

    def __init__(self):
        self.hashes = array("Q")
        self.keys = array("Q")
        self.kinds = bytearray()
        self.paths: list[str] = []

    def __len__(self) -> int:
        return len(self.hashes)

    def add(self, hashed: int, key: int, kind: int, path: str) -> None:
        self.hashes.append(hashed)
        self.keys.append(key)
        self.kinds.append(kind)
        self.paths.append(path)

    def extend(self, other: "ManifestBuilder") -> None:
        self.hashes.extend(other.hashes)
        self.keys.extend(other.keys)
        self.kinds.extend(other.kinds)
        self.paths.extend(other.paths)

    def __getstate__(self):
        return (self.hashes.tobytes(), self.keys.tobytes(), bytes(self.kinds), "\n".join(self.paths))

    def __setstate__(self, state):
        hashes, keys, kinds, paths = state
        self.hashes, self.keys = array("Q"), array("Q")
        self.hashes.frombytes(hashes)
        self.keys.frombytes(keys)
        self.kinds = bytearray(kinds)
        self.paths = paths.split("\n") if paths else []

    def build(self) -> Manifest:
        """The manifest, sorted by path hash (the first row wins for a repeated path)."""
        order = sorted(range(len(self.hashes)), key=self.hashes.__getitem__)
        manifest = Manifest()
        previous = None
        for index in order:
            hashed = self.hashes[index]
            if hashed == previous:
                continue
            previous = hashed
            manifest.hashes.append(hashed)
            manifest.keys.append(self.keys[index])
            manifest.kinds.append(self.kinds[index])
            manifest.paths.append(self.paths[index])
        return manifest


def atomic_write(path: Path, data: bytes) -> None:
    """Write a cache file so that a reader sees the old or the new content, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class BuildCache:
    """The ``.cache/`` folder of a project."""

    def __init__(self, project: Path):
        self.root = project / CACHE_FOLDER / "sitegen"

    def output_folder(self, out: Path) -> Path:
        """The state kept for one output folder."""
        name = hashlib.blake2b(str(out.resolve()).encode("utf-8"), digest_size=8).hexdigest()
        return self.root / "builds" / name

    def manifest_path(self, out: Path, token: str) -> Path:
        return self.output_folder(out) / f"{token}.manifest"

    def templates_folder(self) -> Path:
        folder = self.root / "templates"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # Parsed catalogs: what catalogs.load_catalog computes, keyed by the file's digest.

    def catalog_path(self, path: Path, po_digest: bytes, pot_digest: bytes) -> Path:
        code = engine_part(*CATALOG_CODE, libraries=("babel",))
        name = digest(code, str(path), po_digest, pot_digest).hex()
        return self.root / "catalogs" / f"{name}.pickle"

    # Rendered Markdown, one file per locale.

    def markdown_path(self, identifier: str, code_files: tuple[str, ...] = ()) -> Path:
        """The cache of one locale's blocks (or a named set), versioned by the engine files that make them."""
        code = engine_part(*MARKDOWN_CODE, *code_files, libraries=("markdown",))
        return self.root / "markdown" / f"{identifier}-{code.hex()[:16]}.marshal"

    def prune(self, keep_outputs: int = 8) -> None:
        """Forget the state of output folders that no longer exist, and of the oldest ones."""
        builds = self.root / "builds"
        if builds.is_dir():
            folders = sorted((p for p in builds.iterdir() if p.is_dir()),
                             key=lambda p: p.stat().st_mtime, reverse=True)
            for old in folders[keep_outputs:]:
                remove_tree(old)
        for name in ("catalogs", "markdown"):
            folder = self.root / name
            if not folder.is_dir():
                continue
            files = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in files[200:]:
                old.unlink(missing_ok=True)


class MarkdownCache:
    """Rendered Markdown blocks of one locale, remembered between builds.

    Wraps a ``text.MarkdownRenderer``: the HTML of a block depends only on the block's text
    and the engine (whose version is in the file name).
    """

    def __init__(self, renderer, path: Path | None):
        self._renderer = renderer
        self._path = path
        self._known: dict[str, str] = read_markdown_cache(path) if path is not None else {}
        self._new = 0
        self._used: set[str] = set()

    def render(self, block: str):
        from markupsafe import Markup
        self._used.add(block)
        html = self._known.get(block)
        if html is None:
            html = str(self._renderer.render(block))
            self._known[block] = html
            self._new += 1
        return Markup(html)

    def save(self, prune: bool = True) -> None:
        """Store the blocks if any was new; with ``prune``, only those used in this build."""
        if self._path is None or (not self._new and (not prune or len(self._used) == len(self._known))):
            return
        if prune:
            kept = {block: html for block, html in self._known.items() if block in self._used}
        else:  # keep what other processes of this build saved meanwhile
            kept = {**read_markdown_cache(self._path), **self._known}
        atomic_write(self._path, marshal.dumps(kept))
        self._new = 0


def read_markdown_cache(path: Path) -> dict[str, str]:
    """The blocks a Markdown cache file holds, with their HTML; empty if it is missing or unreadable."""
    try:
        loaded = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


class CompiledTranslations:
    """Babel ``Translations`` of a compiled catalog, parsed when first used: a build often
    needs only a catalog's checked messages (the decoder data), not its translations."""

    def __init__(self, mo: bytes):
        self._mo = mo
        self._parsed = None

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._parsed is None:
            from babel.support import Translations
            self._parsed = Translations(fp=io.BytesIO(self._mo))
        return getattr(self._parsed, name)


def load_cached_catalog(cache: BuildCache | None, path: Path, po_digest: bytes, pot_digest: bytes,
                        template_loader):
    """A locale's checked catalog and its coverage, parsed once and then read from the cache.

    Returns ``(LocaleCatalog, Coverage)``. What is cached is exactly what the build uses of
    a parsed catalog: the checked messages, the compiled translations and the warnings.
    """
    from .catalogs import LocaleCatalog, load_catalog
    from .coverage import measure_coverage
    from .locales import site_locale

    cached = cache.catalog_path(path, po_digest, pot_digest) if cache else None
    if cached is not None:
        try:
            form, messages, mo, warnings, coverage, sha = pickle.loads(cached.read_bytes())
            if form == FORMAT:
                catalog = LocaleCatalog(locale=site_locale(path.stem), translations=CompiledTranslations(mo),
                                        messages=messages, catalog=None, path=path, digest=sha, warnings=warnings)
                return catalog, coverage
        except (OSError, ValueError, EOFError, pickle.UnpicklingError, TypeError):
            pass
    from babel.messages.mofile import write_mo

    catalog = load_catalog(path)
    coverage = measure_coverage(template_loader(), catalog.catalog, catalog.locale.identifier)
    if cached is not None:
        buffer = io.BytesIO()
        write_mo(buffer, catalog.catalog)
        atomic_write(cached, pickle.dumps((FORMAT, catalog.messages, buffer.getvalue(), catalog.warnings, coverage,
                                           catalog.digest), protocol=pickle.HIGHEST_PROTOCOL))
        atomic_write(cached.with_suffix(".facts"), pickle.dumps((FORMAT, coverage, list(catalog.warnings))))
    return catalog, coverage


def load_catalog_facts(cache: BuildCache, path: Path, po_digest: bytes, pot_digest: bytes):
    """A cached catalog's (coverage, warnings), without loading the catalog; None if not cached."""
    try:
        form, coverage, warnings = pickle.loads(cache.catalog_path(path, po_digest, pot_digest)
                                                .with_suffix(".facts").read_bytes())
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, TypeError):
        return None
    return (coverage, warnings) if form == FORMAT else None
