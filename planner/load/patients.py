"""Patient lists: one row per patient in, a count of group-1 patients per clinic out.

Only the clinic id and group columns are read, in chunks; nothing patient-level is kept.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from planner.core.errors import Problem, ValidationError
from planner.load.columns import COLUMN_ALIASES
from planner.load.common import existing_file, fail, find_column
from planner.load.delimited import CsvFormat, sniff_csv

__all__ = ["read_patient_counts"]

logger = logging.getLogger(__name__)

_CHUNK_ROWS = 500_000
_MAX_ROW_PROBLEMS = 1000


class _ProblemLog:
    """Collect row problems up to a limit; count the rest."""

    def __init__(self, source: str, limit: int = _MAX_ROW_PROBLEMS) -> None:
        self.source, self.limit = source, limit
        self.problems: list[Problem] = []
        self.more = 0

    def add(self, rows: np.ndarray, column: str, messages: pd.Series) -> None:
        room = max(self.limit - len(self.problems), 0)
        self.problems += [
            Problem(self.source, int(r), column, m)
            for r, m in zip(rows[:room], messages.iloc[:room].tolist(), strict=True)
        ]
        self.more += max(len(rows) - room, 0)

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        problems = sorted(self.problems, key=lambda p: (p.row or 0, p.column or ""))
        if self.more:
            problems.append(Problem(self.source, None, None, f"and {self.more} more bad row(s)"))
        raise ValidationError(problems)


def _patient_columns(
    path: Path, fmt: CsvFormat, id_col: str, group_col: str, source: str
) -> tuple[str, str | None]:
    header = pd.read_csv(
        path, sep=fmt.sep, encoding=fmt.encoding, skiprows=fmt.skiprows, nrows=0
    ).columns.tolist()
    found_id = find_column(header, id_col)
    if found_id is None and id_col == "clinic_id":
        for alias in COLUMN_ALIASES["clinic_id"]:
            if (found_id := find_column(header, alias)) is not None:
                break
    if found_id is None:
        raise fail(
            source,
            f"the clinic id column '{id_col}' is not in the file; "
            f"available columns: {', '.join(str(c).strip() for c in header)}",
            column=id_col,
        )
    found_group = find_column(header, group_col)
    if found_group is None:
        logger.info("%s has no '%s' column: every row counts", source, group_col)
    return found_id, found_group


def _shape(cells: pd.Series) -> pd.Series:
    """What a cell looks like, without its value: ``(a value of 10 digits, ...)``."""
    n = cells.str.len()
    kind = np.where(cells.str.fullmatch(r"\d+"), " digit", " character")
    plural = np.where(n == 1, "", "s")
    return " (a value of " + n.astype(str) + kind + plural + ", not repeated here)"


def _count_chunk(
    chunk: pd.DataFrame,
    id_col: str,
    grp_col: str | None,
    known: set[str] | None,
    start: int,
    totals: dict[str, int],
    log: _ProblemLog,
) -> None:
    """Add one chunk's group-1 patients to ``totals``; log its bad rows."""
    rows = np.arange(start, start + len(chunk))
    ids = chunk[id_col].fillna("").str.strip()
    blank = ids == ""
    counted = ids != ""
    if grp_col is not None:
        group = chunk[grp_col].fillna("").str.strip()
        blank &= group == ""
        value = pd.to_numeric(group.str.replace(",", ".", regex=False), errors="coerce")
        bad = ~(value.isin([1.0, 2.0]) | blank)
        # A patient list may hold personal data: say what is wrong, never the cell itself.
        log.add(rows[bad.to_numpy()], grp_col.strip(), "must be 1 or 2" + _shape(group[bad]))
        counted &= value == 1.0
    unknown = (ids == "") & ~blank
    messages = pd.Series("the clinic id is empty", index=ids.index)
    if known is not None:
        stranger = (ids != "") & ~ids.isin(known)
        unknown |= stranger
        messages[stranger] = "names a clinic that is not in the clinic table" + _shape(
            ids[stranger]
        )
    log.add(rows[unknown.to_numpy()], id_col.strip(), messages[unknown])
    for clinic, n in ids[counted & ~unknown].value_counts().items():
        totals[clinic] = totals.get(clinic, 0) + int(n)


def read_patient_counts(
    path: str | Path,
    *,
    clinic_id_col: str = "clinic_id",
    group_col: str = "sikringsgruppe",
    valid_ids: set[str] | None = None,
) -> pd.Series:
    """Count the patients per clinic in a patient list (one row per patient).

    Only the clinic id and group columns are read, in chunks, and nothing but the counts is
    kept.

    Parameters
    ----------
    path
        Delimited text file (encoding and separator detected as for :func:`read_table`).
    clinic_id_col
        Column naming each patient's clinic (case-insensitive; with the default,
        ``ydernummer`` and the other clinic id aliases are accepted too).
    group_col
        Column with the patient's 'sikringsgruppe'.  When present only group 1 counts
        (``"1"``, ``"1.0"``, ``" 1 "``); group 2 is skipped; anything else is a problem.
        When absent every row counts.
    valid_ids
        Clinic ids of the clinic table; a row naming another clinic is a problem.

    Returns
    -------
    pandas.Series
        Counts (int64) indexed by clinic id (str, sorted), named ``"patients"``.  Every id in
        ``valid_ids`` appears, with 0 when it has no counted patient.

    Raises
    ------
    ValidationError
        Every bad row (empty or unknown clinic id, bad group), with its row number as a
        spreadsheet shows it (header = row 1), up to 1,000 rows listed.
    """
    path, source = existing_file(path)
    fmt = sniff_csv(path)
    try:
        id_col, grp_col = _patient_columns(path, fmt, clinic_id_col, group_col, source)
    except pd.errors.EmptyDataError as exc:
        raise fail(source, "the file is empty") from exc
    except pd.errors.ParserError as exc:  # pandas names rows (from 0), never a cell's value
        found = re.search(r"row (\d+)", str(exc))
        where = f"row {int(found.group(1)) + 1}: " if found else ""
        what = "a quote opens a cell that is never closed" if "EOF" in str(exc) else str(exc)
        raise fail(source, f"{where}{what} (check the quotes from this row on)") from exc
    known = None if valid_ids is None else {str(v).strip() for v in valid_ids}
    totals: dict[str, int] = {}
    log = _ProblemLog(source)
    reader = pd.read_csv(
        path,
        sep=fmt.sep,
        encoding=fmt.encoding,
        skiprows=fmt.skiprows,
        usecols=[c for c in (id_col, grp_col) if c is not None],
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        chunksize=_CHUNK_ROWS,
    )
    start = 2  # spreadsheet row of the first data row
    try:
        with reader:
            for chunk in reader:
                _count_chunk(chunk, id_col, grp_col, known, start, totals, log)
                start += len(chunk)
                del chunk
    except pd.errors.ParserError as exc:
        raise fail(source, f"could not read the file as a table: {exc}") from exc
    log.raise_if_any()
    if known is not None:
        missing = known.difference(totals)
        if missing:
            logger.warning("%s: %d clinic(s) have no counted patients", source, len(missing))
        totals.update(dict.fromkeys(missing, 0))
    keys = sorted(totals)
    index = pd.Index(keys, dtype=str, name="clinic_id")
    return pd.Series([totals[k] for k in keys], index=index, dtype=np.int64, name="patients")
