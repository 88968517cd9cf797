"""Reading the planner's input files.

Clinic tables come as CSV (also ``.txt``/``.tsv``), GeoJSON or GeoPackage; patient lists as
CSV; land and boundaries as any polygon layer GDAL reads.  This module only parses: it reads
clinic tables as text so that :mod:`planner.load.validate` can report every bad cell by row.

CSV files are read the way Danish Excel writes them: the encoding is detected (UTF-8 with or
without a byte-order mark, else cp1252, else Latin-1) and so is the separator (``;``, ``,`` or
tab or ``|``; an Excel ``sep=`` first line is honoured).

Row numbers
-----------
A table returned by :func:`read_table` carries ``attrs['source']`` (the path) and
``attrs['first_row']``: the row number of its first data row as the user sees it.  For CSV
this is 2, because the header is row 1 in a spreadsheet, so data row ``i`` (0-based) is row
``i + 2``, matching Excel's row numbers.  Spatial files have no header row: feature ``i`` is
row ``i + 1``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.load.columns import COLUMN_ALIASES, apply_column_map
from planner.load.common import existing_file, fail
from planner.load.delimited import read_csv_text
from planner.load.patients import read_patient_counts
from planner.load.spatial import read_land, read_polygons, read_spatial, table_from_geodataframe

__all__ = [
    "COLUMN_ALIASES",
    "apply_column_map",
    "read_land",
    "read_patient_counts",
    "read_polygons",
    "read_table",
    "table_from_geodataframe",
]

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_SPATIAL_SUFFIXES = {".geojson", ".json", ".gpkg"}


def read_table(path: str | Path, *, layer: str | None = None) -> pd.DataFrame:
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
    pandas.DataFrame
        For CSV every cell is a string (empty cells are ``""``) and header names are
        stripped of surrounding whitespace.  For spatial files the attribute columns keep
        their types and ``lat``/``lon`` are filled from the geometry (reprojected to
        EPSG:4326) when absent.  ``attrs['source']`` is the path and ``attrs['first_row']``
        the row number of the first data row (2 for CSV, 1 for spatial files).

    Raises
    ------
    ValidationError
        The file is missing, of an unknown type, empty or not a table.
    """
    path, source = existing_file(path)
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        table = read_csv_text(path, source)
        table.attrs = {"source": source, "first_row": 2}
        return table
    if suffix in _SPATIAL_SUFFIXES:
        return table_from_geodataframe(read_spatial(path, source, layer), source=source)
    kinds = ", ".join(sorted(_CSV_SUFFIXES | _SPATIAL_SUFFIXES))
    raise fail(source, f"unsupported file type '{suffix}'; use one of {kinds}")
