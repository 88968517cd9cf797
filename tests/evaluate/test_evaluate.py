import numpy as np
import pytest

from planner.core.adjacency import Adjacency
from planner.core.rules import Rules
from planner.evaluate.checks import (
    check_plan,
    cluster_figures,
    compactness,
    part_upper_bound,
    upper_bound,
)

LINE = Adjacency.from_edges(4, [(0, 1), (1, 2), (2, 3)])


def test_valid_plan_has_no_problems():
    assert (
        check_plan(LINE, np.array([0, 0, 1, 1]), np.array([5, 5, 5, 5]), Rules(min_patients=10))
        == []
    )


def test_each_violation_is_reported():
    rules = Rules(min_patients=10)
    assert any(
        "not contiguous" in p
        for p in check_plan(LINE, np.array([0, 1, 1, 0]), np.full(4, 9), rules)
    )
    assert any(
        "below 10" in p for p in check_plan(LINE, np.array([0, 0, 0, 1]), np.full(4, 5), rules)
    )
    assert any("0..2" in p for p in check_plan(LINE, np.array([0, 0, 2, 2]), np.full(4, 5), rules))
    assert check_plan(LINE, np.array([0, 0]), np.full(4, 5), rules)[0].startswith("expected 4")


def test_left_out_clinics_are_not_a_cluster():
    assert (
        check_plan(LINE, np.array([0, 0, 0, -1]), np.array([5, 5, 5, 5]), Rules(min_patients=10))
        == []
    )


def test_bounds():
    two_parts = Adjacency.from_edges(4, [(0, 1), (2, 3)])
    sizes = np.array([10, 10, 10, 10])
    rules = Rules(min_patients=15)
    assert upper_bound(sizes, rules) == 2
    assert part_upper_bound(two_parts, sizes, rules) == 2
    assert part_upper_bound(two_parts, np.array([10, 4, 10, 4]), rules) == 0
    assert upper_bound(np.array([10, 4, 10, 4]), rules) == 1


def test_cluster_figures_meeting_clinic_minimises_gp_travel():
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [3000.0, 0.0]])
    fig = cluster_figures(np.array([0, 1, 2]), xy, np.array([1, 1, 1]), np.array([1, 5, 1]))
    assert fig.meeting == 1
    assert fig.max_km == pytest.approx(2.0)
    assert fig.diameter_km == pytest.approx(3.0)
    assert fig.mean_gp_km == pytest.approx((1 + 0 + 2) / 7)


def test_compactness_is_smaller_for_a_tighter_plan():
    xy = np.array([[0, 0], [1000, 0], [10_000, 0], [11_000, 0]], float)
    ones = np.ones(4, int)
    tight = compactness(np.array([0, 0, 1, 1]), xy, ones, ones)
    loose = compactness(np.array([0, 1, 0, 1]), xy, ones, ones)
    assert tight["mean_gp_km"] < loose["mean_gp_km"]
    assert tight["mean_diameter_km"] < loose["mean_diameter_km"]


def test_bounds_count_clusters_valid_by_their_gps():
    rules = Rules(min_patients=30_000, min_doctors=18)
    assert rules.size_bound(95_000, 40) == 5  # 3 by patients + 2 by GPs, and 95/30+40/18
    assert rules.size_bound(10_000, 40) == 2
    assert upper_bound(np.array([10_000, 10_000]), rules, np.array([20, 20])) == 2
    assert upper_bound(np.array([10_000, 10_000]), Rules()) == 0


def test_tight_bound_counts_a_huge_clinic_once():
    from planner.evaluate.checks import tight_upper_bound

    adj = Adjacency.from_edges(3, [(0, 1), (1, 2)])
    sizes = np.array([100_000, 20_000, 20_000])
    assert part_upper_bound(adj, sizes, Rules()) == 4
    assert tight_upper_bound(adj, sizes, Rules()) == 2


def test_tight_bound_uses_cut_vertices():
    from planner.evaluate.checks import tight_upper_bound

    # A star: the centre is a cut vertex; three arms of 20,000 each cannot form a cluster
    # on their own, so only the cluster holding the centre exists.
    adj = Adjacency.from_edges(4, [(0, 1), (0, 2), (0, 3)])
    sizes = np.array([30_000, 20_000, 20_000, 20_000])
    assert part_upper_bound(adj, sizes, Rules()) == 3
    assert tight_upper_bound(adj, sizes, Rules()) == 1


def test_can_split_is_exact_on_small_clusters():
    from planner.evaluate.checks import can_split, splittable_clusters

    path = Adjacency.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    nodes = np.arange(4)
    rules = Rules(min_patients=10)
    assert can_split(path, nodes, np.array([5, 5, 5, 5]), rules)
    # 10 patients on each side only by cutting a non-contiguous way: impossible.
    assert not can_split(path, nodes, np.array([5, 10, 1, 4]), rules)
    star = Adjacency.from_edges(4, [(0, 1), (0, 2), (0, 3)])
    assert not can_split(star, nodes, np.array([1, 10, 10, 10]), Rules(min_patients=11))
    assert can_split(star, nodes, np.array([1, 10, 10, 10]), rules)
    assert splittable_clusters(path, np.zeros(4, int), np.full(4, 5), rules) == [0]
    # Too large to enumerate and big enough: unknown.
    long = Adjacency.from_edges(30, [(i, i + 1) for i in range(29)])
    assert can_split(long, np.arange(30), np.full(30, 5), rules) is None
    assert can_split(long, np.arange(30), np.full(30, 1), Rules(min_patients=20)) is False


def test_can_split_respects_the_gp_rule_and_a_hard_ceiling():
    from planner.evaluate.checks import can_split

    pair = Adjacency.from_edges(2, [(0, 1)])
    nodes = np.arange(2)
    assert can_split(
        pair, nodes, np.array([5, 5]), Rules(min_patients=10, min_doctors=3), np.array([3, 3])
    )
    assert not can_split(pair, nodes, np.array([5, 5]), Rules(min_patients=10), np.array([3, 3]))
    assert not can_split(
        pair, nodes, np.array([20, 12]), Rules(min_patients=10, max_patients=15, max_hard=True)
    )
