"""Every page type, in every locale, is valid HTML for the Nu Html Checker (vnu.jar): zero errors.

The checker is slow to start, so all sampled pages go to one ``java -jar vnu.jar`` call.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from browser_support import LOCALES, page_paths, protocol, require
from conftest import PROJECT
from sitegen import urls
from sitegen.urls import output_file

VNU = PROJECT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def sample(site: Path) -> dict[str, Path]:
    """One page of every type in every locale (two kinds of pair page, the redirect and 404)."""
    smtp = protocol()
    paths = {kind: path for kind, path in page_paths().items() if kind != "not_found"}
    paths["not_found"] = urls.not_found_path()
    paths["enhanced_class"] = urls.enhanced_class_path(smtp, smtp.enhanced[-1], 5)
    paths["last_code"] = urls.code_path(smtp, smtp.codes[-1])
    without_note = next((pair for pair in smtp.pairs() if tuple(sorted(c.code for c in pair)) not in smtp.notes), None)
    if without_note:
        paths["pair_without_note"] = urls.pair_path(smtp, *without_note)
    files = {}
    for locale in LOCALES:
        for kind, path in paths.items():
            files[f"{locale.identifier}:{kind}"] = site / output_file(locale, path)
    return files


def validate(files: list[Path]) -> list[dict]:
    """The checker's error messages for ``files``, in one run."""
    require(shutil.which("java") is not None, "Java is not installed: the Nu Html Checker needs it")
    require(VNU.exists(), "vnu-jar is not installed: npm install (./scripts/test does it)")
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json",
                             *map(str, files)], capture_output=True, text=True, timeout=600)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def describe(message: dict) -> str:
    return f"{message.get('url', '')}:{message.get('lastLine', '?')}: {message['message']} ({message.get('extract', '').strip()!r})"


def test_every_page_type_in_every_locale_is_valid_html(site, repo_site):
    files = sample(site)
    missing = [name for name, path in files.items() if not path.is_file()]
    assert not missing, f"pages not built: {missing}"
    # the root 404 page of a project site carries every locale's text
    checked = list(files.values()) + [repo_site / "404.html", repo_site / output_file(LOCALES[-1], "")]
    errors = validate(checked)
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(map(describe, errors[:30]))


def test_the_checker_reports_errors(tmp_path):
    """The validation really runs: a broken page is reported."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></span></html>", encoding="utf-8")
    assert validate([page])
