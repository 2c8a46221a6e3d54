"""The one error type a user's mistake turns into."""

from __future__ import annotations

from pathlib import Path


class BuildError(Exception):
    """A mistake in the input, reported with its file, its line and what to fix."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __reduce__(self):
        return (BuildError, (self.message, self.path, self.line))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = display_path(self.path)
            if self.line:
                where += f":{self.line}"
            where += ": "
        return f"{where}{self.message}"


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
