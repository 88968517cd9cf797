import numpy as np
import pytest

from planner.adjacency import Adjacency
from planner.evaluate import (
    check_plan,
    cluster_figures,
    compactness,
    part_upper_bound,
    upper_bound,
)
from planner.rules import Rules

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
