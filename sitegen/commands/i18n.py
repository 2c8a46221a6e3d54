"""Translator workflow: extract the template catalog, update every .po, report coverage."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from ..catalogs import discover_locales, parse_po
from ..coverage import POT_NAME, Coverage, all_coverage
FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
PROJECT = "SMTP Reply Codes"


def extract_template(project: Path) -> Catalog:
    """Extract every translatable text from templates and content into a template catalog."""
    with open(project / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    template = Catalog(project=PROJECT, msgid_bugs_address="", fuzzy=False, charset="utf-8")
    template.creation_date = template.revision_date = FIXED_DATE
    for filename, lineno, message, comments, context in extract_from_dir(
            str(project), method_map, options_map, strip_comment_tags=True):
        if filename.startswith(("tests", "site", ".", "node_modules")):
            continue
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def pot_bytes(catalog: Catalog) -> bytes:
    """A catalog written as .po/.pot text, sorted so the output is stable."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=True, omit_header=False)
    return buffer.getvalue()


def run_extract(project: Path) -> Path:
    """Write ``locales/messages.pot`` from templates and content."""
    target = project / "locales" / POT_NAME
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(pot_bytes(extract_template(project)))
    return target


def run_update(project: Path) -> list[Path]:
    """Extract, then merge the template into every locale's .po (new entries untranslated)."""
    template = read_po(io.BytesIO(run_extract(project).read_bytes()))
    updated = []
    for path in discover_locales(project / "locales"):
        catalog = parse_po(path, path.read_bytes(), path.stem)
        catalog.update(template, update_header_comment=False)
        catalog.obsolete.clear()
        path.write_bytes(pot_bytes(catalog))
        updated.append(path)
    return updated


def format_coverage(rows: list[Coverage]) -> str:
    """A plain-text table of coverage per locale."""
    lines = [f"{'locale':<10} {'UI translated/fuzzy/untranslated':>34} {'content translated/fuzzy/untranslated':>40}"]
    for row in rows:
        ui = "{}/{}/{}".format(*row.ui) + f" ({Coverage.percent(row.ui)}%)"
        content = "{}/{}/{}".format(*row.content) + f" ({Coverage.percent(row.content)}%)"
        lines.append(f"{row.locale:<10} {ui:>34} {content:>40}")
    return "\n".join(lines)


def run_i18n(project: Path, action: str) -> int:
    """Run one translator-workflow action and report what it did."""
    if action == "extract":
        print(f"wrote {run_extract(project).relative_to(project)}")
    elif action == "update":
        for path in run_update(project):
            print(f"updated {path.relative_to(project)}")
    else:
        print(format_coverage(all_coverage(project)))
    return 0
