"""Content translation per block, with English fallback marked as such."""

from __future__ import annotations

from sitegen.catalogs import LocaleCatalog
from sitegen.localize import LocalText, Localizer, needs_fallback_notice
from sitegen.locales import site_locale
from sitegen.text import MarkdownRenderer
from babel.support import NullTranslations


def localizer(identifier: str, messages: dict) -> Localizer:
    catalog = LocaleCatalog(locale=site_locale(identifier), translations=NullTranslations(), messages=messages)
    return Localizer(catalog, MarkdownRenderer(), {})


def test_translated_blocks_and_fallback_blocks():
    text = "First block.\n\nSecond block."
    result = localizer("tr", {"First block.": "İlk blok."}).markdown(text)
    html = str(result.html)
    assert "<p>İlk blok.</p>" in html
    assert '<div lang="en" dir="ltr"><p>Second block.</p></div>' in html
    assert (result.blocks, result.fallbacks) == (2, 1)


def test_source_locale_is_never_marked_as_fallback():
    result = localizer("en", {}).markdown("Only block.")
    assert str(result.html) == "<p>Only block.</p>" and result.fallbacks == 0


def test_text_fallback_is_marked_in_html_but_plain_in_attributes():
    text = localizer("de", {}).text("Mailbox unavailable")
    assert isinstance(text, LocalText) and text.fallback
    assert text.__html__() == '<span lang="en" dir="ltr">Mailbox unavailable</span>'
    assert text.plain == "Mailbox unavailable"


def test_translated_text_is_escaped():
    text = localizer("de", {"A & B": "A & <B>"}).text("A & B")
    assert text.__html__() == "A &amp; &lt;B&gt;"


def test_notice_when_most_of_a_page_is_english():
    class Item:
        TEXT_FIELDS = ()
        MARKDOWN_FIELDS = ("body",)
        body = "One.\n\nTwo.\n\nThree."

    mostly = localizer("tr", {"One.": "Bir."}).localize(Item())
    mostly_translated = localizer("tr", {"One.": "Bir.", "Two.": "İki."}).localize(Item())
    assert needs_fallback_notice([mostly])
    assert not needs_fallback_notice([mostly_translated])


def test_code_spans_in_text_become_code_elements():
    text = localizer("en", {}).text("The part before the `@` is <unknown>.")
    assert text.__html__() == "The part before the <code>@</code> is &lt;unknown&gt;."
    assert text.plain == "The part before the @ is <unknown>."
