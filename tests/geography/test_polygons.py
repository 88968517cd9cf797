"""Polygon units as territories: rook and queen contiguity, multipart units, enclaves,
islands joined by links, and borders a little apart."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from planner.core.errors import PlannerError
from planner.geography.polygons import neighbour_pairs, polygon_geography, snap_tolerance
from planner.load.units import SHAPE, read_units
from planner.load.validate import to_metric, validate_clinics

CRS = "EPSG:25832"  # UTM 32N, metres
KM = 1_000.0


def units(shapes, patients=1_000, crs=CRS):
    """Polygon units ``u0, u1, ...`` read and validated as the planner does."""
    frame = gpd.GeoDataFrame(
        {"clinic_id": [f"u{i}" for i in range(len(shapes))], "patients": patients},
        geometry=list(shapes),
        crs=crs,
    )
    sheet = read_units(frame)
    assert sheet is not None and SHAPE in sheet.frame.columns
    return to_metric(validate_clinics(sheet))


def lattice(n, size=KM, x0=500_000.0, y0=6_200_000.0):
    return [
        shapely.box(x0 + x * size, y0 + y * size, x0 + (x + 1) * size, y0 + (y + 1) * size)
        for y in range(n)
        for x in range(n)
    ]


def kind(geo, i, j):
    return geo.graph.edges[i, j]["kind"] if geo.graph.has_edge(i, j) else None


def test_rook_counts_shared_borders_and_queen_counts_corners_too():
    rook = polygon_geography(units(lattice(3)))
    queen = polygon_geography(units(lattice(3)), contiguity="queen")
    # 3x3: 12 shared borders; 8 pairs meeting at a corner only.
    assert rook.graph.number_of_edges() == 12
    assert queen.graph.number_of_edges() == 20
    assert kind(rook, 0, 1) == kind(rook, 0, 3) == "border"
    assert not rook.graph.has_edge(0, 4) and not rook.graph.has_edge(2, 4)
    assert kind(queen, 0, 4) == kind(queen, 2, 4) == "corner"
    assert kind(queen, 0, 1) == "border"
    assert rook.links.empty and queen.links.empty


def test_the_territories_are_the_units_polygons():
    geo = polygon_geography(units(lattice(2)))
    areas = shapely.area(geo.territories.to_numpy())
    assert areas == pytest.approx([KM * KM] * 4, rel=1e-3)  # the same squares, in metres
    assert geo.territories.crs.is_projected
    assert geo.land.area == pytest.approx(4 * KM * KM, rel=1e-3)


def test_an_enclave_borders_the_unit_around_it_and_a_multipart_unit_borders_through_each_part():
    x0, y0 = 500_000.0, 6_200_000.0
    outer = shapely.box(x0, y0, x0 + 3 * KM, y0 + 3 * KM)
    hole = shapely.box(x0 + KM, y0 + KM, x0 + 2 * KM, y0 + 2 * KM)
    ring = outer.difference(hole)  # a unit with a hole, and the enclave filling it
    west = shapely.box(x0 - KM, y0, x0, y0 + KM)
    east = shapely.box(x0 + 3 * KM, y0, x0 + 4 * KM, y0 + KM)
    # One unit of two parts: one beside the west unit, one beside the east unit.
    twin = shapely.MultiPolygon(
        [
            shapely.box(x0 - 2 * KM, y0, x0 - KM, y0 + KM),
            shapely.box(x0 + 4 * KM, y0, x0 + 5 * KM, y0 + KM),
        ]
    )
    geo = polygon_geography(units([ring, hole, west, east, twin]))
    assert kind(geo, 0, 1) == "border"  # the enclave and the unit around it
    assert kind(geo, 0, 2) == kind(geo, 0, 3) == "border"
    assert kind(geo, 4, 2) == kind(geo, 4, 3) == "border"  # the multipart unit, both parts
    assert not geo.graph.has_edge(1, 2)
    assert geo.links.empty


def test_an_island_unit_is_linked_to_the_nearest_unit_across_the_water():
    shapes = lattice(2)
    island = shapely.box(520_000, 6_200_000, 521_000, 6_201_000)  # 18 km east of the lattice
    geo = polygon_geography(units([*shapes, island]))
    assert len(geo.links) == 1
    link = geo.links.iloc[0]
    assert {link["clinic_a"], link["clinic_b"]} == {"u4", "u1"}  # u1: the nearer east square
    assert link["kind"] == "nearest" and 17 < link["distance_km"] < 20
    assert kind(geo, 1, 4) == "link" or kind(geo, 3, 4) == "link"
    assert geo.unlinked == ()
    # Beyond the longest automatic link the island stays apart, and is reported so.
    apart = polygon_geography(units([*shapes, island]), link_max_km=10)
    assert apart.links.empty and len(apart.unlinked) == 2


def test_explicit_links_join_units_and_unknown_ids_are_refused():
    shapes = lattice(2)
    island = shapely.box(520_000, 6_200_000, 521_000, 6_201_000)
    geo = polygon_geography(units([*shapes, island]), links=[("u0", "u4", 45.0)], auto_link=False)
    assert kind(geo, 0, 4) == "link"
    assert geo.links.iloc[0]["travel"] == 45.0
    with pytest.raises(PlannerError, match="not among the clinics"):
        polygon_geography(units(shapes), links=[("u0", "nowhere")])


def test_borders_a_little_apart_or_overlapping_still_touch():
    x0, y0 = 500_000.0, 6_200_000.0
    a = shapely.box(x0, y0, x0 + KM, y0 + KM)
    gap = shapely.box(x0 + KM + 0.05, y0, x0 + 2 * KM, y0 + KM)  # 5 cm apart
    over = shapely.box(x0 - KM, y0, x0 + 0.05, y0 + KM)  # 5 cm overlap
    far = shapely.box(x0, y0 + KM + 50, x0 + KM, y0 + 2 * KM)  # 50 m apart: water
    borders, corners = neighbour_pairs(np.array([a, gap, over, far]), "queen")
    assert borders == [(0, 1), (0, 2)] and corners == []


def test_the_snapping_tolerance_follows_the_size_of_the_units():
    assert snap_tolerance(np.array(lattice(2, size=1.0))) == pytest.approx(1e-4)
    assert snap_tolerance(np.array(lattice(2, size=50_000.0))) == 1.0  # at most 1 m
    with pytest.raises(PlannerError, match="rook or queen"):
        neighbour_pairs(np.array(lattice(2)), "bishop")


def test_unit_squares_of_one_metre_keep_rook_and_queen_apart():
    """Borders of 1 m are borders (the 1 m floor of clinics' territories does not apply)."""
    squares = np.array(lattice(3, size=1.0))
    borders, corners = neighbour_pairs(squares, "queen")
    assert len(borders) == 12 and len(corners) == 8


def test_units_must_be_in_a_metric_crs():
    table = units(lattice(2)).to_crs("EPSG:4326")
    with pytest.raises(PlannerError, match="projected"):
        polygon_geography(table)
