"""Babel extractor for content files: every translatable field, Markdown split into blocks."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

from .model import Definition, EnhancedCode, PairNote, Protocol, ReplyCode
from .text import split_blocks

FIELDS_BY_FOLDER = {
    "codes": ReplyCode, "enhanced": EnhancedCode, "pairs": PairNote,
}
TRANSLATORS_NOTE = {
    "title": "Short name of a code.",
    "summary": "One-sentence summary.",
}


def extract_content(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Yield (line, function, message, comments) for each translatable text in a content file."""
    text = fileobj.read().decode("utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    kind = model_for(getattr(fileobj, "name", ""))
    yield from messages_of(data, kind, lines)
    for table in data.get("definitions", []) if kind is ReplyCode else []:
        yield from messages_of(table, Definition, lines)


def model_for(filename: str) -> type:
    """Which model class a content file holds, from its folder."""
    parts = filename.replace("\\", "/").split("/")
    folder = parts[-2] if len(parts) > 1 else ""
    return FIELDS_BY_FOLDER.get(folder, Protocol)


def messages_of(data: dict, kind: type, lines: list[str]) -> Iterator[tuple]:
    """The catalog entries of one table's translatable fields."""
    for name in kind.TEXT_FIELDS:
        if data.get(name, "").strip():
            yield line_of(lines, data[name].strip()), None, data[name].strip(), [TRANSLATORS_NOTE.get(name, name)]
    for name in kind.MARKDOWN_FIELDS:
        for block in split_blocks(data.get(name, "")):
            yield line_of(lines, block), None, block, [f"Markdown ({name}). Keep the formatting marks."]


def line_of(lines: list[str], text: str) -> int:
    """The line where a text starts in the file, or 1 when not found verbatim."""
    first = text.splitlines()[0].strip()
    for number, line in enumerate(lines, start=1):
        if first and first in line:
            return number
    return 1
