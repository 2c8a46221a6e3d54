"""Facts about a locale from Babel's data: its tag, URL prefix, direction and own name."""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale

SOURCE_LOCALE = "en"


@dataclass(frozen=True)
class SiteLocale:
    """A locale the site is built in."""

    identifier: str
    tag: str
    prefix: str
    direction: str
    native_name: str
    english_name: str

    @property
    def is_source(self) -> bool:
        """Whether this is the language the content is written in."""
        return self.identifier == SOURCE_LOCALE


def bcp47_tag(identifier: str) -> str:
    """Babel's ``pt_BR``/``zh_Hans`` as a BCP 47 tag: ``pt-BR``/``zh-Hans``."""
    return identifier.replace("_", "-")


def site_locale(identifier: str) -> SiteLocale:
    """Describe a locale Babel knows; raises babel's UnknownLocaleError otherwise."""
    locale = Locale.parse(identifier)
    native = locale.get_display_name(locale) or identifier
    return SiteLocale(
        identifier=identifier,
        tag=bcp47_tag(identifier),
        prefix="" if identifier == SOURCE_LOCALE else bcp47_tag(identifier).lower() + "/",
        direction=locale.text_direction,
        native_name=native[:1].upper() + native[1:],
        english_name=locale.get_display_name("en") or identifier,
    )
