"""Choices from the clinic table's own columns (``existing_cluster``, ``group``,
``cannot_link``, ``leaving``), every problem reported at once by file, row and column."""

from __future__ import annotations

import re

import pandas as pd

from planner.core.choices import Choices, ordered_pair, parse_flag
from planner.core.errors import Problem, ValidationError

__all__ = ["choices_from_table"]

_SPLIT = re.compile(r"[;,|\s]+")


def _cells(table: pd.DataFrame, column: str) -> list[str]:
    values = table[column].tolist()
    return [
        "" if v is None or (isinstance(v, float) and v != v) else str(v).strip() for v in values
    ]


def choices_from_table(
    table: pd.DataFrame, *, source: str = "<clinics>", first_row: int = 2
) -> Choices:
    """Read the choice columns of a validated clinic table.

    Parameters
    ----------
    table
        Clinics with ``clinic_id`` and any of :data:`CHOICE_COLUMNS`.  Not modified.
        ``cannot_link`` holds the ids of clinics the row's clinic must not share a
        cluster with, separated by ``;``, ``,``, ``|`` or spaces; ``leaving`` is a
        yes/no cell (``1``, ``true``, ``yes``, ``ja``, ``x``).
    source, first_row
        For messages: the file and the row number of the first data row.

    Raises
    ------
    ValidationError
        Every unreadable ``leaving`` cell and every unknown id in ``cannot_link``.
    """
    ids = table["clinic_id"].astype(str).tolist()
    known = set(ids)
    problems: list[Problem] = []
    existing: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    pairs: list[tuple[str, str]] = []
    leaving: set[str] = set()
    if "existing_cluster" in table.columns:
        existing = {i: c for i, c in zip(ids, _cells(table, "existing_cluster"), strict=True) if c}
    if "group" in table.columns:
        for i, g in zip(ids, _cells(table, "group"), strict=True):
            if g:
                groups.setdefault(g, []).append(i)
    if "cannot_link" in table.columns:
        for row, (i, cell) in enumerate(zip(ids, _cells(table, "cannot_link"), strict=True)):
            for other in filter(None, _SPLIT.split(cell)):
                if other not in known:
                    msg = f"cannot_link names clinic '{other}', which is not in the table"
                    problems.append(Problem(source, row + first_row, "cannot_link", msg))
                elif other != i:
                    pairs.append(ordered_pair(i, other))
    if "leaving" in table.columns:
        for row, (i, cell) in enumerate(zip(ids, table["leaving"].tolist(), strict=True)):
            flag = parse_flag(cell)
            if flag is None:
                msg = f"leaving must be yes/no (1/0, true/false, ja/nej), got '{cell}'"
                problems.append(Problem(source, row + first_row, "leaving", msg))
            elif flag:
                leaving.add(i)
    if problems:
        raise ValidationError(problems)
    return Choices(
        existing=existing,
        groups={k: tuple(v) for k, v in groups.items()},
        cannot_link=tuple(dict.fromkeys(pairs)),
        leaving=frozenset(leaving),
    )
