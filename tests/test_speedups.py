"""The rendering speedups (sitegen/speedups.py) never change a byte of output.

Every page kind is rendered in two locales twice: with the build's environment (faster
calls, remembered translations and macros, ``{% shared %}`` fragments) and with a plain
Jinja environment that renders everything on every page; the bytes must be equal.
"""

from __future__ import annotations

import jinja2
import pytest

from conftest import PROJECT
from sitegen.prepare import prepare_site
from sitegen.render import create_environment, render_page, use_catalog
from sitegen.speedups import SharedExtension, check_shared_blocks, install_translations
from sitegen.urls import Urls

PAIRS_SAMPLED = 60


@pytest.fixture(scope="module")
def prepared():
    site = prepare_site(PROJECT, Urls.create("/repo/", "https://user.github.io/repo/"))
    plain = create_environment(PROJECT / "templates", fast=False)
    return site, plain


def sample(site):
    pairs = [page for page in site.pages if page.kind == "pair"]
    step = max(1, len(pairs) // PAIRS_SAMPLED)
    return [page for page in site.pages if page.kind != "pair"] + pairs[::step]


def test_fast_and_plain_rendering_are_identical(prepared):
    site, plain = prepared
    fast = site.env
    catalogs = [site.catalogs[0]] + [c for c in site.catalogs[1:] if c.locale.identifier in ("tr", "ar")][:1]
    catalogs = catalogs if len(catalogs) > 1 else site.catalogs[:2]
    for catalog in catalogs:
        for page in sample(site) * 2:  # twice: the second time comes from what was remembered
            install_translations(fast, catalog.translations)
            site.env = fast
            quick = render_page(site, catalog, page)
            use_catalog(plain, catalog)
            site.env = plain
            slow = render_page(site, catalog, page)
            site.env = fast
            assert quick == slow, f"/{catalog.locale.prefix}{page.path} differs"


def compile_shared(source: str, **globals_):
    env = jinja2.Environment(extensions=[SharedExtension])
    env.globals.update(globals_)
    return check_shared_blocks(env.parse(source), env, "t.html", "t.html")


def test_shared_fragment_may_use_its_keys_and_locale_names():
    compile_shared("{% for item in items %}{% shared item %}{{ item.title }} {{ locale.tag }}{% endshared %}"
                   "{% endfor %}")


@pytest.mark.parametrize("source, name", [
    ("{% shared %}{{ page.kind }}{% endshared %}", "page"),
    ("{% for item in items %}{% shared %}{{ item }}{% endshared %}{% endfor %}", "item"),
    ("{% macro m() %}{{ canonical }}{% endmacro %}{% shared %}{{ m() }}{% endshared %}", "m"),
])
def test_shared_fragment_refuses_names_that_differ_between_pages(source, name):
    with pytest.raises(jinja2.TemplateSyntaxError, match=f"'{name}' may differ"):
        compile_shared(source)
