"""The reply decoder page in a real browser (Debian's Chromium through Playwright).

Pastes corpus items and checks what the page shows, that hostile input stays text, that nothing
but the page's own files is requested, that the page works under a sub-path and in another
language, and that static/decoder.js gives exactly what sitegen/decoder.py gives on the whole
shared corpus. Tests using ``browser_page`` also check, when they end, that no request left
127.0.0.1, that the Content-Security-Policy blocked nothing and that no script threw.
"""

from __future__ import annotations

import json
from urllib.error import HTTPError
from urllib.parse import quote, urlsplit
from urllib.request import urlopen

import pytest

from browser_support import Traffic, open_context, require, serve
from conftest import PROJECT
from decoder_corpus import HOSTILE, NEGATIVE, POSITIVE, every_item, expected, text_of
from sitegen import urls as paths
from sitegen.decoder import Vocabulary, decode

INPUT = "[data-decoder-input]"
CARDS = ".decoder-finding"
FORMS = ("provider reply", "multi-line reply", "postfix log", "exim bounce", "sendmail bounce", "exchange report",
         "dsn", "session transcript")
SHOWN = [next(item for item in POSITIVE if item["form"] == form) for form in FORMS]
MARKUP = [
    "<script>window.__pwned = 1</script>550 5.1.1 user unknown",
    "\"><img src=x onerror=\"window.__pwned=1\">550 5.1.1 <b>user</b> unknown",
    "said: 550 <svg onload=\"window.__pwned=1\"></svg>",
    "Status: 5.1.1 <iframe srcdoc=\"<script>parent.__pwned=1</script>\"></iframe>",
] + [text_of(item) for item in HOSTILE if "<" in text_of(item)]


def open_decoder(page, url: str, query: str = "") -> None:
    """Open the decoder page and wait until its data has loaded."""
    page.goto(url + paths.decoder_path() + query)
    page.wait_for_selector(".decoder.decoder-ready", state="attached")


def paste(page, text: str) -> None:
    page.fill(INPUT, text)
    page.click(".decoder-actions button[type=submit]")


def shown_codes(page) -> list[str]:
    return page.locator(f"{CARDS} h3 .code-number").all_inner_texts()


def resolves(origin: str, href: str) -> bool:
    try:
        with urlopen(origin + href.split("#")[0], timeout=10) as response:
            return response.status == 200
    except HTTPError:
        return False


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def vocabulary_of_site(site, locale_path: str = "decoder/en.json") -> Vocabulary:
    data = json.loads((site / locale_path).read_text(encoding="utf-8"))
    return Vocabulary(frozenset(data["reply"]), frozenset(data["enhanced"]))


@pytest.mark.parametrize("item", SHOWN, ids=[item["id"] for item in SHOWN])
def test_pasted_text_shows_every_code_with_meaning_next_step_and_a_working_link(browser_page, served, item):
    page = browser_page
    open_decoder(page, served)
    paste(page, item["text"])
    assert shown_codes(page) == item["codes"]
    assert page.locator("[data-decoder-none]").is_hidden()
    for index, code in enumerate(item["codes"]):
        card = page.locator(CARDS).nth(index)
        assert card.locator(".decoder-summary").inner_text().strip()
        kind = card.get_attribute("class").split("kind-")[1]
        assert card.locator(f".badge.kind-{kind}").inner_text().strip()
        assert card.locator(".decoder-step").inner_text().strip()
        assert card.locator(".decoder-advice").inner_text().strip()
        href = card.locator(".decoder-more a").get_attribute("href")
        assert href.startswith("/smtp/"), href
        assert resolves(origin_of(served), href), href
        if "." in code:
            assert href.endswith(f"#class-{code[0]}") and card.locator(".decoder-meaning").inner_text().strip()
    status = page.locator("[data-decoder-status]").inner_text()
    assert all(code in status for code in item["codes"])


def test_decodes_as_you_type(browser_page, served):
    page = browser_page
    open_decoder(page, served)
    page.locator(INPUT).press_sequentially("host mx said: 452 4.2.2 Mailbox full")
    page.locator(CARDS).nth(1).wait_for()
    assert shown_codes(page) == ["452", "4.2.2"]


def test_text_without_a_code_says_so(browser_page, served):
    page = browser_page
    open_decoder(page, served)
    for item in NEGATIVE[:6]:
        paste(page, item["text"])
        assert shown_codes(page) == []
        assert page.locator("[data-decoder-none]").is_visible()
    page.click("[data-decoder-clear]")
    assert page.locator("[data-decoder-none]").is_hidden() and page.input_value(INPUT) == ""


def test_hostile_markup_is_shown_as_text_and_never_runs(browser_page, served):
    page = browser_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_decoder(page, served)
    before = page.evaluate("document.querySelectorAll('img, svg, iframe, script').length")
    for text in MARKUP:
        paste(page, text)
        assert page.input_value(INPUT) == text.replace("\r\n", "\n").replace("\r", "\n")
        assert page.evaluate("document.querySelectorAll('img, svg, iframe, script').length") == before
        assert page.evaluate("window.__pwned") is None
        assert page.locator(".decoder-output b, .decoder-output img").count() == 0
    assert dialogs == []


def test_half_a_megabyte_is_cut_and_decoded(browser_page, served):
    page = browser_page
    open_decoder(page, served)
    item = next(item for item in HOSTILE if len(text_of(item)) >= 500_000 and item["codes"])
    codes = page.evaluate("""([repeat, times]) =>
        window.SmtpDecoder.parse(repeat.repeat(times)).findings.map(f => f.code)""", [item["repeat"], item["times"]])
    assert codes == item["codes"]
    page.evaluate("([repeat, times]) => { document.querySelector('[data-decoder-input]').value = repeat.repeat(times); }",
                  [item["repeat"], item["times"]])
    page.click(".decoder-actions button[type=submit]")
    assert shown_codes(page) == item["codes"]
    assert page.locator("[data-decoder-truncated]").is_visible()


def test_nothing_but_the_page_and_its_two_data_files_is_requested(browser, served):
    traffic = Traffic()
    context = open_context(browser, traffic)
    try:
        page = context.new_page()
        open_decoder(page, served)
        origin = origin_of(served)
        assert all(url.startswith(origin + "/") for url in traffic.requests), traffic.requests
        data = sorted(urlsplit(url).path for url in traffic.requests if urlsplit(url).path.endswith(".json"))
        assert data == sorted(["/" + paths.decoder_grammar_path(), "/decoder/en.json"])
        loaded = len(traffic.requests)
        for item in SHOWN:
            paste(page, item["text"])
        for button in page.locator("[data-example]").all():
            button.click()
        page.locator(INPUT).press_sequentially("550 5.1.1")
        page.wait_for_timeout(400)
        assert traffic.requests[loaded:] == [], "decoding made requests"
        assert traffic.errors == [] and traffic.policy_violations() == []
    finally:
        context.close()


def test_browser_and_python_parsers_agree_on_the_whole_corpus(browser_page, served, site):
    page = browser_page
    open_decoder(page, served)
    items = every_item()
    vocabulary = vocabulary_of_site(site)
    in_browser = page.evaluate("""items => items.map(item => {
        const text = 'text' in item ? item.text : (item.prefix || '') + item.repeat.repeat(item.times) + (item.suffix || '');
        return window.SmtpDecoder.parse(text);
    })""", items)
    for item, result in zip(items, in_browser):
        python = decode(text_of(item), vocabulary)
        assert result["findings"] == [finding.as_dict() for finding in python.findings], item["id"]
        assert result["truncated"] == python.truncated, item["id"]
        assert [finding["code"] for finding in result["findings"]] == expected(item), item["id"]


def test_works_under_a_sub_path(browser_page, served_repo):
    page = browser_page
    open_decoder(page, served_repo)
    item = next(item for item in POSITIVE if item["form"] == "dsn")
    paste(page, item["text"])
    assert shown_codes(page) == item["codes"]
    for href in page.locator(f"{CARDS} .decoder-more a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("/repo/smtp/"), href
        assert resolves(origin_of(served_repo), href), href


def test_query_prefills_the_text(browser_page, served):
    page = browser_page
    open_decoder(page, served, "?q=" + quote("said: 550 5.1.1 user unknown"))
    assert page.input_value(INPUT) == "said: 550 5.1.1 user unknown"
    assert shown_codes(page) == ["550", "5.1.1"]


def test_every_example_button_decodes(browser_page, served):
    page = browser_page
    open_decoder(page, served)
    buttons = page.locator("[data-example]")
    assert buttons.count() >= 5
    for index in range(buttons.count()):
        buttons.nth(index).click()
        assert page.input_value(INPUT) == buttons.nth(index).get_attribute("data-example")
        assert shown_codes(page), buttons.nth(index).inner_text()


def test_results_are_in_the_pages_language(browser_page, translated):
    site, locale = translated
    data = json.loads((site / paths.decoder_data_path(locale)).read_text(encoding="utf-8"))
    translated_first = sorted(data["reply"], key=lambda key: "title" in data["reply"][key].get("en", []))
    code = translated_first[0]  # a code whose title is translated, when there is one
    page = browser_page
    with serve(site) as url:
        page.goto(url + locale.prefix + paths.decoder_path())
        page.wait_for_selector(".decoder.decoder-ready", state="attached")
        assert page.evaluate("document.documentElement.lang") == locale.tag
        paste(page, f"said: {code} rejected")
        card = page.locator(CARDS).first
        assert card.locator(".decoder-title").inner_text() == data["reply"][code]["title"]
        assert card.locator(".decoder-more a").get_attribute("href") == data["reply"][code]["url"]
        root = page.locator("[data-decoder]")
        kind = data["reply"][code]["kind"]
        assert card.locator(".badge").first.inner_text() == root.get_attribute(f"data-kind-{kind}")
        fallback = "title" in data["reply"][code].get("en", [])
        assert (card.locator(".decoder-title").get_attribute("lang") == "en") == fallback


def test_results_are_accessible_in_light_and_dark(browser, served, traffic):
    axe = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
    require(axe.exists(), "axe-core is not installed: npm install (./scripts/test does it)")
    item = next(item for item in POSITIVE if item["form"] == "session transcript")
    found = {}
    for scheme in ("light", "dark"):
        # axe is injected as an inline script, which the page's own policy rightly refuses.
        context = open_context(browser, traffic, bypass_csp=True, color_scheme=scheme)
        page = context.new_page()
        open_decoder(page, served)
        paste(page, item["text"])
        assert shown_codes(page) == item["codes"]
        page.add_script_tag(path=str(axe))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found[scheme] = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                         for v in result["violations"] if v["impact"] in ("serious", "critical")]
        paste(page, NEGATIVE[0]["text"])
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found[scheme] += [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        context.close()
    assert found == {"light": [], "dark": []}
