"""The default solver and the rules: GP alternative, ceilings, seeds, time, progress."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import grid_instance
from planner.core.adjacency import Adjacency
from planner.core.rules import Rules
from planner.evaluate.checks import check_plan, splittable_clusters, tight_upper_bound
from planner.solve import SOLVERS, Instance
from planner.solve.maxp import solve_maxp
from planner.solve.synthetic import danish_like


def solve(*args, **kwargs):
    """The default solver's labels (with its effort knob, which the contract hides)."""
    return solve_maxp(*args, **kwargs)


def run(instance, rules, seed=0, **kw):
    return solve(instance, rules, np.random.default_rng(seed), **kw)


def line(sizes, doctors=None):
    n = len(sizes)
    xy = np.column_stack([np.arange(n) * 1_000.0, np.zeros(n)])
    adj = Adjacency.from_edges(n, [(i, i + 1) for i in range(n - 1)])
    return Instance.from_arrays(adj, np.asarray(sizes), xy, doctors)


def valid(inst, labels, rules):
    return check_plan(inst.adjacency, labels, inst.patients, rules, inst.doctors) == []


def test_grow_is_the_default_and_the_basic_solver_stays():
    assert set(SOLVERS) == {"grow", "exact"}


def test_gp_rule_makes_small_clusters_valid():
    inst = line([5_000] * 6, doctors=[10] * 6)
    rules = Rules(min_patients=30_000, min_doctors=20)
    labels = run(inst, rules)
    assert valid(inst, labels, rules)
    assert labels.max() + 1 == 3  # two clinics of ten GPs each
    assert labels.max() + 1 == tight_upper_bound(inst.adjacency, inst.patients, rules, inst.doctors)


def test_without_the_gp_rule_the_same_line_is_one_cluster():
    inst = line([5_000] * 6, doctors=[10] * 6)
    labels = run(inst, Rules(min_patients=30_000))
    assert (labels == 0).all()


def test_soft_ceiling_is_respected_when_the_geography_allows():
    inst = line([10_000] * 7)
    rules = Rules(min_patients=30_000, max_patients=40_000)
    labels = run(inst, rules)
    sizes = np.bincount(labels, weights=inst.patients)
    assert valid(inst, labels, rules)
    assert len(sizes) == 2 and sizes.max() <= 40_000


def test_soft_ceiling_never_costs_a_cluster():
    inst = line([25_000, 20_000, 25_000])
    rules = Rules(min_patients=30_000, max_patients=30_000)
    labels = run(inst, rules)  # 45,000 + 25,000 would not fit either way: keep validity
    assert valid(inst, labels, rules)
    assert labels.max() + 1 == 1


def test_hard_ceiling_gives_exact_fits():
    inst = grid_instance(3, 3, 10_000)
    rules = Rules(min_patients=30_000, max_patients=30_000, max_hard=True)
    labels = run(inst, rules)
    assert valid(inst, labels, rules)
    assert labels.max() + 1 == 3


def test_same_seed_same_plan_on_a_synthetic_region():
    inst = danish_like(300, seed=2)
    a = run(inst, Rules(), seed=5)
    b = run(inst, Rules(), seed=5)
    assert np.array_equal(a, b)
    assert valid(inst, a, Rules())


def test_a_synthetic_region_comes_close_to_the_bound():
    inst = danish_like(300, seed=1)
    labels = run(inst, Rules())
    bound = tight_upper_bound(inst.adjacency, inst.patients, Rules())
    assert valid(inst, labels, Rules())
    assert labels.max() + 1 >= 0.9 * bound
    assert splittable_clusters(inst.adjacency, labels, inst.patients, Rules()) == []


def test_progress_is_reported_and_a_time_limit_still_gives_a_valid_plan():
    inst = danish_like(200, seed=3)
    calls = []
    labels = run(inst, Rules(), time_limit=0.2, progress=lambda *a: calls.append(a))
    assert valid(inst, labels, Rules())
    assert calls and calls[-1][0] == calls[-1][1]


def test_an_empty_instance_gives_no_labels():
    inst = Instance.from_arrays(Adjacency.from_edges(0, []), np.zeros(0), np.zeros((0, 2)))
    assert run(inst, Rules()).shape == (0,)


def test_a_big_clinic_stands_alone():
    inst = line([40_000, 1_000, 29_500, 1_000])
    labels = solve(inst, Rules(), np.random.default_rng(0))
    assert valid(inst, labels, Rules())
    assert labels.max() + 1 == 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 16_000), min_size=4, max_size=30),
    st.lists(st.integers(0, 12), min_size=30, max_size=30),
    st.sampled_from([None, 10]),
    st.sampled_from([None, 40_000]),
    st.booleans(),
    st.integers(0, 2**16),
)
def test_random_rules_always_give_valid_unsplittable_plans(
    sizes, gps, min_doctors, max_patients, hard, seed
):
    n = len(sizes)
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20_000, size=(n, 2))
    from planner.solve.synthetic import delaunay_adjacency

    inst = Instance.from_arrays(delaunay_adjacency(xy), np.array(sizes), xy, np.array(gps[:n]))
    rules = Rules(
        min_patients=30_000,
        min_doctors=min_doctors,
        max_patients=max_patients,
        max_hard=hard and max_patients is not None,
    )
    labels = run(inst, rules, seed=seed, effort=0.05)
    if rules.max_hard:
        # A hard ceiling can make a plan impossible; the solver then keeps the size rule.
        problems = check_plan(inst.adjacency, labels, inst.patients, rules, inst.doctors)
        assert all("above" in p for p in problems)
    else:
        assert valid(inst, labels, rules)
        assert splittable_clusters(inst.adjacency, labels, inst.patients, rules, inst.doctors) == []
    bound = tight_upper_bound(inst.adjacency, inst.patients, rules, inst.doctors)
    assert labels.max() + 1 <= bound
    comp_total = inst.patients.sum()
    if rules.big_enough(int(comp_total), int(inst.doctors.sum())):
        assert (labels >= 0).all()
