"""``build.py serve``: the preview server rebuilds the site when an author saves a file.

The server runs as a user starts it, in its own process, on a copy of the project with two
languages. The test edits files and waits (with a generous limit, not a timing assertion)
until the served page shows the change, or the error is reported.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

WAIT_SECONDS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``build.py serve`` running in the background, its output collected line by line."""

    def __init__(self, project: Path, out: Path):
        self.port = free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, str(project / "build.py"), "serve", "--out", str(out), "--port", str(self.port),
             "--base-url", "/docs/"],
            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, test, what: str):
        """Poll ``test()`` until it returns something true; fail with the server's output after a while."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            result = test()
            if result:
                return result
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"waited in vain for {what}; server output:\n" + "\n".join(self.lines[-40:]))

    def output_has(self, pattern: str, start: int = 0) -> bool:
        return any(re.search(pattern, line) for line in self.lines[start:])

    def page(self, path: str) -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/docs/{path}", timeout=10) as response:
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            return ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def server(small_project, tmp_path):
    running = Server(small_project, tmp_path / "site")
    running.wait_for(lambda: running.output_has(r"^Watching "), "the first build")
    yield running
    running.stop()


def test_serve_rebuilds_after_an_edit_and_survives_a_broken_file(server, small_project):
    assert "<h1" in server.page("smtp/550/")
    code_file = small_project / "content/smtp/codes/550.toml"
    original = code_file.read_text(encoding="utf-8")
    edited, count = re.subn(r"^(when = '''\n)", r"\1A sentence the author just added.\n\n", original, count=1,
                            flags=re.M)
    assert count == 1
    code_file.write_text(edited, encoding="utf-8")
    server.wait_for(lambda: "A sentence the author just added." in server.page("smtp/550/"), "the edited page")
    assert "A sentence the author just added." in server.page("smtp/450-vs-550/")
    # The rebuild left the search index alone; it is brought up to date in the background.
    server.wait_for(lambda: server.output_has(r"^Search index updated$"), "the search index")

    mark = len(server.lines)
    code_file.write_text(edited.replace("title = ", "title = = ", 1), encoding="utf-8")
    server.wait_for(lambda: server.output_has(r"^error: .*550\.toml", mark), "the error message")
    assert not server.output_has("Traceback", mark)
    assert server.process.poll() is None, "the server stopped after a failed build"
    assert "A sentence the author just added." in server.page("smtp/550/")

    code_file.write_text(original, encoding="utf-8")
    server.wait_for(lambda: "A sentence the author just added." not in server.page("smtp/550/")
                    and "<h1" in server.page("smtp/550/"), "the page after the fix")
    assert 'class="not-found' in server.page("smtp/no-such-code/") or "404" in server.page("smtp/no-such-code/")


def test_serve_without_watching_only_serves(small_project, tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(small_project / "build.py"), "serve", "--out", str(tmp_path / "site"), "--port",
         str(port), "--no-watch", "--quiet"], cwd=small_project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("Serving "), first
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/smtp/550/", timeout=10) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
