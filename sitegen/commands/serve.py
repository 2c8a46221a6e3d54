"""The serve command: build, preview the site on a local web server, rebuild on every change."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..errors import BuildError
from .build import BuildOptions, run_build

# What an author edits; a change to any file below these folders starts a rebuild.
WATCHED = ("content", "templates", "locales", "static")
POLL_SECONDS = 0.3
REFRESH_DELAY = 1.0  # seconds without a change before the search index is brought up to date


def run_serve(options: BuildOptions, port: int, watch: bool = True) -> int:
    """Build the site and serve it at http://127.0.0.1:PORT/ under its base URL until interrupted."""
    run_build(options)
    base = options.base_url.strip("/") if options.base_url else ""
    handler = functools.partial(PreviewHandler, directory=str(options.out), base=base)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        print(f"Serving {options.out} at http://127.0.0.1:{port}/{base + '/' if base else ''} (Ctrl+C stops)",
              flush=True)
        try:
            if watch:
                print(f"Watching {', '.join(name + '/' for name in WATCHED)} for changes", flush=True)
                watch_and_rebuild(options)
            else:
                thread.join()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    return 0


def input_state(project: Path) -> tuple:
    """Every watched file with its size and modification time."""
    found = []
    for name in WATCHED:
        folder = project / name
        if folder.is_dir():
            for path in folder.rglob("*"):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


def watch_and_rebuild(options: BuildOptions) -> None:
    """Rebuild whenever a watched file changes; a failed build is reported and the old site stays.

    The rebuild leaves the search index alone, so the changed pages are served at once; once
    the files have been still for a moment, ``SearchRefresh`` brings the index up to date.
    """
    quick = dataclasses.replace(options, search=False)
    refresh = SearchRefresh(options) if options.search else None
    try:
        watch(options, quick, refresh)
    finally:
        if refresh:
            refresh.cancel()


def watch(options: BuildOptions, quick: BuildOptions, refresh: "SearchRefresh | None") -> None:
    """The loop of ``watch_and_rebuild``."""
    last = input_state(options.project)
    while True:
        time.sleep(POLL_SECONDS)
        current = input_state(options.project)
        if current == last:
            if refresh:
                refresh.poll()
            continue
        while True:  # an editor may save in several steps: wait until the files are still
            time.sleep(POLL_SECONDS / 3)
            settled = input_state(options.project)
            if settled == current:
                break
            current = settled
        last = current
        if refresh:
            refresh.cancel()
        print("Change detected: rebuilding", flush=True)
        try:
            run_build(quick)
        except BuildError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            print("The previous build is still served; fix the error and save again.", file=sys.stderr, flush=True)
            continue
        if refresh:
            refresh.schedule()


class SearchRefresh:
    """Brings the search index up to date in a separate ``build.py`` run, stopped by the next change.

    A stopped run leaves the site as it was (a build that fails or is interrupted puts
    everything back), and the index stays marked as out of date for the next one.
    """

    def __init__(self, options: BuildOptions):
        self.command = [sys.executable, str(options.project / "build.py"), "build", "--out", str(options.out),
                        "--quiet", "--jobs", str(options.jobs)]
        if options.base_url is not None:
            self.command += ["--base-url", options.base_url]
        if options.site_url is not None:
            self.command += ["--site-url", options.site_url]
        self.project = options.project
        self.process: subprocess.Popen | None = None
        self.errors = None
        self.due: float | None = None

    def schedule(self) -> None:
        """Start a refresh once the files have been still for ``REFRESH_DELAY`` seconds."""
        self.due = time.monotonic() + REFRESH_DELAY

    def poll(self) -> None:
        """Start the refresh when it is due; report it when it has finished."""
        if self.process is None:
            if self.due is not None and time.monotonic() >= self.due:
                self.due = None
                self.errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
                self.process = subprocess.Popen(self.command, cwd=self.project, stdout=subprocess.DEVNULL,
                                                stderr=self.errors)
            return
        code = self.process.poll()
        if code is None:
            return
        self.process = None
        self.errors.seek(0)
        lines = [line for line in self.errors.read().splitlines() if line.startswith("error:")]
        self.errors.close()
        if code == 0:
            print("Search index updated", flush=True)
        else:
            print(lines[-1] if lines else f"the search index could not be updated (exit code {code})",
                  file=sys.stderr, flush=True)

    def cancel(self) -> None:
        """Stop a running refresh (the site stays as it was) and forget a planned one."""
        self.due = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()  # build.py stops as on Ctrl+C, putting the site back
                self.process.wait()
            self.process = None
            self.errors.close()


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serve the site as GitHub Pages would: under the base path, with 404.html for missing pages."""

    def __init__(self, *args, base: str = "", **kwargs):
        self.base = f"/{base}" if base else ""
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:
        """Keep the terminal for build messages: requests are not logged."""

    def translate_path(self, path: str) -> str:
        if self.base and (path == self.base or path.startswith(self.base + "/")):
            path = path[len(self.base):] or "/"
        return super().translate_path(path)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        page = self.translate_path(self.base + "/404.html")
        try:
            with open(page, "rb") as handle:
                body = handle.read()
        except OSError:
            super().send_error(code, message, explain)
            return
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
