"""Polish moves (border moves, swaps) and how the solver's effort scales with a part."""

import numpy as np

from conftest import grid_instance
from planner.core.adjacency import Adjacency
from planner.core.rules import Rules
from planner.evaluate.checks import check_plan, tight_upper_bound
from planner.solve import Instance, get_solver
from planner.solve.context import Context
from planner.solve.maxp import MIN_REGROWS, Effort
from planner.solve.polish import Travel, swap_pass, travel_pass
from planner.solve.state import Plan

RULES_40K = Rules(min_patients=40_000)


def _columns_plan(rules=RULES_40K):
    """A 4 x 2 grid of 10,000-patient clinics cut into its two columns (4 clinics each)."""
    inst = grid_instance(4, 2, 10_000)
    ctx = Context.from_instance(inst, rules)
    plan = Plan(ctx)
    for col in (0, 1):
        c = plan.new_cluster()
        for row in range(4):
            plan.add(row * 2 + col, c)
    return inst, plan


def _labels(plan, n):
    return plan.labels(np.arange(n))


def test_clusters_at_the_threshold_cannot_move_a_clinic_but_can_swap():
    inst, plan = _columns_plan()
    before = Travel(plan).total(plan)
    rng = np.random.default_rng(0)
    assert travel_pass(plan, list(range(8)), rng) == 0  # any move breaks the size rule
    swaps = 0
    for _ in range(4):
        done = swap_pass(plan, list(range(8)), rng)
        swaps += done
        if not done:
            break
    labels = _labels(plan, 8)
    assert swaps >= 1
    assert check_plan(inst.adjacency, labels, inst.patients, RULES_40K) == []
    assert Travel(plan).total(plan) < before
    # the obvious best: the top and the bottom 2 x 2 squares
    assert len(set(labels[:4])) == 1 and len(set(labels[4:])) == 1
    assert labels[0] != labels[4]


def test_swaps_are_deterministic_for_a_seed():
    out = []
    for _ in range(2):
        _, plan = _columns_plan()
        rng = np.random.default_rng(3)
        while swap_pass(plan, list(range(8)), rng):
            pass
        out.append(_labels(plan, 8))
    assert (out[0] == out[1]).all()


def test_a_swap_never_breaks_contiguity_or_size():
    # a line: every swap between the two halves would cut a cluster, so none is made
    inst = grid_instance(1, 8, 10_000)
    ctx = Context.from_instance(inst, RULES_40K)
    plan = Plan(ctx)
    for half in (0, 1):
        c = plan.new_cluster()
        for i in range(4 * half, 4 * half + 4):
            plan.add(i, c)
    assert swap_pass(plan, list(range(8)), np.random.default_rng(0)) == 0
    assert check_plan(inst.adjacency, _labels(plan, 8), inst.patients, RULES_40K) == []


def test_the_effort_shrinks_with_the_part():
    tiny, big = Effort.for_size(20, bound=2), Effort.for_size(3_000, bound=360)
    assert tiny.total_regrows <= 20 * 20 and tiny.constructions * tiny.chains <= 16
    assert big.total_regrows > 10 * tiny.total_regrows
    mid = Effort.for_size(300, bound=36)
    assert mid.chains > 1 and big.chains == 1  # small parts: independent chains
    # a benchmark-sized part: the floor, shared by its chains
    assert MIN_REGROWS <= mid.total_regrows + mid.chains <= big.total_regrows


def _many_small_parts():
    """Ten separate 2 x 3 grids of 10,000-patient clinics (two clusters of 30,000 each)."""
    edges, xy = [], []
    for p in range(10):
        base = 6 * p
        for r in range(2):
            for c in range(3):
                i = base + r * 3 + c
                xy.append((c * 1_000.0 + p * 50_000.0, r * 1_000.0))
                if c + 1 < 3:
                    edges.append((i, i + 1))
                if r == 0:
                    edges.append((i, i + 3))
    n = len(xy)
    return Instance.from_arrays(
        Adjacency.from_edges(n, edges), np.full(n, 10_000, dtype=np.int64), np.array(xy)
    )


def test_many_small_parts_each_reach_their_bound_deterministically():
    inst = _many_small_parts()
    rules = Rules(min_patients=30_000)
    solve = get_solver("grow")
    a = solve(inst, rules, np.random.default_rng(1)).labels
    b = solve(inst, rules, np.random.default_rng(1)).labels
    assert (a == b).all()
    assert check_plan(inst.adjacency, a, inst.patients, rules) == []
    assert a.max() + 1 == tight_upper_bound(inst.adjacency, inst.patients, rules) == 20


def test_a_part_with_room_for_one_cluster_is_one_cluster():
    inst = grid_instance(3, 3, 5_000)  # 45,000 patients: one cluster, no search needed
    labels = get_solver("grow")(inst, Rules(min_patients=30_000), np.random.default_rng(0)).labels
    assert (labels == 0).all()
