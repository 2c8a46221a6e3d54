"""Field-by-field validation of TOML tables, with errors that name the line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError

TYPE_NAMES = {str: "a string", int: "an integer", list: "a list", dict: "a table"}


@dataclass(frozen=True)
class Field:
    """What one field must hold."""

    kind: type
    required: bool = True
    item: type | None = None
    choices: tuple[str, ...] = ()
    table: dict[str, "Field"] | None = None
    allow_empty: bool = False


class SourceFile:
    """A content file's text, kept to find the line a field is on."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, key: str) -> int | None:
        """The first line that assigns ``key``, if any."""
        pattern = re.compile(rf"^\s*(\[\[)?\s*{re.escape(key)}\s*(=|\]\])")
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line):
                return number
        return None

    def error(self, message: str, key: str | None = None) -> BuildError:
        """A build error located at ``key``'s line."""
        return BuildError(message, self.path, self.line_of(key) if key else None)


def check_table(data: dict, schema: dict[str, Field], source: SourceFile, where: str = "") -> None:
    """Raise a BuildError for the first unknown, missing or mistyped field."""
    for key in data:
        if key not in schema:
            allowed = ", ".join(schema)
            raise source.error(f"unknown field '{where}{key}'; allowed fields are: {allowed}", key)
    for key, spec in schema.items():
        if key not in data:
            if spec.required:
                raise source.error(f"missing required field '{where}{key}'; add it ({TYPE_NAMES[spec.kind]})")
            continue
        check_value(data[key], spec, source, f"{where}{key}", key)


def check_value(value: object, spec: Field, source: SourceFile, name: str, key: str) -> None:
    """Check one field's value against its spec."""
    if not isinstance(value, spec.kind) or isinstance(value, bool):
        raise source.error(f"field '{name}' must be {TYPE_NAMES[spec.kind]}", key)
    if spec.kind is str and spec.required and not spec.allow_empty and not value.strip():
        raise source.error(f"field '{name}' is empty; write its text", key)
    if spec.kind is list:
        for item in value:
            if not isinstance(item, spec.item) or isinstance(item, bool):
                raise source.error(f"every item of '{name}' must be {TYPE_NAMES[spec.item]}", key)
            if spec.table is not None:
                check_table(item, spec.table, source, f"{name}.")
    values = value if isinstance(value, list) else [value]
    for item in values:
        if spec.choices and item not in spec.choices:
            raise source.error(f"field '{name}' has '{item}'; use one of: {', '.join(spec.choices)}", key)
