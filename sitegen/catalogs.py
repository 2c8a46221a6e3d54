"""Find the locales in ``locales/``, read each ``.po`` with Babel and check every entry."""

from __future__ import annotations

import gettext
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.core import UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations

from .errors import BuildError
from .locales import SOURCE_LOCALE, SiteLocale, site_locale

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")
MARKUP = re.compile(r"<[^<>]*>?")
PO_KEYWORD_LINE = re.compile(r'^(?:#~\s*)?(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(.*)$')
PO_STRING = re.compile(r'^"(?:[^"\\]|\\.)*"$')
URL = re.compile(r"\b(?:[a-z][a-z0-9+.-]*:)?//\S+|javascript:|data:", re.I)


@dataclass
class LocaleCatalog:
    """One locale's checked translations, ready for templates and content."""

    locale: SiteLocale
    translations: NullTranslations
    messages: dict[str, object]
    catalog: Catalog | None = None
    path: Path | None = None
    digest: str = ""
    warnings: list[str] = field(default_factory=list)

    def translated(self, msgid: str) -> str | None:
        """The checked translation of ``msgid``, or None when it falls back to English."""
        text = self.messages.get(msgid)
        return text if isinstance(text, str) and text else None


def discover_locales(locales_dir: Path) -> list[Path]:
    """The ``.po`` files that define the site's locales, one per locale."""
    if not locales_dir.is_dir():
        return []
    return sorted(locales_dir.glob("*.po"))


def load_catalogs(locales_dir: Path) -> list[LocaleCatalog]:
    """The source locale first, then every locale found in ``locales/``, sorted."""
    catalogs = [LocaleCatalog(locale=site_locale(SOURCE_LOCALE), translations=NullTranslations(), messages={})]
    for path in discover_locales(locales_dir):
        if path.stem == SOURCE_LOCALE:
            raise BuildError(f"'{SOURCE_LOCALE}' is the source language and needs no catalog; remove the file", path)
        catalogs.append(load_catalog(path))
    return catalogs


def load_catalog(path: Path) -> LocaleCatalog:
    """Read and check one ``.po`` file."""
    try:
        locale = site_locale(path.stem)
    except (UnknownLocaleError, ValueError):
        raise BuildError(f"'{path.stem}' is not a locale Babel knows; name the file after a locale "
                         "identifier such as de.po, pt_BR.po or zh_Hans.po", path) from None
    raw = path.read_bytes()
    catalog = parse_po(path, raw, locale.identifier)
    warnings: list[str] = []
    messages: dict[str, object] = {}
    for message in list(catalog)[1:]:
        if not message.string or message.fuzzy or not message.id:
            continue
        problem = entry_problem(message, catalog.num_plurals)
        if problem:
            warnings.append(f"{path}:{message.lineno}: warning: {problem}; the English text is used instead")
            message.string = "" if isinstance(message.string, str) else ("",) * len(message.string)
            continue
        messages[message.id if isinstance(message.id, str) else message.id[0]] = message.string
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return LocaleCatalog(locale=locale, translations=Translations(fp=buffer), messages=messages,
                         catalog=catalog, path=path, digest=hashlib.sha256(raw).hexdigest(), warnings=warnings)


def parse_po(path: Path, raw: bytes, identifier: str) -> Catalog:
    """Parse a ``.po`` file, turning every parse failure into a located build error."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BuildError("file is not UTF-8 text; save it as UTF-8", path) from None
    check_quoting(path, text)
    try:
        catalog = read_po(io.StringIO(text), locale=identifier, abort_invalid=True)
    except PoFileError as error:
        raise BuildError(f"cannot parse the catalog: {error.args[0]}; fix the entry", path,
                         getattr(error, "lineno", None)) from None
    except (ValueError, TypeError) as error:
        raise plural_error(path, text, str(error)) from None
    try:
        gettext.c2py(catalog.plural_expr)
    except (ValueError, SyntaxError) as error:
        raise plural_error(path, text, str(error)) from None
    return catalog


def check_quoting(path: Path, text: str) -> None:
    """Reject strings with missing or unbalanced quotes, which Babel would silently truncate."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        keyword = PO_KEYWORD_LINE.match(line)
        value = keyword.group(2).strip() if keyword else line if line.startswith('"') else None
        if value is not None and not PO_STRING.match(value):
            raise BuildError("cannot parse the catalog: the string is not enclosed in double quotes "
                             '(write it as "text", escaping inner quotes as \\")', path, number)


def plural_error(path: Path, text: str, reason: str) -> BuildError:
    """A build error pointing at the Plural-Forms header line."""
    line = next((n for n, row in enumerate(text.splitlines(), 1) if "Plural-Forms" in row), None)
    return BuildError(f"bad Plural-Forms header ({reason}); write it like "
                      '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"', path, line)


def entry_problem(message: Message, num_plurals: int) -> str | None:
    """Why a translated entry cannot be used, or None when it is fine."""
    sources = [message.id] if isinstance(message.id, str) else list(message.id)
    targets = [message.string] if isinstance(message.string, str) else list(message.string)
    if len(sources) > 1 and len(targets) != num_plurals:
        return f"has {len(targets)} plural forms but the header says nplurals={num_plurals}"
    expected = set().union(*(PLACEHOLDER.findall(s) for s in sources))
    for target in targets:
        found = set(PLACEHOLDER.findall(target))
        if found - expected:
            return f"placeholder %({sorted(found - expected)[0]})s is not in the source text"
        missing = expected - found - ({"num"} if len(sources) > 1 else set())
        if missing:
            return f"placeholder %({sorted(missing)[0]})s from the source text is missing"
        source_text = " ".join(sources)
        for pattern, what in ((MARKUP, "markup"), (URL, "a link")):
            added = [token for token in pattern.findall(target) if token not in source_text]
            if added:
                return f"adds {what} ({added[0][:40]!r}) that the source text does not have"
    return None
