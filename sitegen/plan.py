"""Plan the site: the list of pages, each with its template and what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from . import urls
from .model import Protocol


@dataclass(frozen=True)
class Page:
    """One page of the site, the same in every locale."""

    kind: str
    path: str
    template: str
    protocol: str = ""
    keys: tuple = ()


def plan_site(protocols: tuple[Protocol, ...]) -> list[Page]:
    """Every page of the site, in a stable order."""
    pages = [
        Page("home", urls.home_path(), "home.html"),
        Page("decoder", urls.decoder_path(), "decoder.html"),
        Page("coverage", urls.coverage_path(), "coverage.html"),
        Page("not_found", urls.not_found_path(), "404.html"),
    ]
    for protocol in protocols:
        pages.extend(plan_protocol(protocol))
    return pages


def plan_protocol(protocol: Protocol) -> list[Page]:
    """The pages of one protocol: indexes, codes, pairs and enhanced codes."""
    slug = protocol.slug
    pages = [
        Page("protocol", urls.protocol_path(protocol), "protocol.html", slug),
        Page("enhanced_index", urls.enhanced_index_path(protocol), "enhanced_index.html", slug),
    ]
    pages += [Page("code", urls.code_path(protocol, c), "code.html", slug, (c.code,)) for c in protocol.codes]
    pages += [Page("pair", urls.pair_path(protocol, a, b), "pair.html", slug, (a.code, b.code))
              for a, b in protocol.pairs()]
    for code in protocol.enhanced:
        pages.append(Page("enhanced", urls.enhanced_path(protocol, code), "enhanced.html", slug, (code.key,)))
        pages += [Page("enhanced_class", urls.enhanced_class_path(protocol, code, digit), "redirect.html",
                       slug, (code.key, digit)) for digit in (2, 4, 5)]
    return pages
