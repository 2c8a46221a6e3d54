"""The reply decoder's shared test corpus (tests/data/decoder_corpus.json), for both decoder tests."""

from __future__ import annotations

import json

from conftest import PROJECT

CORPUS_PATH = PROJECT / "tests" / "data" / "decoder_corpus.json"
CORPUS = json.loads(CORPUS_PATH.read_text(encoding="utf-8"))
POSITIVE = CORPUS["positive"]
NEGATIVE = CORPUS["negative"]
HOSTILE = CORPUS["hostile"]


def text_of(item: dict) -> str:
    """An item's text: given, or built as prefix + repeat * times + suffix."""
    if "text" in item:
        return item["text"]
    return item.get("prefix", "") + item["repeat"] * item["times"] + item.get("suffix", "")


def expected(item: dict) -> list[str]:
    """The codes an item must yield, in order of first appearance (none for negatives)."""
    return item.get("codes", [])


def every_item() -> list[dict]:
    """Positive, negative and hostile items, each once."""
    return POSITIVE + NEGATIVE + HOSTILE


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]
