"""Territories lightened for the page: simplified as one coverage, with no gap or sliver.

What the page draws is checked, not an intermediate: each territory as the page decodes it
(``shapes.decode`` mirrors the script's ``plannerDecode``), taken back to metres.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from conftest import shared_data
from planner.api import plan
from planner.demo.region import load_demo, load_demo_land
from planner.render import cluster_adjacency
from planner.render.shapes import DECIMALS, TOLERANCE_M, decode, encode, light_coverage

UTM32 = "EPSG:32632"


def drawn(geoms, crs) -> gpd.GeoSeries:
    """The territories as the page draws them, back in ``crs`` (metres)."""
    shapes = [decode(encode(g)) for g in light_coverage(np.asarray(geoms, dtype=object), crs)]
    return gpd.GeoSeries(shapes, crs="EPSG:4326").to_crs(crs)


def assert_same_coverage(before: gpd.GeoSeries, after: gpd.GeoSeries) -> None:
    """``after`` covers what ``before`` covers, without gaps, overlaps or lost borders."""
    assert len(after) == len(before)
    assert not after.is_empty.any() and after.is_valid.all()
    # The same region: its outline moved by no more than the tolerance (and rounding) ...
    old, new = shapely.union_all(before.to_numpy()), shapely.union_all(after.to_numpy())
    near = TOLERANCE_M + 2.0
    assert shapely.difference(new, old.buffer(near)).area < 1.0
    assert shapely.difference(old, new.buffer(near)).area < 1.0
    assert shapely.area(shapely.symmetric_difference(old, new)) <= 2e-4 * old.area
    # ... with no new gap between neighbours (a gap would be a new hole in the union) ...
    holes = lambda g: sum(len(p.interiors) for p in shapely.get_parts(g))  # noqa: E731
    assert holes(new) <= holes(old)
    # ... and no overlap: pairwise intersections have no area (below a square metre).
    geoms = after.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlaps.max(initial=0.0) < 1.0, overlaps.max()
    # Neighbours still share a border, and no new neighbours appear.
    ids = pd.DataFrame({"cluster_id": [str(i) for i in range(len(before))]})
    was = cluster_adjacency(gpd.GeoDataFrame(ids, geometry=before.to_numpy(), crs=before.crs))
    now = cluster_adjacency(gpd.GeoDataFrame(ids, geometry=after.to_numpy(), crs=after.crs))
    assert {frozenset(e) for e in now.edges} == {frozenset(e) for e in was.edges}
    for a, b in was.edges:
        shared = shapely.intersection(geoms[int(a)].boundary, geoms[int(b)].boundary)
        old_shared = shapely.intersection(
            before.iloc[int(a)].boundary.buffer(0.5), before.iloc[int(b)].boundary
        )
        if old_shared.length > 3 * TOLERANCE_M:  # a real border, not a corner touch
            assert shared.length > 0.5 * old_shared.length, (a, b)


@pytest.fixture(scope="module")
def demo_result():
    return plan(load_demo(), land=load_demo_land(), random_state=0)


def test_demo_territories_stay_a_coverage(demo_result):
    clusters = demo_result.clusters
    after = drawn(clusters.geometry, clusters.crs)
    assert_same_coverage(clusters.geometry.reset_index(drop=True), after)


def test_clinic_territories_stay_a_coverage(demo_result):
    # The current clusters are dissolved from these; many small cells, many shared borders.
    # (Clinics at one site share one territory: it is drawn once.)
    terr = demo_result.territories
    terr = terr[~pd.Series(shapely.to_wkb(terr.to_numpy())).duplicated().to_numpy()]
    terr = terr.reset_index(drop=True)
    assert_same_coverage(terr, drawn(terr, terr.crs))


def test_english_practices_with_estimated_land_stay_a_coverage():
    # Territories clipped to land estimated from the practices (round coasts, holes, and
    # hairline overlaps left by dissolving): the coverage is cleaned before it is simplified.
    path = shared_data("england_gp_pcn", "england_gp_practices_pcn.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = table[
        (table["ccg_name"] == "NHS Kent and Medway CCG") & (table["patients_jan2021"] != "")
    ]
    columns = {
        "clinic_id": "practice_code",
        "name": "practice_name",
        "patients": "patients_jan2021",
    }
    result = plan(table.reset_index(drop=True), columns=columns, patients_per_gp=1800)
    clusters = result.clusters
    assert len(clusters) > 20
    assert not shapely.coverage_is_valid(clusters.geometry.to_numpy())  # as the plan has them
    assert_same_coverage(
        clusters.geometry.reset_index(drop=True), drawn(clusters.geometry, clusters.crs)
    )


def _wiggly_coverage(n: int = 40, seed: int = 3) -> gpd.GeoSeries:
    """Voronoi cells with borders of many tiny wiggles (a vertex every 2 m, 1 m off line)."""
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(rng.uniform(0, 20_000, size=(n, 2)) + np.array([500_000, 6_200_000]))
    frame = shapely.box(500_000, 6_200_000, 520_000, 6_220_000)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=frame))
    cells = shapely.intersection(cells, frame)
    # Every border once, as a noded network: wiggled once, so neighbours share it exactly.
    borders = shapely.segmentize(shapely.union_all(shapely.boundary(cells)), 2.0)

    def wiggle(xy):
        return xy + np.column_stack([np.sin(xy[:, 1] / 3.0), np.cos(xy[:, 0] / 3.0)]) * 0.7

    borders = shapely.transform(borders, wiggle)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(borders)))
    assert len(faces) == n and shapely.coverage_is_valid(faces)
    return gpd.GeoSeries(faces, crs=UTM32)


def test_detailed_borders_are_simplified_and_stay_shared():
    before = _wiggly_coverage()
    after = drawn(before, before.crs)
    assert_same_coverage(before, after)
    assert (
        shapely.get_num_coordinates(after.to_numpy()).sum()
        < 0.05 * shapely.get_num_coordinates(before.to_numpy()).sum()
    )


def test_page_coordinates_are_rounded_to_a_metre():
    before = _wiggly_coverage(10)
    shapes = light_coverage(before.to_numpy(), before.crs)
    coords = shapely.get_coordinates(shapes)
    scaled = coords * 10**DECIMALS
    assert np.allclose(scaled, np.rint(scaled), atol=1e-6)
    # Decoding what is written gives back exactly those coordinates.
    for shape in shapes:
        back = decode(encode(shape))
        assert shapely.equals(back, shape) or back.symmetric_difference(shape).area < 1e-14


def test_clusters_that_share_a_site_keep_their_area():
    # Two clusters drawn from one shared territory overlap by design: neither disappears.
    square = shapely.box(500_000, 6_200_000, 501_000, 6_201_000)
    right = shapely.box(501_000, 6_200_000, 502_000, 6_201_000)
    shapes = light_coverage(np.array([square, square, right], dtype=object), UTM32)
    assert not shapely.is_empty(shapes).any()
    areas = gpd.GeoSeries(shapes, crs="EPSG:4326").to_crs(UTM32).area
    assert areas.to_numpy() == pytest.approx([1e6, 1e6, 1e6], rel=1e-3)


def test_missing_and_empty_territories_stay_in_place():
    square = shapely.box(500_000, 6_200_000, 501_000, 6_201_000)
    shapes = light_coverage(np.array([None, square, shapely.Polygon()], dtype=object), UTM32)
    assert shapely.is_empty(shapes).tolist() == [True, False, True]
    assert encode(shapes[0]) == [] and encode(None) == []


def test_encoding_keeps_holes_and_parts():
    outer = shapely.Polygon(
        [(10.0, 55.0), (10.1, 55.0), (10.1, 55.1), (10.0, 55.1)],
        [[(10.02, 55.02), (10.03, 55.02), (10.03, 55.03)]],
    )
    island = shapely.box(10.2, 55.0, 10.25, 55.04)
    geom = shapely.MultiPolygon([outer, island])
    encoded = encode(geom)
    assert [len(rings) for rings in encoded] == [2, 1]
    assert decode(encoded).equals(geom)
    # Lat before lon, the first point whole and then differences: small numbers.
    assert encoded[1][0][:2] == [5500000, 1025000]
    deltas = list(itertools.chain.from_iterable(ring[2:] for ring in encoded[0]))
    assert max(abs(v) for v in deltas) <= 10_000  # at most 0.1 degree: one side of the square


def test_the_batch_overview_draws_a_cluster_that_crosses_itself_in_lon_lat():
    """A cluster valid in its metric CRS can cross itself once written in lon/lat (one of
    England's did): the overview makes it valid and draws every cluster, where GEOS refused
    the coverage before ("unable to assign free hole to a shell")."""
    from planner.render.overview import overview_map

    bowtie = shapely.Polygon([(0, 0), (0.02, 0.02), (0.02, 0), (0, 0.02)])  # crosses itself
    assert not bowtie.is_valid
    clusters = gpd.GeoDataFrame(
        {"cluster_id": ["C01", "C02"], "patients": [31_000, 32_000]},
        geometry=[bowtie, shapely.box(0.02, 0, 0.04, 0.02)],
        crs="EPSG:4326",
    )
    fmap = overview_map([("part", clusters, None)], words={"cluster": "Cluster", "open": "Open"})
    page = fmap.get_root().render()
    assert '"id":"C01"' in page and '"id":"C02"' in page
