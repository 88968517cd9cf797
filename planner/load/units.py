"""Planning units with an area: a polygon layer (GeoJSON, GeoPackage, Shapefile, TopoJSON)
whose features are the units themselves (parishes, census areas, counties), and the GP
counts a table may lack.

A spatial clinics file whose geometries are all polygons is read as *polygon units*: each
feature is one unit with its ``clinic_id`` and ``patients`` (the usual names, aliases and
``--id-col``/``--patients-col``), its polygon kept in the column :data:`SHAPE` (EPSG:4326),
and ``lat``/``lon`` its representative point (the centroid when it lies inside the polygon,
else a point on its surface), from which distances are measured.  The geography then plans
with the polygons as territories (:mod:`planner.geography.polygons`) instead of Voronoi
cells of points.

A file without a coordinate reference system (a Shapefile without ``.prj``, as libpysal's
examples are) takes the request's ``crs`` (``--crs``); a polygon file without either is
refused, naming the file and the flag.  (A point file without one is read as EPSG:4326,
with a warning, as before.)

GP counts are optional for any input: a table without a ``doctors`` column (and no
``patients_per_gp`` estimate) has no GP rule, its GP-weighted figures are weighted by
patients (:func:`gp_weights`) and it has no per-GP start-up grant.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.core.errors import PlannerError, Problem, ValidationError
from planner.core.rules import Rules
from planner.load.common import Sheet, existing_file, fail
from planner.load.spatial import polygonal_parts, read_spatial, table_from_geodataframe

__all__ = [
    "SHAPE",
    "SPATIAL_SUFFIXES",
    "NoGpCountsError",
    "check_gp_rule",
    "gp_weights",
    "has_gp_counts",
    "has_shapes",
    "is_polygonal",
    "read_topojson",
    "read_units",
    "representative_points",
    "unit_shapes",
]

log = logging.getLogger(__name__)

#: The column holding each polygon unit's polygon (EPSG:4326) from reading to geography.
SHAPE = "unit_shape"
#: Spatial files a clinics or units file may be (a CSV is read as a table).
SPATIAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".topojson")
_POLYGONS = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


class NoGpCountsError(PlannerError):
    """A GP rule (``min_doctors``) was asked for a table without GP counts: a usage error."""


def is_polygonal(geoms: Any) -> bool:
    """Whether every geometry present is a (multi)polygon, or a collection holding one (as
    repairing a polygon may give), and at least one is present.

    >>> is_polygonal([shapely.box(0, 0, 1, 1), None]), is_polygonal([shapely.Point(0, 0)])
    (True, False)
    """
    values = np.asarray(geoms, dtype=object)
    present = values[~(shapely.is_missing(values) | shapely.is_empty(values))]
    if not len(present):
        return False
    kinds = shapely.get_type_id(present)
    mixed = present[kinds == shapely.GeometryType.GEOMETRYCOLLECTION]
    return bool(
        np.isin(kinds, [*_POLYGONS, shapely.GeometryType.GEOMETRYCOLLECTION]).all()
        and all(np.isin(shapely.get_type_id(shapely.get_parts(g)), _POLYGONS).any() for g in mixed)
    )


def representative_points(polygons: np.ndarray) -> np.ndarray:
    """Each polygon's point for distances: its centroid when inside it, else a point on
    its surface (a crescent, a multipart unit whose centroid falls in the sea).

    >>> ring = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))
    >>> [p.wkt for p in representative_points(np.array([shapely.box(0, 0, 2, 2), ring]))]
    ['POINT (1 1)', 'POINT (0.5 1.5)']
    """
    polygons = np.asarray(polygons, dtype=object)
    centroids = shapely.centroid(polygons)
    inside = shapely.contains_properly(polygons, centroids)
    return np.where(inside, centroids, shapely.point_on_surface(polygons))


def _with_crs(frame: gpd.GeoDataFrame, source: str, crs: str | None) -> gpd.GeoDataFrame:
    if frame.crs is not None:
        if crs is not None:
            log.info("%s names its own CRS (%s); --crs %s is not used", source, frame.crs, crs)
        return frame
    if crs is not None:
        return frame.set_crs(crs)
    raise fail(
        source,
        "has no coordinate reference system (a Shapefile without its .prj?); give it with "
        "--crs (crs= in Python), for example --crs EPSG:32617 for UTM zone 17N",
    )


def _unit_sheet(
    frame: gpd.GeoDataFrame, source: str, crs: str | None, columns: dict[str, str]
) -> Sheet:
    """Polygon units as a sheet: attributes, ``lat``/``lon`` of the representative point
    and the polygon (both EPSG:4326); a feature without a polygon is a problem of its row."""
    frame = _with_crs(frame, source, crs)
    geoms = np.asarray(shapely.force_2d(frame.geometry.to_numpy()), dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise ValidationError(
            [
                Problem(source, int(i) + 1, None, "the feature has no polygon (a planning unit)")
                for i in np.flatnonzero(missing)
            ]
        )
    geoms = polygonal_parts(geoms)  # valid, and only the polygons of a collection
    points = gpd.GeoSeries(representative_points(geoms), crs=frame.crs).to_crs("EPSG:4326")
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
    for key, values in (("lat", points.y), ("lon", points.x)):
        if key in columns:  # the file's own column, named with --lat-col / --lon-col
            continue
        if key in table.columns:
            log.info("%s: %s of each unit is its representative point, not the column", source, key)
        table[key] = values.to_numpy()
    shapes = gpd.GeoSeries(geoms, crs=frame.crs).to_crs("EPSG:4326")
    table[SHAPE] = shapes.to_numpy()
    log.info("%s: %d polygon units", source, len(table))
    return Sheet(table, source, first_row=1)


def read_units(
    clinics: Any,
    *,
    layer: str | None = None,
    crs: str | None = None,
    columns: dict[str, str] | None = None,
    source: str | None = None,
) -> Sheet | None:
    """A spatial clinics file or GeoDataFrame as a sheet: polygon units when every
    geometry is a polygon, else points as :func:`~planner.load.readers.read_table` reads
    them (a Shapefile too); ``None`` for anything else (a CSV, a table).

    Parameters
    ----------
    clinics
        A path or a GeoDataFrame (any other value gives ``None``).
    layer
        The layer of a file with several.
    crs
        The CRS of a file that names none (``--crs``).
    columns
        The request's column map (a ``lat``/``lon`` column named there is used as it is).
    source
        Name of a GeoDataFrame given in Python, for messages (default ``<clinics>``).

    Raises
    ------
    ValidationError
        The file cannot be read, a polygon file has no CRS and none is given, or a
        feature of a polygon file has no polygon.
    """
    if isinstance(clinics, gpd.GeoDataFrame):
        frame, name = clinics, source or "<clinics>"
    elif isinstance(clinics, str | Path) and Path(clinics).suffix.lower() in SPATIAL_SUFFIXES:
        path, name = existing_file(clinics)
        if path.suffix.lower() == ".topojson":
            frame = read_topojson(path, name, layer)
        else:
            frame = read_spatial(path, name, layer)
    else:
        return None
    if is_polygonal(frame.geometry.to_numpy()):
        return _unit_sheet(frame, name, crs, dict(columns or {}))
    if frame.crs is None and crs is not None:
        frame = frame.set_crs(crs)
    return Sheet(table_from_geodataframe(frame, source=name), name, first_row=1)


def has_shapes(table: pd.DataFrame) -> bool:
    """Whether a (validated) table holds polygon units."""
    return SHAPE in table.columns


def unit_shapes(table: pd.DataFrame, crs: Any) -> gpd.GeoSeries:
    """The units' polygons in ``crs`` (the table's metric CRS), by the table's index."""
    shapes = gpd.GeoSeries(list(table[SHAPE]), index=table.index, crs="EPSG:4326")
    return shapes.to_crs(crs)


def has_gp_counts(table: pd.DataFrame) -> bool:
    """Whether a (validated) table has GP counts (a ``doctors`` column)."""
    return "doctors" in table.columns


def gp_weights(table: pd.DataFrame) -> np.ndarray:
    """Each unit's weight in GP-weighted figures: its GPs, or its patients when the table
    has no GP counts (the figures are then patient-weighted)."""
    column = "doctors" if has_gp_counts(table) else "patients"
    return table[column].to_numpy(dtype=np.int64)


def check_gp_rule(table: pd.DataFrame, rules: Rules, source: str) -> None:
    """Refuse a GP rule (``min_doctors``) for a table without GP counts.

    Raises
    ------
    NoGpCountsError
        The rule needs GP counts the table does not have, with what to change.
    """
    if rules.min_doctors is not None and not has_gp_counts(table):
        raise NoGpCountsError(
            f"--min-doctors {rules.min_doctors} needs GP counts, and {source} has no GP "
            "column: name it with --doctors-col, estimate GPs with --patients-per-gp N, or "
            "plan by patients alone (without --min-doctors)"
        )


def _arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """The topology's arcs as absolute coordinates (quantised arcs decoded)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology.get("arcs", []):
        xy = np.array([p[:2] for p in arc], dtype=float).reshape(-1, 2)
        if transform is not None:
            xy = np.cumsum(xy, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(xy)
    return arcs


def _topo_geometry(geometry: dict[str, Any], arcs: list[np.ndarray]) -> shapely.Geometry | None:
    def ring(indices: list[int]) -> np.ndarray:
        parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
        return np.concatenate([parts[0], *(p[1:] for p in parts[1:])])

    def polygon(rings: list[list[int]]) -> shapely.Polygon:
        return shapely.Polygon(ring(rings[0]), [ring(r) for r in rings[1:]])

    kind = geometry.get("type")
    if kind == "Polygon" and geometry.get("arcs"):
        return polygon(geometry["arcs"])
    if kind == "MultiPolygon" and geometry.get("arcs"):
        return shapely.MultiPolygon([polygon(p) for p in geometry["arcs"] if p])
    return None  # units are polygons: other kinds are features without one


def read_topojson(path: Path, source: str, layer: str | None = None) -> gpd.GeoDataFrame:
    """A TopoJSON object's features (EPSG:4326), decoded here: GDAL misreads quantised arcs
    whose positions carry a third value (as DAGI's ``sogne.topojson`` does).

    ``layer`` names the object; by default the only one (else the first, with a warning).
    Only polygons are decoded (a feature of another kind has no geometry).
    """
    try:
        topology = json.loads(path.read_text(encoding="utf-8"))
        objects = topology["objects"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise fail(source, f"could not read the file as TopoJSON: {exc}") from exc
    names = list(objects)
    if layer is not None and layer not in objects:
        raise fail(source, f"has no layer '{layer}'; its layers: {', '.join(names) or '(none)'}")
    if not names:
        raise fail(source, "the TopoJSON file holds no objects")
    chosen = layer or names[0]
    if layer is None and len(names) > 1:
        log.warning("%s has %d objects; reading '%s' (--layer NAME)", source, len(names), chosen)
    obj = objects[chosen]
    features = obj.get("geometries", []) if obj.get("type") == "GeometryCollection" else [obj]
    arcs = _arcs(topology)
    records = [dict(f.get("properties") or {}) for f in features]
    geoms = [_topo_geometry(f, arcs) for f in features]
    return gpd.GeoDataFrame(pd.DataFrame(records), geometry=geoms, crs="EPSG:4326")
