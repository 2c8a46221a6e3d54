"""Content in one locale: each text translated from the catalog, or English marked as such."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from .catalogs import LocaleCatalog
from .model import Protocol
from .text import MarkdownRenderer, split_blocks

FALLBACK_NOTICE_RATIO = 0.5
CODE_SPAN = re.compile(r"`([^`]+)`")


class LocalText(str):
    """A translated one-line text; in HTML, English fallback is marked ``lang="en"``."""

    fallback: bool = False

    def __new__(cls, value: str, fallback: bool) -> "LocalText":
        text = super().__new__(cls, value)
        text.fallback = fallback
        return text

    @property
    def plain(self) -> str:
        """The text without markup, for titles and attributes."""
        return CODE_SPAN.sub(r"\1", str(self))

    def __html__(self) -> Markup:
        html = Markup(CODE_SPAN.sub(r"<code>\1</code>", str(escape(str(self)))))
        return Markup('<span lang="en" dir="ltr">%s</span>') % html if self.fallback else html


class LocalMarkdown:
    """Translated Markdown rendered to HTML, block by block, counting English fallbacks."""

    def __init__(self, html: Markup, blocks: int, fallbacks: int):
        self.html = html
        self.blocks = blocks
        self.fallbacks = fallbacks

    def __html__(self) -> Markup:
        return self.html


class Localized:
    """A model object seen in one locale: translated fields, every other attribute as is."""

    def __init__(self, source: object, fields: dict[str, object]):
        self._source = source
        self.__dict__.update(fields)

    def __getattr__(self, name: str) -> object:
        return getattr(self._source, name)

    def markdown_fields(self) -> list[LocalMarkdown]:
        """The localized Markdown fields, to measure how much falls back to English."""
        return [v for v in self.__dict__.values() if isinstance(v, LocalMarkdown)]


class Localizer:
    """Translate content for one locale, rendering each Markdown block once."""

    def __init__(self, catalog: LocaleCatalog, renderer: MarkdownRenderer, english: dict[str, Markup]):
        self.catalog = catalog
        self._renderer = renderer
        self._english = english
        self._source = catalog.locale.is_source

    def text(self, value: str) -> LocalText:
        """One line of content text, translated when the catalog has it."""
        translated = self.catalog.translated(value.strip()) if value.strip() else None
        return LocalText(translated or value.strip(), fallback=not translated and not self._source)

    def markdown(self, value: str) -> LocalMarkdown:
        """A Markdown field, translated and rendered block by block."""
        parts, fallbacks = [], 0
        blocks = split_blocks(value)
        for block in blocks:
            translated = self.catalog.translated(block)
            if translated:
                parts.append(self._renderer.render(translated))
                continue
            html = self._english.get(block)
            if html is None:
                html = self._english[block] = self._renderer.render(block)
            if self._source:
                parts.append(html)
            else:
                fallbacks += 1
                parts.append(Markup('<div lang="en" dir="ltr">%s</div>') % html)
        return LocalMarkdown(Markup("\n").join(parts), len(blocks), fallbacks)

    def localize(self, item: object) -> Localized:
        """An object with its declared text and Markdown fields localized."""
        fields: dict[str, object] = {name: self.text(getattr(item, name)) for name in item.TEXT_FIELDS}
        for name in item.MARKDOWN_FIELDS:
            value = getattr(item, name)
            fields[name] = self.markdown(value) if value.strip() else None
        return Localized(item, fields)


class LazyItems(dict):
    """Items localized when first looked up, so a page pays only for the content it shows.

    Once made, an item is an ordinary dictionary entry (looked up at full speed).
    """

    def __init__(self, keys, make):
        super().__init__()
        self._keys = frozenset(keys)
        self._make = make

    def __missing__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        value = self[key] = self._make(key)
        return value

    def get(self, key, default=None):
        return self[key] if key in self._keys else default

    def __contains__(self, key) -> bool:
        return key in self._keys

    @property
    def complete(self) -> bool:
        """Whether every item has been localized."""
        return len(self) == len(self._keys)


class LocalizedProtocol:
    """All of one protocol's content in one locale, each item localized on first use."""

    def __init__(self, protocol: Protocol, localizer: Localizer):
        self.protocol = protocol
        self.info = localizer.localize(protocol)
        codes = {c.code: c for c in protocol.codes}
        enhanced = {e.key: e for e in protocol.enhanced}
        self.codes = LazyItems(codes, lambda number: localizer.localize(codes[number]))
        self.definitions = LazyItems(codes, lambda number: [localizer.localize(d) for d in codes[number].definitions])
        self.enhanced = LazyItems(enhanced, lambda key: localizer.localize(enhanced[key]))
        self.notes = LazyItems(protocol.notes, lambda pair: localizer.localize(protocol.notes[pair]))

    @property
    def complete(self) -> bool:
        """Whether all of the protocol's content has been localized."""
        return all(items.complete for items in (self.codes, self.definitions, self.enhanced, self.notes))


def needs_fallback_notice(items: list[Localized]) -> bool:
    """Whether most of the Markdown on a page is English fallback."""
    texts = [m for item in items for m in item.markdown_fields()]
    blocks = sum(m.blocks for m in texts)
    return blocks > 0 and sum(m.fallbacks for m in texts) / blocks > FALLBACK_NOTICE_RATIO
