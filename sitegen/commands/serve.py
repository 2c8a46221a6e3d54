"""The serve command: build, preview the site on a local web server, rebuild on every change."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
import time
from pathlib import Path

from ..errors import BuildError
from .build import BuildOptions, run_build

# What an author edits; a change to any file below these folders starts a rebuild.
WATCHED = ("content", "templates", "locales", "static")
POLL_SECONDS = 0.3


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
    """Rebuild whenever a watched file changes; a failed build is reported and the old site stays."""
    last = input_state(options.project)
    while True:
        time.sleep(POLL_SECONDS)
        current = input_state(options.project)
        if current == last:
            continue
        while True:  # an editor may save in several steps: wait until the files are still
            time.sleep(POLL_SECONDS / 3)
            settled = input_state(options.project)
            if settled == current:
                break
            current = settled
        last = current
        print("Change detected: rebuilding", flush=True)
        try:
            run_build(options)
        except BuildError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            print("The previous build is still served; fix the error and save again.", file=sys.stderr, flush=True)


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
