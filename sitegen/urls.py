"""Every URL on the site is decided here, and only here."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .locales import SiteLocale
from .model import EnhancedCode, Protocol, ReplyCode


def home_path() -> str:
    """The home page."""
    return ""


def protocol_path(protocol: Protocol) -> str:
    """A protocol's index of reply codes."""
    return f"{protocol.slug}/"


def code_path(protocol: Protocol, code: ReplyCode) -> str:
    """A reply code's page."""
    return f"{protocol.slug}/{code.code}/"


def pair_path(protocol: Protocol, first: ReplyCode, second: ReplyCode) -> str:
    """The comparison of two reply codes, lower code first whatever the order given."""
    low, high = sorted((first.code, second.code))
    return f"{protocol.slug}/{low}-vs-{high}/"


def enhanced_index_path(protocol: Protocol) -> str:
    """The index of enhanced status codes."""
    return f"{protocol.slug}/enhanced/"


def enhanced_path(protocol: Protocol, code: EnhancedCode) -> str:
    """An enhanced status code's page, e.g. ``smtp/x.1.1/``."""
    return f"{protocol.slug}/{code.key}/"


def enhanced_class_path(protocol: Protocol, code: EnhancedCode, reply_class: int) -> str:
    """The class form of an enhanced code, e.g. ``smtp/5.1.1/``, which leads to its page."""
    return f"{protocol.slug}/{code.in_class(reply_class)}/"


def decoder_path() -> str:
    """The reply decoder."""
    return "decode/"


def decoder_grammar_path() -> str:
    """The decoder's grammar, shared by every locale (a file, relative to the base path)."""
    return "decoder/grammar.json"


def decoder_data_path(locale: SiteLocale) -> str:
    """What each code means in one locale, for the decoder page, e.g. ``decoder/pt-br.json``."""
    return f"decoder/{locale.tag.lower()}.json"


def coverage_path() -> str:
    """The translation coverage page."""
    return "translations/"


def not_found_path() -> str:
    """The page shown for a missing URL."""
    return "404.html"


def output_file(locale: SiteLocale, path: str) -> str:
    """The file, relative to the output folder, that serves ``path`` in ``locale``."""
    full = locale.prefix + path
    return full + "index.html" if full.endswith("/") or not full else full


def normalize_base(base: str) -> str:
    """A base path that starts and ends with a slash: ``repo`` becomes ``/repo/``."""
    stripped = base.strip().strip("/")
    return f"/{stripped}/" if stripped else "/"


@dataclass(frozen=True)
class Urls:
    """Turns site paths into links under the base path and into absolute URLs."""

    base: str = "/"
    site_url: str = ""

    @classmethod
    def create(cls, base: str | None, site_url: str | None) -> "Urls":
        """Settle the base path from the options: explicit base, else the site URL's path."""
        site = (site_url or "").strip().rstrip("/")
        if base is None:
            base = urlsplit(site).path if site else "/"
        base = normalize_base(base)
        if site and not urlsplit(site).path.rstrip("/"):
            site = site + base.rstrip("/")
        return cls(base=base, site_url=site)

    def href(self, locale: SiteLocale, path: str) -> str:
        """A root-relative link, e.g. ``/repo/tr/smtp/221/``."""
        return self.base + locale.prefix + path

    def absolute(self, locale: SiteLocale, path: str) -> str:
        """An absolute URL when the site URL is known, else the root-relative link."""
        if not self.site_url:
            return self.href(locale, path)
        return self.site_url + "/" + locale.prefix + path

    def asset(self, name: str) -> str:
        """A link to a shared static file."""
        return f"{self.base}static/{name}"
