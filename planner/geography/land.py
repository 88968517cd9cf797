"""Land in the clinics' metric CRS, from whatever form it was given in."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

__all__ = ["land_in"]


def land_in(land: Any, crs: Any) -> shapely.Geometry | None:
    """Land as one geometry in ``crs``; plain geometries are taken to be lon/lat.

    ``land`` is ``None`` (none given), a shapely geometry in lon/lat, or a
    GeoSeries/GeoDataFrame in any CRS (lon/lat when it has none); its parts are unioned.
    """
    if land is None:
        return None
    if isinstance(land, gpd.GeoDataFrame):
        land = land.geometry
    if isinstance(land, gpd.GeoSeries):
        series = land if land.crs is not None else land.set_crs("EPSG:4326")
        return shapely.union_all(series.to_crs(crs).to_numpy())
    return shapely.union_all(gpd.GeoSeries([land], crs="EPSG:4326").to_crs(crs).to_numpy())
