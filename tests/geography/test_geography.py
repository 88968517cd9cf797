"""Territories and contiguity on hand-drawn layouts whose neighbours are obvious."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from planner.core.errors import PlannerError
from planner.geography.territories import build_geography, default_land

CRS = "EPSG:25832"  # UTM 32N, metres


def clinics_at(points, ids=None):
    ids = ids or [f"c{i}" for i in range(len(points))]
    frame = pd.DataFrame({"clinic_id": ids, "patients": 1_000, "doctors": 1})
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(*np.array(points, float).T), crs=CRS)


def kinds(geo, i, j):
    return geo.graph.edges[i, j]["kind"] if geo.graph.has_edge(i, j) else None


def test_grid_neighbours_share_borders_and_diagonals_do_not():
    pts = [(x * 1000 + 500, y * 1000 + 500) for y in range(3) for x in range(3)]
    land = shapely.box(0, 0, 3000, 3000)
    geo = build_geography(clinics_at(pts), land=land)
    assert kinds(geo, 0, 1) == "border"
    assert kinds(geo, 0, 3) == "border"
    assert kinds(geo, 4, 5) == "border"
    assert not geo.graph.has_edge(0, 4)  # diagonal: cells touch at a corner only
    assert geo.links.empty
    # Territories tile the land.
    assert shapely.union_all(geo.territories.to_numpy()).area == pytest.approx(land.area, rel=1e-6)


def test_water_separates_and_a_link_joins_the_nearest_clinics():
    mainland = shapely.box(0, 0, 10_000, 10_000)
    island = shapely.box(14_000, 4_000, 16_000, 6_000)
    pts = [(2_000, 5_000), (8_000, 5_000), (15_000, 5_000)]
    geo = build_geography(clinics_at(pts), land=shapely.union(mainland, island))
    assert kinds(geo, 0, 1) == "border"
    assert kinds(geo, 1, 2) == "link"
    assert not geo.graph.has_edge(0, 2)
    assert len(geo.links) == 1
    link = geo.links.iloc[0]
    assert {link.clinic_a, link.clinic_b} == {"c1", "c2"}
    assert link.distance_km == pytest.approx(7.0)
    assert link.kind == "nearest"
    # The mainland clinic's territory stops at the coast: it never covers the island.
    assert not geo.territories.iloc[1].intersects(island.buffer(-1))


def test_no_automatic_link_beyond_the_limit_and_explicit_links_are_kept():
    land = shapely.union(shapely.box(0, 0, 1_000, 1_000), shapely.box(100_000, 0, 101_000, 1_000))
    pts = [(500, 500), (100_500, 500)]
    far = build_geography(clinics_at(pts), land=land, link_max_km=50)
    assert far.graph.number_of_edges() == 0
    assert far.unlinked
    linked = build_geography(clinics_at(pts), land=land, links=[("c0", "c1")], link_max_km=50)
    assert kinds(linked, 0, 1) == "link"
    assert linked.links.iloc[0].kind == "explicit"


def test_unknown_clinic_in_a_link_is_an_error():
    with pytest.raises(PlannerError, match="'nope'"):
        build_geography(clinics_at([(0, 0), (10, 10)]), links=[("c0", "nope")])


def test_clinics_at_identical_coordinates_share_a_site():
    pts = [(0, 0), (0, 0), (3_000, 0), (0, 3_000)]
    geo = build_geography(clinics_at(pts))
    assert kinds(geo, 0, 1) == "site"
    # Both clinics of the health centre border the same neighbours.
    assert set(geo.graph[0]) - {1} == set(geo.graph[1]) - {0}
    assert geo.territories.iloc[0].equals(geo.territories.iloc[1])


def test_a_clinic_just_off_the_coast_still_gets_a_territory():
    land = shapely.box(0, 0, 10_000, 10_000)
    pts = [(5_000, 5_000), (10_100, 5_000)]  # the second stands 100 m into the sea
    geo = build_geography(clinics_at(pts), land=land)
    assert geo.territories.iloc[1].area > 0
    assert geo.graph.has_edge(0, 1)


def test_default_land_keeps_distant_groups_apart():
    town = [(x * 800, y * 800) for x in range(4) for y in range(4)]
    far = [(200_000 + x * 800, 0) for x in range(3)]
    land = default_land(clinics_at(town + far).geometry)
    assert land.geom_type == "MultiPolygon"
    assert len(land.geoms) == 2


def test_geographic_crs_is_refused():
    frame = clinics_at([(0, 0), (1, 1)]).set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(PlannerError, match="metric"):
        build_geography(frame)


def test_automatic_links_stay_within_an_area_when_areas_are_given():
    # Mainland West (area X) and East (area Y) touch; an island of area X lies off East.
    land = shapely.union_all(
        [
            shapely.box(0, 0, 10_000, 10_000),
            shapely.box(10_000, 0, 20_000, 10_000),
            shapely.box(24_000, 4_000, 26_000, 6_000),
        ]
    )
    pts = [(5_000, 5_000), (15_000, 5_000), (25_000, 5_000)]
    plain = build_geography(clinics_at(pts), land=land)
    assert kinds(plain, 1, 2) == "link"
    within = build_geography(clinics_at(pts), land=land, areas=["X", "Y", "X"])
    assert kinds(within, 0, 2) == "link" and not within.graph.has_edge(1, 2)
    assert within.links.iloc[0]["travel"] == pytest.approx(20.0)


def test_one_land_mass_per_area_is_not_reported_as_apart(caplog):
    # Two areas, each joined within itself: nothing stays apart, so no warning.
    land = shapely.union(shapely.box(0, 0, 10_000, 10_000), shapely.box(10_000, 0, 20_000, 10_000))
    pts = [(5_000, 5_000), (15_000, 5_000)]
    with caplog.at_level("WARNING", logger="planner.geography.territories"):
        geo = build_geography(clinics_at(pts), land=land, areas=["X", "Y"])
    assert geo.unlinked == ()
    assert "stay apart" not in caplog.text
    # A far island of area X beyond the limit is still reported, with its mainland.
    land = shapely.union(land, shapely.box(200_000, 0, 201_000, 1_000))
    pts.append((200_500, 500))
    far = build_geography(clinics_at(pts), land=land, areas=["X", "Y", "X"], link_max_km=50)
    assert len(far.unlinked) == 2


def test_explicit_links_carry_their_travel_cost():
    land = shapely.union(shapely.box(0, 0, 1_000, 1_000), shapely.box(5_000, 0, 6_000, 1_000))
    geo = build_geography(
        clinics_at([(500, 500), (5_500, 500)]), land=land, links=[("c0", "c1", 45.0)]
    )
    row = geo.links.iloc[0]
    assert row.kind == "explicit" and row.travel == 45.0 and row.distance_km == pytest.approx(5.0)


def test_masses_left_apart_are_named_with_clinics_patients_and_nearest_crossing(caplog):
    # A mainland of four clinics and a far island of one: the warning says which is which.
    land = shapely.union(shapely.box(0, 0, 4_000, 1_000), shapely.box(100_000, 0, 101_000, 1_000))
    pts = [(500, 500), (1_500, 500), (2_500, 500), (3_500, 500), (100_500, 500)]
    ids = ["m1", "m2", "m3", "m4", "isle"]
    with caplog.at_level("WARNING", logger="planner.geography.territories"):
        build_geography(clinics_at(pts, ids), land=land, link_max_km=50)
    text = caplog.text
    assert "2 land masses stay apart" in text
    # The island first (the smaller), then the mainland with its clinic nearest the island.
    assert "1 clinic with 1,000 patients (isle)" in text
    assert "4 clinics with 4,000 patients (m4, m3, m2, ...)" in text
    assert "nearest across the water: isle - m4, 97 km" in text
    assert text.index("(isle)") < text.index("(m4,")


def test_a_mass_big_enough_for_its_own_cluster_is_not_told_to_find_a_link(caplog):
    # Bornholm's case: far from everything, but holding patients for a cluster of its own.
    land = shapely.union(shapely.box(0, 0, 4_000, 1_000), shapely.box(100_000, 0, 101_000, 1_000))
    pts = [(500, 500), (1_500, 500), (2_500, 500), (3_500, 500), (100_500, 500)]
    ids = ["m1", "m2", "m3", "m4", "isle"]
    table = clinics_at(pts, ids)
    table.loc[4, "patients"] = 39_009
    with caplog.at_level("WARNING", logger="planner.geography.territories"):
        build_geography(table, land=land, link_max_km=50, alone_from=30_000)
    # The mainland (4,000 patients) still needs a link; the island needs none.
    assert "1 of 2 land masses stay apart and are too small" in caplog.text
    assert "(isle)" not in caplog.text and "(m4, m3, m2, ...)" in caplog.text
    caplog.clear()
    table.loc[:3, "patients"] = 30_000
    with caplog.at_level("WARNING", logger="planner.geography.territories"):
        build_geography(table, land=land, link_max_km=50, alone_from=30_000)
    assert "stay apart" not in caplog.text  # both stand alone: nothing to fix
    with caplog.at_level("WARNING", logger="planner.geography.territories"):
        build_geography(clinics_at(pts, ids), link_max_km=50)  # no land map: a gap, not water
    assert "across the gap" in caplog.text and "water" not in caplog.text
