"""The invariants on the embedded demo region, through the Python API."""

import numpy as np
import pytest
import shapely

from planner import plan
from planner.core.adjacency import Adjacency
from planner.demo.region import load_demo, load_demo_land
from planner.evaluate.checks import check_plan
from planner.evaluate.figures import territory_holders


@pytest.fixture(scope="module")
def demo_result():
    return plan(load_demo(), land=load_demo_land(), random_state=0)


def test_every_clinic_once_every_cluster_contiguous_and_big_enough(demo_result):
    r = demo_result
    adj = Adjacency.from_networkx(r.graph)
    patients = r.clinics["patients"].to_numpy()
    assert check_plan(adj, r.labels, patients, r.rules, r.clinics["doctors"].to_numpy()) == []
    assert r.clinics["clinic_id"].is_unique
    assert (r.labels >= 0).all(), r.unassigned
    assert (r.clusters["patients"] >= 30_000).all()


def test_islands_are_linked_and_the_big_island_holds_a_cluster(demo_result):
    r = demo_result
    assert len(r.links) >= 3  # the big island and the small ones each need a link
    island = r.clinics[r.clinics["municipality"] == "Kirkeø Kommune"]
    counts = island.groupby("cluster_id")["patients"].sum()
    assert counts.max() >= 30_000  # at least one cluster wholly on the island


def test_cluster_count_is_near_the_bound(demo_result):
    m = demo_result.metrics
    assert m["clusters"] <= m["upper_bound_parts"] <= m["upper_bound"]
    assert m["clusters"] >= 0.9 * m["upper_bound_parts"]


def test_different_seeds_still_give_valid_plans():
    table, land = load_demo(), load_demo_land()
    for seed in (1, 2):
        r = plan(table, land=land, random_state=seed)
        adj = Adjacency.from_networkx(r.graph)
        assert check_plan(adj, r.labels, r.clinics["patients"].to_numpy(), r.rules) == []
        assert np.all(r.labels >= 0)


def test_cluster_territories_do_not_overlap(demo_result):
    # The demo has health centres whose clinics end up in different clusters.
    geoms = demo_result.clusters.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.max(initial=0.0) < 1_000.0  # m², border noise only
    assert not demo_result.clusters.geometry.is_empty.any()


def test_a_shared_site_is_drawn_in_the_cluster_with_most_patients_there():
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [5.0, 0.0], [9.0, 0.0], [-4.0, 0.0]])
    labels = np.array([0, 1, 1, 0, 2, 1])
    patients = np.array([9_000, 4_000, 3_000, 20_000, 1_000, 8_000])
    held = territory_holders(xy, labels, patients)
    assert held.tolist() == [True, False, False, True, True, True]
    # A cluster whose only clinic stands in another cluster's health centre keeps the area.
    only = territory_holders(xy[:2], np.array([0, 1]), np.array([5, 1]))
    assert only.tolist() == [True, True]
