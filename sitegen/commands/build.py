"""The build command: content, catalogs and templates in, a complete site out.

A build with nothing changed since the last one does nothing (no file is written). Any
other build renders only the pages whose inputs changed (``cache.py`` decides, per page).
When the last build of the output folder is known, the site is updated in place: changed
files are written beside their targets and put in place together (``incremental.Changes``),
so a failure leaves the site as it was. Otherwise the site is built in a new folder that
replaces the old one when complete (``output.py``). Then the post-build steps
(``POST_STEPS``, each called with the prepared site, a folder for its files and the tree
of built pages) write into a scratch folder, and the files that differ are staged too.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..api import write_api
from ..cache import KIND_PAGE, KIND_POST, KIND_STATIC, BuildCache, Dependencies, Manifest, ManifestBuilder, scan_inputs
from ..catalogs import discover_locales
from ..decoder_data import write_decoder_data
from ..incremental import (Changes, build_lock, keep_post_files, load_state, save_state, stage_post_files, stale_files,
                           update_static)
from ..locales import SOURCE_LOCALE
from ..output import (check_output_folder, exchange, read_token, remove_tree, scratch_name, staging_name,
                      write_marker)
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
    search: bool = True  # False: keep the search index as it is (it is brought up to date by a later build)


POST_STEPS = (write_api, write_decoder_data, write_seo_files, write_search_index)
# The search index: timed on its own, run only when a page changed (it reads nothing else)
# and left as it is under --no-search, until a build with search brings it up to date.
SEARCH_STEPS = ("write_search_index",)
# Post-build steps that read the catalogs; the others read only content (and the site).
TRANSLATED_STEPS = ("write_decoder_data",)
# What the progress line says during a step of a build that updates the live site.
PHASES = {"write_search_index": "Updating the search index (the new pages are already live)"}


@dataclass
class BuildReport:
    """Figures about one build, for the summary line and the benchmark."""

    pages: int = 0
    pages_written: int = 0
    pages_rendered: int = 0
    written: int = 0  # every file: pages, static files and the post-build steps' files
    removed: int = 0
    languages: int = 0
    up_to_date: bool = False
    search_stale: bool = False
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"pages": self.pages, "pages_written": self.pages_written, "pages_rendered": self.pages_rendered,
                "unchanged": self.pages - self.pages_written,
                "written": self.written, "removed": self.removed, "languages": self.languages,
                "up_to_date": self.up_to_date, "seconds": self.seconds, "phases": dict(self.phases)}

    def summary(self, out: Path) -> str:
        search = sum(self.phases.get(name, 0.0) for name in SEARCH_STEPS)
        build = self.seconds - search
        if self.up_to_date:
            return (f"Built {self.pages:,} pages in {self.languages} languages into {out} in {self.seconds:.2f} s: "
                    "nothing changed, no file written")
        text = (f"Built {self.pages:,} pages in {self.languages} languages into {out} in {build:.2f} s: "
                f"{self.pages_written:,} written, {self.pages - self.pages_written:,} unchanged")
        others = self.written - self.pages_written
        if others:
            text += f"; {others:,} other files written"
        if self.removed:
            text += f"; {self.removed:,} files removed"
        if search:
            text += f"; search index {search:.2f} s"
        elif self.search_stale:
            text += "; search index left as it was, to be updated by the next build with search"
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
    outdated = set(state.get("outdated", ())) if live_manifest is not None else set()
    if live_manifest is not None and state.get("inputs", {}).get(live_token) == inputs.everything \
            and not (outdated and options.search):
        for warning in state.get("warnings", ()):
            print(warning, file=sys.stderr)
        report.up_to_date = True
        report.pages = sum(1 for kind in live_manifest.kinds if kind == KIND_PAGE)
        return

    progress.phase("Preparing")
    site = prepare_site(project, urls, cache=cache, eager=False, date=date, catalog_digests=inputs.catalogs)
    dependencies = Dependencies(site.protocols, inputs, project)
    page_digests = [dependencies.page(page) for page in site.pages]
    locale_bases = [inputs.locale_base(catalog.locale.identifier if not catalog.locale.is_source else SOURCE_LOCALE)
                    for catalog in site.catalogs]
    now = lap("prepare", now)

    in_place = live_manifest is not None
    if in_place:
        root, tree = out, live_manifest
        # Until this build succeeds, the live tree's content is not known for sure.
        cache.manifest_path(out, live_token).unlink()
    else:
        root, tree = staging_name(out), Manifest()
        remove_tree(root)
        out.parent.mkdir(parents=True, exist_ok=True)
        root.mkdir()
    changes = Changes(root, in_place)
    scratch = scratch_name(out)
    remove_tree(scratch)
    owners = dict(state.get("owners", {}))
    try:
        rows = ManifestBuilder()
        report.written += update_static(project / "static", changes, tree, rows)
        progress.phase("Rendering", "pages")
        job = Job(site=site, page_digests=page_digests, catalogs=dependencies.catalogs, locale_bases=locale_bases,
                  root=str(root), in_place=in_place, tree=tree)
        jobs = options.jobs or os.cpu_count() or 1
        result, page_rows = render_site(job, jobs, progress.update)
        rows.extend(page_rows)
        changes.staged += result.staged
        report.pages, report.pages_written, report.pages_rendered = result.pages, result.written, result.rendered
        report.written += result.written
        for relative in stale_files(tree, rows, (KIND_PAGE, KIND_STATIC)):
            changes.remove(relative)
        pages_changed = bool(changes.staged or changes.removals)
        phases["render:locales (workers)"] = result.locale_seconds
        phases["render:pages (workers)"] = result.render_seconds
        changes.apply()
        now = lap("render", now)
        warnings = read_all_catalogs(site)
        for warning in warnings:
            print(warning, file=sys.stderr)
        now = lap("catalogs", now)
        skipped, outdated = search_plan(options.search, in_place and not pages_changed, outdated)
        post_inputs = {step.__name__: dependencies.post_step(step.__name__ in TRANSLATED_STEPS)
                       for step in POST_STEPS if step.__name__ not in SEARCH_STEPS}
        if in_place:  # the live site's files of a step whose inputs are as before are up to date
            skipped += tuple(name for name, key in post_inputs.items() if state.get("post", {}).get(name) == key)
        report.search_stale = bool(outdated)
        run_post_steps(site, scratch, root, owners, skipped, progress, lap, live=in_place)
        for name in skipped:
            keep_post_files(tree, rows, {top for top, owner in owners.items() if owner == name})
        for top in sorted(os.listdir(scratch)):  # staging and clearing up count as the step's time
            now = time.perf_counter()
            report.written += stage_post_files(scratch, top, changes, tree, rows)
            remove_tree(scratch / top)
            lap(owners.get(top, "post"), now)
        now = time.perf_counter()
        for relative in stale_files(tree, rows, (KIND_POST,)):
            changes.remove(relative)
        changes.apply()
        report.removed = changes.finish()
        site.localized.save_caches()
        manifest = rows.build()
        write_marker(root)
        token = read_token(root)
        manifest.save(cache.manifest_path(out, token))
        if not in_place:
            if out.exists():
                exchange(root, out)
                remove_tree(root)  # the old site, whose content is unknown
            else:
                root.rename(out)
    except BaseException:
        changes.discard()
        if in_place:
            live_manifest.save(cache.manifest_path(out, live_token))
        else:
            remove_tree(root)
        raise
    finally:
        remove_tree(scratch)
    state = {"inputs": {token: inputs.everything}, "warnings": warnings, "outdated": sorted(outdated),
             "post": post_inputs, "owners": {top: owner for top, owner in owners.items() if (out / top).exists()}}
    save_state(cache, out, state, token)
    cache.prune()
    lap("finish", now)


def search_plan(search: bool, pages_as_before: bool, outdated: set[str]) -> tuple[tuple[str, ...], set[str]]:
    """The search steps to skip, and those whose files are out of date after this build.

    Without ``search`` they are skipped, and out of date if any page changed; with it, they
    run unless the site's pages are as before and their files are up to date.
    """
    if not search:
        return SEARCH_STEPS, outdated if pages_as_before else set(SEARCH_STEPS)
    return (tuple(set(SEARCH_STEPS) - outdated) if pages_as_before else ()), set()


def run_post_steps(site, scratch: Path, root: Path, owners: dict[str, str], skipped: tuple[str, ...],
                   progress: Progress, lap, live: bool) -> None:
    """Run the post-build steps into ``scratch``, noting which step wrote each top-level name."""
    scratch.mkdir()
    for step in POST_STEPS:
        name = step.__name__
        if name in skipped:
            continue
        progress.phase(PHASES[name] if live and name in PHASES else f"Post-build: {name}")
        before = set(os.listdir(scratch))
        started = time.perf_counter()
        step(site, scratch, root)
        owners.update((top, name) for top in set(os.listdir(scratch)) - before)
        lap(name, started)
