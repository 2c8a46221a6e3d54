"""Prepare everything pages are rendered from, once per build, before any page renders."""

from __future__ import annotations

import datetime
import hashlib
import os
import subprocess
from pathlib import Path

from babel.core import UnknownLocaleError
from babel.support import NullTranslations

from .catalogs import LocaleCatalog, discover_locales, load_catalog
from .content import load_content
from .coverage import load_template, measure_coverage
from .errors import BuildError
from .localize import Localizer, LocalizedProtocol
from .locales import SOURCE_LOCALE, site_locale
from .plan import plan_site
from .render import Site, create_environment
from .text import MarkdownRenderer
from .urls import Urls


def prepare_site(project: Path, urls: Urls, cache=None, eager: bool = True,
                 date: datetime.date | None = None, catalog_digests: dict | None = None) -> Site:
    """Load content, catalogs and templates, localize content per locale and plan the pages.

    With ``eager=False`` (the build), a locale's catalog is parsed and its content localized
    only when a page of that locale is rendered, in the worker process that renders it,
    and ``site.coverage`` is filled by ``read_all_catalogs``. ``cache`` is a
    ``cache.BuildCache`` that keeps parsed catalogs, rendered Markdown and compiled
    templates between builds. Either way, the prepared data is the same.
    ``catalog_digests`` (file stem → digest, as ``cache.scan_inputs`` computed them) saves
    reading the catalogs again to find them in the cache.
    """
    protocols = load_content(project / "content")
    locales_dir = project / "locales"
    catalogs: list = [LocaleCatalog(locale=site_locale(SOURCE_LOCALE), translations=NullTranslations(), messages={})]
    loader = CatalogLoader(locales_dir, cache, catalog_digests)
    for path in discover_locales(locales_dir):
        catalogs.append(LazyCatalog(locale_of(path), path, loader))
    env = create_environment(project / "templates", cache.templates_folder() if cache else None)
    site = Site(protocols=protocols, catalogs=catalogs, localized={}, urls=urls, env=env,
                pages=plan_site(protocols), build_date=date or build_date(project),
                assets=asset_versions(project / "static"), coverage=PendingCoverage())
    site.localized = LocalizedContent(site, cache)
    if eager:
        read_all_catalogs(site)
        for catalog in site.catalogs:
            site.localized[catalog.locale.identifier]
    return site


def locale_of(path: Path):
    """The locale a catalog file defines, checked before anything is parsed."""
    if path.stem == SOURCE_LOCALE:
        raise BuildError(f"'{SOURCE_LOCALE}' is the source language and needs no catalog; remove the file", path)
    try:
        return site_locale(path.stem)
    except (UnknownLocaleError, ValueError):
        raise BuildError(f"'{path.stem}' is not a locale Babel knows; name the file after a locale "
                         "identifier such as de.po, pt_BR.po or zh_Hans.po", path) from None


class CatalogLoader:
    """Parses catalogs (or reads them from the cache) and measures their coverage."""

    # How many parsed catalogs stay in memory at once; an older one is read again if needed.
    KEEP = 2

    def __init__(self, locales_dir: Path, cache=None, digests: dict | None = None):
        self.locales_dir = locales_dir
        self.cache = cache
        self.digests = dict(digests or {})
        self.coverage: dict[str, object] = {}
        self.warnings: dict[str, list[str]] = {}
        self._template = None
        self._pot_digest: bytes | None = None
        self._recent: list = []

    def loaded(self, lazy: "LazyCatalog") -> None:
        """Note that ``lazy`` was just loaded; forget the least recently loaded beyond ``KEEP``."""
        if self.cache is None:
            return
        self._recent.append(lazy)
        while len(self._recent) > self.KEEP:
            self._recent.pop(0)._loaded = None

    def template(self):
        if self._template is None:
            self._template = load_template(self.locales_dir)
        return self._template

    def __call__(self, lazy: "LazyCatalog") -> LocaleCatalog:
        catalog = self._load(lazy)
        self.warnings[lazy.locale.identifier] = list(catalog.warnings)
        return catalog

    def _load(self, lazy: "LazyCatalog") -> LocaleCatalog:
        if self.cache is None:
            catalog = load_catalog(lazy.path)
            self.coverage[lazy.locale.identifier] = measure_coverage(self.template(), catalog.catalog,
                                                                     catalog.locale.identifier)
            return catalog
        from .cache import load_cached_catalog
        catalog, coverage = load_cached_catalog(self.cache, lazy.path, self.digest(lazy.path), self.pot_digest(),
                                                self.template)
        self.coverage[lazy.locale.identifier] = coverage
        return catalog

    def digest(self, path: Path) -> bytes:
        from .cache import file_digest
        if path.stem not in self.digests:
            self.digests[path.stem] = file_digest(path)
        return self.digests[path.stem]

    def pot_digest(self) -> bytes:
        from .cache import file_digest
        if self._pot_digest is None:
            pot = self.locales_dir / "messages.pot"
            if not pot.is_file():
                self.template()  # raises the build error that names the missing template
            self._pot_digest = file_digest(pot)
        return self._pot_digest

    def facts(self, lazy: "LazyCatalog") -> bool:
        """Read a catalog's coverage and warnings from the cache without loading it; whether found."""
        if self.cache is None:
            return False
        from .cache import load_catalog_facts
        found = load_catalog_facts(self.cache, lazy.path, self.digest(lazy.path), self.pot_digest())
        if found is None:
            return False
        self.coverage[lazy.locale.identifier], self.warnings[lazy.locale.identifier] = found
        return True


class LazyCatalog:
    """A locale's catalog that is parsed (or read from the cache) when first used.

    ``locale`` and ``path`` are known at once; every other attribute of ``LocaleCatalog``
    loads the catalog.
    """

    def __init__(self, locale, path: Path, loader: CatalogLoader):
        self.locale = locale
        self.path = path
        self._loader = loader
        self._loaded: LocaleCatalog | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def load(self) -> LocaleCatalog:
        loaded = self._loaded
        if loaded is None:
            loaded = self._loaded = self._loader(self)
            self._loader.loaded(self)
        return loaded

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.load(), name)


class PendingCoverage(list):
    """``site.coverage`` before ``read_all_catalogs``: using it is a bug, not an empty table."""

    def _fail(self, *args):
        raise RuntimeError("site.coverage was used before every catalog was read (prepare.read_all_catalogs)")

    __iter__ = __len__ = __getitem__ = __bool__ = _fail


def read_all_catalogs(site: Site) -> list[str]:
    """Read every catalog (parsing those not in the cache) and fill ``site.coverage``.

    Returns the catalogs' warnings, in locale order. In a build, only a few parsed
    catalogs stay in memory; the others are read again from the cache when used.
    """
    loaders = []
    for catalog in site.catalogs:
        if isinstance(catalog, LazyCatalog):
            if catalog.locale.identifier not in catalog._loader.coverage and not catalog._loader.facts(catalog):
                catalog.load()
            if catalog._loader not in loaders:
                loaders.append(catalog._loader)
    coverage: dict[str, object] = {}
    warnings: dict[str, list[str]] = {}
    for loader in loaders:
        coverage.update(loader.coverage)
        warnings.update(loader.warnings)
    site.coverage = [coverage[c.locale.identifier] for c in site.catalogs if c.locale.identifier in coverage]
    return [text for c in site.catalogs for text in warnings.get(c.locale.identifier, ())]


ENGLISH_BLOCKS = "_english"  # the cache of the English Markdown blocks


class LocalizedContent(dict):
    """``site.localized``: locale → protocol slug → localized content, made on first use."""

    def __init__(self, site: Site, cache=None):
        super().__init__()
        self._site = site
        self._cache = cache
        self._english = None
        self._caches: dict[str, object] = {}

    def __missing__(self, identifier: str):
        catalog = next(c for c in self._site.catalogs if c.locale.identifier == identifier)
        if isinstance(catalog, LazyCatalog):
            catalog = catalog.load()
        if self._english is None:
            self._english = self._english_blocks()
        renderer = self.renderer(identifier)
        value = self[identifier] = {
            protocol.slug: LocalizedProtocol(protocol, Localizer(catalog, renderer, self._english))
            for protocol in self._site.protocols
        }
        return value

    def renderer(self, name: str, renderer=None, code_files: tuple[str, ...] = ()):
        """A Markdown renderer (``renderer``, else HTML) whose results are kept between builds under ``name``.

        ``code_files`` are the engine modules besides ``text.py`` whose code shapes the results.
        """
        renderer = renderer or MarkdownRenderer()
        if self._cache is None:
            return renderer
        from .cache import MarkdownCache
        cached = self._caches[name] = MarkdownCache(renderer, self._cache.markdown_path(name, code_files))
        return cached

    def rendered(self, name: str) -> dict[str, str]:
        """The HTML of the Markdown blocks the cache ``name`` (a locale, or the English blocks)
        holds on disk: after rendering, what every process rendered. Empty without a cache."""
        if self._cache is None:
            return {}
        from .cache import read_markdown_cache
        return read_markdown_cache(self._cache.markdown_path(name))

    def _english_blocks(self) -> dict:
        """The English blocks every locale falls back on, rendered once (and kept between builds)."""
        if self._cache is None:
            return {}
        return EnglishBlocks(self.renderer(ENGLISH_BLOCKS))

    def forget(self, identifier: str) -> None:
        """Drop one locale's localized content (a worker that moves on to another locale)."""
        self._save(identifier, self._caches.pop(identifier, None))
        self.pop(identifier, None)

    def save_caches(self) -> None:
        """Store newly rendered Markdown for the next build."""
        for name, cache in self._caches.items():
            self._save(name, cache)

    def _save(self, name: str, cache) -> None:
        """Store one cache; drop the blocks it no longer needs only if all content was localized."""
        if cache is None:
            return
        local = dict.get(self, name)
        # English blocks serve every locale, and a process may render only some of them.
        cache.save(prune=name != ENGLISH_BLOCKS and (local is None
                                                      or all(protocol.complete for protocol in local.values())))


class EnglishBlocks(dict):
    """The English Markdown blocks ``Localizer`` shares between locales, backed by the cache."""

    def __init__(self, cache):
        super().__init__()
        self._markdown = cache

    def get(self, block, default=None):
        value = super().get(block)
        if value is None:
            value = self[block] = self._markdown.render(block)
        return value


def build_date(project: Path) -> datetime.date:
    """The date the site shows as last updated: SOURCE_DATE_EPOCH, else the last commit's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        try:
            epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=project, capture_output=True,
                                   text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            epoch = ""
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    newest = max((p.stat().st_mtime for p in (project / "content").rglob("*.toml")), default=0)
    return datetime.datetime.fromtimestamp(int(newest), datetime.timezone.utc).date()


def asset_versions(static_dir: Path) -> dict[str, str]:
    """A cache-busting query string per static file, from its content."""
    versions = {}
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        versions[path.relative_to(static_dir).as_posix()] = f"?v={digest}"
    return versions
