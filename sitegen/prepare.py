"""Prepare everything pages are rendered from, once per build, before any page renders."""

from __future__ import annotations

import datetime
import hashlib
import os
import subprocess
from pathlib import Path

from .catalogs import load_catalogs
from .content import load_content
from .coverage import load_template, measure_coverage
from .localize import Localizer, LocalizedProtocol
from .plan import plan_site
from .render import Site, create_environment
from .text import MarkdownRenderer
from .urls import Urls


def prepare_site(project: Path, urls: Urls) -> Site:
    """Load content, catalogs and templates, localize content per locale and plan the pages."""
    protocols = load_content(project / "content")
    catalogs = load_catalogs(project / "locales")
    env = create_environment(project / "templates")
    renderer, english = MarkdownRenderer(), {}
    localized = {
        catalog.locale.identifier: {
            protocol.slug: LocalizedProtocol(protocol, Localizer(catalog, renderer, english))
            for protocol in protocols
        }
        for catalog in catalogs
    }
    template = load_template(project / "locales")
    coverage = [measure_coverage(template, c.catalog, c.locale.identifier) for c in catalogs if c.catalog]
    return Site(protocols=protocols, catalogs=catalogs, localized=localized, urls=urls, env=env,
                pages=plan_site(protocols), build_date=build_date(project),
                assets=asset_versions(project / "static"), coverage=coverage)


def build_date(project: Path) -> datetime.date:
    """The date the site shows as last updated: SOURCE_DATE_EPOCH, else the last commit's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        try:
            epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=project, capture_output=True,
                                   text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            epoch = ""
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    newest = max((p.stat().st_mtime for p in (project / "content").rglob("*.toml")), default=0)
    return datetime.datetime.fromtimestamp(int(newest), datetime.timezone.utc).date()


def asset_versions(static_dir: Path) -> dict[str, str]:
    """A cache-busting query string per static file, from its content."""
    versions = {}
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        versions[path.relative_to(static_dir).as_posix()] = f"?v={digest}"
    return versions
