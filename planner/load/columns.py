"""Column names: the planner's canonical names, their aliases, and renaming a table to them."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from planner.core.errors import Problem, ValidationError
from planner.core.rules import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from planner.load.common import Sheet, find_column

__all__ = ["COLUMN_ALIASES", "apply_column_map"]

logger = logging.getLogger(__name__)

#: Other names accepted for a canonical column when the file lacks the canonical one,
#: compared after :func:`_normalise` (case-folded, spaces and hyphens as underscores).
COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    "clinic_id": ("ydernummer", "ydernr", "yder_nr", "klinik_id"),
    "name": ("navn", "praksisnavn", "kliniknavn", "klinik_navn"),
    "lat": ("latitude", "breddegrad", "y_wgs84"),
    "lon": ("longitude", "lng", "long", "længdegrad", "laengdegrad", "x_wgs84"),
    "patients": ("patienter", "antal_patienter", "sikrede"),
    "doctors": ("læger", "laeger", "antal_læger", "antal_laeger", "gps"),
    "municipality": ("kommune", "kommunenavn", "kommunekode", "komkode"),
    "region": ("regionsnavn", "regionnavn", "region_navn"),
}


def _resolve_columns(
    columns: list[str],
    mapping: Mapping[str, str],
    source: str,
    aliases: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, str]:
    """Map canonical name -> file column; raise on mapped columns the file lacks."""
    resolved: dict[str, str] = {}
    problems = []
    for canonical, wanted in mapping.items():
        found = find_column(columns, wanted)
        if found is None:
            problems.append(
                Problem(
                    source,
                    None,
                    str(wanted),
                    f"column '{wanted}' (given for {canonical}) is not in the file; "
                    f"available columns: {', '.join(columns)}",
                )
            )
        else:
            resolved[canonical] = found
    if problems:
        raise ValidationError(problems)
    for canonical in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if canonical in resolved:
            continue
        taken = set(resolved.values())
        extra = (aliases or {}).get(canonical, ())
        for candidate in (canonical, *COLUMN_ALIASES.get(canonical, ()), *extra):
            found = find_column(columns, candidate)
            if found is not None and found not in taken:
                if candidate != canonical:
                    logger.info("%s: using column '%s' as %s", source, found, canonical)
                resolved[canonical] = found
                break
    return resolved


def apply_column_map(
    table: Sheet | pd.DataFrame,
    mapping: Mapping[str, str] | None = None,
    aliases: Mapping[str, tuple[str, ...]] | None = None,
) -> Sheet:
    """Rename a table's columns to the planner's canonical names.

    Parameters
    ----------
    table
        The table as read by :func:`~planner.load.readers.read_table` (or a DataFrame).
        Not modified.
    mapping
        Canonical name -> the file's column name, e.g. ``{"clinic_id": "practice_code"}``.
        Names match case-insensitively, ignoring surrounding whitespace.  A canonical column
        missing from the mapping is looked up by its own name, then by the aliases in
        :data:`COLUMN_ALIASES` (``ydernummer``, ``navn``, ``patienter``, ``læger``, ...),
        then by ``aliases`` (a country profile's: England's ``practice_code`` ...).

    Returns
    -------
    Sheet
        A copy with the mapped columns renamed (order kept).  A column that would be shadowed
        by a renamed one is kept as ``original_<name>``.  The sheet's ``columns`` records
        each renamed column's name in the file, so messages can name it.

    Raises
    ------
    ValidationError
        A mapped column is not in the file; the message lists the available columns.

    Examples
    --------
    >>> t = pd.DataFrame({"Ydernummer": ["1"], "practice_name": ["A"]})
    >>> list(apply_column_map(t, {"name": "practice_name"}).frame.columns)
    ['clinic_id', 'name']
    """
    sheet = table if isinstance(table, Sheet) else Sheet(table)
    df, source = sheet.frame, sheet.source
    columns = [str(c) for c in df.columns]
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise ValidationError(
            [Problem(source, None, c, f"column '{c}' appears more than once") for c in doubled]
        )
    resolved = _resolve_columns(columns, mapping or {}, source, aliases)
    by_file: dict[str, list[str]] = {}
    for canonical, found in resolved.items():
        by_file.setdefault(found, []).append(canonical)
    out: dict[str, pd.Series] = {}
    extra: dict[str, pd.Series] = {}
    for col in columns:
        series = df[col]
        if col in by_file:
            first, *rest = by_file[col]
            out[first] = series
            extra.update({name: series for name in rest})
        elif col in resolved:  # a canonical name taken by another file column
            new = f"original_{col}"
            while new in columns or new in out:
                new = f"original_{new}"
            logger.warning("%s: column '%s' is kept as '%s'", source, col, new)
            out[new] = series
        else:
            out[col] = series
    out.update(extra)
    result = pd.DataFrame({name: s.copy() for name, s in out.items()}, index=df.index)
    # Canonical -> file column, so messages can name the column as the file has it.
    renamed = {c: f for c, f in resolved.items() if c != f}
    return Sheet(result, source, sheet.first_row, {**sheet.columns, **renamed})
