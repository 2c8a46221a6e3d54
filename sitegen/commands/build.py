"""The build command: content, catalogs and templates in, a complete site out."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..api import write_api
from ..decoder_data import write_decoder_data
from ..output import copy_static, staging_folder
from ..prepare import prepare_site
from ..search import write_search_index
from ..seo import write_seo_files
from ..urls import Urls
from ..workers import render_site


@dataclass(frozen=True)
class BuildOptions:
    """What the user asked the build to do."""

    project: Path
    out: Path
    base_url: str | None = None
    site_url: str | None = None
    jobs: int = 0
    quiet: bool = False


POST_STEPS = (write_api, write_decoder_data, write_seo_files, write_search_index)


def run_build(options: BuildOptions) -> dict:
    """Build the site into ``options.out``; returns figures about the build."""
    started = time.perf_counter()
    urls = Urls.create(options.base_url, options.site_url)
    site = prepare_site(options.project, urls)
    for catalog in site.catalogs:
        for warning in catalog.warnings:
            print(warning, file=sys.stderr)
    jobs = options.jobs or os.cpu_count() or 1
    with staging_folder(options.out) as root:
        copy_static(options.project / "static", root)
        pages = render_site(site, root, jobs, progress=lambda done, total: None)
        for step in POST_STEPS:
            step(site, root)
    seconds = time.perf_counter() - started
    if not options.quiet:
        print(f"Built {pages} pages in {len(site.catalogs)} languages into {options.out} in {seconds:.1f} s")
    return {"pages": pages, "seconds": seconds}
