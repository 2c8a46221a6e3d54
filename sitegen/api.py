"""Machine-readable data: the content as JSON, one file per protocol and one per code."""

from __future__ import annotations

import json
from pathlib import Path

from . import urls as paths
from .locales import site_locale, SOURCE_LOCALE
from .model import Definition, EnhancedCode, Protocol, Reference, ReplyCode
from .output import write_file
from .render import Site

API_VERSION = 1


def reference_data(reference: Reference) -> dict:
    """A reference as JSON."""
    return {"label": reference.label, "url": reference.href}


def definition_data(definition: Definition) -> dict:
    """One standard definition of a reply code as JSON."""
    return {"text": definition.text, "context": definition.context or None, "meaning": definition.meaning or None,
            "reference": reference_data(definition.reference)}


def code_data(site: Site, protocol: Protocol, code: ReplyCode) -> dict:
    """A reply code as JSON, facts and English text."""
    source = site_locale(SOURCE_LOCALE)
    return {
        "code": code.code, "title": code.title, "summary": code.summary, "class": code.reply_class,
        "category": code.category, "kind": code.kind, "actor": code.actor, "extension": code.extension or None,
        "commands": list(code.commands), "related": list(code.related), "enhanced": list(code.enhanced),
        "definitions": [definition_data(d) for d in code.definitions],
        "description": code.description.strip(), "when": code.when.strip(), "causes": code.causes.strip(),
        "fix_sender": code.fix_sender.strip(), "fix_admin": code.fix_admin.strip(), "use": code.use.strip(),
        "example": code.example.strip(), "url": site.urls.absolute(source, paths.code_path(protocol, code)),
    }


def enhanced_data(site: Site, protocol: Protocol, code: EnhancedCode) -> dict:
    """An enhanced status code as JSON, facts and English text."""
    source = site_locale(SOURCE_LOCALE)
    return {
        "code": code.code, "title": code.title, "subject": code.subject, "detail": code.detail,
        "basic_registry": code.basic_registry, "basic": list(code.basic),
        "references": [reference_data(r) for r in code.references], "summary": code.summary,
        "description": code.description.strip(), "success": code.success.strip(),
        "transient": code.transient.strip(), "permanent": code.permanent.strip(), "fix": code.fix.strip(),
        "url": site.urls.absolute(source, paths.enhanced_path(protocol, code)),
    }


def protocol_data(site: Site, protocol: Protocol) -> dict:
    """A whole protocol as JSON."""
    return {
        "version": API_VERSION, "protocol": protocol.name, "title": protocol.title,
        "reference": reference_data(protocol.reference),
        "codes": [code_data(site, protocol, c) for c in protocol.codes],
        "enhanced": [enhanced_data(site, protocol, e) for e in protocol.enhanced],
        "pairs": [{"codes": list(k), "note": n.note.strip()} for k, n in sorted(protocol.notes.items())],
    }


def dump(data: object) -> bytes:
    """JSON bytes, stable from build to build."""
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_api(site: Site, root: Path, built: Path) -> int:
    """Post-build step: ``api/<protocol>.json`` and ``api/<protocol>/<code>.json`` in ``root``; returns the file count."""
    count = 0
    for protocol in site.protocols:
        data = protocol_data(site, protocol)
        write_file(root, f"api/{protocol.slug}.json", dump(data))
        for item in data["codes"]:
            write_file(root, f"api/{protocol.slug}/{item['code']}.json", dump(item))
        for item in data["enhanced"]:
            write_file(root, f"api/{protocol.slug}/{item['code'].lower()}.json", dump(item))
        count += 1 + len(data["codes"]) + len(data["enhanced"])
    return count
