"""The translator workflow: template catalog, update, coverage, and a drop-in locale."""

from __future__ import annotations

import io

from babel.messages.pofile import read_po

from conftest import PROJECT, run_build
from sitegen.commands.i18n import extract_template

POLISH = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

msgid "Description"
msgstr "Opis"

msgid "How to fix"
msgstr "Jak naprawić"

msgid "%(a)s vs %(b)s"
msgstr "%(a)s czy %(c)s"

msgid "Home"
msgstr "Start <script>alert(1)</script>"

msgid "Reply codes"
msgstr "Kody & odpowiedzi"
'''


def test_committed_template_catalog_is_up_to_date():
    committed = read_po(io.BytesIO((PROJECT / "locales/messages.pot").read_bytes()))
    fresh = extract_template(PROJECT)
    stale = "template catalog is out of date: run 'python build.py i18n extract'"
    assert {m.id for m in committed if m.id} == {m.id for m in fresh if m.id}, stale


def test_update_adds_new_entries_to_every_catalog(project_copy):
    template = project_copy / "templates/home.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block main %}", '{% block main %}<p>{{ _("A brand new sentence.") }}</p>', 1), encoding="utf-8")
    result = run_build(project_copy, "i18n", "update")
    assert result.returncode == 0, result.stderr
    for po in (project_copy / "locales").glob("*.po"):
        catalog = read_po(io.BytesIO(po.read_bytes()))
        assert catalog.get("A brand new sentence.") is not None, po
    assert "A brand new sentence." in (project_copy / "locales/messages.pot").read_text(encoding="utf-8")


def test_coverage_command_lists_every_locale():
    result = run_build(PROJECT, "i18n", "coverage")
    assert result.returncode == 0, result.stderr
    for po in (PROJECT / "locales").glob("*.po"):
        assert any(line.startswith(po.stem + " ") for line in result.stdout.splitlines()), po.stem


def test_dropping_in_a_po_file_adds_a_language(project_copy, tmp_path):
    (project_copy / "locales/pl.po").write_text(POLISH, encoding="utf-8")
    out = tmp_path / "out"
    result = run_build(project_copy, "--out", str(out), "--site-url", "https://codes.example.org/")
    assert result.returncode == 0, result.stderr
    assert "pl.po:12: warning: placeholder %(c)s" in result.stderr
    assert "pl.po:15: warning: adds markup" in result.stderr
    page = (out / "pl/smtp/550/index.html").read_text(encoding="utf-8")
    assert '<html lang="pl" dir="ltr">' in page
    assert ">Opis</h2>" in page and ">Jak naprawić</h2>" in page
    assert "Kody &amp; odpowiedzi" in page
    assert "<script>alert" not in page and ">Home</a>" in page
    assert '<div lang="en" dir="ltr">' in page
    english = (out / "smtp/550/index.html").read_text(encoding="utf-8")
    assert 'hreflang="pl" lang="pl">Polski</a>' in english
    assert '<link rel="alternate" hreflang="pl" href="https://codes.example.org/pl/smtp/550/">' in english
    assert (out / "pl/smtp/221-vs-251/index.html").is_file()
    assert "Polski" in (out / "translations/index.html").read_text(encoding="utf-8")
