"""Reading the planner's input files.

Clinic tables come as CSV (also ``.txt``/``.tsv``), GeoJSON or GeoPackage; patient lists as
CSV; land and boundaries as any polygon layer GDAL reads.  This module only parses: it reads
clinic tables as text so that :mod:`planner.load.validate` can report every bad cell by row.

CSV files are read the way Danish Excel writes them: the encoding is detected (UTF-8 with or
without a byte-order mark, else cp1252, else Latin-1) and so is the separator (``;``, ``,`` or
tab or ``|``; an Excel ``sep=`` first line is honoured).

Row numbers
-----------
:func:`read_table` returns a :class:`~planner.load.common.Sheet`: the table with its source
(the path) and the row number of its first data row as the user sees it.  For CSV this is
2, because the header is row 1 in a spreadsheet, so data row ``i`` (0-based) is row
``i + 2``, matching Excel's row numbers.  Spatial files have no header row: feature ``i`` is
row ``i + 1``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.load.columns import COLUMN_ALIASES, apply_column_map
from planner.load.common import Sheet, existing_file, fail
from planner.load.delimited import read_csv_text
from planner.load.patients import read_patient_counts
from planner.load.spatial import read_land, read_polygons, read_spatial, table_from_geodataframe

__all__ = [
    "COLUMN_ALIASES",
    "Sheet",
    "apply_column_map",
    "as_sheet",
    "read_land",
    "read_patient_counts",
    "read_polygons",
    "read_table",
    "table_from_geodataframe",
]

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_SPATIAL_SUFFIXES = {".geojson", ".json", ".gpkg"}


def as_sheet(table: Sheet | pd.DataFrame, source: str | None = None) -> Sheet:
    """A table given in Python as a :class:`Sheet` (a GeoDataFrame gets ``lat``/``lon``).

    >>> as_sheet(pd.DataFrame({"a": [1]})).first_row, as_sheet(pd.DataFrame()).source
    (2, '<clinics>')
    """
    if isinstance(table, Sheet):
        if source is None:
            return table
        return Sheet(table.frame, source, table.first_row, table.columns)
    name = source or "<clinics>"
    if isinstance(table, gpd.GeoDataFrame):
        return Sheet(table_from_geodataframe(table, source=name), name, first_row=1)
    return Sheet(table, name, first_row=2)


def read_table(path: str | Path, *, layer: str | None = None) -> Sheet:
    """Read a clinic table from CSV, GeoJSON or GeoPackage.

    Parameters
    ----------
    path
        ``.csv``, ``.txt`` or ``.tsv`` (delimited text), ``.geojson``/``.json`` or ``.gpkg``.
    layer
        Layer to read from a multi-layer spatial file.  By default the only layer, else the
        first point layer (with a warning).

    Returns
    -------
    Sheet
        For CSV every cell is a string (empty cells are ``""``) and header names are
        stripped of surrounding whitespace.  For spatial files the attribute columns keep
        their types and ``lat``/``lon`` are filled from the geometry (reprojected to
        EPSG:4326) when absent.  The sheet's source is the path and its first row the
        row number of the first data row (2 for CSV, 1 for spatial files).

    Raises
    ------
    ValidationError
        The file is missing, of an unknown type, empty or not a table.
    """
    path, source = existing_file(path)
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        return Sheet(read_csv_text(path, source), source, first_row=2)
    if suffix in _SPATIAL_SUFFIXES:
        frame = table_from_geodataframe(read_spatial(path, source, layer), source=source)
        return Sheet(frame, source, first_row=1)
    kinds = ", ".join(sorted(_CSV_SUFFIXES | _SPATIAL_SUFFIXES))
    raise fail(source, f"unsupported file type '{suffix}'; use one of {kinds}")
