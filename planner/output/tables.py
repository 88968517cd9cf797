"""The one way the planner writes a CSV file, so that every table reads back as written.

Every CSV of a plan folder (``assignments.csv``, ``unassigned.csv``, ``crossings.csv``,
``conflicts.csv``, ``infeasible.csv``, ``changes.csv``) and of a comparison goes through
:func:`csv_bytes`, in one format:

- comma-separated, with a header row;
- every text field and every header quoted (``"..."``, a quote inside written twice),
  numbers bare, a missing value written as empty text (``""``).  So a newline, a carriage
  return, a tab, a ``,`` or a ``;`` inside a name stays inside its field, and Danish Excel
  (whose separator is ``;``) does not split a field at a semicolon;
- lines end in CRLF (``\\r\\n``), as RFC 4180 and Excel write them;
- UTF-8 with a byte-order mark, so that Excel (Danish Excel included) reads æ, ø and å as
  UTF-8 rather than as the local code page;
  ``pandas.read_csv`` skips the mark; with Python's :mod:`csv` module open the file with
  ``encoding="utf-8-sig"`` and ``newline=""``;
- a text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR
  first) gets a leading ``'`` (:func:`planner.core.cells.neutralise`); the planner's own
  readers (``--current``, ``render``, ``diff``) take it off again.

Read back with ``pandas.read_csv(path, dtype=str, keep_default_na=False)`` (or
``csv.reader`` in the Excel dialect), a file gives exactly the rows written, and every text
as written (one that looked like a formula with its ``'``, which
:func:`planner.core.cells.restore` takes off).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from planner.core.cells import neutralise

__all__ = ["CSV_ENCODING", "csv_bytes", "write_csv"]

#: UTF-8 with a byte-order mark (what Excel needs to read UTF-8).
CSV_ENCODING = "utf-8-sig"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    r"""The table as the planner's CSV (see the module): quoted text, CRLF, UTF-8 with BOM.

    >>> csv_bytes(pd.DataFrame({"name": ["a;b", 'say "hi"\nnow'], "patients": [1, 2]}))
    b'\xef\xbb\xbf"name","patients"\r\n"a;b",1\r\n"say ""hi""\nnow",2\r\n'
    """
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = [neutralise(v) if isinstance(v, str) else v for v in safe[column]]
    text = safe.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    return text.encode(CSV_ENCODING)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as :func:`csv_bytes` does (use inside an atomic folder)."""
    path = Path(path)
    path.write_bytes(csv_bytes(frame))
    return path
