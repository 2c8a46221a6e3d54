"""Keep the content honest: checked against registry and RFC facts committed under tests/data."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import PROJECT
from sitegen.content import load_content

DATA = Path(__file__).parent / "data"
REGISTRY = json.loads((DATA / "iana_enhanced_registry.json").read_text(encoding="utf-8"))["codes"]
REPLY_CODES = json.loads((DATA / "reply_codes.json").read_text(encoding="utf-8"))["codes"]
SECTIONS = json.loads((DATA / "rfc_sections.json").read_text(encoding="utf-8"))
EXTRACTED = {"5321", "3463", "4954", "3207", "1870", "6531"}
SMTP = load_content(PROJECT / "content")[0]


def section_exists(rfc: int, section: str) -> bool:
    """Whether the section exists: exactly for RFCs whose text was read, by top level otherwise."""
    known = SECTIONS.get(str(rfc))
    assert known is not None, f"RFC {rfc} is not in tests/data/rfc_sections.json"
    if str(rfc) in EXTRACTED:
        return section in known
    return section.split(".")[0] in known


def test_every_registry_code_has_content_with_the_registry_title():
    assert len(REGISTRY) >= 81
    for entry in REGISTRY:
        assert SMTP.has_enhanced(entry["code"]), entry["code"]
        assert SMTP.enhanced_code(entry["code"]).title == entry["title"], entry["code"]


def test_registry_associations_match():
    for entry in REGISTRY:
        listed = {int(n) for n in re.findall(r"\b([2-5]\d\d)\b", entry["basic"])}
        code = SMTP.enhanced_code(entry["code"])
        assert set(code.basic) <= listed, entry["code"]
        assert listed - {c.code for c in SMTP.codes} == listed - set(code.basic), entry["code"]


def test_every_required_reply_code_has_content_and_a_real_citation():
    known = {c.code: c for c in SMTP.codes}
    for entry in REPLY_CODES:
        code = known.get(entry["code"])
        assert code is not None, entry["code"]
        assert code.definitions and all(d.text.strip() for d in code.definitions)
        for definition in code.definitions:
            reference = definition.reference
            assert section_exists(reference.rfc, reference.section), (code.code, reference.label)


def test_enhanced_references_cite_existing_sections():
    for code in SMTP.enhanced:
        for reference in code.references:
            if reference.rfc is not None and reference.section:
                assert section_exists(reference.rfc, reference.section), (code.code, reference.label)


def test_cross_references_resolve():
    numbers = {c.code for c in SMTP.codes}
    for code in SMTP.codes:
        assert set(code.related) <= numbers - {code.code}, code.code
        assert all(SMTP.has_enhanced(e) for e in code.enhanced), code.code
        assert all(int(e[0]) in (2, 4, 5) for e in code.enhanced)
    for code in SMTP.enhanced:
        assert set(code.basic) <= numbers, code.code
    for key in SMTP.notes:
        assert set(key) <= numbers


def test_at_least_thirty_hand_written_pair_notes():
    required = [(450, 550), (421, 450), (451, 452), (452, 552), (550, 553), (550, 554), (251, 551),
                (530, 535), (534, 535), (521, 554), (550, 556), (250, 252)]
    assert len(SMTP.notes) >= 30
    for pair in required:
        assert pair in SMTP.notes, pair


def test_cited_sections_in_prose_exist():
    pattern = re.compile(r"RFC (\d{3,4}) §(\d+(?:\.\d+)*)")
    texts = [(c.source, getattr(c, f)) for c in SMTP.codes for f in c.MARKDOWN_FIELDS]
    texts += [(e.source, getattr(e, f)) for e in SMTP.enhanced for f in e.MARKDOWN_FIELDS]
    texts += [(n.source, n.note) for n in SMTP.notes.values()]
    for source, text in texts:
        for rfc, section in pattern.findall(text):
            if rfc in SECTIONS:
                assert section_exists(int(rfc), section), f"{source.name}: RFC {rfc} §{section}"


class SectionCollector(HTMLParser):
    """Collect the text of every <section> of a page, headings excluded."""

    def __init__(self):
        super().__init__()
        self.stack: list[list[str]] = []
        self.sections: list[tuple[str, str]] = []
        self.ids: list[str] = []
        self.heading = 0

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.stack.append([])
            self.ids.append(dict(attrs).get("id", "?"))
        elif tag in ("h2", "h3") and self.stack:
            self.heading += 1

    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            self.sections.append((self.ids.pop(), "".join(self.stack.pop()).strip()))
        elif tag in ("h2", "h3") and self.heading:
            self.heading -= 1

    def handle_data(self, data):
        if self.stack and not self.heading:
            for part in self.stack:
                part.append(data)


def test_no_page_has_an_empty_section(site):
    pages = [site / f"smtp/{c.code}/index.html" for c in SMTP.codes]
    pages += [site / f"smtp/{e.key}/index.html" for e in SMTP.enhanced]
    pages += [site / f"smtp/{a}-vs-{b}/index.html" for a, b in SMTP.notes]
    pages += [site / f"tr/smtp/{c.code}/index.html" for c in SMTP.codes if (site / "tr").is_dir()]
    for page in pages:
        collector = SectionCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        assert collector.sections, page
        for section_id, text in collector.sections:
            assert text, f"{page}: section #{section_id} is empty"


@pytest.mark.parametrize("form", ["5.1.1", "4.7.1", "5.7.26", "2.1.5", "4.2.2"])
def test_class_forms_lead_to_the_enhanced_page(site, form):
    page = (site / f"smtp/{form}/index.html").read_text(encoding="utf-8")
    target = "x." + form.split(".", 1)[1]
    assert f'url=/smtp/{target}/#class-{form[0]}"' in page
    assert (site / f"smtp/{target}/index.html").is_file()
