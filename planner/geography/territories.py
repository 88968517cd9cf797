"""Who may share a cluster with whom: territories, contiguity and links across water.

Each clinic stands for a *territory*: its Voronoi cell clipped to land.  Two clinics are
neighbours when their territories share a border on the same land mass.  Land masses
that do not touch are joined by *links* (a bridge or ferry), either given explicitly or
added automatically to the nearest clinic across the water.  Clinics at the same
coordinates (one health centre) share a site and are always neighbours.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from planner.core.adjacency import Adjacency
from planner.core.errors import PlannerError

__all__ = ["Geography", "build_geography", "default_land", "join_masses"]

log = logging.getLogger(__name__)

#: Two territories must share at least this much border (metres) to be neighbours.
MIN_SHARED_BORDER_M = 1.0


@dataclass(frozen=True)
class Geography:
    """The contiguity structure of a set of clinics.

    Attributes
    ----------
    graph
        networkx graph on clinic positions ``0..n-1``; edges carry ``kind``
        (``"border"``, ``"site"`` for a shared health centre, ``"link"`` across water).
    adjacency
        The same graph as CSR arrays.
    territories
        One polygon per clinic (metric CRS): its Voronoi cell clipped to land.
    links
        One row per link across water: ``clinic_a, clinic_b, distance_km, kind, travel``
        and a LineString geometry (metric CRS).  ``kind`` is ``"explicit"`` or
        ``"nearest"``; ``travel`` is the link's given travel cost, else its length in km.
    land
        The land the territories were clipped to (metric CRS).
    unlinked
        Component label of each land mass left without a link because the nearest clinic
        across the water was farther than allowed (empty when everything is joined).
    """

    graph: nx.Graph
    adjacency: Adjacency
    territories: gpd.GeoSeries
    links: gpd.GeoDataFrame
    land: shapely.Geometry
    unlinked: tuple[int, ...] = ()

    def link_positions(self, ids: np.ndarray) -> list[tuple[int, int, float]]:
        """``(position a, position b, travel)`` of every link, by the clinics' ``ids``."""
        pos = {c: i for i, c in enumerate(ids.tolist())}
        links = self.links
        return [
            (pos[str(a)], pos[str(b)], float(t))
            for a, b, t in zip(links["clinic_a"], links["clinic_b"], links["travel"], strict=True)
        ]


def default_land(points: gpd.GeoSeries) -> shapely.Geometry:
    """A land estimate when none is given: the union of discs around the clinics.

    The radius adapts to how far apart clinics are (twice the 90th percentile of the
    nearest-neighbour distance, between 2 and 10 km), so towns and rural scatter form
    one mass while clinics far across open water stay apart and get an explicit link.
    """
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    if len(xy) < 2:
        radius = 5_000.0
    else:
        dist, _ = cKDTree(xy).query(xy, k=2)
        nn = dist[:, 1]
        nn = nn[nn > 0]
        radius = (
            float(np.clip(2.0 * np.percentile(nn, 90), 2_000.0, 10_000.0)) if len(nn) else 5_000.0
        )
    discs = shapely.buffer(shapely.points(np.unique(xy, axis=0)), radius, quad_segs=8)
    return shapely.union_all(discs)


def _sites(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique sites (rounded to 1 m) and, per clinic, the index of its site."""
    rounded = np.round(xy, 0)
    sites, inverse = np.unique(rounded, axis=0, return_inverse=True)
    return sites, inverse.reshape(-1)


def _voronoi_cells(sites: np.ndarray, land: shapely.Geometry) -> np.ndarray:
    """Voronoi cell of every site, in site order, covering the land's envelope."""
    if len(sites) == 1:
        return np.array([shapely.box(*land.buffer(1_000).bounds)], dtype=object)
    bounds = shapely.box(*shapely.union(land.envelope, shapely.multipoints(sites).envelope).bounds)
    extent = bounds.buffer(max(bounds.length, 10_000.0) / 4)
    cells = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=extent, ordered=True)
    parts = np.asarray(shapely.get_parts(cells), dtype=object)
    if len(parts) != len(sites):  # pragma: no cover - shapely contract
        raise PlannerError("Voronoi construction returned an unexpected number of cells")
    return parts


def _home_pieces(
    cells: np.ndarray, sites: np.ndarray, land: shapely.Geometry
) -> tuple[np.ndarray, np.ndarray]:
    """Clip each cell to land and keep the piece the site stands on (or the nearest).

    Also returns, per cell, whether it lies inside the land whole (and is its own piece).
    """
    shapely.prepare(land)
    inside = shapely.contains_properly(land, cells)
    clipped = cells.copy()
    todo = np.flatnonzero(~inside)
    if len(todo):
        clipped[todo] = shapely.intersection(cells[todo], land)
    pieces = np.empty(len(cells), dtype=object)
    points = shapely.points(sites)
    for i, geom in enumerate(clipped):
        if inside[i]:
            pieces[i] = geom
            continue
        parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 0]
        if not parts:
            # The site is off the land (a generalised coastline): a small disc stands in.
            pieces[i] = points[i].buffer(250.0, quad_segs=4)
            continue
        dists = shapely.distance(points[i], np.asarray(parts, dtype=object))
        pieces[i] = parts[int(np.argmin(dists))]
    return pieces, inside


def _border_edges(pieces: np.ndarray, whole: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of pieces that share a border of positive length, ascending.

    ``whole`` marks the pieces that are whole Voronoi cells: two of them share exactly
    the ridge between them, an edge of both rings with the same end points, so their
    pairs are read from the rings' edges at once (:func:`_shared_ridges`).  Pairs with a
    piece clipped to the land are measured by intersecting their boundaries.
    """
    found = _shared_ridges(pieces, np.flatnonzero(whole))
    cut = np.flatnonzero(~whole)
    if len(cut):
        tree = shapely.STRtree(pieces)
        probe, other = tree.query(pieces[cut], predicate="intersects")
        left, right = cut[probe], other
        keep = (left != right) & ~(whole[left] & whole[right])
        left, right = np.minimum(left, right)[keep], np.maximum(left, right)[keep]
        pairs = np.unique(np.column_stack([left, right]), axis=0)
        left, right = pairs[:, 0], pairs[:, 1]
        if len(left):
            shared = shapely.intersection(
                shapely.boundary(pieces[left]), shapely.boundary(pieces[right]), grid_size=None
            )
            ok = shapely.length(shared) >= MIN_SHARED_BORDER_M
            # Overlapping pieces (numerical noise) also count as neighbours.
            ok |= shapely.area(shapely.intersection(pieces[left], pieces[right])) > 1.0
            found |= set(zip(left[ok].tolist(), right[ok].tolist(), strict=True))
    return sorted(found)


def _shared_ridges(pieces: np.ndarray, which: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of the polygons ``pieces[which]`` whose rings share edges at least
    :data:`MIN_SHARED_BORDER_M` long in all (edges with the same two end points)."""
    if len(which) < 2:
        return set()
    xy, ring = shapely.get_coordinates(shapely.get_exterior_ring(pieces[which]), return_index=True)
    step = ring[1:] == ring[:-1]
    a, b, owner = xy[:-1][step], xy[1:][step], which[ring[:-1][step]]
    flip = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    key = np.column_stack([np.where(flip[:, None], b, a), np.where(flip[:, None], a, b)])
    order = np.lexsort(key.T[::-1])
    key, owner = key[order], owner[order]
    twice = np.flatnonzero((key[1:] == key[:-1]).all(axis=1))
    if not len(twice):
        return set()
    left = np.minimum(owner[twice], owner[twice + 1])
    right = np.maximum(owner[twice], owner[twice + 1])
    length = np.hypot(key[twice, 2] - key[twice, 0], key[twice, 3] - key[twice, 1])
    pairs, at = np.unique(np.column_stack([left, right]), axis=0, return_inverse=True)
    total = np.bincount(at.reshape(-1), weights=length, minlength=len(pairs))
    pairs = pairs[total >= MIN_SHARED_BORDER_M]
    return set(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))


def build_geography(
    clinics: gpd.GeoDataFrame,
    *,
    land: shapely.Geometry | None = None,
    links: Sequence[tuple[str, str] | tuple[str, str, float | None]] | None = None,
    auto_link: bool = True,
    link_max_km: float = 60.0,
    areas: Sequence[str] | np.ndarray | None = None,
    alone_from: int | None = None,
    estimated: bool = False,
) -> Geography:
    """Build territories and the contiguity graph of validated clinics.

    Parameters
    ----------
    clinics
        Validated clinics (see :func:`planner.load.validate.validate_clinics`) in a metric CRS.
    land
        Land polygon(s) in the same CRS.  ``None`` uses :func:`default_land`.
    links
        Explicit links across water as pairs of clinic ids, optionally with a travel
        cost as a third item (minutes, or any unit as long as all links use the same;
        the distance in km stands in when omitted).
    auto_link
        Join every land mass that is still apart to the nearest clinic across the water.
    link_max_km
        Longest automatic link.
    areas
        Optional area (region) per clinic: automatic links then join each land mass only
        to a clinic of the same area, so that cutting the edges between areas later
        never strands an island that a link to another area held.
    estimated
        The land given was itself estimated from the clinics (one part of a batch with no
        land map): messages speak of gaps, not water.

    Returns
    -------
    Geography
    """
    if clinics.crs is None or not clinics.crs.is_projected:
        raise PlannerError("build_geography needs clinics in a projected (metric) CRS")
    n = len(clinics)
    xy = np.column_stack([clinics.geometry.x.to_numpy(), clinics.geometry.y.to_numpy()])
    gap = "gap" if estimated else "water"
    if land is None:
        land = default_land(clinics.geometry)
        gap = "gap"  # the land is estimated: a link may cross open country
    land = shapely.make_valid(land)
    sites, site_of = _sites(xy)
    log.info("building territories for %d clinics at %d sites", n, len(sites))
    pieces, whole = _home_pieces(_voronoi_cells(sites, land), sites, land)

    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    at_site: list[list[int]] = [[] for _ in range(len(sites))]
    for i, s in enumerate(site_of.tolist()):
        at_site[s].append(i)
    for a, b in _border_edges(pieces, whole):
        graph.add_edges_from(((i, j) for i in at_site[a] for j in at_site[b]), kind="border")
    for members in at_site:
        for k, i in enumerate(members):
            graph.add_edges_from(((i, j) for j in members[k + 1 :]), kind="site")

    ids = clinics["clinic_id"].astype(str).tolist()
    patients = clinics["patients"].to_numpy() if "patients" in clinics else np.zeros(n)
    link_frame, unlinked = join_masses(
        graph, ids, xy, patients, clinics.crs, links=links, auto_link=auto_link,
        link_max_km=link_max_km, areas=areas, alone_from=alone_from, gap=gap,
    )  # fmt: skip
    territories = gpd.GeoSeries(pieces[site_of], index=clinics.index, crs=clinics.crs)
    return Geography(
        graph=graph,
        adjacency=Adjacency.from_networkx(graph),
        territories=territories,
        links=link_frame,
        land=land,
        unlinked=unlinked,
    )


LinkRow = tuple[int, int, str, float | None]


def join_masses(
    graph: nx.Graph,
    ids: list[str],
    xy: np.ndarray,
    patients: np.ndarray,
    crs: object,
    *,
    links: Sequence[tuple[str, str] | tuple[str, str, float | None]] | None = None,
    auto_link: bool = True,
    link_max_km: float = 60.0,
    areas: Sequence[str] | np.ndarray | None = None,
    alone_from: int | None = None,
    gap: str = "water",
) -> tuple[gpd.GeoDataFrame, tuple[int, ...]]:
    """Join the land masses of ``graph`` (nodes ``0..n-1`` at ``xy``): the explicit
    ``links``, then (``auto_link``) each mass still apart to the nearest unit across the
    ``gap`` within ``link_max_km`` (of its own area when ``areas`` are given), as
    :func:`build_geography` does for clinics and :mod:`planner.geography.polygons` for
    polygon units.  Edges of kind ``"link"`` are added to ``graph``.

    Returns the links (one row each, see :class:`Geography`) and the masses left apart.
    """
    rows = _explicit_links(graph, ids, xy, links or [])
    unlinked: tuple[int, ...] = ()
    if auto_link:
        area = None if areas is None else np.asarray(areas, dtype=object).astype(str)
        more, unlinked, mass = _nearest_links(graph, xy, link_max_km * 1_000.0, area)
        rows += more
        if unlinked:
            # A mass with patients enough for a cluster of its own needs no link.
            small = [
                r
                for r in unlinked
                if alone_from is None or int(patients[mass == r].sum()) < alone_from
            ]
            if small:
                log.warning(
                    "%s",
                    _apart_message(
                        unlinked, mass, ids, patients, xy, area, link_max_km, listed=small, gap=gap
                    ),
                )
            else:
                log.info(
                    "%d land masses stay apart, each big enough for clusters of its own",
                    len(unlinked),
                )
    return _link_frame(rows, ids, xy, crs), unlinked


def _explicit_links(
    graph: nx.Graph,
    ids: list[str],
    xy: np.ndarray,
    links: Sequence[tuple[str, str] | tuple[str, str, float | None]],
) -> list[LinkRow]:
    position = {cid: i for i, cid in enumerate(ids)}
    rows: list[LinkRow] = []
    for link in links:
        a, b = str(link[0]), str(link[1])
        cost = float(link[2]) if len(link) > 2 and link[2] is not None else None
        if a not in position or b not in position:
            missing = a if a not in position else b
            raise PlannerError(f"link {a} - {b}: clinic '{missing}' is not among the clinics")
        i, j = position[a], position[b]
        graph.add_edge(i, j, kind="link")
        rows.append((i, j, "explicit", cost))
    return rows


def _link_candidates(
    labels: np.ndarray, xy: np.ndarray, area: np.ndarray | None
) -> list[tuple[float, int, int]]:
    """For each land mass, its nearest clinic across the water (same area when given)."""
    k = int(labels.max()) + 1 if len(labels) else 0
    candidates: list[tuple[float, int, int]] = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        others = np.flatnonzero(labels != c)
        if area is not None:
            others = others[area[others] == area[members[0]]]
        if len(others) == 0:
            continue
        sub = cKDTree(xy[others])
        dist, idx = sub.query(xy[members], k=1)
        best = int(np.argmin(dist))
        candidates.append((float(dist[best]), int(members[best]), int(others[idx[best]])))
        # A few more nearby pairs so Kruskal can pick a shorter chain.
        near = sub.query_ball_point(xy[members[best]], r=float(dist[best]) * 1.5 + 1.0)
        for j in others[near]:
            if labels[j] != c:
                d = float(np.hypot(*(xy[j] - xy[members[best]])))
                candidates.append((d, int(members[best]), int(j)))
    return sorted(candidates)


def _nearest_links(
    graph: nx.Graph, xy: np.ndarray, max_m: float, area: np.ndarray | None = None
) -> tuple[list[LinkRow], tuple[int, ...], np.ndarray]:
    """Kruskal over land masses: join each to the nearest clinic across water.

    With ``area`` given, land masses are the parts left when edges between areas are
    cut, and each is joined only to a clinic of its own area.  Returns the links, the
    masses left apart and the (joined) mass of every clinic.
    """
    edges = [(i, j) for i, j in graph.edges() if area is None or area[i] == area[j]]
    labels = Adjacency.from_edges(graph.number_of_nodes(), edges).components()
    k = int(labels.max()) + 1 if len(labels) else 0
    if k <= 1:
        return [], (), np.zeros(len(labels), dtype=np.int64)
    candidates = _link_candidates(labels, xy, area)
    parent = list(range(k))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    rows: list[LinkRow] = []
    for dist, i, j in candidates:
        ri, rj = find(int(labels[i])), find(int(labels[j]))
        if ri == rj or dist > max_m:
            continue
        parent[ri] = rj
        graph.add_edge(i, j, kind="link")
        rows.append((i, j, "nearest", None))
    root = [find(c) for c in range(k)]
    unlinked = _apart(labels, root, area)
    return rows, unlinked, np.asarray(root, dtype=np.int64)[labels]


def _apart_message(
    apart: Sequence[int],
    mass: np.ndarray,
    ids: Sequence[str] | np.ndarray,
    patients: np.ndarray,
    xy: np.ndarray,
    area: np.ndarray | None,
    link_max_km: float,
    *,
    listed: Sequence[int] | None = None,
    gap: str = "water",
    shown: int = 3,
) -> str:
    """Name the land masses left apart that need a link (``listed``, default all): a few
    clinics, the patients, the nearest crossing (of ``gap``: water, or a gap in land
    estimated from the clinics).

    Each mass is listed with up to ``shown`` clinic ids (the one nearest the other land
    first), its patients, and the nearest clinic of another mass of its area: the place a
    link (bridge, ferry) would join it.
    """
    names = np.asarray(ids, dtype=object)
    parts = []
    need = list(apart if listed is None else listed)
    for r in sorted(need, key=lambda r: (int(patients[mass == r].sum()), r)):
        members = np.flatnonzero(mass == r)
        others = np.flatnonzero((mass != r) & np.isin(mass, list(apart)))
        if area is not None:
            others = others[area[others] == area[members[0]]]
        where = f" in {area[members[0]]}" if area is not None else ""
        text = f"{len(members)} clinic{'s' if len(members) != 1 else ''}{where}"
        text += f" with {int(patients[members].sum()):,} patients"
        order = members
        if len(others):
            dist, idx = cKDTree(xy[others]).query(xy[members], k=1)
            order = members[np.argsort(dist, kind="stable")]
            best = int(np.argmin(dist))
            near = f"; nearest across the {gap}: {names[members[best]]} - "
            near += f"{names[others[idx[best]]]}, {dist[best] / 1_000:.0f} km"
        else:
            near = ""
        more = ", ..." if len(members) > shown else ""
        parts.append(f"{text} ({', '.join(names[order[:shown]].tolist())}{more}){near}")
    what = (
        f"{len(need)} of {len(apart)} land masses"
        if len(need) < len(apart)
        else (f"{len(apart)} land masses")
    )
    return (
        f"{what} stay apart and are too small for a cluster of their own: no clinic across "
        f"the {gap} within {link_max_km:.0f} km; add a link (bridge, ferry) to join them: "
        + "; ".join(parts)
    )


def _apart(labels: np.ndarray, root: list[int], area: np.ndarray | None) -> tuple[int, ...]:
    """The joined land masses left apart from another mass of their own area.

    Links never cross areas, so each area's land is one mass at best: a mass alone in its
    area is as joined as it can be and is not reported.
    """
    first = [int(np.flatnonzero(labels == c)[0]) for c in range(len(root))]
    masses: dict[object, set[int]] = {}
    for c, r in enumerate(root):
        key = None if area is None else area[first[c]]
        masses.setdefault(key, set()).add(r)
    return tuple(sorted(r for roots in masses.values() if len(roots) > 1 for r in roots))


def _link_frame(
    rows: list[LinkRow], ids: list[str], xy: np.ndarray, crs: object
) -> gpd.GeoDataFrame:
    records = []
    for i, j, kind, cost in rows:
        km = round(float(np.hypot(*(xy[i] - xy[j]))) / 1_000.0, 3)
        records.append(
            {
                "clinic_a": ids[i],
                "clinic_b": ids[j],
                "distance_km": km,
                "kind": kind,
                "travel": km if cost is None else cost,
                "geometry": shapely.linestrings([xy[i], xy[j]]),
            }
        )
    columns = ["clinic_a", "clinic_b", "distance_km", "kind", "travel", "geometry"]
    frame = pd.DataFrame(records, columns=columns)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
