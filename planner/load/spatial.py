"""Spatial layers: clinic points, land and boundary polygons, read through GDAL.

Every layer is returned in EPSG:4326, 2-D.  Spatial files have no header row: feature
``i`` is reported as row ``i + 1``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from planner.core.errors import Problem, ValidationError
from planner.load.columns import COLUMN_ALIASES
from planner.load.common import existing_file, fail, find_column, normalise

__all__ = [
    "polygonal_parts",
    "read_land",
    "read_polygons",
    "read_spatial",
    "table_from_geodataframe",
    "to_wgs84",
]

logger = logging.getLogger(__name__)


def _choose_layer(path: Path, source: str, wanted: str | None = None) -> str | None:
    """The layer to read: ``wanted`` (checked), the only layer, or the only point layer.

    Several point layers are a question only the planner can answer: refused, naming them
    and the ``--layer`` flag (``layer=`` in Python).
    """
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise fail(source, f"could not open the file: {exc}") from exc
    names = [str(name) for name, _ in layers]
    if wanted is not None:
        if wanted not in names:
            raise fail(
                source, f"has no layer '{wanted}'; its layers: {', '.join(names) or '(none)'}"
            )
        return wanted
    if len(layers) <= 1:
        return None
    points = [str(name) for name, kind in layers if kind and "point" in str(kind).lower()]
    if len(points) > 1:
        raise fail(
            source,
            f"has {len(points)} point layers ({', '.join(points)}); choose the clinics' layer "
            f"with --layer NAME (layer= in Python), e.g. --layer {points[0]}",
        )
    chosen = points[0] if points else names[0]
    logger.warning(
        "%s has %d layers (%s); reading layer '%s' (choose another with --layer NAME)",
        source,
        len(layers),
        ", ".join(names),
        chosen,
    )
    return chosen


def read_spatial(path: Path, source: str, layer: str | None) -> gpd.GeoDataFrame:
    """One layer of a file GDAL reads; raise when it cannot be read or has no geometries."""
    layer = _choose_layer(path, source, layer)
    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise fail(source, f"could not read the file: {exc}") from exc
    if not isinstance(frame, gpd.GeoDataFrame):  # a layer without geometries, e.g. a CSV
        raise fail(
            source,
            "the file has no geometries; use a spatial file (GeoJSON, GeoPackage, Shapefile)",
        )
    return frame


def to_wgs84(gdf: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
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
    present = {normalise(c) for c in table.columns}
    need_lat = not present & {"lat", *COLUMN_ALIASES["lat"]}
    need_lon = not present & {"lon", *COLUMN_ALIASES["lon"]}
    if need_lat or need_lon:
        geoms = np.asarray(shapely.force_2d(to_wgs84(gdf, source).geometry.values))
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
    return table


def polygonal_parts(geoms: np.ndarray) -> np.ndarray:
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
        raise fail(source, f"could not open the file: {exc}") from exc
    return [
        str(name)
        for name, kind in layers
        if kind is None
        or "polygon" in str(kind).lower()
        or str(kind) in ("Unknown", "Geometry", "GeometryCollection")
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
    path, source = existing_file(path)
    pieces: list[shapely.Geometry] = []
    for layer in _polygon_layers(path, source):
        gdf = to_wgs84(read_spatial(path, source, layer), source)
        polys = polygonal_parts(np.asarray(gdf.geometry.values))
        pieces.extend(p for p in polys if p is not None)
    if not pieces:
        raise fail(source, "the file holds no polygons to use as land")
    land = shapely.make_valid(shapely.union_all(np.array(pieces, dtype=object)))
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
    path, source = existing_file(path)
    if layer is None:
        layers = _polygon_layers(path, source)
        layer = layers[0] if layers else None
    gdf = to_wgs84(read_spatial(path, source, layer), source)
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    found = find_column(columns, name_col)
    if found is None:
        raise fail(
            source,
            f"column '{name_col}' is not in the file; available columns: {', '.join(columns)}",
            column=name_col,
        )
    geoms = polygonal_parts(np.asarray(gdf.geometry.values))
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
