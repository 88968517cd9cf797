"""Helpers every reader shares: one-problem errors, file checks, column-name matching."""

from __future__ import annotations

import re
from pathlib import Path

from planner.core.errors import Problem, ValidationError

__all__ = ["existing_file", "fail", "find_column", "normalise"]


def fail(source: str, message: str, column: str | None = None) -> ValidationError:
    """One problem about a whole file (no row), as an error to raise."""
    return ValidationError([Problem(source, None, column, message)])


def existing_file(path: str | Path) -> tuple[Path, str]:
    """The path and its name for messages; raise when it is not a readable file.

    >>> existing_file("/")
    Traceback (most recent call last):
    ...
    planner.core.errors.ValidationError: 1 problem in the input:
      /: is a directory, not a file
    """
    path = Path(path)
    source = str(path)
    if path.is_dir():
        raise fail(source, "is a directory, not a file")
    if not path.is_file():
        raise fail(source, "file not found")
    return path, source


def normalise(name: object) -> str:
    """A column name as compared: case-folded, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().casefold())


def find_column(columns: list[str], wanted: str) -> str | None:
    """The first of ``columns`` that matches ``wanted`` after :func:`normalise`, or None."""
    key = normalise(wanted)
    matches = [c for c in columns if normalise(c) == key]
    return matches[0] if matches else None
