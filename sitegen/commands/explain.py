"""The explain command: the reply decoder on the command line."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from babel.support import NullTranslations

from ..catalogs import LocaleCatalog
from ..content import load_content
from ..decoder import decode, load_grammar, vocabulary_of
from ..decoder_data import Entries, PlainText, decoder_protocol
from ..locales import SOURCE_LOCALE, site_locale
from ..urls import Urls

EXIT_FOUND, EXIT_NOTHING_FOUND = 0, 1
KIND_WORDS = {
    "success": "success",
    "intermediate": "intermediate (the server waits for more input)",
    "transient": "transient failure: the sending server retries by itself",
    "permanent": "permanent failure: not retried; the message bounces",
}
NOTHING_FOUND = ("No SMTP reply code or enhanced status code found in the text. Codes look like 550 or "
                 "5.1.1; give the whole reply line, log line or bounce message that contains them.")
WIDTH = 100


def read_input(parts: list[str], stdin: TextIO) -> str:
    """The text to decode: the arguments joined by spaces, or standard input for none or '-'.

    Standard input is read only as far as the decoder looks (a character is at most 4 bytes in
    UTF-8), plus one byte to know whether more followed; bytes that are not UTF-8 become U+FFFD.
    """
    if parts and parts != ["-"]:
        return " ".join(parts)
    if stdin.isatty():
        print("Paste the reply or bounce, then press Ctrl+D (Ctrl+Z, Enter on Windows).", file=sys.stderr)
    limit = 4 * load_grammar().max_input + 1
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        return stdin.read(limit)
    return buffer.read(limit).decode("utf-8", errors="replace")


def format_finding(entry: dict, finding) -> str:
    """One finding as an indented block of text."""
    indent = " " * 4
    wrap = textwrap.TextWrapper(width=WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")
    label = "reply code" if finding.type == "reply" else "enhanced status code"
    title = entry["title"] or "(no title in the registry)"
    lines = [f"{finding.code}  {title}  ({label}, {KIND_WORDS[finding.kind]})"]
    lines += wrap.wrap(entry["summary"])
    if finding.type == "enhanced" and entry["meaning"]:
        lines += wrap.wrap(f"As {finding.code}: {entry['meaning']}")
    steps = entry["next"].splitlines()
    if len(steps) == 1:
        lines += wrap.wrap("What to do next: " + steps[0])
    elif steps:
        lines.append(indent + "What to do next:")
        bullets = textwrap.TextWrapper(width=WIDTH, initial_indent=indent + "  ", subsequent_indent=indent + "    ")
        for step in steps:
            lines += bullets.wrap(step)
    lines.append(indent + entry["url"])
    return "\n".join(lines)


def run_explain(project: Path, parts: list[str], as_json: bool = False, base_url: str | None = None,
                site_url: str | None = None, stdin: TextIO | None = None) -> int:
    """Print what every code in the text means; 0 when codes were found, 1 when none were."""
    text = read_input(parts, stdin or sys.stdin)
    protocol = decoder_protocol(load_content(project / "content"))
    decoded = decode(text, vocabulary_of(protocol))
    source = LocaleCatalog(locale=site_locale(SOURCE_LOCALE), translations=NullTranslations(), messages={})
    entries = Entries(protocol, source, Urls.create(base_url, site_url), PlainText(), absolute=True)
    explained = [(finding, entries.for_finding(finding)) for finding in decoded.findings]
    if decoded.truncated:
        print(f"note: only the first {load_grammar().max_input} characters were read", file=sys.stderr)
    if as_json:
        data = {"truncated": decoded.truncated,
                "findings": [{**finding.as_dict(), **entry} for finding, entry in explained]}
        output = json.dumps(data, ensure_ascii=False, indent=1)
    elif not explained:
        output = NOTHING_FOUND
    else:
        output = (f"Found {len(explained)} code{'s' if len(explained) != 1 else ''}:\n\n"
                  + "\n\n".join(format_finding(entry, finding) for finding, entry in explained))
    try:
        print(output, flush=True)
    except BrokenPipeError:  # e.g. piped into head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_FOUND if explained else EXIT_NOTHING_FOUND
