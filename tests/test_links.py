"""Link check over the whole built site, at / and under /repo/: every internal link, asset,
form target and anchor (#id) resolves, and nothing escapes the base path."""

from __future__ import annotations

import re
from functools import cache
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import SITE_URL

REPO_URL = "https://user.github.io/repo/"
# Templates quote every attribute with double quotes (autoescaping turns quotes in values
# into entities), so attributes can be read without a full HTML parser, which is much faster.
LINK_ATTRIBUTE = re.compile(r'\s(href|src|action|data-index-url)="([^"]*)"')
REFRESH = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]*)"', re.I)
OG_URL = re.compile(r'<meta property="og:url" content="([^"]*)"')
ID = re.compile(r'\sid="([^"]*)"')
CSS_URL = re.compile(r'url\(\s*["\']?([^"\')]+)["\']?\s*\)')
SKIPPED_FOLDERS = ("pagefind",)


class Site:
    """A built site at a base path, and what its pages link to."""

    def __init__(self, root: Path, base: str, absolute: str):
        self.root, self.base, self.absolute = root, base, absolute

    def pages(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*.html") if p.parts[len(self.root.parts)] not in SKIPPED_FOLDERS)

    def url_of(self, path: Path) -> str:
        """The root-relative URL a file is served at."""
        relative = path.relative_to(self.root).as_posix()
        return self.base + (relative[:-len("index.html")] if relative.endswith("index.html") else relative)

    def target(self, url: str) -> Path | None:
        """The file a root-relative URL (inside the base path) is served from, or None."""
        return self.file_at(urlsplit(url).path)

    @cache
    def file_at(self, path: str) -> Path | None:
        relative = path[len(self.base):]
        file = self.root / relative
        if path.endswith("/") or not relative:
            file = file / "index.html"
        return file if file.is_file() else None

    @cache
    def ids(self, file: Path) -> frozenset[str]:
        return frozenset(unescape(value) for value in ID.findall(file.read_text(encoding="utf-8")))


def links_of(html: str) -> list[tuple[str, str]]:
    found = [(name, unescape(value)) for name, value in LINK_ATTRIBUTE.findall(html)]
    found += [("refresh", unescape(value)) for value in REFRESH.findall(html)]
    found += [("og:url", unescape(value)) for value in OG_URL.findall(html)]
    return found


def check_site(site: Site) -> tuple[list[str], int]:
    """Every problem with the site's internal links, and how many links were checked."""
    problems, checked = [], 0
    for page in site.pages():
        html = page.read_text(encoding="utf-8")
        page_url = site.url_of(page)
        for attribute, link in links_of(html):
            where = f"{page.relative_to(site.root)}: {attribute}={link!r}"
            if link.startswith(site.absolute):
                link = site.base + link[len(site.absolute):]
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto") or link.startswith("//"):
                if parts.hostname in ("127.0.0.1", "localhost") or link.startswith(("http://", "//")):
                    problems.append(f"{where}: insecure or local address")
                continue
            if parts.scheme:
                problems.append(f"{where}: unexpected scheme")
                continue
            resolved = link if link.startswith("/") else urljoin(page_url, link)
            checked += 1
            if not resolved.startswith(site.base):
                problems.append(f"{where}: leaves the base path {site.base}")
                continue
            file = page if not parts.path and not parts.query and link.startswith("#") else site.target(resolved)
            if file is None:
                problems.append(f"{where}: no such page or file")
                continue
            fragment = urlsplit(resolved).fragment
            if fragment and (file.suffix != ".html" or fragment not in site.ids(file)):
                problems.append(f"{where}: no element with id {fragment!r} in {file.relative_to(site.root)}")
    return problems, checked


def check_stylesheets(site: Site) -> list[str]:
    """url(...) references in the site's CSS point to files that exist, under the base path."""
    problems = []
    for css in (site.root / "static").rglob("*.css"):
        css_url = site.base + css.relative_to(site.root).as_posix()
        for reference in CSS_URL.findall(css.read_text(encoding="utf-8")):
            if reference.startswith(("data:", "#")):
                continue
            resolved = urljoin(css_url, reference)
            if urlsplit(reference).scheme or not resolved.startswith(site.base) or site.target(resolved) is None:
                problems.append(f"{css.name}: url({reference})")
    return problems


@pytest.mark.parametrize("which, base, absolute", [("site", "/", SITE_URL), ("repo_site", "/repo/", REPO_URL)])
def test_no_broken_internal_link_or_anchor(request, which, base, absolute):
    site = Site(request.getfixturevalue(which), base, absolute)
    problems, checked = check_site(site)
    assert checked > len(site.pages()), "suspiciously few links checked"
    assert not problems, f"{len(problems)} broken links, first ones:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("which, base", [("site", "/"), ("repo_site", "/repo/")])
def test_stylesheets_reference_only_files_of_the_site(request, which, base):
    site = Site(request.getfixturevalue(which), base, "")
    assert check_stylesheets(site) == []


def test_no_link_escapes_the_project_path(repo_site):
    """Under /repo/, every root-relative and absolute address of the site stays inside /repo/."""
    for page in Site(repo_site, "/repo/", REPO_URL).pages():
        html = page.read_text(encoding="utf-8")
        for attribute, link in links_of(html):
            if link.startswith("/") and not link.startswith("//"):
                assert link.startswith("/repo/"), f"{page}: {attribute}={link}"
            elif link.startswith("https://user.github.io"):
                assert link.startswith(REPO_URL), f"{page}: {attribute}={link}"
        for value in re.findall(r'"(?:url|item|urlTemplate)":"([^"]*)"', html):
            assert value.startswith(REPO_URL), f"{page}: JSON-LD {value}"


def test_the_checker_catches_broken_links(tmp_path):
    """The link check itself finds a missing page, a missing anchor and an escape from /repo/."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<p id="here"></p><a href="/repo/a/#here"></a>', encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<a href="/repo/a/"></a><a href="/repo/missing/"></a><a href="/repo/a/#nowhere"></a>'
        '<a href="/elsewhere/"></a><a href="#top"></a>', encoding="utf-8")
    problems, checked = check_site(Site(tmp_path, "/repo/", REPO_URL))
    assert checked == 6
    assert len(problems) == 4, problems
