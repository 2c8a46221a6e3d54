"""Markdown blocks and safe rendering."""

from sitegen.text import MarkdownRenderer, split_blocks


def test_split_blocks_at_blank_lines_keeps_lists_whole():
    text = "\nFirst paragraph\ncontinues.\n\n- one\n- two\n  \n\nLast.\n"
    assert split_blocks(text) == ["First paragraph\ncontinues.", "- one\n- two", "Last."]


def test_raw_html_is_shown_as_text():
    html = MarkdownRenderer().render('Hi <script>alert(1)</script> "><img src=x onerror=alert(1)>')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_code_spans_are_escaped_once():
    assert "<code>&lt;CRLF&gt;.&lt;CRLF&gt;</code>" in MarkdownRenderer().render("End with `<CRLF>.<CRLF>`.")


def test_rfc_citations_become_links_outside_code():
    html = MarkdownRenderer().render("See RFC 5321 §4.2.3 and `RFC 1 §2`.")
    assert '<a href="https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3">RFC 5321 §4.2.3</a>' in html
    assert "<code>RFC 1 §2</code>" in html
