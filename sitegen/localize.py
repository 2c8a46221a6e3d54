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


class LocalizedProtocol:
    """All of one protocol's content in one locale, prepared before any page renders."""

    def __init__(self, protocol: Protocol, localizer: Localizer):
        self.protocol = protocol
        self.info = localizer.localize(protocol)
        self.codes = {c.code: localizer.localize(c) for c in protocol.codes}
        self.definitions = {c.code: [localizer.localize(d) for d in c.definitions] for c in protocol.codes}
        self.enhanced = {e.key: localizer.localize(e) for e in protocol.enhanced}
        self.notes = {k: localizer.localize(n) for k, n in protocol.notes.items()}


def needs_fallback_notice(items: list[Localized]) -> bool:
    """Whether most of the Markdown on a page is English fallback."""
    texts = [m for item in items for m in item.markdown_fields()]
    blocks = sum(m.blocks for m in texts)
    return blocks > 0 and sum(m.fallbacks for m in texts) / blocks > FALLBACK_NOTICE_RATIO
