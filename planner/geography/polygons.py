"""Who may share a cluster with whom when the planning units are polygons.

Polygon units (parishes, census areas, counties; see :mod:`planner.load.units`) are their
own territories: no Voronoi cells.  Two units are neighbours when their polygons share a
border of positive length (*rook* contiguity, the default) or, with ``contiguity="queen"``,
any point, a corner too.  A multipart unit borders what any of its parts borders; an
enclave borders the unit around it (the hole's ring is their shared border).  Units that
touch no other unit, and groups of units apart from the rest (islands), are joined by links
across water to the nearest unit within ``link_max_km``, exactly as clinics' land masses
are (:func:`planner.geography.territories.join_masses`).

Real boundary files are not always exact: shared borders may be a little apart or overlap
after generalisation or reprojection.  Borders closer than a snapping tolerance (a ten
thousandth of a typical unit's width, at most 1 m) count as touching; a shared border
shorter than ten tolerances is a corner.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from planner.core.adjacency import Adjacency
from planner.core.errors import PlannerError
from planner.geography.territories import Geography, join_masses
from planner.load.spatial import polygonal_parts
from planner.load.units import unit_shapes

__all__ = ["SNAP_MAX_M", "neighbour_pairs", "polygon_geography", "snap_tolerance"]

log = logging.getLogger(__name__)

#: The snapping tolerance is at most this (metres) ...
SNAP_MAX_M = 1.0
#: ... and at most this share of the median unit's width (the square root of its area).
SNAP_SHARE = 1e-4
#: A shared border counts (rook) when longer than this many tolerances.
BORDER_TOLERANCES = 10.0


def snap_tolerance(shapes: np.ndarray) -> float:
    """How close two borders must be to touch (metres), from the units' size.

    >>> snap_tolerance(np.array([shapely.box(0, 0, 1, 1)] * 3))
    0.0001
    """
    areas = shapely.area(np.asarray(shapes, dtype=object))
    width = float(np.sqrt(np.median(areas))) if len(areas) else 0.0
    return min(SNAP_MAX_M, SNAP_SHARE * width) if width > 0 else SNAP_MAX_M


def neighbour_pairs(
    shapes: np.ndarray, contiguity: str = "rook", tolerance: float | None = None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Pairs of units ``(i, j)``, ``i < j``, that share a border, and (queen) those that
    share only a corner.

    Parameters
    ----------
    shapes
        One (multi)polygon per unit, in a metric CRS.
    contiguity
        ``"rook"``: corners are not neighbours (the second list is empty); ``"queen"``: they are.
    tolerance
        The snapping tolerance (metres); default :func:`snap_tolerance`.

    Examples
    --------
    >>> squares = np.array([shapely.box(x, y, x + 1, y + 1) for x, y in [(0, 0), (1, 0), (1, 1)]])
    >>> neighbour_pairs(squares)
    ([(0, 1), (1, 2)], [])
    >>> neighbour_pairs(squares, "queen")
    ([(0, 1), (1, 2)], [(0, 2)])
    """
    if contiguity not in ("rook", "queen"):
        raise PlannerError(f"contiguity must be rook or queen, got {contiguity!r}")
    shapes = np.asarray(shapes, dtype=object)
    tol = snap_tolerance(shapes) if tolerance is None else float(tolerance)
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="dwithin", distance=tol)
    keep = left < right
    left, right = left[keep], right[keep]
    order = np.lexsort((right, left))  # pairs in order, whatever the tree's
    left, right = left[order], right[order]
    if len(left) == 0:
        return [], []
    near = np.empty(len(shapes), dtype=object)
    involved = np.unique(right)
    near[involved] = shapely.buffer(shapes[involved], tol, quad_segs=2)
    shared = shapely.length(shapely.intersection(shapely.boundary(shapes[left]), near[right]))
    border = shared > BORDER_TOLERANCES * tol
    pairs = list(zip(left.tolist(), right.tolist(), strict=True))
    borders = [p for p, b in zip(pairs, border.tolist(), strict=True) if b]
    corners = [p for p, b in zip(pairs, border.tolist(), strict=True) if not b]
    return borders, corners if contiguity == "queen" else []


def _valid(shapes: gpd.GeoSeries) -> np.ndarray:
    """Each unit's polygon, valid and polygonal (reprojecting may spoil validity)."""
    polys = polygonal_parts(np.asarray(shapes.to_numpy(), dtype=object))
    empty = [i for i, p in enumerate(polys) if p is None or p.is_empty]
    if empty:  # pragma: no cover - the reader refuses units without a polygon
        raise PlannerError(f"{len(empty)} unit(s) have no polygon area left after repair")
    return polys


def polygon_geography(
    units: gpd.GeoDataFrame,
    *,
    contiguity: str = "rook",
    links: Sequence[tuple[str, str] | tuple[str, str, float | None]] | None = None,
    auto_link: bool = True,
    link_max_km: float = 60.0,
    areas: Sequence[str] | np.ndarray | None = None,
    alone_from: int | None = None,
) -> Geography:
    """Territories, contiguity and links of validated polygon units.

    Parameters
    ----------
    units
        Validated units (:func:`planner.load.validate.validate_clinics` of a sheet read by
        :func:`planner.load.units.read_units`) in a metric CRS: points at the units'
        representative points, polygons in :data:`planner.load.units.SHAPE`.
    contiguity
        ``"rook"`` (a shared border of positive length) or ``"queen"`` (corners too).
    links, auto_link, link_max_km, areas, alone_from
        As for :func:`planner.geography.territories.build_geography`: explicit links, and
        automatic links joining the units apart (islands) to the nearest unit.

    Returns
    -------
    Geography
        Territories are the units' polygons (metric CRS), the land their union; edges of
        kind ``"border"``, ``"corner"`` (queen only) and ``"link"``.
    """
    if units.crs is None or not units.crs.is_projected:
        raise PlannerError("polygon_geography needs units in a projected (metric) CRS")
    shapes = _valid(unit_shapes(units, units.crs))
    borders, corners = neighbour_pairs(shapes, contiguity)
    n = len(units)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(borders, kind="border")
    graph.add_edges_from(corners, kind="corner")
    log.info(
        "%d polygon units: %d shared borders%s",
        n,
        len(borders),
        f", {len(corners)} shared corners" if contiguity == "queen" else "",
    )
    ids = units["clinic_id"].astype(str).tolist()
    xy = np.column_stack([units.geometry.x.to_numpy(), units.geometry.y.to_numpy()])
    link_frame, unlinked = join_masses(
        graph, ids, xy, units["patients"].to_numpy(), units.crs, links=links,
        auto_link=auto_link, link_max_km=link_max_km, areas=areas, alone_from=alone_from,
    )  # fmt: skip
    territories = gpd.GeoSeries(shapes, index=units.index, crs=units.crs)
    return Geography(
        graph=graph,
        adjacency=Adjacency.from_networkx(graph),
        territories=territories,
        links=link_frame,
        land=shapely.union_all(shapes),
        unlinked=unlinked,
    )
