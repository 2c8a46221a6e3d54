"""How much of each locale's catalog is translated, for the UI and for content."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from .catalogs import discover_locales, parse_po
from .errors import BuildError

POT_NAME = "messages.pot"


@dataclass(frozen=True)
class Coverage:
    """How much of one locale's catalog is translated, for the UI and for content."""

    locale: str
    ui: tuple[int, int, int]
    content: tuple[int, int, int]

    @staticmethod
    def percent(counts: tuple[int, int, int]) -> int:
        """Share of translated entries, rounded down."""
        total = sum(counts)
        return 100 * counts[0] // total if total else 100


def measure_coverage(template: Catalog, catalog: Catalog, locale: str) -> Coverage:
    """Count translated, fuzzy and untranslated entries of ``catalog`` against ``template``."""
    counts = {"ui": [0, 0, 0], "content": [0, 0, 0]}
    for message in list(template)[1:]:
        part = "content" if all(f.startswith("content/") for f, _ in message.locations) else "ui"
        found = catalog.get(message.id, message.context)
        strings = [found.string] if found is not None and isinstance(found.string, str) else \
            list(found.string) if found is not None else []
        if found is not None and found.fuzzy and any(strings):
            counts[part][1] += 1
        elif strings and all(strings):
            counts[part][0] += 1
        else:
            counts[part][2] += 1
    return Coverage(locale, tuple(counts["ui"]), tuple(counts["content"]))


def load_template(locales_dir: Path) -> Catalog:
    """The committed template catalog."""
    path = locales_dir / POT_NAME
    if not path.exists():
        raise BuildError("template catalog missing; run 'python build.py i18n extract'", path)
    return read_po(io.BytesIO(path.read_bytes()))


def all_coverage(project: Path) -> list[Coverage]:
    """Coverage of every locale's catalog."""
    template = load_template(project / "locales")
    return [measure_coverage(template, parse_po(p, p.read_bytes(), p.stem), p.stem)
            for p in discover_locales(project / "locales")]
