"""The UTM zone of geographic data, without a query of the PROJ database.

:func:`utm_crs` gives the CRS that :meth:`geopandas.GeoSeries.estimate_utm_crs` gives
(WGS 84 UTM, from the centre of the data's bounds), by arithmetic: the database query
behind geopandas takes about 50 ms a call, and a plan asks for it several times.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pyproj

__all__ = ["utm_crs", "utm_epsg"]


def utm_epsg(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 UTM zone holding ``lon``, ``lat`` (degrees).

    A longitude on a zone's edge is in the zone west of it (as PROJ's query answers),
    the equator in the north.  Raises :class:`RuntimeError` outside 80° S to 84° N,
    where UTM is not defined, as geopandas does.
    """
    if not (-80.0 <= lat <= 84.0) or not (-180.0 <= lon <= 180.0):
        raise RuntimeError(f"Unable to determine UTM CRS at longitude {lon}, latitude {lat}")
    shifted = lon + 180.0
    zone = math.floor(shifted / 6.0) + 1
    if shifted > 0 and shifted % 6.0 == 0.0:  # on an edge: the zone to the west
        zone -= 1
    zone = min(max(zone, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


def utm_crs(data: gpd.GeoSeries | gpd.GeoDataFrame) -> pyproj.CRS:
    """The UTM CRS of ``data`` (which has a CRS), as ``data.estimate_utm_crs()`` gives it."""
    frame = data if data.crs.is_geographic else data.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = frame.total_bounds
    return pyproj.CRS.from_epsg(utm_epsg((minx + maxx) / 2.0, (miny + maxy) / 2.0))
