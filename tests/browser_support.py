"""Real-browser fixtures: Debian's Chromium driven by Playwright, the built sites served locally.

Imported by conftest.py, so every test module can use ``browser``, ``served``, ``served_repo``
and ``browser_page``. Outside CI a missing browser skips the browser tests with a reason
that ``pytest -ra`` prints; in CI (``CI=true``) it fails them.
"""

from __future__ import annotations

import functools
from functools import cache
import http.server
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import PROJECT, SITE_URL, copy_project, run_build, tiny_catalog
from sitegen.catalogs import discover_locales
from sitegen.commands.serve import PreviewHandler
from sitegen import urls
from sitegen.content import load_content
from sitegen.locales import SiteLocale, site_locale

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
HOST = "127.0.0.1"
LOCALES = [site_locale("en")] + [site_locale(path.stem) for path in discover_locales(PROJECT / "locales")]
PREFERRED = ("tr", "de")


@cache
def protocol():
    """The first protocol of the real content."""
    return load_content(PROJECT / "content")[0]


@cache
def page_paths() -> dict[str, str]:
    """One page of each type, as a path inside a locale, chosen from the content."""
    smtp = protocol()
    code = next((c for c in smtp.codes if c.reply_class == 5), smtp.codes[0])
    first, second = sorted(smtp.notes)[0] if smtp.notes else (smtp.codes[0].code, smtp.codes[1].code)
    return {
        "home": urls.home_path(),
        "protocol": urls.protocol_path(smtp),
        "enhanced_index": urls.enhanced_index_path(smtp),
        "code": urls.code_path(smtp, code),
        "enhanced": urls.enhanced_path(smtp, smtp.enhanced[0]),
        "pair": urls.pair_path(smtp, smtp.code(first), smtp.code(second)),
        "coverage": urls.coverage_path(),
        "decoder": urls.decoder_path(),
        "not_found": "no-such-page/at/any/depth/",
    }


def in_ci() -> bool:
    """Whether the tests run in CI, where a missing tool is a failure."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(available: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a tool the test needs is missing."""
    if not available:
        if in_ci():
            pytest.fail(f"{reason} (CI=true: a missing tool is a failure)")
        pytest.skip(reason)


def chromium_path() -> str | None:
    """Debian's Chromium, or the one named by $CHROMIUM."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@contextmanager
def serve(root: Path, base: str = "/"):
    """Serve ``root`` under ``base`` on a free port of 127.0.0.1; yields the site's URL."""
    handler = functools.partial(PreviewHandler, directory=str(root), base=base.strip("/"))
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}{base}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def browser():
    """Chromium, headless, shared by the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require(sync_playwright is not None, "Playwright is not installed: python3 -m pip install -e '.[test]'")
    executable = chromium_path()
    require(executable is not None, "Chromium is not installed: apt-get install chromium (./scripts/test does it)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def served(site):
    """The site built at / , served; the value is its URL, ending in /."""
    with serve(site, "/") as url:
        yield url


@pytest.fixture(scope="session")
def served_repo(repo_site):
    """The site built for /repo/, served under /repo/; the value is its URL, ending in /repo/."""
    with serve(repo_site, "/repo/") as url:
        yield url


@dataclass
class Traffic:
    """What a browser context asked for and complained about."""

    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        """Requests that left 127.0.0.1 (data: and blob: URLs never leave the page)."""
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).hostname != HOST]

    def policy_violations(self) -> list[str]:
        """Console messages about the Content-Security-Policy blocking something."""
        return [text for text in self.console if "Content Security Policy" in text]


def open_context(browser, traffic: Traffic, **options):
    """A fresh browser context (own storage) that records every request and console message."""
    context = browser.new_context(**options)
    context.on("request", lambda request: traffic.requests.append(request.url))
    context.on("page", lambda page: watch(page, traffic))
    return context


def watch(page, traffic: Traffic) -> None:
    page.on("console", lambda message: traffic.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: traffic.errors.append(str(error)))


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def browser_page(browser, traffic):
    """A page at desktop size in light mode. After the test: no request left 127.0.0.1, the
    Content-Security-Policy blocked nothing and no script threw."""
    context = open_context(browser, traffic, viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    yield page
    context.close()
    assert not traffic.outside(), f"requests left the site: {traffic.outside()}"
    assert not traffic.policy_violations(), traffic.policy_violations()
    assert not traffic.errors, f"script errors: {traffic.errors}"


@pytest.fixture(scope="session")
def arabic_site(site, tmp_path_factory) -> Path:
    """A site with an Arabic locale: the real one when locales/ar.po exists, else a project copy
    with a small Arabic catalog (404 texts and the title of the first code with a 5xx class)."""
    if any(locale.identifier == "ar" for locale in LOCALES):
        return site
    project = copy_project(tmp_path_factory.mktemp("arabic") / "project")
    code = next(c for c in load_content(PROJECT / "content")[0].codes if c.reply_class == 5)
    tiny_catalog(project, "ar", {
        "Page not found": "الصفحة غير موجودة",
        "Go to the home page": "الانتقال إلى الصفحة الرئيسية",
        "Search codes and explanations": "ابحث في الرموز والشروح",
        "Home": "الرئيسية",
        code.title: "عنوان تجريبي بالعربية",
    })
    result = run_build(project, "--out", str(project / "site"), "--quiet", "--site-url", SITE_URL)
    assert result.returncode == 0, result.stderr + result.stdout
    return project / "site"


@pytest.fixture(scope="session")
def translated(site, arabic_site) -> tuple[Path, SiteLocale]:
    """A built site and one of its non-English locales: Turkish or German when shipped,
    else the first shipped one, else Arabic from ``arabic_site``."""
    others = [locale for locale in LOCALES if not locale.is_source]
    for identifier in PREFERRED:
        for locale in others:
            if locale.identifier == identifier:
                return site, locale
    if others:
        return site, others[0]
    return arabic_site, site_locale("ar")
