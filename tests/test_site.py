"""End-to-end checks of the built site: every page, every locale, every alternate link."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path

import pytest

from conftest import PROJECT, SITE_URL, build_into
from sitegen.catalogs import discover_locales
from sitegen.content import load_content
from sitegen.locales import site_locale

PROTOCOLS = load_content(PROJECT / "content")
SMTP = PROTOCOLS[0]
LOCALES = [site_locale("en")] + [site_locale(p.stem) for p in discover_locales(PROJECT / "locales")]


class PageParser(HTMLParser):
    """Collects the parts of a page these tests look at."""

    def __init__(self):
        super().__init__()
        self.html_attrs: dict = {}
        self.links: list[dict] = []
        self.anchors: list[dict] = []
        self.headings: list[str] = []
        self._heading: list[str] | None = None
        self.switcher: list[dict] = []
        self._in_switcher = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_attrs = attrs
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "a":
            self.anchors.append(attrs)
            if self._in_switcher:
                self.switcher.append(attrs)
        elif tag in ("h1", "h2", "h3"):
            self._heading = []
        elif tag == "details" and "language-switcher" in attrs.get("class", ""):
            self._in_switcher = 1

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        elif tag == "details":
            self._in_switcher = 0

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def local_file(site: Path, href: str, base: str = "/") -> Path:
    """The file that serves a root-relative or absolute link to the site."""
    href = href.split("#")[0].replace(SITE_URL.rstrip("/"), "")
    assert href.startswith(base), href
    relative = href[len(base):]
    return site / (relative + "index.html" if relative.endswith("/") or not relative else relative)


@pytest.mark.parametrize("locale", LOCALES, ids=lambda l: l.identifier)
def test_every_code_and_pair_has_a_page(site, locale):
    root = site / locale.prefix
    for code in SMTP.codes:
        assert (root / f"smtp/{code.code}/index.html").is_file()
    for first, second in combinations(SMTP.codes, 2):
        assert (root / f"smtp/{first.code}-vs-{second.code}/index.html").is_file()
        assert not (root / f"smtp/{second.code}-vs-{first.code}").exists()
    for code in SMTP.enhanced:
        assert (root / f"smtp/{code.key}/index.html").is_file()
        for digit in (2, 4, 5):
            assert (root / f"smtp/{code.in_class(digit)}/index.html").is_file()
    for page in ("index.html", "smtp/index.html", "smtp/enhanced/index.html", "decode/index.html",
                 "translations/index.html", "404.html"):
        assert (root / page).is_file(), page


def sample_pages(site: Path, locale) -> list[Path]:
    """One page of every kind in a locale."""
    root = site / locale.prefix
    first, second = SMTP.codes[0], SMTP.codes[-1]
    return [root / "index.html", root / "smtp/index.html", root / f"smtp/{first.code}/index.html",
            root / f"smtp/{first.code}-vs-{second.code}/index.html", root / "smtp/enhanced/index.html",
            root / f"smtp/{SMTP.enhanced[0].key}/index.html", root / "decode/index.html",
            root / "translations/index.html"]


@pytest.mark.parametrize("locale", LOCALES, ids=lambda l: l.identifier)
def test_lang_dir_alternates_canonical_and_switcher(site, locale):
    for path in sample_pages(site, locale):
        page = parse(path)
        assert page.html_attrs["lang"] == locale.tag
        assert page.html_attrs["dir"] == locale.direction
        alternates = {l["hreflang"]: l["href"] for l in page.links if l.get("rel") == "alternate" and "hreflang" in l}
        assert set(alternates) == {l.tag for l in LOCALES} | {"x-default"}
        assert alternates["x-default"] == alternates["en"]
        canonical = [l["href"] for l in page.links if l.get("rel") == "canonical"]
        assert canonical == [alternates[locale.tag]]
        assert canonical[0].startswith(SITE_URL)
        for href in alternates.values():
            assert local_file(site, href).is_file(), href
        names = {a["hreflang"]: a for a in page.switcher}
        assert set(names) == {l.tag for l in LOCALES}
        for other in LOCALES:
            target = local_file(site, names[other.tag]["href"])
            assert target.is_file()
            assert target.relative_to(site / other.prefix) == path.relative_to(site / locale.prefix)


def test_switcher_names_each_language_in_its_own_script(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    for locale in LOCALES:
        pattern = f'hreflang="{locale.tag}" lang="{locale.tag}"[^>]*>{re.escape(locale.native_name)}</a>'
        assert re.search(pattern, page), locale.tag


TURKISH_HEADINGS = ["Açıklama", "Gördüğünüzde", "Nasıl Düzeltilir"]
TURKISH_PAIR_HEADINGS = TURKISH_HEADINGS + ["Temel Farklar", "Hangisini Ne Zaman Kullanmalı", "Daha Fazla Öğren"]


@pytest.mark.skipif(not (PROJECT / "locales/tr.po").exists(), reason="no Turkish catalog")
def test_turkish_pages_have_turkish_headings(site):
    code = parse(site / "tr/smtp/550/index.html").headings
    pair = parse(site / "tr/smtp/221-vs-251/index.html").headings
    for heading in TURKISH_HEADINGS:
        assert heading in code, code
    for heading in TURKISH_PAIR_HEADINGS:
        assert heading in pair, pair
    assert "Description" not in code and "Key differences" not in pair


@pytest.mark.skipif(not (PROJECT / "locales/tr.po").exists(), reason="no Turkish catalog")
def test_labels_from_imported_macros_follow_the_page_locale(site):
    from sitegen.catalogs import load_catalog
    turkish = load_catalog(PROJECT / "locales/tr.po")
    label = turkish.translated("Positive completion")
    assert label, "tr.po should translate the class names"
    for path in (site / "tr/smtp/221-vs-251/index.html", site / "tr/smtp/index.html"):
        html = path.read_text(encoding="utf-8")
        assert label in html and "Positive completion" not in html, path
    assert "Positive completion" in (site / "smtp/221-vs-251/index.html").read_text(encoding="utf-8")


def test_pair_page_sentences_name_both_codes(site):
    text = (site / "smtp/221-vs-251/index.html").read_text(encoding="utf-8")
    assert "221" in text and "251" in text
    assert "when after" not in text and "when when" not in text


def test_base_url_prefixes_every_link(repo_site):
    for path in repo_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for attribute, value in re.findall(r'\b(href|src|action|content)="(/[^"]*)"', html):
            assert value.startswith("/repo/"), f"{path}: {attribute}={value}"


def test_two_builds_are_identical(site, tmp_path):
    again = build_into(tmp_path / "again", "--site-url", SITE_URL, "--jobs", "1")
    first = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    for relative in first:
        assert (site / relative).read_bytes() == (again / relative).read_bytes(), relative
