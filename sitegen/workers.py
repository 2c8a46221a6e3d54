"""Render the pages that changed, in the main process and forked workers.

The main process prepares what all pages share (content, templates, the plan, each page's
dependency digest, the manifest of the tree being updated), computes every page's key
(``plan_pages``) and renders only the pages whose key differs from the tree's. A rendered
page whose bytes equal the tree's file is left alone (it keeps its modification time);
any other is written, under its pending name when the tree is the live site (see
``incremental.Changes``).

Then it forks the workers, which inherit all of it without copying, and renders along with
them. A task is a run of pages of one locale; a process keeps to one locale as long as it
has pages, because it parses that locale's catalog and localizes the content first
(``site.localized`` is filled on first use). When a process runs out of locales it takes
part of the largest remaining one. Pages that show every catalog (the coverage table, the
root 404 page) are rendered last, once every catalog has been read (the first coverage page
reads their coverage). No rendered page is kept in memory.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from .cache import (ALL_CATALOG_KINDS, KIND_PAGE, Manifest, ManifestBuilder, key64, path_hash,
                    shows_every_catalog)
from .errors import BuildError
from .incremental import pending_path
from .output import remove_file, write_new
from .prepare import LazyCatalog, read_all_catalogs
from .render import Site, render_page
from .speedups import install_translations
from .urls import output_file

CHUNK = 48
STEAL_MINIMUM = 3  # runs left in a locale before another worker helps (and localizes it too)


@dataclass
class Job:
    """Everything the workers need, set up by the main process before forking."""

    site: Site
    page_digests: list[bytes]
    catalogs: bytes  # the digest of every catalog, for the pages that show them all
    locale_bases: list[bytes]
    root: str
    in_place: bool
    tree: Manifest


@dataclass
class Result:
    """What rendering a run of pages did: counts, times and the files staged in the live tree."""

    written: int = 0
    kept: int = 0  # not rendered (same key as the tree's file) or rendered to the same bytes
    rendered: int = 0
    seconds: float = 0.0
    locale_seconds: float = 0.0
    render_seconds: float = 0.0
    staged: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return self.written + self.kept

    def add(self, other: "Result") -> None:
        self.written += other.written
        self.kept += other.kept
        self.rendered += other.rendered
        self.staged += other.staged
        self.seconds += other.seconds
        self.locale_seconds += other.locale_seconds
        self.render_seconds += other.render_seconds


_JOB: Job | None = None


class Renderer:
    """One process's renderer: switches locale when needed, renders and writes pages."""

    def __init__(self, job: Job):
        self.job = job
        self.locale_index: int | None = None
        self.coverage_ready = False

    def use_locale(self, index: int):
        site = self.job.site
        if self.locale_index != index:
            if self.locale_index is not None:
                site.localized.forget(site.catalogs[self.locale_index].locale.identifier)
            self.locale_index = index
            catalog = site.catalogs[index]
            install_translations(site.env, catalog.translations)
        return site.catalogs[index]

    def run(self, task: tuple[int, list[int]]) -> Result:
        """Render one run of pages of one locale (entries made by ``plan_pages``)."""
        locale_index, entries = task
        job = self.job
        site = job.site
        locale = site.catalogs[locale_index].locale
        result = Result()
        started = time.perf_counter()
        root, in_place = job.root, job.in_place
        for entry in entries:
            index, in_tree = entry >> 1, entry & IN_TREE
            page = site.pages[index]
            relative = output_file(locale, page.path)
            before = time.perf_counter()
            catalog = self.use_locale(locale_index)
            if page.kind in ALL_CATALOG_KINDS and not self.coverage_ready:
                read_all_catalogs(site)
                self.coverage_ready = True
            catalog = catalog.load() if isinstance(catalog, LazyCatalog) else catalog
            site.localized[catalog.locale.identifier]
            middle = time.perf_counter()
            result.locale_seconds += middle - before
            data = render_page(site, catalog, page)
            result.render_seconds += time.perf_counter() - middle
            result.rendered += 1
            if in_tree and same_as_file(os.path.join(root, relative), data):
                result.kept += 1
                continue
            write_new(pending_path(root, relative, in_place), data)
            result.written += 1
            if in_place:
                result.staged.append(relative)
        result.seconds = time.perf_counter() - started
        return result

    def finish(self) -> None:
        """Store what this process learned (rendered Markdown) for the next build."""
        self.job.site.localized.save_caches()


def same_as_file(path: str, data: bytes) -> bool:
    """Whether a file holds exactly ``data``."""
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


# A planned page is one int: its index in site.pages, shifted, and this flag.
IN_TREE = 1


@dataclass
class Plan:
    """Every page's manifest row, and the pages to render, per phase and locale."""

    rows: ManifestBuilder
    phases: list[dict[int, list[int]]]
    kept: int
    total: int


def plan_pages(job: Job) -> Plan:
    """Compute every page's key and keep the pages whose key the tree already has."""
    site, tree = job.site, job.tree
    rows = ManifestBuilder()
    phases: list[dict[int, list[int]]] = [{}, {}]
    kept = 0
    for locale_index, catalog in enumerate(site.catalogs):
        locale = catalog.locale
        base = job.locale_bases[locale_index]
        for index, page in enumerate(site.pages):
            relative = output_file(locale, page.path)
            hashed = path_hash(relative)
            every_catalog = shows_every_catalog(page.kind, locale.is_source)
            key = key64(base, job.page_digests[index], job.catalogs if every_catalog else b"")
            rows.add(hashed, key, KIND_PAGE, relative)
            current = tree.get(hashed)
            if current == key:
                kept += 1
                continue
            entry = index << 1 | (IN_TREE if current is not None else 0)
            phases[every_catalog].setdefault(locale_index, []).append(entry)
    return Plan(rows, phases, kept, len(site.pages) * len(site.catalogs))


def chunks(entries: list[int], size: int = CHUNK) -> list[list[int]]:
    """Runs of ``size`` pages to render."""
    return [entries[start:start + size] for start in range(0, len(entries), size)]


class Scheduler:
    """Hands out runs of pages, keeping each worker on one locale as long as possible."""

    def __init__(self, plan: Plan):
        self.phases = [{n: deque(chunks(entries)) for n, entries in phase.items()} for phase in plan.phases]
        self.phase = 0
        self.started: set[int] = set()
        self.current: dict[int, int] = {}
        self.running = 0
        self.total = plan.total

    def _queues(self) -> dict[int, deque]:
        while self.phase < len(self.phases) and not any(self.phases[self.phase].values()):
            if self.running:
                return {}
            self.phase += 1
            self.started = set()
        return self.phases[self.phase] if self.phase < len(self.phases) else {}

    def next(self, worker: int) -> tuple[int, list[int]] | None:
        """The next run of pages for ``worker``, or None when it has to wait or stop."""
        queues = self._queues()
        if not queues:
            return None
        mine = self.current.get(worker)
        if mine is not None and queues.get(mine):
            return self._take(worker, mine, queues[mine].popleft())
        for locale, queue in queues.items():
            if queue and locale not in self.started:
                self.started.add(locale)
                return self._take(worker, locale, queue.popleft())
        largest = max(queues, key=lambda n: len(queues[n]))
        if len(queues[largest]) >= STEAL_MINIMUM or self.phase > 0 or not self.running:
            return self._take(worker, largest, queues[largest].pop())
        return None

    def _take(self, worker: int, locale: int, indexes: list[int]) -> tuple[int, list[int]]:
        self.current[worker] = locale
        self.running += 1
        return locale, indexes

    def done(self) -> None:
        self.running -= 1

    @property
    def finished(self) -> bool:
        return not self.running and not self._queues()


def render_site(job: Job, jobs: int, progress) -> tuple[Result, ManifestBuilder]:
    """Render every changed page of every locale into the tree; ``progress(done, total)``.

    Returns what was done and the manifest rows of every page.
    """
    global _JOB
    plan = plan_pages(job)
    scheduler = Scheduler(plan)
    total = Result(kept=plan.kept)
    _JOB = job
    try:
        return _render(job, plan, scheduler, jobs, progress, total)
    except BaseException:
        if job.in_place:
            remove_pending(job, plan)
        raise
    finally:
        _JOB = None


def remove_pending(job: Job, plan: Plan) -> None:
    """Delete whatever pending page files a failed render left in the live tree."""
    for phase in plan.phases:
        for locale_index, entries in phase.items():
            locale = job.site.catalogs[locale_index].locale
            for entry in entries:
                relative = output_file(locale, job.site.pages[entry >> 1].path)
                remove_file(job.root, os.path.relpath(pending_path(job.root, relative, True), job.root))


def _render(job: Job, plan: Plan, scheduler: "Scheduler", jobs: int, progress,
            total: Result) -> tuple[Result, ManifestBuilder]:
    """Render the planned pages in this process alone, or with forked workers."""
    work = sum(len(entries) for phase in plan.phases for entries in phase.values())
    if jobs > 1 and work > CHUNK:
        return run_pool(job, scheduler, jobs, progress, total), plan.rows
    renderer = Renderer(job)
    while True:
        task = scheduler.next(0)
        if task is None:
            break
        total.add(renderer.run(task))
        scheduler.done()
        progress(total.pages, scheduler.total)
    renderer.finish()
    return total, plan.rows


def run_pool(job: Job, scheduler: Scheduler, jobs: int, progress, total: Result) -> Result:
    """Render with ``jobs`` processes: the main process and ``jobs - 1`` forked workers.

    The main process renders too (it would only wait otherwise), between handing out
    tasks; each forked worker gets its next task before it finishes the current one.
    """
    context = multiprocessing.get_context("fork")
    gc.collect()
    gc.freeze()  # objects made so far are shared with the workers: keep the collector off their pages
    workers = []
    local = jobs - 1
    renderer = Renderer(job)
    failure: BaseException | None = None
    try:
        for number in range(jobs - 1):
            mine, theirs = context.Pipe()
            process = context.Process(target=worker_main, args=(theirs,), daemon=True)
            process.start()
            theirs.close()
            workers.append((number, process, mine))
        connections = {connection: number for number, _, connection in workers}
        outstanding = {number: 0 for number, _, _ in workers}

        def feed() -> None:
            for number, _, connection in workers:
                while failure is None and outstanding[number] < 2:
                    task = scheduler.next(number)
                    if task is None:
                        break
                    connection.send(task)
                    outstanding[number] += 1

        def receive(timeout: float | None) -> None:
            nonlocal failure
            waiting = [c for c, n in connections.items() if outstanding[n]]
            for connection in wait(waiting, timeout) if waiting else []:
                number = connections[connection]
                try:
                    kind, payload = connection.recv()
                except EOFError:
                    kind, payload = "crash", f"worker {number} stopped unexpectedly"
                    outstanding[number] = 1
                outstanding[number] -= 1
                scheduler.done()
                if kind == "done":
                    total.add(payload)
                    progress(total.pages, scheduler.total)
                elif failure is None:
                    failure = payload if isinstance(payload, BaseException) else RuntimeError(payload)

        while True:
            feed()
            task = scheduler.next(local) if failure is None else None
            if task is not None:
                try:
                    total.add(renderer.run(task))
                except BuildError as error:
                    failure = failure or error
                scheduler.done()
                progress(total.pages, scheduler.total)
                receive(0)
                continue
            if not any(outstanding.values()):
                if failure is not None or scheduler.finished:
                    break
                continue
            receive(None)
        if failure is not None:
            raise failure
        for _, _, connection in workers:
            connection.send(None)
        for _, process, connection in workers:
            try:
                message = connection.recv()
            except EOFError:
                message = ("crash", "a worker stopped before saving its caches")
            if message[0] != "finished":
                raise RuntimeError(message[1])
            process.join()
        renderer.finish()
        return total
    finally:
        for _, process, connection in workers:
            if process.is_alive():
                process.terminate()
            process.join(timeout=5)
            connection.close()
        gc.unfreeze()


def worker_main(connection) -> None:
    """A worker's loop: render each task it is sent until it is sent None."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the main process stops its workers with SIGTERM
    renderer = Renderer(_JOB)
    while True:
        task = connection.recv()
        if task is None:
            break
        try:
            connection.send(("done", renderer.run(task)))
        except BuildError as error:
            connection.send(("error", error))
        except BaseException:  # a bug: pass its traceback to the main process
            connection.send(("crash", traceback.format_exc()))
    try:
        renderer.finish()
        connection.send(("finished", None))
    except BaseException:
        connection.send(("crash", traceback.format_exc()))
    connection.close()
    os._exit(0)
