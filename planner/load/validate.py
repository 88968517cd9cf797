"""Validating the clinic table: every problem found, reported in one error.

:func:`validate_clinics` checks every cell of a table whose columns already carry the
planner's canonical names (see :func:`planner.load.readers.apply_column_map`) and either raises one
:class:`~planner.core.errors.ValidationError` listing all problems or returns a clean
GeoDataFrame.

Row numbers
-----------
Problems name rows as a spreadsheet user sees them: for a CSV the header is row 1, so data row
``i`` (0-based) is row ``i + 2``, as in Excel.  The number of the first data row is the
:class:`~planner.load.common.Sheet`'s (2 for CSV, 1 for spatial files, where feature ``i`` is
row ``i + 1``); a DataFrame given as it is counts as CSV (a GeoDataFrame as spatial).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from numbers import Integral, Real

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from planner.core.crs import utm_crs
from planner.core.errors import PlannerError, Problem, ValidationError
from planner.core.rules import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from planner.load.common import Sheet
from planner.load.readers import as_sheet
from planner.load.units import SHAPE

__all__ = [
    "COLUMN_FLAGS",
    "MOST",
    "NEEDED",
    "decimal_mark",
    "file_rows",
    "metric_crs",
    "parse_count",
    "to_metric",
    "validate_clinics",
]

logger = logging.getLogger(__name__)

#: The command-line flag that names each canonical column in the user's file.
COLUMN_FLAGS: dict[str, str] = {
    "clinic_id": "--id-col",
    "name": "--name-col",
    "lat": "--lat-col",
    "lon": "--lon-col",
    "patients": "--patients-col",
    "doctors": "--doctors-col",
    "municipality": "--municipality-col",
    "region": "--region-col",
}

_DECIMAL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_WHOLE = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")
#: Whole numbers grouped in thousands in a file's own style: '9.885' or '9.885,0' where the
#: decimal mark is a comma (a Danish Excel export), '9,885' or '9,885.0' where it is a point.
_GROUPED_IN = {
    ",": re.compile(r"^\d{1,3}(\.\d{3})+(,0*)?$"),
    ".": re.compile(r"^\d{1,3}(,\d{3})+(\.0*)?$"),
}
_SPACED = re.compile(r"^\d{1,3}([ \u00a0\u202f]\d{3})+$")
_RANGES = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0)}
#: The largest count of one practice that is taken as real: more is a wrong cell (a total,
#: a phone number, an overflow), reported rather than summed into a wrong total.
MOST: dict[str, int] = {"patients": 10_000_000, "doctors": 10_000}


class _CellError(ValueError):
    """A cell's value is unusable; the message says why."""


def _text(value: object) -> str:
    """A cell as stripped text; missing values are ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, Real) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and number.is_integer() and abs(number) < 2**53:
            return str(int(number))
    return str(value).strip()


def _parse_float(value: object) -> float:
    """A finite number; text may use a decimal comma ('55,6761')."""
    if isinstance(value, Real) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _text(value)
        if text == "":
            raise _CellError("is empty")
        if not _DECIMAL.match(text):
            raise _CellError(f"is not a number: '{text}'")
        number = float(text.replace(",", "."))
    if math.isnan(number):
        raise _CellError("is empty")
    if not math.isfinite(number):
        raise _CellError(f"is not a finite number: {number}")
    return number


def decimal_mark(table: pd.DataFrame) -> str | None:
    """The decimal mark the file's coordinates use: ',' or '.', or None when they do not say.

    A Danish Excel export writes '55,6761' and groups thousands with points ('9.885'); an
    English one writes '55.6761' and '9,885'.  Only a file whose coordinates all agree tells.

    >>> decimal_mark(pd.DataFrame({"lat": ["55,6"], "lon": ["12,5"]}))
    ','
    >>> decimal_mark(pd.DataFrame({"lat": ["55,6", "55.1"], "lon": ["12,5", "12.0"]})) is None
    True
    """
    marks: set[str] = set()
    for column in ("lat", "lon"):
        if column in table.columns:
            for value in table[column].tolist():
                if isinstance(value, str):
                    marks.update(m for m in ",." if m in value)
    return marks.pop() if len(marks) == 1 else None


def _parse_whole(value: object, mark: str | None = None) -> int:
    """A non-negative whole number: '3000', '3000.0', '3000,0' or '3 000'; with the file's
    decimal ``mark`` known, also grouped in thousands the other way ('9.885' where it is ',')."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        number = float(int(value))
    elif isinstance(value, Real) and not isinstance(value, bool):
        number = float(value)
        if math.isnan(number):
            raise _CellError("is empty")
    else:
        text = _text(value)
        if text == "":
            raise _CellError("is empty")
        if _SPACED.match(text):
            text = re.sub(r"\s", "", text)
        if mark is not None and _GROUPED_IN[mark].match(text):
            text = text.replace("." if mark == "," else ",", "")
        if _GROUPED.match(text):
            raise _CellError(
                f"is ambiguous: '{text}' could hold a thousands separator, and the file's "
                "coordinates do not show which decimal mark it uses; write the whole number "
                "without separators"
            )
        if not _WHOLE.match(text):
            raise _CellError(f"is not a whole number: '{text}'")
        number = float(text.replace(",", "."))
    if not math.isfinite(number) or not number.is_integer():
        raise _CellError(f"is not a whole number: {value!r}")
    if number < 0:
        raise _CellError(f"must not be negative, got {int(number)}")
    return int(number)


def _parse_count(column: str, mark: str | None = None) -> Callable[[object], int]:
    """The parser of a count column: a whole number no larger than :data:`MOST` allows."""
    most = MOST[column]

    def parse(value: object) -> int:
        number = _parse_whole(value, mark)
        if number > most:
            shown = f"{number:,}" if number < 10**30 else f"{float(number):.3g}"
            raise _CellError(
                f"is {shown}, beyond any plausible practice (at most {most:,}); "
                "check the cell (a total, a wrong column or an overflow?)"
            )
        return number

    return parse


def parse_count(value: object, column: str = "patients", mark: str | None = None) -> int | None:
    """A patient or GP count as validation reads it, or None when it is not one.

    >>> parse_count("3 000"), parse_count("3000,0"), parse_count(""), parse_count("many")
    (3000, 3000, None, None)
    >>> parse_count(2**63), parse_count("20000", "doctors")
    (None, None)
    >>> parse_count("9.885"), parse_count("9.885", mark=","), parse_count("9,885", mark=".")
    (None, 9885, 9885)
    """
    try:
        return _parse_count(column, mark)(value)
    except _CellError:
        return None


def _parse_coordinate(column: str) -> Callable[[object], float]:
    low, high = _RANGES[column]

    def parse(value: object) -> float:
        number = _parse_float(value)
        if not low <= number <= high:
            raise _CellError(f"is out of range ({low:g} to {high:g}): {number:g}")
        return number

    return parse


#: Other ways to supply a required column, named in the message when it is missing.
_ALTERNATIVES = {
    "patients": ", or --patients FILE to count them from a patient list",
}
#: Columns a table may lack: without ``name`` the id stands in; without ``doctors`` there
#: are no GP counts (no GP rule, figures weighted by patients, no per-GP grant).
_OPTIONAL = ("name", "doctors")
#: Columns a table must have.
NEEDED = tuple(c for c in REQUIRED_COLUMNS if c not in _OPTIONAL)


def _column_problems(df: pd.DataFrame, source: str) -> list[Problem]:
    present = [str(c) for c in df.columns]
    problems = [
        Problem(source, None, c, f"column '{c}' appears more than once")
        for c in sorted({c for c in present if present.count(c) > 1})
    ]
    for column in NEEDED:
        if column not in present:
            problems.append(
                Problem(
                    source,
                    None,
                    column,
                    f"required column '{column}' is missing; columns present: "
                    f"{', '.join(present) or '(none)'}; use {COLUMN_FLAGS[column]} "
                    f"to name the {column} column{_ALTERNATIVES.get(column, '')}",
                )
            )
    if len(df) == 0:
        problems.append(Problem(source, None, None, "the table has no rows"))
    return problems


def _parse_column(
    values: pd.Series, column: str, parse: Callable[[object], object], rows: np.ndarray, source: str
) -> tuple[list[object], list[Problem]]:
    parsed: list[object] = []
    problems = []
    for row, value in zip(rows, values.tolist(), strict=True):
        try:
            parsed.append(parse(value))
        except _CellError as exc:
            problems.append(Problem(source, int(row), column, f"{column} {exc}"))
            parsed.append(None)
    return parsed, problems


def _id_problems(ids: list[str], rows: np.ndarray, source: str) -> list[Problem]:
    problems = []
    seen: dict[str, list[int]] = {}
    for clinic_id, row in zip(ids, rows, strict=True):
        if clinic_id == "":
            problems.append(Problem(source, int(row), "clinic_id", "clinic_id is empty"))
        else:
            seen.setdefault(clinic_id, []).append(int(row))
    for clinic_id, where in seen.items():
        listed = ", ".join(str(r) for r in where)
        problems.extend(
            Problem(
                source, row, "clinic_id", f"clinic_id '{clinic_id}' is duplicated (rows {listed})"
            )
            for row in where[1:]
        )
    return problems


def _blank_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows where every cell is empty (e.g. trailing ';;;;' lines from Excel)."""
    df = df.drop(columns=[SHAPE], errors="ignore")  # a unit's polygon is no cell to read
    if df.shape[1] == 0:
        return np.zeros(len(df), dtype=bool)
    cells = df.map(_text) if len(df) else df
    return (cells == "").all(axis=1).to_numpy()


def file_rows(table: Sheet | pd.DataFrame) -> np.ndarray:
    """The file's row number of each clinic :func:`validate_clinics` keeps, in order."""
    sheet = as_sheet(table)
    return np.flatnonzero(~_blank_rows(sheet.frame)) + sheet.first_row


def validate_clinics(table: Sheet | pd.DataFrame, *, source: str | None = None) -> gpd.GeoDataFrame:
    """Check a clinic table and return it as clean points.

    Parameters
    ----------
    table
        Clinics with the canonical columns ``clinic_id``, ``lat``, ``lon``, ``patients``
        and optionally ``name`` (the id stands in), ``doctors`` (GP counts),
        ``municipality``, ``region``; cells as text (decimal commas accepted) or numbers.
        A GeoDataFrame without ``lat``/``lon`` gets them from its geometry.  Polygon units
        keep their polygon in :data:`~planner.load.units.SHAPE`.  Never modified.
    source
        Name used in problem messages; defaults to the sheet's source.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, index 0..n-1, columns ``clinic_id`` (str), ``name`` (str; an empty name
        becomes the clinic id), ``lat``, ``lon`` (float64), ``patients``, ``doctors`` (int64;
        only when the table has GP counts),
        ``municipality``/``region`` (str) when present, then every other column unchanged,
        and Point geometry.  Rows whose cells are all empty are dropped.

    Raises
    ------
    ValidationError
        Every problem at once: missing or doubled columns, no rows, empty or duplicated
        clinic ids, coordinates that are not numbers or out of range, patients or doctors
        that are empty or not non-negative whole numbers.

    Examples
    --------
    >>> t = pd.DataFrame({"clinic_id": ["A"], "name": [""], "lat": ["55,7"],
    ...                   "lon": ["12,5"], "patients": ["3000"], "doctors": ["2"]})
    >>> out = validate_clinics(t)
    >>> out.loc[0, "name"], int(out.loc[0, "patients"]), str(out.crs)
    ('A', 3000, 'EPSG:4326')
    """
    sheet = as_sheet(table, source)
    df, source, first_row = sheet.frame, sheet.source, sheet.first_row
    problems = _column_problems(df, source)
    if any("appears more than once" in p.message for p in problems):
        raise ValidationError(problems)
    blank = _blank_rows(df)
    if blank.any():
        logger.info("%s: ignoring %d empty row(s)", source, int(blank.sum()))
    table = df.loc[~blank]
    rows = np.flatnonzero(~blank) + first_row
    if len(table) == 0 and len(df) > 0:
        problems.append(Problem(source, None, None, "the table has no rows"))

    parsed: dict[str, list[object]] = {}
    mark = decimal_mark(table)
    parsers: dict[str, Callable[[object], object]] = {
        "lat": _parse_coordinate("lat"),
        "lon": _parse_coordinate("lon"),
        "patients": _parse_count("patients", mark),
        "doctors": _parse_count("doctors", mark),
    }
    if "clinic_id" in table.columns:
        parsed["clinic_id"] = [_text(v) for v in table["clinic_id"].tolist()]
        problems += _id_problems([str(v) for v in parsed["clinic_id"]], rows, source)
    for column, parse in parsers.items():
        if column in table.columns:
            parsed[column], found = _parse_column(table[column], column, parse, rows, source)
            problems += found
    if problems:
        order = {c: i for i, c in enumerate((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))}
        problems.sort(key=lambda p: (p.row is not None, p.row or 0, order.get(p.column or "", 99)))
        raise ValidationError(problems)
    return _build(table, parsed, source)


def _build(table: pd.DataFrame, parsed: dict[str, list[object]], source: str) -> gpd.GeoDataFrame:
    ids = parsed["clinic_id"]
    given = table["name"].tolist() if "name" in table.columns else [""] * len(ids)
    names = [_text(v) or cid for v, cid in zip(given, ids, strict=True)]
    n_empty = sum(_text(v) == "" for v in given)
    if "name" not in table.columns:
        logger.info("%s: no name column; each clinic is named by its clinic_id", source)
    elif n_empty:
        logger.info("%s: %d clinic(s) without a name are named by their clinic_id", source, n_empty)
    columns: dict[str, object] = {
        "clinic_id": pd.array(ids, dtype=str),
        "name": pd.array(names, dtype=str),
        "lat": np.asarray(parsed["lat"], dtype=np.float64),
        "lon": np.asarray(parsed["lon"], dtype=np.float64),
        "patients": np.asarray(parsed["patients"], dtype=np.int64),
    }
    if "doctors" in parsed:  # else no GP counts: no column (planner.load.units.gp_weights)
        columns["doctors"] = np.asarray(parsed["doctors"], dtype=np.int64)
    for column in OPTIONAL_COLUMNS:
        if column in table.columns:
            columns[column] = pd.array([_text(v) for v in table[column].tolist()], dtype=str)
    known = {*columns, "geometry"}
    for column in table.columns:
        if column not in known:
            columns[column] = table[column].reset_index(drop=True).copy()
    geometry = gpd.points_from_xy(columns["lon"], columns["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4326")


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to the UTM zone that fits the data (metres); returns a copy.

    Parameters
    ----------
    gdf
        Any GeoDataFrame with a CRS and at least one geometry.  Not modified.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in the UTM CRS chosen by :meth:`geopandas.GeoDataFrame.estimate_utm_crs`
        (from the data's bounds, so the same data always gets the same CRS), e.g.
        EPSG:32632 for Denmark.

    Raises
    ------
    PlannerError
        The frame has no CRS or no geometry.
    """
    if gdf.crs is None:
        raise PlannerError("the clinics have no coordinate reference system")
    if len(gdf) == 0 or gdf.geometry.is_empty.all():
        raise PlannerError("cannot choose a metric CRS for an empty table")
    crs = metric_crs(gdf.to_crs("EPSG:4326").geometry)
    logger.debug("reprojecting to %s", crs.to_string())
    return gdf.to_crs(crs)


def metric_crs(points: gpd.GeoSeries) -> pyproj.CRS:
    """A metric CRS for lon/lat ``points``: their UTM zone, or anywhere else a Lambert
    azimuthal equal-area projection centred on them.

    UTM fits a region within a zone or two (Denmark, England: the plans are unchanged).
    Where it does not fit, the equal-area projection does: clinics on both sides of the
    antimeridian (Fiji), near a pole, or spread over more than one continent's width.
    """
    lon = points.x.to_numpy()
    lat = points.y.to_numpy()
    rad = np.radians(lon)
    mean_lon = float(np.degrees(np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())))
    wrapped = ((lon - mean_lon + 180.0) % 360.0) - 180.0
    across = float(lon.max() - lon.min()) > 180.0  # on both sides of the antimeridian
    if not across and float(np.abs(lat).max()) < 80.0 and float(np.ptp(wrapped)) < 30.0:
        try:
            return utm_crs(gpd.GeoSeries(points, crs="EPSG:4326"))
        except RuntimeError:  # pyproj finds no zone: use the projection below
            pass
    lat0 = float(np.clip(lat.mean(), -90.0, 90.0))
    return pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={lat0:.6f} +lon_0={mean_lon:.6f} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )
