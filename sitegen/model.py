"""Immutable model of the content: protocols, reply codes, enhanced codes and pair notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar
from functools import cached_property
from itertools import combinations
from pathlib import Path

RFC_URL = "https://www.rfc-editor.org/rfc/rfc{rfc}"

CLASS_KINDS = {2: "success", 3: "intermediate", 4: "transient", 5: "permanent"}


def rfc_href(rfc: int, section: str = "") -> str:
    """Link to an RFC, or to one of its sections, on the RFC Editor's site."""
    url = RFC_URL.format(rfc=rfc)
    return f"{url}#section-{section}" if section else url


@dataclass(frozen=True)
class Reference:
    """Where a standard defines something: an RFC section or another document."""

    rfc: int | None = None
    section: str = ""
    document: str = ""
    url: str = ""

    @property
    def label(self) -> str:
        """How the reference is named in text, e.g. ``RFC 5321 §4.2.3``."""
        if self.rfc is None:
            return self.document
        return f"RFC {self.rfc} §{self.section}" if self.section else f"RFC {self.rfc}"

    @property
    def href(self) -> str:
        """The address the reference links to."""
        return rfc_href(self.rfc, self.section) if self.rfc is not None else self.url


@dataclass(frozen=True)
class Definition:
    """One standard's definition of a reply code."""

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ()
    MARKDOWN_FIELDS: ClassVar[tuple[str, ...]] = ("meaning",)

    reference: Reference
    text: str
    context: str = ""
    meaning: str = ""


@dataclass(frozen=True)
class ReplyCode:
    """A basic three-digit reply code."""

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("title", "summary")
    MARKDOWN_FIELDS: ClassVar[tuple[str, ...]] = ("description", "when", "causes", "fix_sender", "fix_admin", "use")

    code: int
    title: str
    summary: str
    actor: str
    commands: tuple[str, ...]
    related: tuple[int, ...]
    enhanced: tuple[str, ...]
    definitions: tuple[Definition, ...]
    description: str
    when: str
    causes: str
    fix_sender: str
    fix_admin: str
    use: str
    example: str
    source: Path
    extension: str = ""

    @property
    def key(self) -> str:
        """The code as text, used in URLs and lookups."""
        return str(self.code)

    @property
    def reply_class(self) -> int:
        """The first digit: 2 success, 3 intermediate, 4 transient, 5 permanent."""
        return self.code // 100

    @property
    def category(self) -> int:
        """The second digit: the area the reply is about (RFC 5321 §4.2.1)."""
        return self.code // 10 % 10

    @property
    def kind(self) -> str:
        """success, intermediate, transient or permanent."""
        return CLASS_KINDS[self.reply_class]


@dataclass(frozen=True)
class EnhancedCode:
    """An enhanced status code from the IANA registry, in its X.Y.Z form."""

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("title", "summary")
    MARKDOWN_FIELDS: ClassVar[tuple[str, ...]] = ("description", "success", "transient", "permanent", "fix")

    code: str
    title: str
    basic_registry: str
    basic: tuple[int, ...]
    references: tuple[Reference, ...]
    summary: str
    description: str
    success: str
    transient: str
    permanent: str
    fix: str
    source: Path

    @property
    def subject(self) -> int:
        """The middle number: the subject of the status (RFC 3463 §3)."""
        return int(self.code.split(".")[1])

    @property
    def detail(self) -> int:
        """The last number: the detail within the subject."""
        return int(self.code.split(".")[2])

    @property
    def key(self) -> str:
        """The code in lower case, used in URLs, e.g. ``x.1.1``."""
        return self.code.lower()

    def in_class(self, reply_class: int) -> str:
        """The code written with a class digit, e.g. ``5.1.1``."""
        return f"{reply_class}.{self.subject}.{self.detail}"


@dataclass(frozen=True)
class PairNote:
    """A hand-written comparison of two reply codes."""

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ()
    MARKDOWN_FIELDS: ClassVar[tuple[str, ...]] = ("note",)

    codes: tuple[int, int]
    note: str
    source: Path


@dataclass(frozen=True)
class Protocol:
    """A protocol folder of content: its codes, enhanced codes and pair notes."""

    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("title",)
    MARKDOWN_FIELDS: ClassVar[tuple[str, ...]] = ("summary",)

    slug: str
    name: str
    title: str
    summary: str
    reference: Reference
    codes: tuple[ReplyCode, ...]
    enhanced: tuple[EnhancedCode, ...]
    notes: dict[tuple[int, int], PairNote] = field(hash=False)
    source: Path = Path()
    featured: tuple[int, ...] = ()
    featured_enhanced: tuple[str, ...] = ()

    def code(self, number: int) -> ReplyCode:
        """The reply code with this number."""
        return self._codes_by_number[number]

    def enhanced_code(self, code: str) -> EnhancedCode:
        """The enhanced code for ``X.Y.Z`` or any class form such as ``5.1.1``."""
        return self._enhanced_by_key["x." + code.lower().split(".", 1)[1]]

    def has_enhanced(self, code: str) -> bool:
        """Whether an enhanced code (in any class form) exists."""
        parts = code.lower().split(".", 1)
        return len(parts) == 2 and "x." + parts[1] in self._enhanced_by_key

    def pairs(self) -> list[tuple[ReplyCode, ReplyCode]]:
        """Every unordered pair of reply codes, lower code first."""
        return list(combinations(self.codes, 2))

    @cached_property
    def _codes_by_number(self) -> dict[int, ReplyCode]:
        return {c.code: c for c in self.codes}

    @cached_property
    def _enhanced_by_key(self) -> dict[str, EnhancedCode]:
        return {e.key: e for e in self.enhanced}
