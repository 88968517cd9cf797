"""The land of one part of a batch: the share of the land nearer to its clinics than to any
clinic of another part.

Planned alone, a part's territories would spread over its neighbours' land (its clinics'
Voronoi cells reach as far as the land goes); clipped to this share, every part keeps to
its own ground and the parts of a batch tile the land as one plan would.
"""

from __future__ import annotations

import numpy as np
import shapely

from planner.geography.territories import default_land

__all__ = ["part_land"]


def part_land(
    mine: np.ndarray, others: np.ndarray, land: shapely.Geometry | None
) -> tuple[shapely.Geometry, bool]:
    """The part's land, and whether the land was estimated (no land given).

    Parameters
    ----------
    mine, others
        Coordinates (metric, ``(n, 2)``) of the part's clinics and of every other clinic.
    land
        The land (same CRS), or ``None``: estimated from every clinic, as for one plan.

    Examples
    --------
    >>> land = shapely.box(0, 0, 10_000, 1_000)
    >>> piece, estimated = part_land(np.array([[1_000.0, 500]]), np.array([[9_000.0, 500]]), land)
    >>> round(piece.area / land.area, 2), estimated
    (0.5, False)
    """
    import geopandas as gpd

    estimated = land is None
    if len(others):  # only the clinics near the part shape its cells: a country has many
        low, high = mine.min(axis=0), mine.max(axis=0)
        margin = max(float((high - low).max()) * 0.5, 20_000.0)
        near = ((others >= low - margin) & (others <= high + margin)).all(axis=1)
        others = others[near]
    everyone = np.vstack([mine, others]) if len(others) else mine
    if land is None:  # estimated from the clinics near the part, as one plan would
        land = default_land(gpd.GeoSeries(shapely.points(everyone)))
    if not len(others):
        return land, estimated
    sites = np.unique(np.round(everyone, 0), axis=0)
    mine_sites = {tuple(p) for p in np.round(mine, 0).tolist()}
    extent = shapely.box(*land.bounds).buffer(max(land.length, 10_000.0) / 4)
    cells = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=extent)
    keep = []
    tree = shapely.STRtree(shapely.points(sites))
    for cell in shapely.get_parts(cells):
        inside = tree.query(cell, predicate="contains")
        if len(inside) and tuple(sites[int(inside[0])]) in mine_sites:
            keep.append(cell)
    mine_area = shapely.union_all(keep) if keep else shapely.Polygon()
    return shapely.intersection(land, mine_area), estimated
