"""Every kind of bad input gives one clear message, a non-zero exit and leaves the old site alone."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from conftest import run_build
from sitegen.output import MARKER


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a file, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def first_code(project: Path) -> Path:
    return sorted((project / "content/smtp/codes").glob("*.toml"))[0]


def break_toml(project: Path) -> None:
    edit(first_code(project), "title = ", "title == ")


def drop_summary(project: Path) -> None:
    path = first_code(project)
    path.write_text(re.sub(r"^summary = .*\n", "", path.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")


def add_unknown_field(project: Path) -> None:
    edit(first_code(project), "title = ", 'colour = "red"\ntitle = ')


def duplicate_code(project: Path) -> None:
    source = project / "content/smtp/codes/550.toml"
    (project / "content/smtp/codes/559.toml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")


def missing_related(project: Path) -> None:
    path = first_code(project)
    path.write_text(re.sub(r"^related = \[", "related = [599, ", path.read_text(encoding="utf-8"), flags=re.M),
                    encoding="utf-8")


def wrong_type(project: Path) -> None:
    path = first_code(project)
    path.write_text(re.sub(r"^actor = .*$", "actor = 3", path.read_text(encoding="utf-8"), flags=re.M),
                    encoding="utf-8")


def broken_template_syntax(project: Path) -> None:
    edit(project / "templates/code.html", "{% block main %}", "{% block main %}{% if %}")


def broken_template_runtime(project: Path) -> None:
    edit(project / "templates/code.html", "{{ code.summary }}", "{{ code.no_such_field }}")


def unparsable_po(project: Path) -> None:
    (project / "locales/tr.po").write_text('msgid ""\nmsgstr ""\n\nmsgid "Home"\nmsgstr "Ana sayfa\n',
                                           encoding="utf-8")


def bad_plural_header(project: Path) -> None:
    (project / "locales/tr.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=two; plural=(n != 1);\\n"\n\nmsgid "Home"\nmsgstr "Ana Sayfa"\n',
        encoding="utf-8")


def unknown_locale(project: Path) -> None:
    (project / "locales/xx_QQ.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")


CASES = [
    # (name, how to break the project, file the message names, whether a line is named, words in the message)
    ("toml syntax", break_toml, "content/smtp/codes/", True, "TOML syntax error"),
    ("missing field", drop_summary, "content/smtp/codes/", False, "missing required field 'summary'"),
    ("unknown field", add_unknown_field, "content/smtp/codes/", True, "unknown field 'colour'"),
    ("wrong type", wrong_type, "content/smtp/codes/", True, "field 'actor' must be a string"),
    ("duplicate code", duplicate_code, "content/smtp/codes/559.toml", True, "duplicate code 550"),
    ("missing related code", missing_related, "content/smtp/codes/", True, "related code 599 does not exist"),
    ("template syntax", broken_template_syntax, "templates/code.html", True, "template error"),
    ("template runtime", broken_template_runtime, "templates/code.html", True, "no_such_field"),
    ("unparsable po", unparsable_po, "locales/tr.po", True, "cannot parse the catalog"),
    ("bad plural header", bad_plural_header, "locales/tr.po", True, "Plural-Forms"),
    ("unknown locale", unknown_locale, "locales/xx_QQ.po", False, "not a locale Babel knows"),
]


def tree_digest(folder: Path) -> str:
    """A digest of every file's path and bytes under a folder."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def previous_site(project_copy: Path) -> Path:
    """An output folder as an earlier successful build left it."""
    out = project_copy / "site"
    (out / "smtp").mkdir(parents=True)
    (out / MARKER).write_text("built\n", encoding="utf-8")
    (out / "index.html").write_text("<!DOCTYPE html><title>old</title>\n", encoding="utf-8")
    return out


@pytest.mark.parametrize("name, breaker, filename, has_line, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_reports_and_keeps_old_site(project_copy, previous_site, name, breaker, filename, has_line, words):
    if "tr.po" in filename and not (project_copy / "locales/tr.po").exists():
        (project_copy / "locales/tr.po").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    before = tree_digest(previous_site)
    breaker(project_copy)
    result = run_build(project_copy, "--out", str(previous_site), "--jobs", "1")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: ")
    assert filename in message and words in message, message
    if has_line:
        assert re.search(re.escape(filename) + r"[^:]*:\d+: ", message), message
    assert tree_digest(previous_site) == before
    assert not any(p.name.startswith(".site.") for p in previous_site.parent.iterdir())


@pytest.mark.parametrize("args, words", [
    (["--jobs", "many"], "invalid int value"),
    (["--no-such-option"], "unrecognized arguments"),
    (["i18n", "translate"], "invalid choice"),
])
def test_bad_arguments_give_usage_error(project_copy, args, words):
    result = run_build(project_copy, *args)
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr


def test_refuses_to_replace_a_folder_it_did_not_build(project_copy):
    foreign = project_copy / "documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious\n", encoding="utf-8")
    result = run_build(project_copy, "--out", str(foreign))
    assert result.returncode == 1
    assert "refusing to replace" in result.stderr
    assert (foreign / "thesis.txt").read_text(encoding="utf-8") == "precious\n"
