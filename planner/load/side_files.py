"""Reading the small side files: links, pairs kept apart, clinics closing, map feedback.

Each reader returns plain Python values and raises one
:class:`~planner.core.errors.ValidationError` naming the file, row and column of every problem.
Files are read with :func:`planner.load.readers.read_table`, so encodings and separators are
detected as for the clinic table.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from planner.core.cells import restore
from planner.core.choices import Choices, ordered_pair, parse_flag
from planner.core.errors import Problem, ValidationError
from planner.load.columns import COLUMN_ALIASES
from planner.load.common import Sheet
from planner.load.readers import read_table

__all__ = ["read_cannot_link", "read_current", "read_feedback", "read_leaving", "read_links"]

_COST_COLUMNS = ("travel_minutes", "travel", "minutes", "cost")


def _column(table: pd.DataFrame, *names: str) -> str | None:
    lower = {str(c).strip().casefold(): str(c) for c in table.columns}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _need(table: pd.DataFrame, source: str, *names: str, id_col: str | None = None) -> list[str]:
    """The file's column for each of ``names``; ``clinic_id`` may also be ``id_col`` (the
    clinic file's own name for it, ``--id-col``) or a known alias such as ``ydernummer``."""
    found, problems = [], []
    for name in names:
        others = (id_col, *COLUMN_ALIASES["clinic_id"]) if name == "clinic_id" else ()
        col = _column(table, name, *(o.strip().casefold() for o in others if o))
        if col is None:
            cols = ", ".join(map(str, table.columns))
            problems.append(
                Problem(source, None, name, f"column '{name}' is missing; columns present: {cols}")
            )
        found.append(col or "")
    if problems:
        raise ValidationError(problems)
    return found


def _ids(sheet: Sheet, col: str, known: set[str] | None, problems: list[Problem]) -> list[str]:
    table, source, first = sheet.frame, sheet.source, sheet.first_row
    out = []
    for row, cell in enumerate(table[col].astype(str).str.strip().tolist()):
        # An id the planner wrote safe for spreadsheets ("'=..."), unless the raw id is known.
        value = cell if known is not None and cell in known else restore(cell)
        if value in ("", "nan"):
            problems.append(Problem(source, row + first, col, f"{col} is empty"))
        elif known is not None and value not in known:
            msg = f"clinic '{value}' is not in the clinic table"
            problems.append(Problem(source, row + first, col, msg))
        out.append(value)
    return out


def read_links(
    path: str | Path, *, known: set[str] | None = None
) -> list[tuple[str, str, float | None]]:
    """Links across water: ``clinic_a, clinic_b`` and optionally a travel cost.

    The cost column may be called ``travel_minutes``, ``travel``, ``minutes`` or ``cost``;
    without one the link's length in km is used.
    """
    sheet = read_table(path)
    table, source = sheet.frame, sheet.source
    col_a, col_b = _need(table, source, "clinic_a", "clinic_b")
    cost_col = _column(table, *_COST_COLUMNS)
    problems: list[Problem] = []
    a = _ids(sheet, col_a, known, problems)
    b = _ids(sheet, col_b, known, problems)
    costs: list[float | None] = [None] * len(table)
    if cost_col is not None:
        first = sheet.first_row
        for row, cell in enumerate(table[cost_col].astype(str).str.strip().tolist()):
            if cell in ("", "nan"):
                continue
            try:
                costs[row] = float(cell.replace(",", "."))
                if not 0 <= costs[row] < math.inf:  # type: ignore[operator]
                    raise ValueError
            except ValueError:
                msg = f"{cost_col} must be a non-negative finite number, got '{cell}'"
                problems.append(Problem(source, row + first, cost_col, msg))
    if problems:
        raise ValidationError(problems)
    return list(zip(a, b, costs, strict=True))


def read_cannot_link(path: str | Path, *, known: set[str] | None = None) -> Choices:
    """Pairs of clinics that must not share a cluster: ``clinic_a, clinic_b``."""
    sheet = read_table(path)
    table, source = sheet.frame, sheet.source
    col_a, col_b = _need(table, source, "clinic_a", "clinic_b")
    problems: list[Problem] = []
    a = _ids(sheet, col_a, known, problems)
    b = _ids(sheet, col_b, known, problems)
    if problems:
        raise ValidationError(problems)
    pairs = tuple(dict.fromkeys(ordered_pair(x, y) for x, y in zip(a, b, strict=True) if x != y))
    return Choices(cannot_link=pairs)


def read_leaving(
    path: str | Path, *, known: set[str] | None = None, id_col: str | None = None
) -> Choices:
    """Clinics closing: a ``clinic_id`` column, and optionally a yes/no ``leaving`` column."""
    sheet = read_table(path)
    table, source = sheet.frame, sheet.source
    (col,) = _need(table, source, "clinic_id", id_col=id_col)
    problems: list[Problem] = []
    ids = _ids(sheet, col, known, problems)
    flag_col = _column(table, "leaving", "closing")
    keep = [True] * len(ids)
    if flag_col is not None:
        first = sheet.first_row
        for row, cell in enumerate(table[flag_col].tolist()):
            flag = parse_flag(cell)
            if flag is None:
                msg = f"{flag_col} must be yes/no, got '{cell}'"
                problems.append(Problem(source, row + first, flag_col, msg))
            keep[row] = bool(flag)
    if problems:
        raise ValidationError(problems)
    return Choices(leaving=frozenset(i for i, k in zip(ids, keep, strict=True) if k))


def read_feedback(
    path: str | Path, *, known: set[str] | None = None, id_col: str | None = None
) -> Choices:
    """The map's feedback file ``clinic_id,proposed_cluster,comment`` as proposed choices.

    Rows with an empty ``proposed_cluster`` (a comment only) are skipped.
    """
    sheet = read_table(path)
    table, source = sheet.frame, sheet.source
    col_id, col_cluster = _need(table, source, "clinic_id", "proposed_cluster", id_col=id_col)
    problems: list[Problem] = []
    ids = _ids(sheet, col_id, known, problems)
    clusters = [restore(c) for c in table[col_cluster].astype(str).str.strip().tolist()]
    if problems:
        raise ValidationError(problems)
    proposed = {i: c for i, c in zip(ids, clusters, strict=True) if c not in ("", "nan")}
    return Choices(proposed=proposed)


def read_current(
    path: str | Path, *, known: set[str] | None = None, id_col: str | None = None
) -> Choices:
    """The current clusters, e.g. a previous plan's ``assignments.csv``.

    Columns ``clinic_id`` and ``cluster_id`` (or ``existing_cluster``); an empty cluster
    means the clinic is in none.
    """
    sheet = read_table(path)
    table, source = sheet.frame, sheet.source
    (col_id,) = _need(table, source, "clinic_id", id_col=id_col)
    col_cluster = _column(table, "existing_cluster", "cluster_id")
    if col_cluster is None:
        _need(table, source, "cluster_id")
    problems: list[Problem] = []
    ids = _ids(sheet, col_id, known, problems)
    if problems:
        raise ValidationError(problems)
    clusters = [restore(c) for c in table[col_cluster].astype(str).str.strip().tolist()]
    existing: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for row, (i, c) in enumerate(zip(ids, clusters, strict=True), start=sheet.first_row):
        if i in first_row:  # listed twice: in two clusters, or the same one twice
            twice = f"clinic '{i}' is listed twice (rows {first_row[i]} and {row}); list it once"
            problems.append(Problem(source, row, col_id, twice))
            continue
        first_row[i] = row
        if c not in ("", "nan"):
            existing[i] = c
    if problems:
        raise ValidationError(problems)
    return Choices(existing=existing)
