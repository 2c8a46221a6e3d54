"""Markdown text: split into translatable blocks, rendered without raw HTML."""

from __future__ import annotations

import re

import markdown
from markupsafe import Markup

BLANK_LINES = re.compile(r"\n[ \t]*\n")
RFC_CITATION = re.compile(r"RFC (\d{3,4})(?: §(\d+(?:\.\d+)*))?")


def split_blocks(text: str) -> list[str]:
    """Split Markdown into blocks at blank lines; each block is one catalog entry."""
    return [block.strip() for block in BLANK_LINES.split(text.strip()) if block.strip()]


class MarkdownRenderer:
    """Render Markdown with raw HTML disabled, so catalog text can never inject markup."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=[], output_format="html")
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")

    def render(self, block: str) -> Markup:
        """Render one block of Markdown to HTML, linking RFC citations to their sections."""
        html = self._md.reset().convert(block)
        return Markup(link_citations(html))


def link_citations(html: str) -> str:
    """Turn plain ``RFC 5321 §4.2.3`` citations in rendered text into links."""
    def replace(match: re.Match) -> str:
        rfc, section = match.group(1), match.group(2)
        href = f"https://www.rfc-editor.org/rfc/rfc{rfc}" + (f"#section-{section}" if section else "")
        return f'<a href="{href}">{match.group(0)}</a>'

    parts = re.split(r"(<a\b.*?</a>|<code>.*?</code>|<[^>]+>)", html, flags=re.S)
    return "".join(part if part.startswith("<") else RFC_CITATION.sub(replace, part) for part in parts)
