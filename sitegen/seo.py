"""What search engines and link previews read: sitemap.xml, robots.txt and page metadata helpers.

The sitemap lists every page in every locale with its hreflang alternates; it needs the
absolute site URL (``--site-url``), since a sitemap may only hold absolute URLs. The
template helpers turn data into a safe JSON-LD block and a locale into an Open Graph locale.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.core import get_global
from markupsafe import Markup, escape

from .output import write_file

if TYPE_CHECKING:
    import jinja2

    from .locales import SiteLocale
    from .render import Site

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
# Pages that are not content of their own: the class forms of enhanced codes only lead to
# the code's page, and the 404 page is shown for missing addresses.
NOT_LISTED = frozenset({"enhanced_class", "not_found"})
# The sitemap protocol's limits for one file.
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
XMLNS = ('xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
         'xmlns:xhtml="http://www.w3.org/1999/xhtml"')
TAGS = re.compile(r"<[^>]*>")
SPACES = re.compile(r"[ \t\r\n\f]+")
# Characters that must not appear literally inside a <script> element's JSON.
SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def write_seo_files(site: "Site", root: Path, built: Path) -> int:
    """Post-build step: robots.txt and, when the site URL is known, the sitemap; returns the file count."""
    if not site.urls.site_url:
        write_file(root, ROBOTS, robots_txt(None))
        return 1
    names = write_sitemaps(site, root)
    write_file(root, ROBOTS, robots_txt(site.urls.site_url + "/" + SITEMAP))
    return len(names) + 1


def robots_txt(sitemap_url: str | None) -> bytes:
    """Allow every crawler everywhere and name the sitemap."""
    lines = ["User-agent: *", "Allow: /"]
    if sitemap_url:
        lines += ["", f"Sitemap: {sitemap_url}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def listed_pages(site: "Site") -> list:
    """The pages the sitemap lists, in plan order."""
    return [page for page in site.pages if page.kind not in NOT_LISTED]


def iter_url_entries(site: "Site", locale: "SiteLocale", pages: list):
    """The sitemap ``<url>`` entries of one locale's pages, each with every alternate, one at a time,
    so that a large site's sitemap never sits in memory whole."""
    source = site.locales[0]
    lastmod = site.build_date.isoformat()
    for page in pages:
        links = [SITEMAP_ALTERNATE.format(other.tag, html.escape(site.urls.absolute(other, page.path)))
                 for other in site.locales]
        links.append(SITEMAP_ALTERNATE.format("x-default", html.escape(site.urls.absolute(source, page.path))))
        yield (f"<url><loc>{html.escape(site.urls.absolute(locale, page.path))}</loc>"
               f"<lastmod>{lastmod}</lastmod>{''.join(links)}</url>")


SITEMAP_ALTERNATE = '<xhtml:link rel="alternate" hreflang="{}" href="{}"/>'
URLSET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {XMLNS}>\n'
URLSET_TAIL = "\n</urlset>\n"


def write_urlset(path: Path, entries) -> int:
    """Write a sitemap file entry by entry (to a new file renamed into place); returns its size."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    size = 0
    with open(temporary, "wb") as handle:
        for index, entry in enumerate(entries):
            data = (("\n" if index else URLSET_HEAD) + entry).encode("utf-8")
            handle.write(data)
            size += len(data)
        if not size:
            data = URLSET_HEAD.encode("utf-8")
            handle.write(data)
            size += len(data)
        data = URLSET_TAIL.encode("utf-8")
        handle.write(data)
        size += len(data)
    os.replace(temporary, path)
    return size


def sitemap_index(site: "Site", names: list[str]) -> bytes:
    """The sitemap index that lists one sitemap per locale."""
    lastmod = site.build_date.isoformat()
    index = "\n".join(f"<sitemap><loc>{html.escape(site.urls.site_url + '/' + name)}</loc>"
                      f"<lastmod>{lastmod}</lastmod></sitemap>" for name in names)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{index}\n'
            '</sitemapindex>\n').encode("utf-8")


def write_sitemaps(site: "Site", root: Path) -> list[str]:
    """Write ``sitemap.xml`` with every page, streaming; past the protocol's limits, an index of
    one sitemap per locale instead. Returns the names written."""
    pages = listed_pages(site)
    if len(pages) * len(site.locales) <= MAX_URLS:
        entries = (entry for locale in site.locales for entry in iter_url_entries(site, locale, pages))
        if write_urlset(root / SITEMAP, entries) <= MAX_BYTES:
            return [SITEMAP]
        (root / SITEMAP).unlink()
    names = []
    for locale in site.locales:
        name = f"sitemap-{locale.tag.lower()}.xml"
        write_urlset(root / name, iter_url_entries(site, locale, pages))
        names.append(name)
    write_file(root, SITEMAP, sitemap_index(site, names))
    return [*names, SITEMAP]


def text_of(markup: Markup) -> str:
    """The text of markup: tags removed, HTML white space collapsed, character references decoded.

    Unlike ``Markup.striptags`` it keeps no-break spaces, as in French ``SMTP 500 : …``.
    """
    text = SPACES.sub(" ", TAGS.sub("", str(markup)) if "<" in markup else str(markup)).strip()
    return html.unescape(text) if "&" in text else text


def plain(value: object) -> str:
    """Template text as JSON text: markup becomes its text."""
    if isinstance(value, Markup):
        return text_of(value)
    if hasattr(value, "plain"):
        return plain(value.plain)
    return str(value)


def json_ld(data: object) -> Markup:
    """A ``<script type="application/ld+json">`` block of JSON data whose content cannot end the element early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, replacement in SCRIPT_ESCAPES.items():
        text = text.replace(char, replacement)
    return Markup(f'<script type="application/ld+json">{text}</script>')


def alternate_links(alternates: list) -> Markup:
    """A page's ``<link rel="alternate">`` elements: one per locale (``(locale, href, absolute)``
    as the page context has them), then ``x-default``, the source locale's page."""
    links = [ALTERNATE.format(escape(other.tag), escape(absolute)) for other, _, absolute in alternates]
    links.append(ALTERNATE.format("x-default", escape(alternates[0][2])))
    return Markup("\n".join(links))


ALTERNATE = '<link rel="alternate" hreflang="{}" href="{}">'
# Pages that are articles to link previews and schema.org; the others are parts of the website.
ARTICLE_KINDS = frozenset({"code", "enhanced", "pair"})


def structured_data(kind: str, site_name: str, language: str, crumbs: list, title: str, description: str,
                    url: str, date) -> Markup:
    """A page's schema.org JSON-LD: the site (searchable, on the home page), the article on an
    article page, and the breadcrumbs ``(name, absolute URL)`` from the home page to this page."""
    home = crumbs[0][1]
    site_name, title, description = plain(site_name), plain(title), plain(description)
    website = {"@type": "WebSite", "name": site_name, "url": home, "inLanguage": language}
    graph = []
    if kind == "home":
        search = {"@type": "SearchAction",
                  "target": {"@type": "EntryPoint", "urlTemplate": home + "?q={search_term_string}"},
                  "query-input": "required name=search_term_string"}
        graph.append(dict(website, potentialAction=search))
    if kind in ARTICLE_KINDS:
        graph.append({"@type": "TechArticle", "headline": title, "description": description, "url": url,
                      "mainEntityOfPage": url, "inLanguage": language, "dateModified": date.isoformat(),
                      "isPartOf": website})
    if len(crumbs) > 1:
        graph.append({"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": position, "name": plain(name), "item": item}
            for position, (name, item) in enumerate(crumbs, 1)]})
    return json_ld({"@context": "https://schema.org", "@graph": graph})


def og_locale(locale: "SiteLocale") -> str:
    """The Open Graph form of a locale, language_TERRITORY: ``en_US``, ``tr_TR``, ``pt_BR``."""
    return og_locale_of(locale.identifier)


@functools.lru_cache(maxsize=None)
def og_locale_of(identifier: str) -> str:
    """``og_locale`` for a Babel locale identifier (computed once per locale)."""
    parsed = Locale.parse(identifier)
    if not parsed.territory:
        likely = get_global("likely_subtags").get(parsed.language)
        if likely:
            parsed = Locale.parse(likely)
    return f"{parsed.language}_{parsed.territory}" if parsed.territory else parsed.language


def install_template_helpers(env: "jinja2.Environment") -> None:
    """Make the metadata helpers available to every template."""
    env.globals.update(alternate_links=alternate_links, structured_data=structured_data, og_locale=og_locale,
                       ARTICLE_KINDS=ARTICLE_KINDS)
