"""The default solver on hand-made grids whose right answer is obvious, and on random grids."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import grid_instance
from planner.core.adjacency import Adjacency
from planner.core.errors import PlannerError
from planner.core.rules import Rules
from planner.evaluate.checks import (
    check_plan,
    part_upper_bound,
    splittable_clusters,
    tight_upper_bound,
)
from planner.solve import Instance, get_solver
from planner.solve.maxp import solve_maxp
from planner.solve.synthetic import danish_like


def solve(*args, **kwargs):
    """The default solver's labels (with its effort knob, which the contract hides)."""
    return solve_maxp(*args, **kwargs)


RULES = Rules(min_patients=30_000)


def run(instance, rules=RULES, seed=0, **kw):
    return solve(instance, rules, np.random.default_rng(seed), **kw)


def test_a_line_of_six_splits_in_two_halves(make_grid):
    inst = make_grid(1, 6, 10_000)
    labels = run(inst)
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []
    assert labels.max() + 1 == 2
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1


def test_a_four_by_four_grid_reaches_the_bound(make_grid):
    inst = make_grid(4, 4, 10_000)  # 160,000 patients: at most 5 clusters
    labels = run(inst)
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []
    assert labels.max() + 1 == 5


def test_a_part_below_the_threshold_is_left_out_not_dropped(make_grid):
    grid = make_grid(2, 3, 10_000)
    # Add an island of two clinics with no edge to the grid.
    n = grid.n + 2
    edges = [(i, int(j)) for i in range(grid.n) for j in grid.adjacency.neighbours(i)] + [(6, 7)]
    xy = np.vstack([grid.xy, [[50_000, 0], [51_000, 0]]])
    inst = Instance.from_arrays(Adjacency.from_edges(n, edges), np.full(n, 10_000), xy)
    labels = run(inst)
    assert labels.shape == (8,)
    assert (labels[6:] == -1).all()
    assert labels[:6].max() + 1 == 2
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []


def test_everything_in_one_cluster_when_only_one_fits(make_grid):
    inst = make_grid(3, 3, 5_000)  # 45,000 patients
    labels = run(inst)
    assert (labels == 0).all()


def test_same_seed_same_plan_and_seeds_may_differ(make_grid):
    rng = np.random.default_rng(7)
    inst = make_grid(12, 12, rng.integers(400, 9_000, 144))
    a, b = run(inst, seed=3), run(inst, seed=3)
    assert np.array_equal(a, b)


def test_unknown_method_is_a_planner_error():
    with pytest.raises(PlannerError, match="unknown method"):
        get_solver("simulated-magic")


def test_time_limit_still_returns_a_valid_plan(make_grid):
    inst = make_grid(10, 10, 4_000)
    labels = run(inst, time_limit=0.05)
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []


@pytest.mark.parametrize("seed", [0, 1])
def test_more_time_never_gives_fewer_clusters_than_the_default(seed):
    # a limit far above the default run's time: the default work runs whole, then more
    inst = danish_like(120, seed)
    default = run(inst, seed=seed)
    longer = run(inst, seed=seed, time_limit=2.0)
    assert check_plan(inst.adjacency, longer, inst.patients, RULES) == []
    assert longer.max() >= default.max()


@st.composite
def random_grids(draw):
    rows = draw(st.integers(1, 9))
    cols = draw(st.integers(1, 9))
    sizes = draw(st.lists(st.integers(0, 16_000), min_size=rows * cols, max_size=rows * cols))
    holes = draw(st.lists(st.booleans(), min_size=rows * cols, max_size=rows * cols))
    return rows, cols, np.array(sizes), np.array(holes)


@settings(max_examples=60, deadline=None)
@given(random_grids(), st.integers(0, 2**16))
def test_random_grids_always_give_valid_plans(spec, seed):
    rows, cols, sizes, holes = spec
    grid = grid_instance(rows, cols, sizes)
    # Knock out edges at random "holes" (water) so parts can be disconnected.
    edges = [
        (i, int(j))
        for i in range(grid.n)
        for j in grid.adjacency.neighbours(i)
        if i < j and not (holes[i] and holes[j])
    ]
    inst = Instance.from_arrays(Adjacency.from_edges(grid.n, edges), grid.patients, grid.xy)
    labels = run(inst, seed=seed, effort=0.05)
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []
    assert splittable_clusters(inst.adjacency, labels, inst.patients, RULES) == []
    comp = inst.adjacency.components()
    totals = np.bincount(comp, weights=inst.patients)
    # A clinic is left out exactly when its whole connected part is below the threshold.
    assert np.array_equal(labels < 0, totals[comp] < RULES.min_patients)
    assert labels.max() + 1 <= part_upper_bound(inst.adjacency, inst.patients, RULES)
    assert labels.max() + 1 <= tight_upper_bound(inst.adjacency, inst.patients, RULES)
