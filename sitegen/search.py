"""Full-text search: run Pagefind over the built site, one index per language.

Pagefind reads every HTML page, keeps only the pages that mark a ``data-pagefind-body``
region (code, enhanced code, pair and index pages) and writes a separate index for each
``<html lang>`` into ``pagefind/``. ``static/search.js`` loads ``pagefind/pagefind.js`` from
there, under the site's base path, so search needs nothing but the site itself.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from .errors import BuildError

if TYPE_CHECKING:
    import jinja2

    from .catalogs import LocaleCatalog
    from .render import Site

BUNDLE = "pagefind"
ENTRY = "pagefind-entry.json"
# Pagefind also writes its ready-made interfaces; the site has its own (static/search.js),
# and these would only add weight to the published site.
UNUSED_FILES = (
    "pagefind-ui.js", "pagefind-ui.css",
    "pagefind-modular-ui.js", "pagefind-modular-ui.css",
    "pagefind-component-ui.js", "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
TIMEOUT = 900


def pagefind_binary() -> Path:
    """The Pagefind executable, from the ``pagefind[extended]`` Python package."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        get_executable = None
    binary = get_executable() if get_executable else None
    if binary is None or not Path(binary).exists():
        raise BuildError("the search index needs Pagefind, which is not installed; "
                         "install it with: python3 -m pip install 'pagefind[extended]'")
    return Path(binary)


def index_languages(root: Path) -> dict[str, dict]:
    """The languages of the index Pagefind wrote, as listed in its entry file."""
    entry = root / BUNDLE / ENTRY
    try:
        return json.loads(entry.read_text(encoding="utf-8"))["languages"]
    except (OSError, ValueError, KeyError) as error:
        raise BuildError(f"Pagefind did not write a usable search index ({error}); "
                         "run the build again with a working Pagefind", entry) from None


def write_search_index(site: "Site", root: Path, built: Path) -> int:
    """Post-build step: index the pages in ``built`` with Pagefind into ``root``; returns the language count."""
    output = root / BUNDLE
    command = [str(pagefind_binary()), "--site", str(built), "--output-path", str(output), "--silent"]
    # Run from inside the built site, so that a pagefind.yml/.toml/.json in the directory
    # the build was started from cannot change how the index is written.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PAGEFIND_")}
    try:
        result = subprocess.run(command, cwd=built, capture_output=True, text=True, timeout=TIMEOUT,
                                env=environment)
    except (OSError, subprocess.SubprocessError) as error:
        raise BuildError(f"could not run Pagefind to build the search index: {error}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BuildError("Pagefind failed to build the search index: "
                         + (detail[-1] if detail else f"exit code {result.returncode}"))
    languages = index_languages(root)
    missing = [locale.tag for locale in site.locales if not find_language(languages, locale.tag)]
    if missing:
        raise BuildError(f"the search index has no pages in {', '.join(missing)}; "
                         "every language needs pages with a data-pagefind-body region",
                         output / ENTRY)
    for name in UNUSED_FILES:
        (output / name).unlink(missing_ok=True)
    sort_entry_file(output / ENTRY)
    return len(languages)


def sort_entry_file(entry: Path) -> None:
    """Rewrite Pagefind's entry file with its languages sorted: Pagefind lists them in a random order."""
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data["languages"].items()))
    entry.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def find_language(languages: dict[str, dict], tag: str) -> dict | None:
    """The index Pagefind's script picks for a page in ``tag``: the exact tag, else its language."""
    tag = tag.lower()
    return languages.get(tag) or languages.get(tag.split("-")[0])


def gettext_for(catalog: "LocaleCatalog"):
    """A template ``_()`` that translates with ``catalog``, whatever locale the page is in.

    It behaves like the page's own ``_()``: the translation is escaped, then the named
    placeholders are filled in. The root 404 page uses it to carry every locale's text.
    """
    translations = catalog.translations

    def gettext(message: str, **variables) -> Markup:
        return Markup(escape(translations.gettext(message))) % variables

    return gettext


def install_template_helpers(env: "jinja2.Environment") -> None:
    """Make the search helpers available to every template."""
    env.globals.update(gettext_for=gettext_for)
