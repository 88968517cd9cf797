"""Clinics that lie off the land they are planned on: a typing error, or lat and lon swapped.

With a land file given, every clinic should stand on it (give or take a generalised
coastline).  A clinic kilometres out at sea has a wrong coordinate, and a table whose
clinics mostly lie off the land but would lie on it with ``lat`` and ``lon`` exchanged has
its columns swapped; both are input errors, reported with the file, row and column.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from planner.core.errors import Problem

__all__ = ["OFF_LAND_KM", "off_land_problems"]

#: A clinic farther than this from the land (km) is taken to have a wrong coordinate.
OFF_LAND_KM = 5.0


def _distances(points: np.ndarray, land: shapely.Geometry) -> np.ndarray:
    """Distance (CRS units) from each point to the land; 0 on it."""
    shapely.prepare(land)
    out = np.zeros(len(points))
    off = np.flatnonzero(~shapely.intersects(land, points))
    if len(off):
        out[off] = shapely.distance(land, points[off])
    return out


def off_land_problems(
    table: gpd.GeoDataFrame,
    land: shapely.Geometry,
    *,
    source: str,
    rows: np.ndarray | None = None,
    km: float = OFF_LAND_KM,
) -> list[Problem]:
    """Problems for the clinics of ``table`` farther than ``km`` from ``land``.

    Parameters
    ----------
    table
        Validated clinics in a metric CRS, with ``clinic_id``, ``lat`` and ``lon``; rows in
        the file's order.
    land
        The land in the same CRS.
    source, rows
        The clinics file and each clinic's row in it (default: 2, 3, ...), for messages.
    km
        Tolerance for generalised coastlines.

    Returns
    -------
    list of Problem
        One for a table whose ``lat`` and ``lon`` look swapped, else one per clinic off the land.
    """
    if table.empty or land is None or land.is_empty:
        return []
    dist = _distances(table.geometry.to_numpy(), land) / 1_000.0
    off = np.flatnonzero(dist > km)
    if len(off) == 0:
        return []
    lat = table["lat"].to_numpy(dtype=float)
    lon = table["lon"].to_numpy(dtype=float)
    if len(off) * 2 >= len(table) and np.all(np.abs(lon) <= 90.0):
        swapped = gpd.GeoSeries(gpd.points_from_xy(lat, lon), crs="EPSG:4326").to_crs(table.crs)
        on = _distances(swapped.to_numpy(), land) / 1_000.0 <= km
        if on.sum() * 2 > len(table):
            msg = (
                f"lat and lon look swapped: {len(off)} of {len(table)} clinics lie more than "
                f"{km:g} km off the land, and {int(on.sum())} would lie on it with the two "
                "columns exchanged; map them with --lat-col/--lon-col"
            )
            return [Problem(source, None, "lat", msg)]
    ids = table["clinic_id"].astype(str).to_numpy()
    rows = np.arange(len(table)) + 2 if rows is None else np.asarray(rows)
    return [
        Problem(
            source,
            int(rows[i]),
            "lat",
            f"clinic '{ids[i]}' at ({lat[i]:.5f}, {lon[i]:.5f}) lies {dist[i]:,.1f} km off the "
            "land; check its lat and lon",
        )
        for i in off
    ]
