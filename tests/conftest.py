"""Shared fixtures: the real site built once per session, and throwaway project copies."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

PROJECT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("build.py", "babel.cfg", "sitegen", "content", "templates", "locales", "static")
SITE_URL = "https://codes.example.org/"
SECOND_LOCALE = "tr"


def run_build(project: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``build.py`` of ``project`` as a user would, capturing its output."""
    return subprocess.run([sys.executable, str(project / "build.py"), *args], cwd=project,
                          capture_output=True, text=True, timeout=900)


def tiny_catalog(project: Path, identifier: str, translations: dict[str, str]) -> Path:
    """Write ``locales/<identifier>.po`` into a project copy, translating only ``translations``."""
    with open(project / "locales" / "messages.pot", "rb") as handle:
        catalog = read_po(handle, locale=identifier)
    for message in catalog:
        if message.id in translations:
            message.string = translations[message.id]
    path = project / "locales" / f"{identifier}.po"
    with open(path, "wb") as handle:
        write_po(handle, catalog)
    return path


def copy_project(target: Path) -> Path:
    """A copy of the project's inputs that a test may break."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = PROJECT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


def build_into(out: Path, *args: str) -> Path:
    """Build the real project into ``out``; fail the test with the build's output if it fails."""
    result = run_build(PROJECT, "--out", str(out), "--quiet", *args)
    assert result.returncode == 0, result.stderr + result.stdout
    return out


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The real site, built at base URL / with an absolute site URL."""
    return build_into(tmp_path_factory.mktemp("site") / "site", "--site-url", SITE_URL)


@pytest.fixture(scope="session")
def repo_site(tmp_path_factory) -> Path:
    """The real site, built for a GitHub project page under /repo/."""
    return build_into(tmp_path_factory.mktemp("repo") / "site", "--base-url", "/repo/",
                      "--site-url", "https://user.github.io/repo/")


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A private copy of the project's inputs."""
    return copy_project(tmp_path / "project")


# Real-browser fixtures, and sites in other languages for them.
from browser_support import (arabic_site, browser, browser_page, served, served_repo, traffic,  # noqa: E402,F401
                             translated)


@pytest.fixture
def small_project(tmp_path) -> Path:
    """A copy of the project with English and one other locale (quick to build)."""
    project = copy_project(tmp_path / "project")
    keep = project / "locales" / f"{SECOND_LOCALE}.po"
    if not keep.exists():
        pytest.skip(f"no {SECOND_LOCALE}.po catalog")
    for path in (project / "locales").glob("*.po"):
        if path != keep:
            path.unlink()
    return project
