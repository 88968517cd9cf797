"""Helpers every reader shares: one-problem errors, file checks, column-name matching."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.core.errors import Problem, ValidationError

__all__ = ["Sheet", "existing_file", "fail", "find_column", "normalise"]


@dataclass(frozen=True)
class Sheet:
    """A table as read from a file, and where it came from, for messages that name rows.

    Attributes
    ----------
    frame
        The table (never modified by the planner).
    source
        The file (or ``"<clinics>"`` for a table given in Python).
    first_row
        The row number of the first data row as the user sees it: 2 for CSV (the header
        is row 1, as in Excel), 1 for spatial files (feature ``i`` is row ``i + 1``).
    columns
        Canonical column name -> the file's own name, for each column renamed by
        :func:`~planner.load.columns.apply_column_map` (messages name the file's column).
    """

    frame: pd.DataFrame
    source: str = "<table>"
    first_row: int = 2
    columns: Mapping[str, str] = field(default_factory=dict)

    def rows(self) -> range:
        """The row number of every data row, in order."""
        return range(self.first_row, self.first_row + len(self.frame))


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
