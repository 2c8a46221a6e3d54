"""Incremental builds: nothing rewritten without a change, only dependent pages after one,
the same bytes as a clean build, and a failed build leaves the previous site alone.

These tests build a copy of the project with two languages (English and Turkish) to stay
quick. They check what the build did through the files themselves: a file that was not
rewritten keeps its inode and modification time. There are no timing assertions here; the
benchmark (``python build.py bench``) measures speed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from conftest import SECOND_LOCALE, run_build, tiny_catalog
from sitegen.commands.build import POST_STEPS, SEARCH_STEPS, TRANSLATED_STEPS, BuildOptions
from sitegen.commands.build import run_build as run_build_here


def build(project: Path, out: Path, *args: str) -> str:
    result = run_build(project, "--out", str(out), "--jobs", "2", *args)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file's (inode, modification time, size), by path relative to the folder."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(folder).as_posix()] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return found


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != ".sitegen-build"}


def assert_same_tree(first: Path, second: Path) -> None:
    a, b = tree_bytes(first), tree_bytes(second)
    assert sorted(a) == sorted(b), set(a) ^ set(b)
    different = [name for name in a if a[name] != b[name] and not same_json(name, a[name], b[name])]
    assert not different, different[:10]


def assert_same_as_clean_build(project: Path, out: Path, clean: Path) -> None:
    """The incrementally built ``out`` holds exactly what a build from nothing writes."""
    build(project, clean)
    assert_same_tree(out, clean)


def search_index(facts: dict) -> dict:
    """The search index's entries of a ``snapshot``."""
    return {name: value for name, value in facts.items() if name.startswith("pagefind/")}


def same_json(name: str, first: bytes, second: bytes) -> bool:
    """Pagefind lists the languages of its entry file in no fixed order (not a build difference)."""
    return name.endswith("pagefind-entry.json") and json.loads(first) == json.loads(second)


def rewritten(before: dict, after: dict) -> set[str]:
    """Files that are new or were written again (another inode or modification time)."""
    return {name for name, facts in after.items() if before.get(name) != facts}


def edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert count == 1, f"{pattern!r} not in {path}"
    path.write_text(changed, encoding="utf-8")


def edit_home_translation(project: Path) -> None:
    """Change the second locale's translation of "Home", which is on every page of it."""
    edit(project / "locales" / f"{SECOND_LOCALE}.po", r'^(msgid "Home"\nmsgstr "[^"]+)"$', r'\1!"')


def is_page(name: str) -> bool:
    return name.endswith(".html")


def test_rebuild_without_changes_writes_nothing(small_project, tmp_path):
    out = tmp_path / "site"
    build(small_project, out)
    before = snapshot(out)
    stdout = build(small_project, out)
    assert snapshot(out) == before
    assert "nothing changed" in stdout


def test_content_edit_rerenders_only_dependent_pages(small_project, tmp_path):
    out = tmp_path / "site"
    build(small_project, out)
    build(small_project, out)  # a second tree now exists beside the site: the incremental steady state
    before = snapshot(out)
    code_file = small_project / "content/smtp/codes/550.toml"
    edit(code_file, r"^(when = '''\n)", r"\1An edited first sentence for the incremental test.\n\n")
    build(small_project, out)
    after = snapshot(out)
    pages = {name for name in rewritten(before, after) if is_page(name)}
    assert "smtp/550/index.html" in pages and f"{SECOND_LOCALE}/smtp/550/index.html" in pages
    assert "smtp/450-vs-550/index.html" in pages  # pair pages show the "when" text of both codes
    # Everything rewritten shows code 550 or lists all codes (home and index pages).
    for name in pages:
        assert "550" in name or not re.search(r"smtp/(\d{3}|\d{3}-vs-\d{3}|x\.\d+\.\d+|\d\.\d+\.\d+)/", name), name
    assert "smtp/221-vs-250/index.html" not in pages
    assert f"{SECOND_LOCALE}/smtp/221/index.html" not in pages
    assert_same_as_clean_build(small_project, out, tmp_path / "clean")


def test_catalog_edit_only_touches_its_locale(small_project, tmp_path):
    out = tmp_path / "site"
    build(small_project, out)
    before = snapshot(out)
    edit_home_translation(small_project)
    build(small_project, out)
    pages = {name for name in rewritten(before, snapshot(out)) if is_page(name)}
    assert pages, "the edited catalog changed no page"
    # The root 404 page carries every locale's text, so it changes with any catalog.
    assert all(name.startswith(f"{SECOND_LOCALE}/") or name == "404.html" for name in pages), sorted(pages)[:10]
    assert_same_as_clean_build(small_project, out, tmp_path / "clean")


def test_catalog_edit_renders_its_locale_and_the_pages_that_show_every_catalog(small_project, tmp_path):
    tiny_catalog(small_project, "de", {"Home": "Startseite"})  # a third locale, which the edit must not touch
    out = tmp_path / "site"
    first = run_build_here(BuildOptions(project=small_project, out=out, jobs=2, quiet=True))
    edit_home_translation(small_project)
    report = run_build_here(BuildOptions(project=small_project, out=out, jobs=2, quiet=True))
    assert first["pages_rendered"] == report["pages"] and report["languages"] == 3
    # Every page of the edited locale; the coverage table of the two others (it shows every
    # catalog); the root 404 page (it carries every language). Not the other 404 pages.
    assert report["pages_rendered"] == report["pages"] // 3 + 2 + 1
    assert_same_as_clean_build(small_project, out, tmp_path / "clean")


def test_removed_content_removes_its_pages(small_project, tmp_path):
    out = tmp_path / "site"
    build(small_project, out)
    build(small_project, out)
    notes = sorted((small_project / "content/smtp/pairs").glob("*.toml"))
    enhanced = small_project / "content/smtp/enhanced"
    unused = [path for path in sorted(enhanced.glob("*.toml"))
              if not any(path.stem[2:] in p.read_text(encoding="utf-8")
                         for p in (small_project / "content/smtp/codes").glob("*.toml"))]
    if notes:
        notes[0].unlink()
    if unused:
        unused[0].unlink()
    build(small_project, out)
    assert_same_as_clean_build(small_project, out, tmp_path / "clean")
    if unused:
        assert not (out / f"smtp/{unused[0].stem.lower()}").exists()


def test_failed_incremental_build_leaves_previous_site(small_project, tmp_path):
    out = tmp_path / "site"
    build(small_project, out)
    build(small_project, out)
    before = snapshot(out)
    contents = tree_bytes(out)
    edit(small_project / "content/smtp/codes/550.toml", r"^(when = '''\n)", r"\1A change that never ships.\n\n")
    template = small_project / "templates/pair.html"
    original = template.read_text(encoding="utf-8")
    template.write_text(original.replace("{% block main %}", "{% block main %}{{ a.no_such_field }}", 1),
                        encoding="utf-8")
    result = run_build(small_project, "--out", str(out), "--jobs", "2")
    assert result.returncode == 1
    assert "no_such_field" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(out) == before
    assert tree_bytes(out) == contents
    assert not [p for p in out.parent.iterdir() if ".building-" in p.name]
    template.write_text(original, encoding="utf-8")
    build(small_project, out)
    assert_same_as_clean_build(small_project, out, tmp_path / "clean")


def test_one_job_and_many_jobs_build_the_same_site(small_project, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    assert run_build(small_project, "--out", str(first), "--jobs", "1", "--quiet").returncode == 0
    assert run_build(small_project, "--out", str(second), "--jobs", "3", "--quiet").returncode == 0
    assert_same_tree(first, second)


def test_unchanged_pages_keep_their_files(small_project, tmp_path):
    """After a change, untouched pages are the very files the previous site had."""
    out = tmp_path / "site"
    build(small_project, out)
    inode = os.stat(out / "smtp/221-vs-250/index.html").st_ino
    edit(small_project / "content/smtp/codes/550.toml", r"^(use = '''\n)", r"\1Another edited sentence.\n\n")
    build(small_project, out)
    assert os.stat(out / "smtp/221-vs-250/index.html").st_ino == inode


def hidden_files(folder: Path) -> list[str]:
    """Files a build left under hidden names (pending or backup copies), besides its marker."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob(".*")
                  if path.name != ".sitegen-build")


def test_first_edit_after_a_clean_build_touches_only_dependent_files(small_project, tmp_path):
    out = tmp_path / "site"
    build(small_project, out)
    before = snapshot(out)
    edit(small_project / "content/smtp/codes/421.toml", r'^(when = """\n)', r"\1One more sentence.\n\n")
    stdout = build(small_project, out)
    changed = rewritten(before, snapshot(out))
    pages = {name for name in changed if is_page(name)}
    assert "smtp/421/index.html" in pages and "smtp/421-vs-550/index.html" in pages
    assert all("421" in name or not re.search(r"smtp/\d{3}", name) for name in pages), sorted(pages)
    assert not any(name.startswith("static/") for name in changed)
    assert "search index" in stdout  # pages changed, so the search index was brought up to date
    assert not hidden_files(out)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".site.")]


def test_search_index_is_kept_when_no_page_changed(small_project, tmp_path):
    out = tmp_path / "site"
    build(small_project, out)
    before = snapshot(out)
    code_file = small_project / "content/smtp/codes/421.toml"
    code_file.write_text(code_file.read_text(encoding="utf-8") + "\n# A comment changes no page.\n",
                         encoding="utf-8")
    stdout = build(small_project, out)
    assert "search index" not in stdout
    after = snapshot(out)
    assert rewritten(before, after) <= {".sitegen-build"}
    assert set(search_index(after)) == set(search_index(before))


def test_failure_after_pages_were_applied_puts_the_previous_site_back(small_project, tmp_path):
    """The search index is built from the new pages; if it fails, every page goes back.

    Here only English pages are marked for the index, which the search step refuses.
    """
    out = tmp_path / "site"
    build(small_project, out)
    before, contents = snapshot(out), tree_bytes(out)
    edit(small_project / "content/smtp/codes/550.toml", r"^(when = '''\n)", r"\1A change that never ships.\n\n")
    for template in (small_project / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        template.write_text(text.replace(" data-pagefind-body", "{% if locale.is_source %} data-pagefind-body{% endif %}"),
                            encoding="utf-8")
    result = run_build(small_project, "--out", str(out), "--jobs", "2")
    assert result.returncode == 1, result.stdout
    assert "search index has no pages" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(out) == before
    assert tree_bytes(out) == contents
    assert not hidden_files(out)


def test_a_build_killed_midway_is_followed_by_a_complete_one(small_project, tmp_path):
    """A killed build leaves pending files and no manifest; the next build starts afresh."""
    out = tmp_path / "site"
    build(small_project, out)
    manifests = list((small_project / ".cache").rglob("*.manifest"))
    assert len(manifests) == 1
    manifests[0].unlink()  # what a build does before it touches the live site
    stray = out / "smtp/550/.index.html.sitegen-new"
    stray.write_text("half a page", encoding="utf-8")
    build(small_project, out)
    assert not hidden_files(out)
    assert_same_as_clean_build(small_project, out, tmp_path / "clean")


def test_no_search_leaves_the_index_for_the_next_build(small_project, tmp_path):
    out = tmp_path / "site"
    build(small_project, out)
    index = search_index(snapshot(out))
    edit(small_project / "content/smtp/codes/550.toml", r"^(when = '''\n)", r"\1A sentence to find.\n\n")
    stdout = build(small_project, out, "--no-search")
    assert "search index left as it was" in stdout
    assert search_index(snapshot(out)) == index
    stdout = build(small_project, out)  # nothing else changed, but the index is out of date
    assert "search index" in stdout and "nothing changed" not in stdout
    assert "nothing changed" in build(small_project, out)
    assert_same_as_clean_build(small_project, out, tmp_path / "clean")


def post_steps_run(project: Path, out: Path) -> set[str]:
    """Build ``project`` in this process; the post-build steps (search apart) that ran."""
    report = run_build_here(BuildOptions(project=project, out=out, jobs=2, quiet=True))
    return {step.__name__ for step in POST_STEPS if step.__name__ in report["phases"]} - set(SEARCH_STEPS)


def test_post_build_steps_run_only_when_what_they_read_changed(small_project, tmp_path):
    out = tmp_path / "site"
    every_step = {step.__name__ for step in POST_STEPS} - set(SEARCH_STEPS)
    assert post_steps_run(small_project, out) == every_step
    edit_home_translation(small_project)
    assert post_steps_run(small_project, out) == set(TRANSLATED_STEPS)
    edit(small_project / "content/smtp/codes/550.toml", r"^(when = '''\n)", r"\1A sentence for the API.\n\n")
    assert post_steps_run(small_project, out) == every_step
    assert "A sentence for the API." in (out / "api/smtp/550.json").read_text(encoding="utf-8")
    assert_same_as_clean_build(small_project, out, tmp_path / "clean")
