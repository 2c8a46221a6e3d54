"""Render pages in worker processes that share the prepared site by forking."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from pathlib import Path

from .output import write_file
from .render import Site, render_page, use_catalog
from .urls import output_file

CHUNK = 64
_SITE: Site | None = None
_ROOT: Path | None = None


def render_tasks(site: Site) -> list[tuple[int, list[int]]]:
    """Chunks of page indexes, each chunk in one locale, so a worker switches catalogs rarely."""
    tasks = []
    for locale_index in range(len(site.catalogs)):
        for start in range(0, len(site.pages), CHUNK):
            tasks.append((locale_index, list(range(start, min(start + CHUNK, len(site.pages))))))
    return tasks


def render_chunk(task: tuple[int, list[int]]) -> int:
    """Render and write one chunk of pages; returns how many were written."""
    locale_index, page_indexes = task
    catalog = _SITE.catalogs[locale_index]
    use_catalog(_SITE.env, catalog)
    for index in page_indexes:
        page = _SITE.pages[index]
        write_file(_ROOT, output_file(catalog.locale, page.path), render_page(_SITE, catalog, page))
    return len(page_indexes)


def render_site(site: Site, root: Path, jobs: int, progress: Callable[[int, int], None]) -> int:
    """Render every page in every locale into ``root``, in ``jobs`` processes."""
    global _SITE, _ROOT
    _SITE, _ROOT = site, root
    tasks = render_tasks(site)
    total, done = len(site.pages) * len(site.catalogs), 0
    try:
        for count in run_tasks(tasks, jobs):
            done += count
            progress(done, total)
    finally:
        _SITE = _ROOT = None
    return done


def run_tasks(tasks: list, jobs: int) -> Iterator[int]:
    """Run render_chunk over the tasks, in this process or in a pool of forked workers."""
    if jobs <= 1:
        yield from map(render_chunk, tasks)
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap_unordered(render_chunk, tasks)
