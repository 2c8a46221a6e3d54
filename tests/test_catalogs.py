"""Reading .po files: locale discovery, entry checks, fallback and escaping."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.catalogs import load_catalog, load_catalogs
from sitegen.errors import BuildError

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'


def write_po(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_locales_are_discovered_from_files(tmp_path):
    write_po(tmp_path, "tr.po", "")
    write_po(tmp_path, "pt_BR.po", "")
    assert [c.locale.identifier for c in load_catalogs(tmp_path)] == ["en", "pt_BR", "tr"]


def test_good_entries_translate(tmp_path):
    catalog = load_catalog(write_po(tmp_path, "tr.po", 'msgid "Home"\nmsgstr "Ana Sayfa"\n'))
    assert catalog.translated("Home") == "Ana Sayfa"
    assert catalog.translations.gettext("Home") == "Ana Sayfa"
    assert not catalog.warnings


def test_fuzzy_entries_are_not_used(tmp_path):
    catalog = load_catalog(write_po(tmp_path, "tr.po", '#, fuzzy\nmsgid "Home"\nmsgstr "Ev"\n'))
    assert catalog.translated("Home") is None
    assert catalog.translations.gettext("Home") == "Home"


@pytest.mark.parametrize("msgstr, problem", [
    ("%(kod)s: %(title)s", "not in the source text"),
    ("%(title)s", "is missing"),
    ("%(code)s %(title)s %(extra)s", "not in the source text"),
    ("%(code)s <script>alert(1)</script> %(title)s", "markup"),
    ('%(code)s "><img src=x onerror=alert(1)> %(title)s', "markup"),
    ("%(code)s [x](javascript:alert(1)) %(title)s", "link"),
])
def test_bad_entries_warn_with_line_and_fall_back(tmp_path, msgstr, problem):
    body = f'msgid "Home"\nmsgstr "Ana Sayfa"\n\nmsgid "%(code)s: %(title)s"\nmsgstr "{msgstr}"\n'
    path = write_po(tmp_path, "tr.po", body.replace('"><', '\\"><'))
    catalog = load_catalog(path)
    assert len(catalog.warnings) == 1
    assert f"{path}:9: warning:" in catalog.warnings[0] and problem in catalog.warnings[0]
    assert catalog.translated("%(code)s: %(title)s") is None
    assert catalog.translations.gettext("%(code)s: %(title)s") == "%(code)s: %(title)s"
    assert catalog.translated("Home") == "Ana Sayfa"


def test_plural_forms_follow_the_header(tmp_path):
    body = 'msgid "%(num)s code"\nmsgid_plural "%(num)s codes"\nmsgstr[0] "%(num)s kod"\nmsgstr[1] "%(num)s kod"\n'
    catalog = load_catalog(write_po(tmp_path, "tr.po", body))
    assert catalog.translations.ngettext("%(num)s code", "%(num)s codes", 3) == "%(num)s kod"


def test_unknown_locale_is_an_error(tmp_path):
    with pytest.raises(BuildError, match="not a locale Babel knows"):
        load_catalog(write_po(tmp_path, "qq_ZZ.po", ""))


def test_source_locale_needs_no_catalog(tmp_path):
    write_po(tmp_path, "en.po", "")
    with pytest.raises(BuildError, match="source language"):
        load_catalogs(tmp_path)
