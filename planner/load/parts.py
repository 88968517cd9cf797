"""One part of a clinics file: the clinics whose column ``by`` holds ``part``.

``planner batch`` plans every part of a file separately (clusters never cross a part); each
part is a request with ``by`` and ``part`` set, so ``config.toml`` beside a part's outputs
plans the same part again.  The other rows are blanked, not dropped, so every message still
names the row of the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.core.errors import Problem, ValidationError
from planner.load.common import Sheet, find_column

__all__ = ["part_column", "part_labels", "part_of", "part_values"]


def _text(values: pd.Series) -> pd.Series:
    return values.map(
        lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()
    )


def part_column(sheet: Sheet, by: str) -> str:
    """The sheet's column that ``by`` names: the planner's name (``region``) or the file's
    own (``stp_code``).

    Raises
    ------
    ValidationError
        No such column; the message lists the columns present.
    """
    columns = [str(c) for c in sheet.frame.columns]
    found = find_column(columns, by)
    if found is None:  # the file's own name of a column renamed to the planner's
        renamed = {v.casefold(): k for k, v in sheet.columns.items()}
        found = renamed.get(by.strip().casefold())
    if found is None or found not in columns:
        raise ValidationError(
            [Problem(sheet.source, None, by, f"--by names column '{by}', which the file does "
                     f"not have; columns present: {', '.join(columns)}")]
        )  # fmt: skip
    return found


def part_labels(sheet: Sheet, by: str) -> pd.Series:
    """The part of every row, as stripped text ('' for an empty cell)."""
    return _text(sheet.frame[part_column(sheet, by)])


def part_values(sheet: Sheet, by: str) -> list[str]:
    """Every part of the sheet, sorted; an empty cell is refused (its clinic has no part).

    >>> part_values(Sheet(pd.DataFrame({"r": ["b", "a", "b"]}), "c.csv"), "r")
    ['a', 'b']
    """
    column = part_column(sheet, by)
    values = _text(sheet.frame[column])
    empty = [int(i) + sheet.first_row for i in (values == "").to_numpy().nonzero()[0]]
    if empty:
        raise ValidationError(
            [Problem(sheet.source, row, column, f"{column} is empty: the clinic belongs to no "
                     "part (--by)") for row in empty]
        )  # fmt: skip
    return sorted(set(values))


def _lonlat(frame: pd.DataFrame) -> np.ndarray:
    """Longitude and latitude of the rows that have readable ones (decimal commas too)."""
    if not {"lat", "lon"} <= set(frame.columns):
        return np.empty((0, 2))
    both = [
        pd.to_numeric(_text(frame[c]).str.replace(",", ".", regex=False), errors="coerce")
        for c in ("lon", "lat")
    ]
    out = np.column_stack([both[0].to_numpy(float), both[1].to_numpy(float)])
    ok = np.isfinite(out).all(axis=1) & (np.abs(out[:, 1]) <= 90) & (np.abs(out[:, 0]) <= 180)
    return out[ok]


def part_of(sheet: Sheet, by: str, part: str) -> tuple[Sheet, set[str], np.ndarray]:
    """The sheet with every row outside the part blanked, the ids of every clinic in the
    file (choice files and links may name clinics of other parts), and the longitude and
    latitude of the other parts' clinics (whose land is theirs).

    >>> s = Sheet(pd.DataFrame({"clinic_id": ["1", "2"], "r": ["a", "b"]}), "c.csv")
    >>> kept, ids, others = part_of(s, "r", "b")
    >>> kept.frame["clinic_id"].isna().tolist(), sorted(ids), others.shape
    ([True, False], ['1', '2'], (0, 2))
    """
    column = part_column(sheet, by)
    frame = sheet.frame
    inside = (_text(frame[column]) == part).to_numpy()
    if not inside.any():
        shown = sorted(set(_text(frame[column])))[:20]
        raise ValidationError(
            [Problem(sheet.source, None, column, f"no clinic has {column} = '{part}'; values: "
                     f"{', '.join(shown)}")]
        )  # fmt: skip
    ids = set(_text(frame["clinic_id"])) - {""} if "clinic_id" in frame.columns else set()
    others = _lonlat(frame.loc[~inside])
    blanked = frame.copy()
    blanked.iloc[(~inside).nonzero()[0]] = None
    return Sheet(blanked, sheet.source, sheet.first_row, sheet.columns), ids, others
