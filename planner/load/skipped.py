"""``--skip-invalid``: plan without the clinic rows that fail validation, and list them.

A file with a few unusable rows (England's practices with no patient count) is planned
without editing it: each bad row is blanked in the table as read, so every other row keeps
its number in later messages, and recorded with its reason.  Problems of the whole file (a
missing column, no rows) or of another file are never skipped: they refuse the run.
"""

from __future__ import annotations

import pandas as pd

from planner.core.errors import Problem, ValidationError
from planner.load.common import Sheet

__all__ = ["SKIPPED_COLUMNS", "no_skipped", "skip_rows"]

#: Columns of ``skipped.csv``: the file's row, the clinic id cell, the column, the reason.
SKIPPED_COLUMNS = ["row", "clinic_id", "column", "reason"]


def no_skipped() -> pd.DataFrame:
    """An empty table of skipped rows."""
    return pd.DataFrame(columns=SKIPPED_COLUMNS)


def skip_rows(sheet: Sheet, problems: list[Problem]) -> tuple[Sheet, pd.DataFrame]:
    """The sheet with each row a problem names blanked, and one line per problem.

    Raises
    ------
    ValidationError
        The problems, unchanged, when any of them is not about one row of this sheet.

    Examples
    --------
    >>> frame = pd.DataFrame({"clinic_id": ["A", "B"], "patients": ["10", ""]})
    >>> sheet = Sheet(frame, "c.csv", 2)
    >>> kept, skipped = skip_rows(sheet, [Problem("c.csv", 3, "patients", "patients is empty")])
    >>> kept.frame["clinic_id"].isna().tolist()  # row 3 blanked: ignored, the rest numbered
    [False, True]
    >>> skipped.to_dict("records")
    [{'row': 3, 'clinic_id': 'B', 'column': 'patients', 'reason': 'patients is empty'}]
    """
    whole = [p for p in problems if p.row is None or p.source != sheet.source]
    if whole:
        raise ValidationError(problems)
    frame = sheet.frame
    positions = sorted({p.row - sheet.first_row for p in problems if p.row is not None})
    ids = frame["clinic_id"] if "clinic_id" in frame.columns else None
    lines = []
    for p in sorted(problems, key=lambda p: (p.row or 0, p.column or "")):
        assert p.row is not None
        cell = ids.iloc[p.row - sheet.first_row] if ids is not None else None
        clinic = "" if cell is None or (isinstance(cell, float) and pd.isna(cell)) else str(cell)
        column = sheet.columns.get(p.column, p.column) if p.column else ""
        lines.append((p.row, clinic.strip(), column, p.message))
    blanked = frame.copy()
    blanked.iloc[positions] = None  # a blank row is ignored; the others keep their numbers
    skipped = pd.DataFrame(lines, columns=SKIPPED_COLUMNS)
    return Sheet(blanked, sheet.source, sheet.first_row, sheet.columns), skipped
