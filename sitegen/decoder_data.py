"""The reply decoder's data, from the content: what each code means and what to do next, per locale.

The build publishes it (``write_decoder_data``) for ``static/decoder.js``; ``build.py explain``
uses the same entries for its English output.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from . import urls as paths
from .catalogs import LocaleCatalog
from .decoder import GRAMMAR_PATH, Finding, load_grammar
from .errors import BuildError
from .localize import CODE_SPAN
from .model import EnhancedCode, Protocol, ReplyCode
from .output import write_file
from .prepare import ENGLISH_BLOCKS
from .text import MarkdownRenderer, split_blocks
from .urls import Urls

DATA_VERSION = 1
ENHANCED_CLASSES = {"2": "success", "4": "transient", "5": "permanent"}
BLOCK_TAGS = {"p", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}


class _TextOfHtml(HTMLParser):
    """The text of rendered Markdown: paragraphs on their own lines, list items as bullets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "li":
            self.parts.append("\n• ")
        elif tag in BLOCK_TAGS or tag == "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)


class RenderedBlocks:
    """The HTML the pages have for Markdown blocks: one of the build's caches (a locale's, or
    the English blocks), read when first needed."""

    def __init__(self, localized, name: str):
        self._localized = localized
        self._name = name
        self._blocks: dict[str, str] | None = None

    def get(self, block: str) -> str | None:
        if self._blocks is None:
            self._blocks = self._localized.rendered(self._name)
        return self._blocks.get(block)


class PlainRenderer:
    """Markdown blocks as plain text (for textContent and the terminal).

    ``sources`` give the HTML the pages already have for a block, if any, which saves
    rendering its Markdown again.
    """

    def __init__(self) -> None:
        self._markdown = MarkdownRenderer()
        self.sources: tuple[RenderedBlocks, ...] = ()

    def render(self, block: str) -> str:
        html = next((html for source in self.sources if (html := source.get(block)) is not None), None)
        parser = _TextOfHtml()
        parser.feed(str(self._markdown.render(block)) if html is None else html)
        parser.close()
        return parser.text()


class PlainText:
    """Markdown blocks as plain text, each rendered once (``renderer`` may keep them between builds)."""

    def __init__(self, renderer=None) -> None:
        self._renderer = renderer or PlainRenderer()
        self._cache: dict[str, str] = {}

    def __call__(self, block: str) -> str:
        text = self._cache.get(block)
        if text is None:
            text = self._cache[block] = str(self._renderer.render(block))
        return text


class Entries:
    """Decoder entries of one protocol in one locale: translated text, English where missing."""

    def __init__(self, protocol: Protocol, catalog: LocaleCatalog, urls: Urls, plain: PlainText,
                 absolute: bool = False):
        self.protocol = protocol
        self.catalog = catalog
        self.plain = plain
        link = urls.absolute if absolute else urls.href
        self._link = lambda path: link(catalog.locale, path)

    def _text(self, value: str, field: str, english: list[str]) -> str:
        """A one-line text field, translated when the catalog has it."""
        value = value.strip()
        translated = self.catalog.translated(value)
        if not translated and not self.catalog.locale.is_source:
            english.append(field)
        return CODE_SPAN.sub(r"\1", translated or value)

    def _first_block(self, value: str, field: str, english: list[str]) -> str:
        """The first paragraph (or list) of a Markdown field, translated, as plain text."""
        blocks = split_blocks(value)
        if not blocks:
            return ""
        translated = self.catalog.translated(blocks[0])
        if not translated and not self.catalog.locale.is_source:
            english.append(field)
        return self.plain(translated or blocks[0])

    def reply(self, code: ReplyCode) -> dict:
        """What a reply code means and what to do next."""
        english: list[str] = []
        entry = {
            "title": self._text(code.title, "title", english),
            "summary": self._text(code.summary, "summary", english),
            "kind": code.kind,
            "next": self._first_block(code.fix_sender, "next", english),
            "url": self._link(paths.code_path(self.protocol, code)),
        }
        if english:
            entry["en"] = english
        return entry

    def enhanced(self, code: EnhancedCode) -> dict:
        """What an enhanced status code means in each class, and what to do next."""
        english: list[str] = []
        entry = {
            "title": self._text(code.title, "title", english),
            "summary": self._text(code.summary, "summary", english),
            "meaning": {digit: self._first_block(getattr(code, kind), f"meaning.{digit}", english)
                        for digit, kind in ENHANCED_CLASSES.items()},
            "next": self._first_block(code.fix, "next", english),
            "url": self._link(paths.enhanced_path(self.protocol, code)),
        }
        if english:
            entry["en"] = english
        return entry

    def data(self) -> dict:
        """The whole locale file."""
        return {
            "version": DATA_VERSION,
            "locale": self.catalog.locale.tag,
            "protocol": self.protocol.slug,
            "reply": {code.key: self.reply(code) for code in self.protocol.codes},
            "enhanced": {code.key: self.enhanced(code) for code in self.protocol.enhanced},
        }

    def for_finding(self, finding: Finding) -> dict:
        """The entry that explains one finding, its URL pointing at the finding's class."""
        if finding.type == "reply":
            return self.reply(self.protocol.code(int(finding.code)))
        entry = self.enhanced(self.protocol.enhanced_code(finding.code))
        return {**entry, "meaning": entry["meaning"][finding.code[0]], "url": f"{entry['url']}#class-{finding.code[0]}"}


def decoder_protocol(protocols: tuple[Protocol, ...]) -> Protocol:
    """The protocol the decoder's grammar is written for."""
    wanted = load_grammar().protocol
    for protocol in protocols:
        if protocol.slug == wanted:
            return protocol
    raise BuildError(f"the reply decoder needs the '{wanted}' protocol; add content/{wanted}/protocol.toml",
                     GRAMMAR_PATH)


def dump(data: object) -> bytes:
    """Compact JSON, stable from build to build."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def write_decoder_data(site, root: Path, built: Path) -> int:
    """Post-build step: ``decoder/grammar.json`` and one ``decoder/<locale>.json`` per locale."""
    protocol = decoder_protocol(site.protocols)
    write_file(root, paths.decoder_grammar_path(), GRAMMAR_PATH.read_bytes())
    renderer = PlainRenderer()
    plain = PlainText(site.localized.renderer("decoder-plain", renderer, code_files=("decoder_data.py",)))
    english = RenderedBlocks(site.localized, ENGLISH_BLOCKS)
    for catalog in site.catalogs:
        renderer.sources = (RenderedBlocks(site.localized, catalog.locale.identifier), english)
        entries = Entries(protocol, catalog, site.urls, plain)
        write_file(root, paths.decoder_data_path(catalog.locale), dump(entries.data()))
    return 1 + len(site.catalogs)
