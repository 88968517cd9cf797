"""A fixed number of clusters: exactly n, each valid and contiguous, or an explained error."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import grid_instance
from planner.core.adjacency import Adjacency
from planner.core.errors import InfeasibleError
from planner.core.instance import Instance
from planner.core.rules import Rules
from planner.evaluate.checks import check_plan, compactness
from planner.solve import get_solver
from planner.solve.context import Context
from planner.solve.count import fixed_count
from planner.solve.polish import Travel
from planner.solve.state import Plan


def _maxp(instance: Instance, rules: Rules, seed: int = 0) -> np.ndarray:
    return get_solver("grow")(instance, rules, np.random.default_rng(seed)).labels


@pytest.mark.parametrize("n", [1, 3, 7, 12])
def test_exactly_n_valid_clusters(n: int) -> None:
    rng = np.random.default_rng(4)
    instance = grid_instance(10, 10, rng.integers(500, 1_500, 100))
    rules = Rules(min_patients=6_000)
    labels = _maxp(instance, rules)
    k = len(np.unique(labels[labels >= 0]))
    assert k >= n
    fixed = fixed_count(instance, rules, labels, n, np.random.default_rng(0))
    assert len(np.unique(fixed[fixed >= 0])) == n
    assert check_plan(instance.adjacency, fixed, instance.patients, rules) == []
    assert ((fixed >= 0) == (labels >= 0)).all()  # nobody dropped, nobody added


def test_merging_picks_compact_pairs() -> None:
    """Two clusters from six clinics in two towns 98 km apart on one road: the towns."""
    adj = Adjacency.from_edges(6, [(i, i + 1) for i in range(5)])
    xy = np.array([[x * 1_000.0, 0.0] for x in (0, 1, 2, 100, 101, 102)])
    instance = Instance.from_arrays(adj, np.array([1_000] * 6), xy, np.array([1] * 6))
    fixed = fixed_count(instance, Rules(min_patients=1_000), np.arange(6), 2,
                        np.random.default_rng(0))  # fmt: skip
    assert fixed[0] == fixed[1] == fixed[2] != fixed[3] == fixed[4] == fixed[5]


def test_too_few_for_the_parts_or_too_many_are_explained() -> None:
    # Two islands with no link: at least two clusters.
    adj = Adjacency.from_edges(4, [(0, 1), (2, 3)])
    xy = np.array([[0, 0], [1_000, 0], [50_000, 0], [51_000, 0]], float)
    instance = Instance.from_arrays(adj, np.array([1_000] * 4), xy)
    rules = Rules(min_patients=1_000)
    labels = np.array([0, 1, 2, 3])
    with pytest.raises(InfeasibleError, match="2 parts that are not joined"):
        fixed_count(instance, rules, labels, 1, np.random.default_rng(0))
    with pytest.raises(InfeasibleError, match="found only 4"):
        fixed_count(instance, rules, labels, 5, np.random.default_rng(0))


def test_a_hard_ceiling_no_merge_keeps_is_explained() -> None:
    instance = grid_instance(1, 4, 1_000)
    rules = Rules(min_patients=1_000, max_patients=1_500, max_hard=True)
    with pytest.raises(InfeasibleError, match="hard ceiling of 1,500"):
        fixed_count(instance, rules, np.arange(4), 2, np.random.default_rng(0))


def test_the_same_seed_gives_the_same_plan() -> None:
    rng = np.random.default_rng(9)
    instance = grid_instance(8, 8, rng.integers(500, 1_500, 64))
    rules = Rules(min_patients=4_000)
    labels = _maxp(instance, rules)
    a = fixed_count(instance, rules, labels, 5, np.random.default_rng(1))
    b = fixed_count(instance, rules, labels, 5, np.random.default_rng(1))
    assert (a == b).all()


def test_the_plan_is_the_most_compact_for_the_patients_where_the_gps_sit_elsewhere() -> None:
    """Four clinics on a road at 0, 1, 2 and 3 km, two clusters. Priced by the GPs (five at
    the first clinic, one at each other), the best split is {0} {1, 2, 3}; for the patients
    (3,000 at the last clinic, 1,000 at each other) it is {0, 1, 2} {3}: a mean distance to
    the centre of 0.33 km, where {0} {1, 2, 3} gives 0.60 km and {0, 1} {2, 3} 0.42 km."""
    adj = Adjacency.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    xy = np.array([[x * 1_000.0, 0.0] for x in range(4)])
    patients, gps = np.array([1_000, 1_000, 1_000, 3_000]), np.array([5, 1, 1, 1])
    instance = Instance.from_arrays(adj, patients, xy, gps)
    rules = Rules(min_patients=1_000)
    fixed = fixed_count(instance, rules, np.arange(4), 2, np.random.default_rng(0))
    assert fixed[0] == fixed[1] == fixed[2] != fixed[3]
    assert compactness(fixed, xy, patients, patients)["mean_patient_km"] == pytest.approx(1 / 3)


def test_travel_by_patients_prices_their_distance_to_their_centre_alone() -> None:
    """With ``by_patients`` a cluster costs the patients' distance to their weighted centre,
    with no diameter and the GPs left out."""
    rng = np.random.default_rng(3)
    instance = grid_instance(3, 3, rng.integers(500, 1_500, 9))
    instance = Instance.from_arrays(
        instance.adjacency, instance.patients, instance.xy, rng.integers(1, 9, 9)
    )
    rules = Rules(min_patients=1_000)
    ctx = dataclasses.replace(Context.from_instance(instance, rules), to_centre=True)
    members = [0, 1, 2, 4]
    pts, pat = instance.xy[members] / 1_000.0, instance.patients[members].astype(float)
    centre = pat @ pts / pat.sum()
    by_patients = dataclasses.replace(ctx, by_patients=True)
    cost = Travel(Plan(by_patients)).of(members)
    assert cost == pytest.approx(float(np.hypot(*(pts - centre).T) @ pat))
    assert Travel(Plan(ctx)).of(members) != pytest.approx(cost)  # GPs and a diameter
