"""The build command: content, catalogs and templates in, a complete site out.

A build with nothing changed since the last one does nothing (no file is written). Any
other build renders only the pages whose inputs changed (``cache.py`` decides, per page),
into a work tree beside the site that is swapped in when everything succeeded
(``output.py``), then runs the post-build steps (``POST_STEPS``, each called with the
prepared site and the root of the complete new tree).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..api import write_api
from ..cache import BuildCache, Dependencies, Manifest, ManifestBuilder, scan_inputs
from ..catalogs import discover_locales
from ..decoder_data import write_decoder_data
from ..incremental import (PostFiles, build_lock, clear_post_files, load_state, remove_stale, save_state,
                           update_static)
from ..locales import SOURCE_LOCALE
from ..output import (MARKER, check_output_folder, exchange, read_token, recording_writes, remove_tree, spare_folder,
                      staging_name, write_marker)
from ..prepare import build_date, prepare_site, read_all_catalogs
from ..progress import Progress, interactive
from ..search import write_search_index
from ..seo import write_seo_files
from ..urls import Urls
from ..workers import Job, render_site


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
# Steps whose time is reported on its own (the issue: search indexing is timed separately).
SEPARATELY_TIMED = ("write_search_index",)


@dataclass
class BuildReport:
    """Figures about one build, for the summary line and the benchmark."""

    pages: int = 0
    written: int = 0
    linked: int = 0
    kept: int = 0
    removed: int = 0
    languages: int = 0
    up_to_date: bool = False
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.linked + self.kept

    def as_dict(self) -> dict:
        return {"pages": self.pages, "written": self.written, "unchanged": self.unchanged, "linked": self.linked,
                "kept": self.kept, "removed": self.removed, "languages": self.languages,
                "up_to_date": self.up_to_date, "seconds": self.seconds, "phases": dict(self.phases)}

    def summary(self, out: Path) -> str:
        search = sum(self.phases.get(name, 0.0) for name in SEPARATELY_TIMED)
        build = self.seconds - search
        if self.up_to_date:
            return (f"Built {self.pages:,} pages in {self.languages} languages into {out} in {self.seconds:.2f} s: "
                    "nothing changed, no file written")
        text = (f"Built {self.pages:,} pages in {self.languages} languages into {out} in {build:.2f} s: "
                f"{self.written:,} written, {self.unchanged:,} unchanged")
        if self.removed:
            text += f", {self.removed:,} removed"
        if search:
            text += f"; search index {search:.2f} s"
        return text


def run_build(options: BuildOptions) -> dict:
    """Build the site into ``options.out``; returns figures about the build (``BuildReport``)."""
    started = time.perf_counter()
    progress = Progress(enabled=not options.quiet and interactive())
    report = BuildReport()
    out, project = options.out, options.project
    check_output_folder(out)
    cache = BuildCache(project)
    try:
        with build_lock(cache, out, notice=lambda text: print(text, file=sys.stderr)):
            build(options, cache, progress, report, started)
    finally:
        progress.clear()
    report.seconds = time.perf_counter() - started
    if not options.quiet:
        print(report.summary(out))
    return report.as_dict()


def build(options: BuildOptions, cache: BuildCache, progress: Progress, report: BuildReport, started: float) -> None:
    out, project = options.out, options.project
    phases = report.phases

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - since
        return now

    progress.phase("Checking inputs")
    urls = Urls.create(options.base_url, options.site_url)
    date = build_date(project)
    locales = (SOURCE_LOCALE, *(path.stem for path in discover_locales(project / "locales")))
    inputs = scan_inputs(project, (urls.base, urls.site_url), date.isoformat(), locales)
    state = load_state(cache, out)
    live_token = read_token(out) if out.is_dir() else None
    live_manifest = Manifest.load(cache.manifest_path(out, live_token)) if live_token else None
    report.languages = len(locales)
    now = lap("inputs", started)
    if live_manifest is not None and state.get("inputs", {}).get(live_token) == inputs.everything:
        for warning in state.get("warnings", ()):
            print(warning, file=sys.stderr)
        report.up_to_date = True
        report.pages = report.kept = sum(1 for kind in live_manifest.kinds if kind == 0)
        return

    progress.phase("Preparing")
    site = prepare_site(project, urls, cache=cache, eager=False, date=date, catalog_digests=inputs.catalogs)
    dependencies = Dependencies(site.protocols, inputs, project)
    page_digests = [dependencies.page(page) for page in site.pages]
    locale_bases = [inputs.locale_base(catalog.locale.identifier if not catalog.locale.is_source else SOURCE_LOCALE)
                    for catalog in site.catalogs]
    now = lap("prepare", now)

    spare = spare_folder(out)
    spare_token = read_token(spare) if spare.is_dir() else None
    work_manifest = Manifest.load(cache.manifest_path(out, spare_token)) \
        if live_manifest is not None and spare_token else None
    if work_manifest is not None:
        work = spare
        (work / MARKER).unlink()  # from here on the spare is a work in progress
    else:
        remove_tree(spare)
        work = staging_name(out)
        remove_tree(work)
        out.parent.mkdir(parents=True, exist_ok=True)
        work.mkdir()
        work_manifest = Manifest()
    live = out if live_manifest is not None else None
    try:
        rows = ManifestBuilder()
        report.written += update_static(project / "static", work, live, work_manifest, live_manifest, rows)
        progress.phase("Rendering", "pages")
        job = Job(site=site, page_digests=page_digests, locale_bases=locale_bases, work_root=str(work),
                  live_root=str(out) if live is not None else None, work=work_manifest, live=live_manifest)
        jobs = options.jobs or os.cpu_count() or 1
        result, page_rows = render_site(job, jobs, progress.update)
        rows.extend(page_rows)
        report.pages, report.written, report.linked, report.kept = \
            result.pages, report.written + result.written, result.linked, result.kept

        phases["render:locales (workers)"] = result.locale_seconds
        phases["render:pages (workers)"] = result.render_seconds
        report.removed = remove_stale(work, work_manifest, rows)
        now = lap("render", now)
        clear_post_files(work, work_manifest, rows, state.get("owners", {}), phases)
        now = time.perf_counter()
        warnings = read_all_catalogs(site)
        for warning in warnings:
            print(warning, file=sys.stderr)
        now = lap("catalogs", now)
        post = PostFiles(work, rows, live, live_manifest)
        for step in POST_STEPS:
            progress.phase(f"Post-build: {step.__name__}")
            before = post.entries()
            with recording_writes() as written:
                step(site, work)
            post.collect(step.__name__, before, written)
            now = lap(step.__name__, now)
        site.localized.save_caches()

        manifest = rows.build()
        write_marker(work)
        token = read_token(work)
        manifest.save(cache.manifest_path(out, token))
        if out.exists():
            exchange(work, out)
            if live is None:
                remove_tree(work)  # the old site's content is unknown: do not keep it
            elif work != spare:
                work.rename(spare)
        else:
            work.rename(out)
    except BaseException:
        remove_tree(work)
        raise
    state_inputs = dict(state.get("inputs", {}))
    state_inputs[token] = inputs.everything
    keep = {token} | ({live_token} if live is not None else set())
    save_state(cache, out, {"inputs": state_inputs, "warnings": warnings, "owners": post.owners}, keep)
    cache.prune()
    lap("finish", now)
