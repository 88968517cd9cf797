"""Which administrative area each clinic lies in, from boundary polygons (point in polygon)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from planner.core.crs import utm_crs
from planner.core.errors import PlannerError, Problem, ValidationError
from planner.load.inputs import Polygons

__all__ = ["SNAP_KM", "assign_areas", "with_areas"]

#: A clinic off every polygon (a generalised coastline) takes the nearest within this.
SNAP_KM = 5.0


def assign_areas(
    points: gpd.GeoSeries,
    polygons: gpd.GeoDataFrame,
    key: str,
    *,
    source: str,
    ids: Sequence[str] | np.ndarray | None = None,
) -> tuple[list[str], list[Problem]]:
    """Name the polygon each point lies in (point in polygon).

    Parameters
    ----------
    points
        Clinic locations, any CRS.
    polygons
        Boundary polygons with the column ``key`` (e.g. from
        :func:`planner.load.readers.read_polygons`).
    key
        Column naming the areas (e.g. ``KOMNAVN``).
    source
        The boundary file, for messages.
    ids
        Clinic ids, for messages (default: the 1-based position).

    Returns
    -------
    names, problems
        The area name per point (``""`` when none), and a problem per point farther than
        5 km from every polygon.
    """
    if key not in polygons.columns:
        raise PlannerError(f"{source}: column '{key}' is not in the boundary file")
    crs = utm_crs(points) if points.crs.is_geographic else points.crs
    pts = points.to_crs(crs).to_numpy()
    polys = polygons.to_crs(crs)
    geoms = polys.geometry.to_numpy()
    names = polys[key].astype(str).to_numpy()
    tree = shapely.STRtree(geoms)
    hit_pt, hit_poly = tree.query(pts, predicate="within")
    out = np.full(len(pts), "", dtype=object)
    out[hit_pt[::-1]] = names[hit_poly[::-1]]  # the first polygon wins
    problems: list[Problem] = []
    for i in np.flatnonzero(out == ""):
        j, dist = tree.query_nearest(pts[i], return_distance=True)
        if len(j) and float(dist[0]) <= SNAP_KM * 1_000:
            out[i] = names[int(j[0])]
        else:
            who = str(ids[int(i)]) if ids is not None else str(i + 1)
            msg = f"clinic '{who}' lies more than {SNAP_KM:g} km outside every area of the file"
            problems.append(Problem(source, None, key, msg))
    return [str(v) for v in out], problems


def with_areas(
    table: gpd.GeoDataFrame, municipalities: Polygons | None, regions: Polygons | None
) -> gpd.GeoDataFrame:
    """The clinics with ``municipality``/``region`` taken from boundary polygons.

    Each clinic gets the name (the polygons' ``key`` column, default the first column) of
    the polygon it lies in, replacing its own column; ``table`` is not modified.

    Raises
    ------
    ValidationError
        A clinic lies in no polygon (beyond :data:`SNAP_KM`), for every such clinic.
    """
    problems: list[Problem] = []
    out = table
    for column, polygons in (("municipality", municipalities), ("region", regions)):
        if polygons is None:
            continue
        frame = polygons.frame
        key = polygons.key or next(c for c in frame.columns if c != frame.geometry.name)
        ids = table["clinic_id"].astype(str).tolist()
        names, found = assign_areas(table.geometry, frame, key, source=polygons.source, ids=ids)
        problems += found
        if out is table:
            out = table.copy()
        out[column] = names
    if problems:
        raise ValidationError(problems)
    return out
