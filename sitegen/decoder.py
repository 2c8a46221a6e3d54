"""The reply decoder: find SMTP reply codes and enhanced status codes in pasted text.

Pure functions over the one grammar in ``decoder_grammar.json``, which ``static/decoder.js``
reads too; ``tests/test_decoder_browser.py`` checks that both give the same findings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .model import CLASS_KINDS, Protocol

GRAMMAR_PATH = Path(__file__).with_name("decoder_grammar.json")
PART = re.compile(r"\{\{(\w+)\}\}")
FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE}


@dataclass(frozen=True)
class Rule:
    """One pattern of the grammar and the capture groups that hold the codes."""

    id: str
    regex: re.Pattern
    reply_group: int | None
    enhanced_group: int | None


@dataclass(frozen=True)
class Grammar:
    """The compiled grammar: how to clean the input, then the rules that find codes."""

    protocol: str
    max_input: int
    newlines: re.Pattern
    remove: re.Pattern
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Vocabulary:
    """The codes the site has a page for: reply codes (``"550"``) and enhanced keys (``"x.1.1"``)."""

    reply: frozenset[str]
    enhanced: frozenset[str]


@dataclass(frozen=True)
class Finding:
    """One code found in the text, at its first occurrence."""

    type: str          # "reply" or "enhanced"
    code: str          # as written: "550", "5.1.1"
    key: str           # the page's key: "550", "x.1.1"
    kind: str          # success, intermediate, transient or permanent
    position: int      # where it first occurs in the cleaned text (code points)

    def as_dict(self) -> dict:
        """The finding as JSON data, the same shape static/decoder.js returns."""
        return {"type": self.type, "code": self.code, "key": self.key, "kind": self.kind}


@dataclass(frozen=True)
class Decoded:
    """Everything found in one text."""

    findings: tuple[Finding, ...]
    truncated: bool


def expand(pattern: str, parts: dict[str, str]) -> str:
    """Replace every ``{{name}}`` with its part, parts themselves being expanded first."""
    for _ in range(10):
        expanded = PART.sub(lambda m: parts[m.group(1)], pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise ValueError("decoder grammar parts refer to each other in a loop")


def compile_grammar(data: dict) -> Grammar:
    """Compile grammar data (the parsed JSON file)."""
    parts = data["parts"]
    rules = []
    for rule in data["rules"]:
        flags = re.ASCII
        for letter in rule.get("flags", ""):
            flags |= FLAGS[letter]
        groups = rule["groups"]
        rules.append(Rule(rule["id"], re.compile(expand(rule["pattern"], parts), flags),
                          groups.get("reply"), groups.get("enhanced")))
    return Grammar(protocol=data["protocol"], max_input=int(data["max_input"]),
                   newlines=re.compile(data["newlines"]), remove=re.compile(data["remove"]),
                   rules=tuple(rules))


@lru_cache(maxsize=4)
def load_grammar(path: Path = GRAMMAR_PATH) -> Grammar:
    """The grammar in ``path``, compiled once."""
    return compile_grammar(json.loads(path.read_text(encoding="utf-8")))


def vocabulary_of(protocol: Protocol) -> Vocabulary:
    """The codes of one protocol's content."""
    return Vocabulary(reply=frozenset(c.key for c in protocol.codes),
                      enhanced=frozenset(e.key for e in protocol.enhanced))


def clean(text: str, grammar: Grammar) -> tuple[str, bool]:
    """Cut the text to the grammar's limit, unify line breaks, drop control characters."""
    truncated = len(text) > grammar.max_input
    text = text[:grammar.max_input]
    return grammar.remove.sub("", grammar.newlines.sub("\n", text)), truncated


def enhanced_key(code: str) -> str:
    """``5.1.1`` → ``x.1.1``, the key of its page."""
    return "x." + code.split(".", 1)[1]


def decode(text: str, vocabulary: Vocabulary, grammar: Grammar | None = None) -> Decoded:
    """Every known code in ``text``, once each, in the order they first appear."""
    grammar = grammar or load_grammar()
    text, truncated = clean(text, grammar)
    found: list[tuple[int, str, str]] = []
    for rule in grammar.rules:
        for match in rule.regex.finditer(text):
            reply = match.group(rule.reply_group) if rule.reply_group else None
            enhanced = match.group(rule.enhanced_group) if rule.enhanced_group else None
            if reply and reply in vocabulary.reply:
                found.append((match.start(rule.reply_group), "reply", reply))
            if enhanced and enhanced_key(enhanced) in vocabulary.enhanced:
                if not reply or reply[0] == enhanced[0]:
                    found.append((match.start(rule.enhanced_group), "enhanced", enhanced))
    findings: dict[tuple[str, str], Finding] = {}
    for position, kind, code in sorted(found):
        if (kind, code) not in findings:
            key = code if kind == "reply" else enhanced_key(code)
            findings[kind, code] = Finding(kind, code, key, CLASS_KINDS[int(code[0])], position)
    return Decoded(tuple(findings.values()), truncated)


def find_codes(text: str, vocabulary: Vocabulary, grammar: Grammar | None = None) -> tuple[Finding, ...]:
    """Every known reply code and enhanced status code in ``text``, in order of appearance."""
    return decode(text, vocabulary, grammar).findings
