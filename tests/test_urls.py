"""Base paths and site URLs, case by case."""

from __future__ import annotations

import pytest

from sitegen.locales import site_locale
from sitegen.urls import Urls, normalize_base, output_file

EN, TR, PT = site_locale("en"), site_locale("tr"), site_locale("pt_BR")


@pytest.mark.parametrize("given, expected", [
    ("/", "/"), ("", "/"), ("repo", "/repo/"), ("/repo", "/repo/"), ("/repo/", "/repo/"),
    ("repo/", "/repo/"), ("/a/b/", "/a/b/"), ("  /docs  ", "/docs/"),
])
def test_normalize_base(given, expected):
    assert normalize_base(given) == expected


@pytest.mark.parametrize("base, site_url, expected_base, expected_site", [
    (None, None, "/", ""),
    ("/repo/", None, "/repo/", ""),
    (None, "https://user.github.io/repo/", "/repo/", "https://user.github.io/repo"),
    (None, "https://user.github.io/repo", "/repo/", "https://user.github.io/repo"),
    (None, "https://codes.example.org", "/", "https://codes.example.org"),
    ("/repo/", "https://user.github.io", "/repo/", "https://user.github.io/repo"),
    ("/", "https://codes.example.org/", "/", "https://codes.example.org"),
])
def test_create(base, site_url, expected_base, expected_site):
    urls = Urls.create(base, site_url)
    assert (urls.base, urls.site_url) == (expected_base, expected_site)


@pytest.mark.parametrize("base, locale, path, expected", [
    ("/", EN, "", "/"),
    ("/", EN, "smtp/221/", "/smtp/221/"),
    ("/", TR, "smtp/221-vs-251/", "/tr/smtp/221-vs-251/"),
    ("/repo/", EN, "", "/repo/"),
    ("/repo/", TR, "smtp/x.1.1/", "/repo/tr/smtp/x.1.1/"),
    ("/repo/", PT, "smtp/", "/repo/pt-br/smtp/"),
])
def test_href(base, locale, path, expected):
    assert Urls.create(base, None).href(locale, path) == expected


def test_absolute_uses_site_url_and_locale_prefix():
    urls = Urls.create(None, "https://user.github.io/repo/")
    assert urls.absolute(TR, "smtp/550/") == "https://user.github.io/repo/tr/smtp/550/"
    assert urls.absolute(EN, "") == "https://user.github.io/repo/"


def test_absolute_without_site_url_is_root_relative():
    assert Urls.create("/repo/", None).absolute(EN, "smtp/") == "/repo/smtp/"


def test_asset_links_are_under_the_base():
    assert Urls.create("/repo/", None).asset("style.css") == "/repo/static/style.css"


@pytest.mark.parametrize("locale, path, expected", [
    (EN, "", "index.html"), (EN, "smtp/550/", "smtp/550/index.html"), (TR, "404.html", "tr/404.html"),
    (TR, "", "tr/index.html"),
])
def test_output_file(locale, path, expected):
    assert output_file(locale, path) == expected
