"""Search: the Pagefind index the build writes (one per language, only content pages) and what
readers find with it in a real browser, in English and in another language, at / and under /repo/."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from markupsafe import Markup

from browser_support import LOCALES, protocol, serve
from conftest import PROJECT
from sitegen import urls
from sitegen.catalogs import load_catalog
from sitegen.search import BUNDLE, ENTRY, UNUSED_FILES, find_language, gettext_for

BODY = re.compile(r"<[a-z]+[^>]*\sdata-pagefind-body[\s>]")
SEARCHES = ("5.1.1", "550", "relay", "mailbox full")
SHOWN = 8


def entry(site: Path) -> dict:
    return json.loads((site / BUNDLE / ENTRY).read_text(encoding="utf-8"))


def fragments(site: Path) -> list[dict]:
    """Every page record of the index (Pagefind stores them gzipped, after a signature)."""
    records = []
    for path in sorted((site / BUNDLE / "fragment").iterdir()):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        records.append(json.loads(data[len(b"pagefind_dcd"):]))
    return records


def locale_of(site: Path, page: Path):
    """The locale a built page belongs to, from its folder."""
    relative = page.relative_to(site).as_posix()
    return next((l for l in LOCALES if l.prefix and relative.startswith(l.prefix)), LOCALES[0])


def searchable_pages(site: Path) -> dict[str, set[str]]:
    """Per locale tag, the URL of every built page that marks a region for the index."""
    pages: dict[str, set[str]] = {locale.tag: set() for locale in LOCALES}
    for path in site.rglob("*.html"):
        if path.parts[len(site.parts)] in (BUNDLE, "static"):
            continue
        if BODY.search(path.read_text(encoding="utf-8")):
            relative = path.relative_to(site).as_posix()
            url = "/" + (relative[:-len("index.html")] if relative.endswith("index.html") else relative)
            pages[locale_of(site, path).tag].add(url)
    return pages


# ---------- the index ----------

@pytest.mark.parametrize("which", ["site", "repo_site"])
def test_one_index_per_language_with_exactly_the_content_pages(request, which):
    site = request.getfixturevalue(which)
    languages = entry(site)["languages"]
    expected = searchable_pages(site)
    assert len(languages) == len(LOCALES)
    for locale in LOCALES:
        index = find_language(languages, locale.tag)
        assert index is not None, f"no search index for {locale.tag}"
        assert index["page_count"] == len(expected[locale.tag]), locale.tag
    by_locale: dict[str, set[str]] = {tag: set() for tag in expected}
    for record in fragments(site):
        page = site / (record["url"].lstrip("/") + ("index.html" if record["url"].endswith("/") else ""))
        assert page.is_file(), f"the index points to a missing page: {record['url']}"
        by_locale[locale_of(site, page).tag].add(record["url"])
    assert by_locale == expected


def test_index_leaves_out_redirects_404_and_tool_pages(site):
    indexed = {record["url"] for record in fragments(site)}
    smtp = protocol()
    code = smtp.enhanced[0]
    for locale in LOCALES:
        for path in ("404.html", urls.enhanced_class_path(smtp, code, 5), urls.decoder_path(), urls.coverage_path(),
                     urls.home_path()):
            assert "/" + locale.prefix + path not in indexed


def test_code_pages_are_indexed_with_their_title(site):
    records = {record["url"]: record for record in fragments(site)}
    smtp = protocol()
    for code in smtp.codes:
        record = records["/" + urls.code_path(smtp, code)]
        assert str(code.code) in record["meta"]["title"] and code.title in record["meta"]["title"]
    for code in smtp.enhanced:
        record = records["/" + urls.enhanced_path(smtp, code)]
        assert all(code.in_class(digit) in record["content"] for digit in (2, 4, 5)), code.code


def test_pair_pages_index_only_what_is_their_own(site):
    """Pair pages repeat both codes' texts; only their heading, lead and note are indexed, so
    a code's own page ranks first and the index stays small."""
    smtp = protocol()
    records = {record["url"]: record for record in fragments(site)}
    for (first, second), note in sorted(smtp.notes.items())[:5]:
        a, b = smtp.code(first), smtp.code(second)
        record = records["/" + urls.pair_path(smtp, a, b)]
        assert a.summary not in record["content"] and b.summary not in record["content"]


def test_only_the_search_bundle_the_site_uses_is_published(site):
    bundle = site / BUNDLE
    assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-worker.js").is_file()
    for name in UNUSED_FILES:
        assert not (bundle / name).exists(), name
    assert not (bundle / "playground").exists()


def test_search_script_makes_no_external_request():
    script = (PROJECT / "static" / "search.js").read_text(encoding="utf-8")
    assert not re.search(r"https?://", script)
    assert 'import(base + "pagefind/pagefind.js")' in script


def test_gettext_for_translates_escapes_and_fills_placeholders(tmp_path):
    po = tmp_path / "de.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Page not found"\nmsgstr "Seite & Inhalt nicht gefunden"\n\n'
                  'msgid "No page matches “%(query)s”."\nmsgstr "Keine Seite passt zu „%(query)s“."\n',
                  encoding="utf-8")
    gettext = gettext_for(load_catalog(po))
    assert gettext("Page not found") == Markup("Seite &amp; Inhalt nicht gefunden")
    assert gettext("No page matches “%(query)s”.", query="<b>") == "Keine Seite passt zu „&lt;b&gt;“."
    assert gettext("Untranslated") == "Untranslated"


# ---------- searching in a browser ----------

def search(page, query: str) -> list[str]:
    """Type ``query`` into the page's main search field; the result links, best first."""
    field = page.locator("main [data-search-input]:visible").first
    field.fill(query)
    results = page.locator("main [data-search-results]:visible").first
    page.wait_for_function("([element, query]) => element.getAttribute('data-query') === query",
                           arg=[results.element_handle(), query])
    return results.locator("li a").evaluate_all("links => links.map(link => link.getAttribute('href'))")


def page_text(site: Path, href: str, base: str) -> str:
    """The text of the built page a result links to."""
    path = href.split("#")[0][len(base):]
    file = site / (path + "index.html" if path.endswith("/") or not path else path)
    assert file.is_file(), href
    return re.sub(r"<[^>]+>", " ", file.read_text(encoding="utf-8")).lower()


def expectations(query: str) -> dict:
    """What the content says a search for ``query`` must find."""
    smtp = protocol()
    words = query.lower().split()
    if re.fullmatch(r"\d{3}", query):
        code = smtp.code(int(query))
        return {"first": ["/" + urls.code_path(smtp, code)]}
    match = re.fullmatch(r"([245])\.(\d+)\.(\d+)", query)
    if match:
        code = smtp.enhanced_code(f"X.{match[2]}.{match[3]}")
        return {"first": ["/" + urls.enhanced_path(smtp, code) + f"#class-{match[1]}"]}
    titled = [("/" + urls.code_path(smtp, c), c.title) for c in smtp.codes]
    titled += [("/" + urls.enhanced_path(smtp, e), e.title) for e in smtp.enhanced]
    exact = [href for href, title in titled if query.lower() in title.lower()]
    mentioning = [href for href, title in titled if all(word in title.lower() for word in words)]
    return {"first": exact, "shown": mentioning, "words": words}


@pytest.mark.parametrize("query", SEARCHES)
def test_search_finds_the_right_pages_in_english(browser_page, served, site, query):
    expected = expectations(query)
    browser_page.goto(served)
    found = search(browser_page, query)
    assert found, f"nothing found for {query!r}"
    assert all(not href.startswith(tuple("/" + l.prefix for l in LOCALES if l.prefix)) for href in found)
    if expected["first"]:
        assert found[0] in expected["first"], (query, found)
    for href in expected.get("shown", []):
        assert href in found, (query, href, found)
    for href in found[:5] if expected.get("words") else []:
        text = page_text(site, href, "/")
        assert all(word in text for word in expected["words"]), (query, href)
    browser_page.locator("main [data-search-results] li a").first.click()
    browser_page.wait_for_url(served + found[0].lstrip("/"))
    assert browser_page.locator("h1").first.is_visible()


def test_class_form_leads_to_its_section(browser_page, served):
    smtp = protocol()
    code = smtp.enhanced[0]
    browser_page.goto(served)
    found = search(browser_page, code.in_class(4))
    assert found[0] == "/" + urls.enhanced_path(smtp, code) + "#class-4"


def test_enter_opens_the_best_result_and_query_in_address_runs(browser_page, served):
    smtp = protocol()
    code = next(c for c in smtp.codes if c.reply_class == 5)
    browser_page.goto(served + f"?q={code.code}")
    results = browser_page.locator("main [data-search-results]")
    browser_page.wait_for_function("element => element.getAttribute('data-query')", arg=results.element_handle())
    assert browser_page.locator("main [data-search-input]").input_value() == str(code.code)
    browser_page.locator("main [data-search-input]").press("Enter")
    browser_page.wait_for_url(served + urls.code_path(smtp, code))


def test_nothing_found_says_so_and_enter_hands_the_text_to_the_decoder(browser_page, served):
    browser_page.goto(served)
    assert search(browser_page, "zzqxj") == []
    status = browser_page.locator("main [data-search-results] .search-status").inner_text()
    assert "zzqxj" in status
    browser_page.locator("main [data-search-input]").press("Enter")
    browser_page.wait_for_url(served + urls.decoder_path() + "?q=zzqxj")


def catalog_path(site: Path, locale) -> Path:
    """The catalog a site was built with: the project's, or that of the project copy it was built in."""
    own = PROJECT / "locales" / f"{locale.identifier}.po"
    return own if own.exists() else site.parent / "locales" / f"{locale.identifier}.po"


def translated_title(site_locale_pair) -> tuple[int, str] | None:
    """A code whose title the locale translates, and a word of the translation to search for."""
    site, locale = site_locale_pair
    smtp = protocol()
    po = catalog_path(site, locale)
    catalog = load_catalog(po) if po.exists() else None
    for code in sorted(smtp.codes, key=lambda c: c.code != 550):
        title = catalog.translated(code.title) if catalog else None
        if title:
            words = [w for w in re.findall(r"\w{4,}", title) if w.lower() not in code.title.lower()]
            if words:
                return code.code, max(words, key=len)
    return None


def test_search_in_another_language_finds_pages_in_that_language(browser_page, translated):
    site, locale = translated
    smtp = protocol()
    code = smtp.code(550) if any(c.code == 550 for c in smtp.codes) else smtp.codes[0]
    with serve(site) as url:
        browser_page.goto(url + locale.prefix)
        found = search(browser_page, str(code.code))
        assert found[0] == "/" + locale.prefix + urls.code_path(smtp, code)
        assert all(href.startswith("/" + locale.prefix) for href in found), found
        word = translated_title(translated)
        if word is None:
            pytest.fail(f"{locale.identifier}.po translates no code title: cannot search in {locale.english_name}")
        if word is not None:
            number, term = word
            found = search(browser_page, term)
            assert "/" + locale.prefix + urls.code_path(smtp, smtp.code(number)) in found, (term, found)
            assert all(href.startswith("/" + locale.prefix) for href in found), found


def test_search_under_a_sub_path(browser_page, served_repo):
    smtp = protocol()
    code = next(c for c in smtp.codes if c.reply_class == 5)
    browser_page.goto(served_repo)
    found = search(browser_page, str(code.code))
    assert found[0] == "/repo/" + urls.code_path(smtp, code)
    assert all(href.startswith("/repo/") for href in found)
    browser_page.locator("main [data-search-results] li a").first.click()
    browser_page.wait_for_url(served_repo + urls.code_path(smtp, code))
