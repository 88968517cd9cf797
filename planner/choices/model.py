"""Clinics' own choices: locked clusters, groups, pairs kept apart, clinics closing.

Choices come from optional columns of the clinic table (``existing_cluster``, ``group``,
``cannot_link``, ``leaving``) and from files (see :mod:`planner.load.side_files`).  This module
turns them into one checked :class:`Choices` value; :mod:`planner.choices.locks` applies it around
the solver.  Every problem is reported at once, naming the file, row and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from planner.core.errors import Problem, ValidationError

__all__ = [
    "CHOICE_COLUMNS",
    "LOCK_MODES",
    "Choices",
    "choices_from_table",
    "ordered_pair",
    "parse_flag",
]

#: Optional clinic-table columns that carry choices.
CHOICE_COLUMNS = ("existing_cluster", "group", "cannot_link", "leaving")
#: How a locked existing cluster below the size rule is treated.
LOCK_MODES = ("keep", "top_up")

_TRUE = {"1", "true", "yes", "ja", "y", "j", "x", "closing", "lukker", "sand"}
_FALSE = {"", "0", "false", "no", "nej", "n", "falsk"}
_SPLIT = re.compile(r"[;,|\s]+")


def parse_flag(value: object) -> bool | None:
    """A yes/no cell: ``True``, ``False`` or ``None`` when unreadable.

    >>> parse_flag("Ja"), parse_flag(""), parse_flag("maybe")
    (True, False, None)
    """
    if isinstance(value, bool):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return False
    text = str(value).strip().casefold()
    if text.endswith(".0"):
        text = text[:-2]
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


@dataclass(frozen=True)
class Choices:
    """Every choice made by or for the clinics, by clinic id.

    Attributes
    ----------
    existing
        Clinic id -> the cluster it is in today (locked, or the current plan when
        re-planning).
    groups
        Group name -> clinic ids that must share a cluster.
    cannot_link
        Pairs of clinic ids that must not share a cluster.
    leaving
        Clinic ids closing: left out with the reason ``"closing"``.
    proposed
        Clinic id -> cluster a reviewer proposed (the map's feedback file); honoured as a
        locked choice when valid.
    lock
        ``"keep"``: a locked cluster stays exactly as it is; ``"top_up"``: one below the
        size rule takes in neighbouring clinics until it meets it.
    """

    existing: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cannot_link: tuple[tuple[str, str], ...] = ()
    leaving: frozenset[str] = frozenset()
    proposed: Mapping[str, str] = field(default_factory=dict)
    lock: str = "keep"

    def __post_init__(self) -> None:
        if self.lock not in LOCK_MODES:
            raise ValidationError(
                [Problem("<rules>", None, "lock", f"lock must be one of {LOCK_MODES}")]
            )

    @property
    def empty(self) -> bool:
        """Whether no choice was made."""
        return not (
            self.existing or self.groups or self.cannot_link or self.leaving or self.proposed
        )

    def merged(self, other: Choices) -> Choices:
        """These choices with ``other``'s added (``other`` wins on the same clinic)."""
        groups = {k: tuple(v) for k, v in self.groups.items()}
        for name, ids in other.groups.items():
            groups[name] = tuple(dict.fromkeys([*groups.get(name, ()), *ids]))
        return replace(
            self,
            existing={**self.existing, **other.existing},
            groups=groups,
            cannot_link=tuple(dict.fromkeys([*self.cannot_link, *other.cannot_link])),
            leaving=self.leaving | other.leaving,
            proposed={**self.proposed, **other.proposed},
        )

    def to_dict(self) -> dict[str, object]:
        """Counts of each kind of choice (for the effective configuration)."""
        return {
            "lock": self.lock,
            "locked_clinics": len(self.existing),
            "groups": len(self.groups),
            "cannot_link_pairs": len(self.cannot_link),
            "leaving": len(self.leaving),
            "proposed": len(self.proposed),
        }


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


def ordered_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def unknown_ids(choices: Choices, known: Iterable[str]) -> list[str]:
    """Clinic ids a choice names that are not in the table (for one clear error)."""
    known = set(known)
    named = [
        *choices.existing,
        *(i for ids in choices.groups.values() for i in ids),
        *(i for pair in choices.cannot_link for i in pair),
        *choices.leaving,
        *choices.proposed,
    ]
    return sorted({i for i in named if i not in known})
