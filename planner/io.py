"""Reading the planner's input files.

Clinic tables come as CSV (also ``.txt``/``.tsv``), GeoJSON or GeoPackage; patient lists as
CSV; land and boundaries as any polygon layer GDAL reads.  This module only parses: it reads
clinic tables as text so that :mod:`planner.validate` can report every bad cell by row.

CSV files are read the way Danish Excel writes them: the encoding is detected (UTF-8 with or
without a byte-order mark, else cp1252, else Latin-1) and so is the separator (``;``, ``,`` or
tab; an Excel ``sep=`` first line is honoured).

Row numbers
-----------
A table returned by :func:`read_table` carries ``attrs['source']`` (the path) and
``attrs['first_row']``: the row number of its first data row as the user sees it.  For CSV
this is 2, because the header is row 1 in a spreadsheet, so data row ``i`` (0-based) is row
``i + 2``, matching Excel's row numbers.  Spatial files have no header row: feature ``i`` is
row ``i + 1``.
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from planner.errors import Problem, ValidationError
from planner.rules import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

__all__ = [
    "COLUMN_ALIASES",
    "apply_column_map",
    "read_land",
    "read_patient_counts",
    "read_polygons",
    "read_table",
    "table_from_geodataframe",
]

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

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_SPATIAL_SUFFIXES = {".geojson", ".json", ".gpkg"}
_SEPARATORS = (";", ",", "\t")
_SEP_LINE = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)
_BLOCK = 1 << 20
_CHUNK_ROWS = 500_000
_MAX_ROW_PROBLEMS = 1000


@dataclass(frozen=True)
class _CsvFormat:
    encoding: str
    sep: str
    skiprows: int


def _fail(source: str, message: str, column: str | None = None) -> ValidationError:
    return ValidationError([Problem(source, None, column, message)])


def _normalise(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().casefold())


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while block := fh.read(_BLOCK):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


def _count_outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            count += 1
    return count


def _sniff_csv(path: Path) -> _CsvFormat:
    """Detect the encoding and separator of a delimited text file."""
    encoding = _detect_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        lines = [line.rstrip("\r\n") for line, _ in zip(fh, range(50), strict=False)]
    lines = [line for line in lines if line.strip()]
    if lines and (match := _SEP_LINE.match(lines[0])):
        return _CsvFormat(encoding, match.group(1), 1)
    if not lines:
        return _CsvFormat(encoding, ",", 0)
    header, body = lines[0], lines[1:]
    best, best_score = ",", (-1.0, 0)
    for sep in _SEPARATORS:
        n = _count_outside_quotes(header, sep)
        if n == 0:
            continue
        agree = sum(_count_outside_quotes(line, sep) == n for line in body)
        score = (agree / len(body) if body else 1.0, n)
        if score > best_score:
            best, best_score = sep, score
    return _CsvFormat(encoding, best, 0)


def _read_csv(path: Path, source: str) -> pd.DataFrame:
    """Parse a delimited file with the csv module: every cell text, short rows padded."""
    fmt = _sniff_csv(path)
    logger.debug("reading %s as %s, separator %r", source, fmt.encoding, fmt.sep)
    problems, rows = [], []
    try:
        with path.open(encoding=fmt.encoding, newline="") as fh:
            records = csv.reader(fh, delimiter=fmt.sep)
            for _ in range(fmt.skiprows):
                next(records, None)
            header = next(records, None)
            if header is None:
                raise _fail(source, "the file is empty")
            width = len(header)
            for row, cells in enumerate(records, start=2):
                if len(cells) > width and any(c.strip() for c in cells[width:]):
                    problems.append(
                        Problem(
                            source,
                            row,
                            None,
                            f"the row has {len(cells)} cells but the header has {width} "
                            f"columns (does a value hold '{fmt.sep}' without quotes?)",
                        )
                    )
                rows.append((cells + [""] * width)[:width])
    except csv.Error as exc:
        raise _fail(source, f"could not read the file as a table: {exc}") from exc
    if problems:
        raise ValidationError(problems)
    names = [c.strip() or f"Unnamed: {i}" for i, c in enumerate(header)]
    df = pd.DataFrame(rows, columns=names, dtype=str)
    unnamed = [c for c in names if c.startswith("Unnamed: ") and (df[c].str.strip() == "").all()]
    if unnamed:
        logger.debug("dropping empty unnamed columns %s from %s", unnamed, source)
        df = df.drop(columns=unnamed)
    return df


def _choose_layer(path: Path, source: str) -> str | None:
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise _fail(source, f"could not open the file: {exc}") from exc
    if len(layers) <= 1:
        return None
    points = [str(name) for name, kind in layers if kind and "point" in str(kind).lower()]
    chosen = points[0] if points else str(layers[0][0])
    logger.warning(
        "%s has %d layers (%s); reading layer '%s' (name one with layer=...)",
        source,
        len(layers),
        ", ".join(str(name) for name, _ in layers),
        chosen,
    )
    return chosen


def _read_spatial(path: Path, source: str, layer: str | None) -> gpd.GeoDataFrame:
    if layer is None:
        layer = _choose_layer(path, source)
    try:
        return gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise _fail(source, f"could not read the file: {exc}") from exc


def _to_wgs84(gdf: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        logger.warning("%s has no coordinate reference system; assuming EPSG:4326", source)
        return gdf.set_crs("EPSG:4326")
    return gdf.to_crs("EPSG:4326")


def table_from_geodataframe(gdf: gpd.GeoDataFrame, *, source: str = "<table>") -> pd.DataFrame:
    """Turn a point layer into a plain table with ``lat``/``lon`` columns.

    Parameters
    ----------
    gdf
        Clinics as a GeoDataFrame, in any CRS.  Not modified.
    source
        Name of the data's origin, used in messages.

    Returns
    -------
    pandas.DataFrame
        The attribute columns, plus ``lat`` and ``lon`` (EPSG:4326 degrees) taken from the
        geometry when no column already provides them (canonical name or alias).  Non-point
        geometries are replaced by a representative point, with a warning.
    """
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    present = {_normalise(c) for c in table.columns}
    need_lat = not present & {"lat", *COLUMN_ALIASES["lat"]}
    need_lon = not present & {"lon", *COLUMN_ALIASES["lon"]}
    if need_lat or need_lon:
        geoms = np.asarray(shapely.force_2d(_to_wgs84(gdf, source).geometry.values))
        kinds = shapely.get_type_id(geoms)
        other = (kinds != shapely.GeometryType.POINT) & ~shapely.is_missing(geoms)
        if other.any():
            logger.warning(
                "%s: %d feature(s) are not points; using a representative point of each",
                source,
                int(other.sum()),
            )
            geoms = np.where(other, shapely.point_on_surface(geoms), geoms)
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        coords = np.full((len(geoms), 2), np.nan)
        if (~empty).any():
            coords[~empty] = shapely.get_coordinates(geoms[~empty])
        if need_lat:
            table["lat"] = coords[:, 1]
        if need_lon:
            table["lon"] = coords[:, 0]
    table.attrs = {"source": source, "first_row": 1}
    return table


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
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise _fail(source, "file not found")
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        table = _read_csv(path, source)
        table.attrs = {"source": source, "first_row": 2}
        return table
    if suffix in _SPATIAL_SUFFIXES:
        return table_from_geodataframe(_read_spatial(path, source, layer), source=source)
    kinds = ", ".join(sorted(_CSV_SUFFIXES | _SPATIAL_SUFFIXES))
    raise _fail(source, f"unsupported file type '{suffix}'; use one of {kinds}")


def _find_column(columns: list[str], wanted: str) -> str | None:
    key = _normalise(wanted)
    matches = [c for c in columns if _normalise(c) == key]
    return matches[0] if matches else None


def _resolve_columns(columns: list[str], mapping: Mapping[str, str], source: str) -> dict[str, str]:
    """Map canonical name -> file column; raise on mapped columns the file lacks."""
    resolved: dict[str, str] = {}
    problems = []
    for canonical, wanted in mapping.items():
        found = _find_column(columns, wanted)
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
        for candidate in (canonical, *COLUMN_ALIASES.get(canonical, ())):
            found = _find_column(columns, candidate)
            if found is not None and found not in taken:
                if candidate != canonical:
                    logger.info("%s: using column '%s' as %s", source, found, canonical)
                resolved[canonical] = found
                break
    return resolved


def apply_column_map(df: pd.DataFrame, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rename a table's columns to the planner's canonical names.

    Parameters
    ----------
    df
        The table as read by :func:`read_table`.  Not modified.
    mapping
        Canonical name -> the file's column name, e.g. ``{"clinic_id": "practice_code"}``.
        Names match case-insensitively, ignoring surrounding whitespace.  A canonical column
        missing from the mapping is looked up by its own name, then by the aliases in
        :data:`COLUMN_ALIASES` (``ydernummer``, ``navn``, ``patienter``, ``læger``, ...).

    Returns
    -------
    pandas.DataFrame
        A copy with the mapped columns renamed (order kept).  A column that would be shadowed
        by a renamed one is kept as ``original_<name>``.  ``attrs`` are kept.

    Raises
    ------
    ValidationError
        A mapped column is not in the file; the message lists the available columns.

    Examples
    --------
    >>> t = pd.DataFrame({"Ydernummer": ["1"], "practice_name": ["A"]})
    >>> list(apply_column_map(t, {"name": "practice_name"}).columns)
    ['clinic_id', 'name']
    """
    source = str(df.attrs.get("source", "<table>"))
    columns = [str(c) for c in df.columns]
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise ValidationError(
            [Problem(source, None, c, f"column '{c}' appears more than once") for c in doubled]
        )
    resolved = _resolve_columns(columns, mapping or {}, source)
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
    result.attrs = dict(df.attrs)
    return result


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
    path: Path, fmt: _CsvFormat, id_col: str, group_col: str, source: str
) -> tuple[str, str | None]:
    header = pd.read_csv(
        path, sep=fmt.sep, encoding=fmt.encoding, skiprows=fmt.skiprows, nrows=0
    ).columns.tolist()
    found_id = _find_column(header, id_col)
    if found_id is None and id_col == "clinic_id":
        for alias in COLUMN_ALIASES["clinic_id"]:
            if (found_id := _find_column(header, alias)) is not None:
                break
    if found_id is None:
        raise _fail(
            source,
            f"the clinic id column '{id_col}' is not in the file; "
            f"available columns: {', '.join(str(c).strip() for c in header)}",
            column=id_col,
        )
    found_group = _find_column(header, group_col)
    if found_group is None:
        logger.info("%s has no '%s' column: every row counts", source, group_col)
    return found_id, found_group


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
        log.add(rows[bad.to_numpy()], grp_col.strip(), "must be 1 or 2, got '" + group[bad] + "'")
        counted &= value == 1.0
    unknown = (ids == "") & ~blank
    messages = pd.Series("the clinic id is empty", index=ids.index)
    if known is not None:
        stranger = (ids != "") & ~ids.isin(known)
        unknown |= stranger
        messages[stranger] = "clinic '" + ids[stranger] + "' is not in the clinic table"
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
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise _fail(source, "file not found")
    fmt = _sniff_csv(path)
    try:
        id_col, grp_col = _patient_columns(path, fmt, clinic_id_col, group_col, source)
    except pd.errors.EmptyDataError as exc:
        raise _fail(source, "the file is empty") from exc
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
        raise _fail(source, f"could not read the file as a table: {exc}") from exc
    log.raise_if_any()
    if known is not None:
        missing = known.difference(totals)
        if missing:
            logger.warning("%s: %d clinic(s) have no counted patients", source, len(missing))
        totals.update(dict.fromkeys(missing, 0))
    keys = sorted(totals)
    index = pd.Index(keys, dtype=str, name="clinic_id")
    return pd.Series([totals[k] for k in keys], index=index, dtype=np.int64, name="patients")


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Each geometry's polygonal part (2-D, valid) or None."""
    geoms = shapely.make_valid(shapely.force_2d(geoms))
    out = np.empty(len(geoms), dtype=object)
    polygon_types = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            out[i] = None
        elif shapely.get_type_id(geom) in polygon_types:
            out[i] = geom
        else:
            parts = shapely.get_parts(shapely.get_parts(geom))
            polys = parts[np.isin(shapely.get_type_id(parts), polygon_types)]
            out[i] = shapely.union_all(polys) if len(polys) else None
    return out


def _polygon_layers(path: Path, source: str) -> list[str]:
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise _fail(source, f"could not open the file: {exc}") from exc
    return [
        str(name)
        for name, kind in layers
        if kind is None or "polygon" in str(kind).lower() or str(kind) in ("Unknown", "Geometry")
    ]


def read_land(path: str | Path) -> BaseGeometry:
    """Read the land as one (multi)polygon in EPSG:4326.

    Parameters
    ----------
    path
        Any file GDAL reads with polygon layers, e.g. DAGI ``kommuner.geojson``.

    Returns
    -------
    shapely.geometry.base.BaseGeometry
        The union of every polygon of every polygon layer, 2-D (Z dropped), made valid.

    Raises
    ------
    ValidationError
        The file is missing, unreadable or holds no polygons.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise _fail(source, "file not found")
    pieces = []
    for layer in _polygon_layers(path, source):
        gdf = _to_wgs84(gpd.read_file(path, layer=layer), source)
        polys = _polygonal(np.asarray(gdf.geometry.values))
        pieces.extend(p for p in polys if p is not None)
    if not pieces:
        raise _fail(source, "the file holds no polygons to use as land")
    land = shapely.make_valid(shapely.union_all(np.asarray(pieces, dtype=object)))
    logger.debug("land from %s: %d polygon pieces", source, len(pieces))
    return land


def read_polygons(path: str | Path, *, name_col: str, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a boundary layer, one (multi)polygon per name.

    Parameters
    ----------
    path
        Any file GDAL reads, e.g. DAGI ``kommuner.geojson``.
    name_col
        Column naming each area (case-insensitive), e.g. ``"KOMKODE"``; its values become
        strings.
    layer
        Layer to read; by default the first polygon layer.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, 2-D, valid geometries dissolved by ``name_col`` (other columns keep the
        first value of each name), sorted by name, index 0..n-1.

    Raises
    ------
    ValidationError
        The file or the name column is missing, or a polygon has no name.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise _fail(source, "file not found")
    if layer is None:
        layers = _polygon_layers(path, source)
        layer = layers[0] if layers else None
    gdf = _to_wgs84(_read_spatial(path, source, layer), source)
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    found = _find_column(columns, name_col)
    if found is None:
        raise _fail(
            source,
            f"column '{name_col}' is not in the file; available columns: {', '.join(columns)}",
            column=name_col,
        )
    geoms = _polygonal(np.asarray(gdf.geometry.values))
    names = gdf[found].astype(object).where(gdf[found].notna(), "").astype(str).str.strip()
    keep = ~shapely.is_missing(geoms)
    problems = [
        Problem(source, int(i) + 1, name_col, "the polygon has no name")
        for i in np.flatnonzero((names == "").to_numpy() & keep)
    ]
    if problems:
        raise ValidationError(problems)
    if not keep.all():
        logger.warning("%s: %d feature(s) without polygons ignored", source, int((~keep).sum()))
    attrs = pd.DataFrame(gdf.drop(columns=[gdf.geometry.name, found]))[keep]
    attrs.insert(0, name_col, names[keep].to_numpy())
    parts = gpd.GeoDataFrame(attrs, geometry=list(geoms[keep]), crs="EPSG:4326")
    out = parts.dissolve(by=name_col, aggfunc="first", as_index=False, sort=True)
    return out.reset_index(drop=True)
