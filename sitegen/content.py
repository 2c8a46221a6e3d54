"""Read the content folders into the model, checking every field and cross-reference."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .errors import BuildError
from .model import Definition, EnhancedCode, PairNote, Protocol, Reference, ReplyCode
from .schema import Field, SourceFile, check_table

ACTORS = ("none", "client", "sender", "receiver")
COMMANDS = (
    "connect", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "end-of-data", "BDAT", "RSET", "VRFY",
    "EXPN", "HELP", "NOOP", "QUIT", "AUTH", "STARTTLS", "ETRN", "ATRN", "any",
)
MARKDOWN = Field(str)

PROTOCOL_FIELDS = {
    "name": Field(str), "title": Field(str), "summary": MARKDOWN, "rfc": Field(int), "section": Field(str),
    "featured": Field(list, item=int, required=False), "featured_enhanced": Field(list, item=str, required=False),
}
DEFINITION_FIELDS = {
    "rfc": Field(int), "section": Field(str), "text": Field(str),
    "context": Field(str, required=False), "meaning": Field(str, required=False),
}
REPLY_FIELDS = {
    "code": Field(int), "title": Field(str), "summary": Field(str), "extension": Field(str, required=False),
    "actor": Field(str, choices=ACTORS), "commands": Field(list, item=str, choices=COMMANDS),
    "related": Field(list, item=int), "enhanced": Field(list, item=str),
    "definitions": Field(list, item=dict, table=DEFINITION_FIELDS),
    "description": MARKDOWN, "when": MARKDOWN, "causes": MARKDOWN, "fix_sender": MARKDOWN,
    "fix_admin": MARKDOWN, "use": MARKDOWN, "example": Field(str),
}
REFERENCE_FIELDS = {
    "rfc": Field(int, required=False), "section": Field(str, required=False),
    "document": Field(str, required=False), "url": Field(str, required=False),
}
ENHANCED_FIELDS = {
    "code": Field(str), "title": Field(str, allow_empty=True), "basic_registry": Field(str, allow_empty=True), "basic": Field(list, item=int),
    "references": Field(list, item=dict, table=REFERENCE_FIELDS), "summary": Field(str),
    "description": MARKDOWN, "success": MARKDOWN, "transient": MARKDOWN, "permanent": MARKDOWN, "fix": MARKDOWN,
}
PAIR_FIELDS = {"codes": Field(list, item=int), "note": MARKDOWN}

ENHANCED_NAME = re.compile(r"^X\.[0-9]{1,3}\.[0-9]{1,3}$")
CLASS_FORM = re.compile(r"^[245]\.[0-9]{1,3}\.[0-9]{1,3}$")


def load_content(content_dir: Path) -> tuple[Protocol, ...]:
    """Load every protocol folder under ``content_dir``, sorted by name."""
    if not content_dir.is_dir():
        raise BuildError("content folder not found; create it with one folder per protocol", content_dir)
    folders = sorted(p for p in content_dir.iterdir() if (p / "protocol.toml").is_file())
    if not folders:
        raise BuildError("no protocol found; add a folder with a protocol.toml", content_dir)
    return tuple(load_protocol(folder) for folder in folders)


def read_toml(path: Path) -> tuple[dict, SourceFile]:
    """Parse one TOML file, turning syntax errors into located build errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BuildError("file is not UTF-8 text; save it as UTF-8", path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise BuildError(f"TOML syntax error: {reason}; fix the syntax", path,
                         int(found.group(1)) if found else None) from None
    return data, SourceFile(path, text)


def load_protocol(folder: Path) -> Protocol:
    """Load one protocol folder and check its cross-references."""
    data, source = read_toml(folder / "protocol.toml")
    check_table(data, PROTOCOL_FIELDS, source)
    codes = tuple(sorted((load_reply_code(p) for p in sorted((folder / "codes").glob("*.toml"))),
                         key=lambda c: c.code))
    if not codes:
        raise BuildError("no reply codes found; add files such as codes/250.toml", folder / "codes")
    enhanced = tuple(sorted((load_enhanced(p) for p in sorted((folder / "enhanced").glob("*.toml"))),
                            key=lambda e: (e.subject, e.detail)))
    notes = {}
    for path in sorted((folder / "pairs").glob("*.toml")):
        note = load_pair_note(path)
        notes[note.codes] = note
    protocol = Protocol(
        slug=folder.name.lower(), name=data["name"], title=data["title"], summary=data["summary"],
        reference=Reference(rfc=data["rfc"], section=data["section"]), codes=codes, enhanced=enhanced,
        notes=notes, source=folder, featured=tuple(data.get("featured", ())),
        featured_enhanced=tuple(data.get("featured_enhanced", ())),
    )
    check_references(protocol)
    check_featured(protocol, source)
    return protocol


def load_reply_code(path: Path) -> ReplyCode:
    """Load and check one reply code file."""
    data, source = read_toml(path)
    check_table(data, REPLY_FIELDS, source)
    if str(data["code"]) != path.stem or not 200 <= data["code"] <= 599:
        raise source.error(name_mismatch(path, str(data["code"])), "code")
    definitions = tuple(
        Definition(reference=Reference(rfc=d["rfc"], section=d["section"]), text=d["text"],
                   context=d.get("context", ""), meaning=d.get("meaning", ""))
        for d in data["definitions"]
    )
    if not definitions:
        raise source.error("add at least one [[definitions]] table citing the standard", "definitions")
    if len(definitions) > 1 and not all(d.meaning.strip() for d in definitions):
        raise source.error("a code with several definitions needs a 'meaning' in each", "definitions")
    for item in data["enhanced"]:
        if not CLASS_FORM.match(item):
            raise source.error(f"enhanced code '{item}' must look like 5.1.1", "enhanced")
    fields = {k: data[k] for k in REPLY_FIELDS if k not in ("definitions", "commands", "related", "enhanced")
              and k in data}
    return ReplyCode(**fields, commands=tuple(data["commands"]), related=tuple(data["related"]),
                     enhanced=tuple(data["enhanced"]), definitions=definitions, source=path)


def name_mismatch(path: Path, code: str) -> str:
    """Explain a code that does not match its file name, pointing out duplicates."""
    twin = path.with_name(f"{code}.toml")
    if twin.exists():
        return f"duplicate code {code}: it is already defined in {twin.name}; each code has exactly one file"
    return f"code {code} does not match the file name '{path.name}'; name the file {code}.toml"


def load_enhanced(path: Path) -> EnhancedCode:
    """Load and check one enhanced status code file."""
    data, source = read_toml(path)
    check_table(data, ENHANCED_FIELDS, source)
    if not ENHANCED_NAME.match(data["code"]):
        raise source.error(f"code '{data['code']}' must look like X.1.1", "code")
    if data["code"] != path.stem:
        raise source.error(name_mismatch(path, data["code"]), "code")
    references = []
    for ref in data["references"]:
        if ("rfc" in ref) == ("document" in ref and "url" in ref):
            raise source.error("each reference needs either rfc (and section) or document and url",
                               "references")
        references.append(Reference(**ref))
    if not references:
        raise source.error("add at least one reference", "references")
    fields = {k: data[k] for k in ENHANCED_FIELDS if k not in ("basic", "references")}
    return EnhancedCode(**fields, basic=tuple(data["basic"]), references=tuple(references), source=path)


def load_pair_note(path: Path) -> PairNote:
    """Load and check one pair note file."""
    data, source = read_toml(path)
    check_table(data, PAIR_FIELDS, source)
    codes = data["codes"]
    if len(codes) != 2 or codes[0] >= codes[1] or path.stem != f"{codes[0]}-{codes[1]}":
        raise source.error("codes must be two different codes, lower first, matching the file name "
                           "(e.g. pairs/450-550.toml has codes = [450, 550])", "codes")
    return PairNote(codes=(codes[0], codes[1]), note=data["note"], source=path)


def check_featured(protocol: Protocol, source: SourceFile) -> None:
    """Featured codes must exist."""
    known = {c.code for c in protocol.codes}
    for code in protocol.featured:
        if code not in known:
            raise source.error(f"featured code {code} does not exist; add codes/{code}.toml or remove it", "featured")
    for code in protocol.featured_enhanced:
        if not CLASS_FORM.match(code) or not protocol.has_enhanced(code):
            raise source.error(f"featured enhanced code {code} does not exist; write it like 5.1.1",
                               "featured_enhanced")


def check_references(protocol: Protocol) -> None:
    """Every code that content refers to must exist."""
    known = {c.code for c in protocol.codes}
    for code in protocol.codes:
        source = SourceFile(code.source, code.source.read_text(encoding="utf-8"))
        for other in code.related:
            if other not in known:
                raise source.error(f"related code {other} does not exist; add codes/{other}.toml "
                                   "or remove it", "related")
        for item in code.enhanced:
            if not protocol.has_enhanced(item):
                raise source.error(f"enhanced code {item} does not exist; add enhanced/X."
                                   f"{item.split('.', 1)[1]}.toml or remove it", "enhanced")
    for enhanced in protocol.enhanced:
        for other in enhanced.basic:
            if other not in known:
                source = SourceFile(enhanced.source, enhanced.source.read_text(encoding="utf-8"))
                raise source.error(f"basic code {other} does not exist; add codes/{other}.toml "
                                   "or remove it", "basic")
    for note in protocol.notes.values():
        for other in note.codes:
            if other not in known:
                source = SourceFile(note.source, note.source.read_text(encoding="utf-8"))
                raise source.error(f"code {other} does not exist; add codes/{other}.toml", "codes")
