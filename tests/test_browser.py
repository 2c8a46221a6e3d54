"""The site in a real browser (Debian's Chromium through Playwright): language switcher, theme,
right-to-left layout, the 404 page, accessibility (axe-core) and no request leaving the site.

Every test that uses ``browser_page`` also checks, when it ends, that no request left
127.0.0.1, that the Content-Security-Policy blocked nothing and that no script threw.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

from browser_support import (LOCALES, Traffic, open_context, page_paths, require, serve)
from conftest import PROJECT
from sitegen.locales import SiteLocale

AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
OTHER_LOCALES = [locale for locale in LOCALES if not locale.is_source]


def catalog_text(locale: SiteLocale, message: str, project_locales=PROJECT / "locales") -> str:
    """What ``message`` reads as in ``locale``, from its catalog (English when untranslated)."""
    path = project_locales / f"{locale.identifier}.po"
    if locale.is_source or not path.exists():
        return message
    with open(path, "rb") as handle:
        entry = read_po(handle, locale=locale.identifier).get(message)
    return entry.string if entry is not None and entry.string and not entry.fuzzy else message


def visible_h1(page) -> str:
    return page.locator("h1:visible").first.inner_text().strip()


# ---------- language switcher ----------

@pytest.mark.parametrize("kind", ["home", "code", "pair", "enhanced", "protocol"])
def test_language_switcher_keeps_the_page(browser_page, translated, kind):
    site, other = translated
    path = page_paths()[kind]
    with serve(site) as url:
        browser_page.goto(url + path)
        browser_page.click(".language-switcher summary")
        browser_page.click(f".language-switcher a[hreflang='{other.tag}']")
        browser_page.wait_for_url(url + other.prefix + path)
        assert browser_page.evaluate("document.documentElement.lang") == other.tag
        # and back to English, from the other language's page
        browser_page.click(".language-switcher summary")
        browser_page.click(".language-switcher a[hreflang='en']")
        browser_page.wait_for_url(url + path)
        assert browser_page.evaluate("document.documentElement.lang") == "en"


def test_language_switcher_stays_under_the_base_path(browser_page, served_repo):
    require(bool(OTHER_LOCALES), "the site ships no language but English yet")
    other = OTHER_LOCALES[0]
    path = page_paths()["code"]
    browser_page.goto(served_repo + path)
    browser_page.click(".language-switcher summary")
    browser_page.click(f".language-switcher a[hreflang='{other.tag}']")
    browser_page.wait_for_url(served_repo + other.prefix + path)
    assert urlsplit(browser_page.url).path.startswith("/repo/")


# ---------- theme ----------

THEME = """() => ({theme: document.documentElement.getAttribute('data-theme'),
                  background: getComputedStyle(document.body).backgroundColor})"""


def test_theme_toggle_persists_across_pages(browser_page, served):
    paths = page_paths()
    browser_page.goto(served + paths["code"])
    before = browser_page.evaluate(THEME)
    browser_page.click(".theme-toggle")
    after = browser_page.evaluate(THEME)
    assert after["background"] != before["background"], "the toggle did not change the page's colours"
    browser_page.click(f".breadcrumbs a[href='/{paths['protocol']}']")
    browser_page.wait_for_url(served + paths["protocol"])
    assert browser_page.evaluate(THEME) == after
    browser_page.goto(served + paths["enhanced"])
    assert browser_page.evaluate(THEME) == after
    # toggling again goes back to the system's theme, everywhere
    browser_page.click(".theme-toggle")
    browser_page.goto(served + paths["pair"])
    assert browser_page.evaluate(THEME)["background"] == before["background"]


def test_theme_follows_the_system_until_chosen(browser, served, traffic):
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = open_context(browser, traffic, color_scheme=scheme)
        page = context.new_page()
        page.goto(served + page_paths()["code"])
        backgrounds[scheme] = page.evaluate(THEME)["background"]
        context.close()
    assert backgrounds["light"] != backgrounds["dark"]
    assert not traffic.outside() and not traffic.errors


# ---------- right to left ----------

LAYOUT = """() => {
  const items = [...document.querySelectorAll('.breadcrumbs li')].map(li => li.getBoundingClientRect());
  const brand = document.querySelector('.brand').getBoundingClientRect();
  const tools = document.querySelector('.header-tools').getBoundingClientRect();
  return {direction: getComputedStyle(document.documentElement).direction,
          crumbs: items.map(r => r.left), brand: brand.left, tools: tools.left};
}"""


def test_arabic_page_is_laid_out_right_to_left(browser_page, arabic_site):
    path = page_paths()["code"]
    with serve(arabic_site) as url:
        browser_page.goto(url + path)
        english = browser_page.evaluate(LAYOUT)
        browser_page.goto(url + "ar/" + path)
        assert browser_page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        arabic = browser_page.evaluate(LAYOUT)
    assert english["direction"] == "ltr" and arabic["direction"] == "rtl"
    # breadcrumbs run from right to left: "home" is the rightmost item
    assert english["crumbs"] == sorted(english["crumbs"])
    assert arabic["crumbs"] == sorted(arabic["crumbs"], reverse=True)
    # the header is mirrored: the brand on the right, the tools on the left
    assert english["brand"] < english["tools"]
    assert arabic["brand"] > arabic["tools"]


# ---------- the header in every language ----------

HEADER = """() => {
  const links = [...document.querySelectorAll('.main-nav a')].map(a => {
    const box = a.getBoundingClientRect(), style = getComputedStyle(a);
    return {top: Math.round(box.top), lines: Math.round((box.height - parseFloat(style.paddingTop)
            - parseFloat(style.paddingBottom)) / parseFloat(style.lineHeight))};
  });
  return {links, overflow: document.documentElement.scrollWidth - window.innerWidth};
}"""


@pytest.mark.parametrize("width", [1280, 375])
def test_header_fits_in_every_language(browser, served, traffic, width):
    context = open_context(browser, traffic, viewport={"width": width, "height": 800})
    page = context.new_page()
    for locale in LOCALES:
        page.goto(served + locale.prefix + page_paths()["pair"])
        header = page.evaluate(HEADER)
        assert header["overflow"] <= 0, f"{locale.tag}: the page is wider than the screen"
        assert all(link["lines"] == 1 for link in header["links"]), f"{locale.tag}: a menu item wraps: {header}"
        if width >= 1024:  # on a desktop, the menu is one row in every language
            assert len({link["top"] for link in header["links"]}) == 1, f"{locale.tag}: {header}"
    context.close()


# ---------- 404 ----------

def not_found_cases():
    cases = [("/", None), ("/repo/", None)]
    cases += [(base, locale) for locale in OTHER_LOCALES for base in ("/", "/repo/")]
    return cases


@pytest.mark.parametrize("base, locale", not_found_cases(),
                         ids=lambda value: value.identifier if isinstance(value, SiteLocale) else value)
def test_404_at_any_depth_in_the_readers_language(browser_page, served, served_repo, base, locale):
    locale = locale or LOCALES[0]
    url = served if base == "/" else served_repo
    response = browser_page.goto(url + locale.prefix + page_paths()["not_found"])
    assert response.status == 404
    assert browser_page.evaluate("document.documentElement.lang") == locale.tag
    assert visible_h1(browser_page) == catalog_text(locale, "Page not found")
    home = browser_page.locator("main a:visible").filter(has_text=catalog_text(locale, "Go to the home page")).first
    assert home.get_attribute("href") == base + locale.prefix
    # the search on the page searches the reader's language
    field = browser_page.locator("main [data-search-input]:visible")
    field.fill(page_paths()["code"].strip("/").split("/")[-1])
    results = browser_page.locator("main [data-search-results]:visible")
    results.locator("li a").first.wait_for()
    links = results.locator("li a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert links and all(link.startswith(base + locale.prefix) for link in links), links
    if locale.is_source:
        assert not any(link.startswith(base + other.prefix) for other in OTHER_LOCALES for link in links)
    home.click()
    browser_page.wait_for_url(url + locale.prefix)


def test_arabic_404_is_right_to_left(browser_page, arabic_site):
    with serve(arabic_site) as url:
        browser_page.goto(url + "ar/" + page_paths()["not_found"])
        assert browser_page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        assert browser_page.evaluate("getComputedStyle(document.querySelector('main h1:not([hidden] *)')).direction") == "rtl"


# ---------- accessibility ----------

def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations on the page, described for a failure message."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("kind", list(page_paths()))
def test_no_serious_accessibility_violations(browser, served, traffic, kind):
    require(AXE.exists(), "axe-core is not installed: npm install (./scripts/test does it)")
    found = {}
    for scheme in ("light", "dark"):
        # axe is injected as an inline script, which the page's own policy rightly refuses.
        context = open_context(browser, traffic, bypass_csp=True, color_scheme=scheme,
                               viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(served + page_paths()[kind])
        found[scheme] = axe_violations(page)
        context.close()
    assert found == {"light": [], "dark": []}
    assert not traffic.outside()


@pytest.mark.parametrize("kind", ["home", "code", "pair", "not_found"])
def test_no_serious_accessibility_violations_in_other_languages(browser, arabic_site, traffic, kind):
    require(AXE.exists(), "axe-core is not installed: npm install (./scripts/test does it)")
    context = open_context(browser, traffic, bypass_csp=True, viewport={"width": 375, "height": 800})
    page = context.new_page()
    with serve(arabic_site) as url:
        page.goto(url + "ar/" + page_paths()[kind])
        violations = axe_violations(page)
    context.close()
    assert violations == []


def test_search_results_are_accessible(browser, served, traffic):
    require(AXE.exists(), "axe-core is not installed: npm install (./scripts/test does it)")
    context = open_context(browser, traffic, bypass_csp=True)
    page = context.new_page()
    page.goto(served)
    page.locator("main [data-search-input]").fill("mailbox")
    page.locator("main [data-search-results] li a").first.wait_for()
    violations = axe_violations(page)
    context.close()
    assert violations == []


# ---------- nothing leaves the site ----------

@pytest.mark.parametrize("base", ["/", "/repo/"])
def test_no_request_leaves_the_site(browser, served, served_repo, base):
    traffic = Traffic()
    context = open_context(browser, traffic)
    page = context.new_page()
    url = served if base == "/" else served_repo
    for kind, path in page_paths().items():
        page.goto(url + path)
    page.goto(url)
    page.locator("main [data-search-input]").fill("mailbox")
    page.locator("main [data-search-results] li a").first.wait_for()
    context.close()
    assert traffic.requests, "the browser recorded no request at all"
    assert not traffic.outside(), traffic.outside()
    assert not traffic.policy_violations(), traffic.policy_violations()
    assert not traffic.errors, traffic.errors
    paths = [urlsplit(request).path for request in traffic.requests]
    assert any("/pagefind/" in path for path in paths), "the search did not load its index"
    assert all(path.startswith(base) for path in paths), [p for p in paths if not p.startswith(base)]
