"""The serve command: build, then preview the site on a local web server."""

from __future__ import annotations

import functools
import http.server

from .build import BuildOptions, run_build


def run_serve(options: BuildOptions, port: int) -> int:
    """Build the site and serve it at http://127.0.0.1:PORT/ under its base URL until interrupted."""
    run_build(options)
    base = options.base_url.strip("/") if options.base_url else ""
    handler = functools.partial(PreviewHandler, directory=str(options.out), base=base)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"Serving {options.out} at http://127.0.0.1:{port}/{base + '/' if base else ''} (Ctrl+C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serve the site as GitHub Pages would: under the base path, with 404.html for missing pages."""

    def __init__(self, *args, base: str = "", **kwargs):
        self.base = f"/{base}" if base else ""
        super().__init__(*args, **kwargs)

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
