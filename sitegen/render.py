"""Render one page: a pure function of the site's prepared data and the page's plan entry."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup, escape

from . import urls as paths
from .catalogs import LocaleCatalog
from .compare import compare
from .errors import BuildError
from .localize import LocalizedProtocol, needs_fallback_notice
from .locales import SiteLocale
from .model import Protocol, Reference
from .plan import Page
from . import search, seo, speedups
from .urls import Urls


@dataclass
class Site:
    """Everything pages are rendered from, prepared once per build."""

    protocols: tuple[Protocol, ...]
    catalogs: list[LocaleCatalog]
    localized: dict[str, dict[str, LocalizedProtocol]]
    urls: Urls
    env: jinja2.Environment
    pages: list[Page]
    build_date: object
    assets: dict[str, str] = field(default_factory=dict)
    coverage: list = field(default_factory=list)

    @property
    def locales(self) -> list[SiteLocale]:
        """The site's locales, source first."""
        return [c.locale for c in self.catalogs]

    def protocol(self, slug: str) -> Protocol:
        """The protocol with this slug."""
        return next(p for p in self.protocols if p.slug == slug)


def create_environment(templates_dir: Path, bytecode_folder: Path | None = None,
                       fast: bool = True) -> jinja2.Environment:
    """A Jinja environment with autoescaping, strict undefined and i18n, every template compiled.

    ``bytecode_folder`` keeps compiled templates between builds (Jinja checks each
    template's source before reusing its code). ``fast=False`` leaves out the speedups
    (``speedups.py``), which never change the output; the tests compare both.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode_folder)) if bytecode_folder else None,
    )
    speedups.install(env, fast=fast)
    env.install_null_translations(newstyle=True)
    env.filters["reference_link"] = reference_link
    seo.install_template_helpers(env)
    search.install_template_helpers(env)
    for name in env.list_templates(extensions=["html", "xml", "txt"]):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            raise BuildError(f"template error: {error.message}; fix the template",
                             error.filename or templates_dir / name, error.lineno) from None
    return env


def reference_link(reference: Reference) -> Markup:
    """A link to the RFC section (or document) a reference names."""
    return Markup('<a href="%s">%s</a>') % (reference.href, reference.label)


def locale_helpers(identifier: str) -> dict:
    """Formatting helpers for numbers, dates and lists in one locale (made once per locale)."""
    helpers = _LOCALE_HELPERS.get(identifier)
    if helpers is None:
        helpers = _LOCALE_HELPERS[identifier] = speedups.remembering(make_locale_helpers(identifier))
    return helpers


_LOCALE_HELPERS: dict[str, dict] = {}


def make_locale_helpers(identifier: str) -> dict:
    """Formatting helpers for numbers, dates and lists in one locale."""
    def join(items: list) -> Markup:
        return Markup(format_list([str(escape(item)) for item in items], locale=identifier)) if items else Markup()

    return {
        "number": lambda value: format_decimal(value, locale=identifier),
        "percent": lambda value: format_percent(value, locale=identifier),
        "date": lambda value: format_date(value, format="long", locale=identifier),
        "join": join,
    }


def use_catalog(env: jinja2.Environment, catalog: LocaleCatalog) -> None:
    """Make templates translate with ``catalog``, escaping catalog text as untrusted."""
    translations = catalog.translations

    def gettext(message: str) -> str:
        return escape(translations.gettext(message))

    def ngettext(singular: str, plural: str, count: int) -> str:
        return escape(translations.ngettext(singular, plural, count))

    env.install_gettext_callables(gettext, ngettext, newstyle=True)


def page_context(site: Site, catalog: LocaleCatalog, page: Page) -> dict:
    """The variables a page's template sees."""
    locale = catalog.locale
    context = {
        "page": page,
        "locale": locale,
        "site": site,
        "paths": paths,
        "url": lambda path: site.urls.href(locale, path),
        "asset": lambda name: site.urls.asset(name) + site.assets.get(name, ""),
        "alternates": [(other, site.urls.href(other, page.path), site.urls.absolute(other, page.path))
                       for other in site.locales],
        "canonical": site.urls.absolute(locale, page.path),
        "fallback_notice": False,
        "reference_link": reference_link,
        "digits_reference": Reference(rfc=5321, section="4.2.1"),
        "command_reference": Reference(rfc=5321, section="4.3.2"),
        "enhanced_reference": Reference(rfc=3463, section="2"),
        **locale_helpers(locale.identifier),
    }
    if page.protocol:
        protocol = site.protocol(page.protocol)
        local = site.localized[locale.identifier][page.protocol]
        context.update(protocol=protocol, local=local)
        context.update(KIND_CONTEXT.get(page.kind, lambda *_: {})(protocol, local, page))
        if page.kind == "enhanced_class":
            target = paths.enhanced_path(protocol, protocol.enhanced_code(page.keys[0]))
            context["canonical"] = site.urls.absolute(locale, target)
    return context


def code_context(protocol: Protocol, local: LocalizedProtocol, page: Page) -> dict:
    """A reply code's page."""
    code = local.codes[page.keys[0]]
    return {
        "code": code,
        "definitions": local.definitions[code.code],
        "related": [local.codes[n] for n in code.related],
        "enhanced": [(form, local.enhanced["x." + form.split(".", 1)[1]]) for form in code.enhanced],
        "others": [local.codes[c.code] for c in protocol.codes if c.code != code.code],
        "fallback_notice": needs_fallback_notice([code]),
    }


def pair_context(protocol: Protocol, local: LocalizedProtocol, page: Page) -> dict:
    """The comparison of two reply codes."""
    first, second = (local.codes[n] for n in page.keys)
    note = local.notes.get(page.keys)
    return {
        "a": first, "b": second, "note": note,
        "facts": compare(protocol.code(page.keys[0]), protocol.code(page.keys[1])),
        "fallback_notice": needs_fallback_notice([first, second] + ([note] if note else [])),
    }


def enhanced_context(protocol: Protocol, local: LocalizedProtocol, page: Page) -> dict:
    """An enhanced status code's page, or the redirect from one of its class forms."""
    code = local.enhanced[page.keys[0]]
    return {
        "code": code,
        "basic": [local.codes[n] for n in code.basic],
        "seen_with": [local.codes[n] for n in speedups.seen_with(protocol).get(code.key, ())],
        "reply_class": page.keys[1] if len(page.keys) > 1 else None,
        "fallback_notice": needs_fallback_notice([code]),
    }


KIND_CONTEXT = {"code": code_context, "pair": pair_context, "enhanced": enhanced_context,
                "enhanced_class": enhanced_context}


def render_page(site: Site, catalog: LocaleCatalog, page: Page) -> bytes:
    """Render one page in one locale to bytes."""
    try:
        template = site.env.get_template(page.template)
        return template.render(page_context(site, catalog, page)).encode("utf-8")
    except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as error:
        filename, line = template_position(error, str(site.env.loader.searchpath[0]) + "/" + page.template)
        raise BuildError(f"template error while rendering /{catalog.locale.prefix}{page.path}: {error}; "
                         "fix the template", filename, line) from None


def template_position(error: Exception, default: str) -> tuple[str, int | None]:
    """The innermost template file and line in an error's traceback."""
    templates = [frame for frame in traceback.extract_tb(error.__traceback__)
                 if frame.filename.endswith((".html", ".xml", ".txt"))]
    if templates:
        return templates[-1].filename, templates[-1].lineno
    return default, getattr(error, "lineno", None)
