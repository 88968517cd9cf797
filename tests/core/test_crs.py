"""The UTM zone by arithmetic gives the CRS geopandas' database query gives."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from planner.core.crs import utm_crs, utm_epsg


def _series(lon: list[float], lat: list[float], crs: str = "EPSG:4326") -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326").to_crs(crs)


EDGES = [(-180.0 + 6.0 * z, lat) for z in range(0, 61, 7) for lat in (0.0, 55.5, -33.0)]
RANDOM = [
    (float(x), float(y))
    for x, y in zip(
        np.random.default_rng(1).uniform(-180, 180, 24),
        np.random.default_rng(2).uniform(-80, 84, 24),
        strict=True,
    )
]


@pytest.mark.parametrize(("lon", "lat"), EDGES + RANDOM + [(10.0, 84.0), (10.0, -80.0)])
def test_same_zone_as_geopandas(lon: float, lat: float) -> None:
    points = _series([lon], [lat])
    assert utm_crs(points) == points.estimate_utm_crs()


def test_bounds_centre_and_projected_input() -> None:
    """The centre of the bounds decides, also for data in a projected CRS."""
    points = _series([8.0, 13.9], [54.6, 57.7], crs="EPSG:25832")  # Denmark, ETRS89 UTM 32
    assert utm_crs(points) == points.estimate_utm_crs()
    assert utm_crs(points).to_epsg() == 32632
    assert utm_crs(gpd.GeoDataFrame(geometry=points)).to_epsg() == 32632


@pytest.mark.parametrize(("lon", "lat"), [(3.0, 84.2), (10.0, -80.5), (181.0, 10.0)])
def test_outside_utm_refused_like_geopandas(lon: float, lat: float) -> None:
    with pytest.raises(RuntimeError, match="UTM"):
        utm_epsg(lon, lat)
    if abs(lon) <= 180:
        with pytest.raises(RuntimeError):
            _series([lon], [lat]).estimate_utm_crs()
