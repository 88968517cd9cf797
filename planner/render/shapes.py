"""Territories lightened for the page: simplified as one coverage, in a compact encoding.

Cluster territories tile the region, so they are simplified *together*
(``shapely.coverage_simplify``): a border two clusters share is simplified once and stays
shared, with no gap or sliver between neighbours.  The coverage is first made exact
(``shapely.coverage_clean``: shared edges with identical vertices, hairline overlaps from
dissolving removed), then simplified in the plan's metric CRS by :data:`TOLERANCE_M` (half
a screen pixel at zoom 12, the zoom a clinic is opened at), taken to longitude/latitude and
rounded to :data:`DECIMALS` decimals (about a metre).  Rounding moves every copy of a
shared vertex alike, so shared borders stay identical.

A ring is written as integers: latitude and longitude times ``10 ** DECIMALS``, the first
point as it is and every further point as the difference to the one before (a few digits
per coordinate instead of ten).  The page's script decodes it (``plannerDecode``), and
:func:`decode` here does the same, for the tests.

>>> import shapely
>>> ring = encode(shapely.box(10.0, 55.0, 10.01, 55.02))
>>> ring
[[[5500000, 1001000, 2000, 0, 0, -1000, -2000, 0]]]
>>> decode(ring).equals(shapely.box(10.0, 55.0, 10.01, 55.02))
True
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from planner.core.crs import utm_crs

__all__ = [
    "DECIMALS",
    "TOLERANCE_M",
    "decode",
    "encode",
    "light_coverage",
    "simplify_together",
    "valid_polygonal",
]

log = logging.getLogger(__name__)

#: Simplification tolerance in metres (one screen pixel is ~23 m at zoom 12, 53 N).
TOLERANCE_M = 10.0
#: Decimals kept of longitude and latitude (1e-5 degrees is about 1 m).
DECIMALS = 5
_SCALE = 10**DECIMALS

Encoded = list[list[list[int]]]


def _clean(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` as an exact coverage (needs shapely 2.2); as they are on older shapely."""
    clean = getattr(shapely, "coverage_clean", None)
    if clean is None:  # pragma: no cover - shapely < 2.2
        return geoms
    try:
        out = np.asarray(clean(geoms, snapping_distance=0.01), dtype=object)
    except shapely.errors.GEOSException as exc:  # pragma: no cover - GEOS refused the input
        log.warning("territories drawn uncleaned: %s", exc)
        return geoms
    # Clusters sharing one site's territory overlap by design (territory_holders): a
    # cluster that cleaning left with nothing keeps its own area.
    lost = shapely.is_empty(out) | ~np.isin(shapely.get_type_id(out), (3, 6))
    out[lost] = geoms[lost]
    return out


def valid_polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """``geom`` if valid, else its polygonal part made valid."""
    if geom.is_valid:
        return geom
    parts = shapely.get_parts(shapely.make_valid(geom))
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(parts) if len(parts) else shapely.Polygon()


def simplify_together(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """``geoms`` simplified as one coverage by ``tolerance`` (in their CRS's units), or one
    by one where GEOS refuses them as a coverage (overlaps a reprojection made)."""
    if not hasattr(shapely, "coverage_simplify"):  # pragma: no cover - shapely < 2.1
        return np.asarray(shapely.simplify(geoms, tolerance), dtype=object)
    try:
        return np.asarray(shapely.coverage_simplify(geoms, tolerance), dtype=object)
    except shapely.errors.GEOSException as exc:
        log.warning("territories simplified one by one: %s", exc)
        return np.asarray(shapely.simplify(geoms, tolerance), dtype=object)


def light_coverage(geoms: Any, crs: Any) -> np.ndarray:
    """Territories (in ``crs``) simplified as one coverage, in lon/lat, rounded.

    Missing and empty geometries stay empty, so the result lines up with ``geoms``.
    A geographic ``crs`` is simplified in its UTM zone.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), shapely.Polygon(), dtype=object)
    polygonal = ~shapely.is_missing(geoms)
    polygonal[polygonal] = np.isin(shapely.get_type_id(geoms[polygonal]), (3, 6))
    polygonal[polygonal] = ~shapely.is_empty(geoms[polygonal])
    if not polygonal.any():
        return out
    series = gpd.GeoSeries(geoms[polygonal], crs=crs)
    if series.crs is not None and series.crs.is_geographic:
        series = series.to_crs(utm_crs(series))
    metric = np.asarray([valid_polygonal(g) for g in series.to_numpy()], dtype=object)
    simple = simplify_together(_clean(metric), TOLERANCE_M)
    lonlat = gpd.GeoSeries(simple, crs=series.crs).to_crs("EPSG:4326").to_numpy()
    out[polygonal] = shapely.transform(lonlat, lambda xy: np.round(xy, DECIMALS))
    return out


def _ring(coords: np.ndarray) -> list[int]:
    """One ring as delta-encoded integers, lat before lon (Leaflet's order)."""
    ints = np.rint(np.asarray(coords)[:, 1::-1] * _SCALE).astype(np.int64)
    keep = np.ones(len(ints), dtype=bool)
    keep[1:] = np.any(ints[1:] != ints[:-1], axis=1)  # repeated points add nothing
    ints = ints[keep]
    if len(ints) > 1 and np.array_equal(ints[0], ints[-1]):
        ints = ints[:-1]  # Leaflet closes a polygon's rings itself
    deltas = np.vstack([ints[:1], np.diff(ints, axis=0)])
    return [int(v) for v in deltas.ravel()]


def encode(geom: shapely.Geometry | None) -> Encoded:
    """A polygon or multipolygon (lon/lat) as polygons of delta-encoded rings."""
    if geom is None or geom.is_empty:
        return []
    polygons = []
    for poly in shapely.get_parts(geom):
        if not isinstance(poly, shapely.Polygon) or poly.is_empty:
            continue
        rings = [_ring(np.asarray(poly.exterior.coords))]
        rings += [_ring(np.asarray(hole.coords)) for hole in poly.interiors]
        polygons.append([r for r in rings if len(r) >= 6])
    return [p for p in polygons if p]


def decode(encoded: Encoded) -> shapely.Geometry:
    """:func:`encode` undone (as the page's script does it): a lon/lat (multi)polygon."""
    polygons = []
    for rings in encoded:
        shells = []
        for flat in rings:
            pairs = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0)
            shells.append(pairs[:, ::-1] / _SCALE)
        polygons.append(shapely.Polygon(shells[0], shells[1:]))
    if len(polygons) == 1:
        return polygons[0]
    return shapely.MultiPolygon(polygons)
