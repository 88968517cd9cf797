"""Pooling surplus spread thin over many clusters into one more cluster, and splitting."""

import numpy as np
import pytest

from conftest import grid_instance
from planner.core.adjacency import is_connected
from planner.core.rules import Rules
from planner.evaluate.checks import can_split, check_plan
from planner.solve.construct import absorb, grow_clusters
from planner.solve.context import Context
from planner.solve.improve import split_exhaustive
from planner.solve.pool import pool_step
from planner.solve.state import Plan

RULES = Rules(min_patients=30_000)


def _line_plan(
    clusters: int, per_cluster: int, patients: int = 10_000, rules=RULES, gps: int | None = None
):
    """A line of clinics cut into ``clusters`` runs of ``per_cluster`` clinics each."""
    inst = grid_instance(1, clusters * per_cluster, patients)
    if gps is not None:
        inst = type(inst).from_arrays(inst.adjacency, inst.patients, inst.xy, np.full(inst.n, gps))
    plan = Plan(Context.from_instance(inst, rules))
    for k in range(clusters):
        c = plan.new_cluster()
        for i in range(k * per_cluster, (k + 1) * per_cluster):
            plan.add(i, c)
    return inst, plan


def _labels(plan: Plan, n: int) -> np.ndarray:
    return plan.labels(np.arange(n))


@pytest.mark.parametrize("root_clinic", [0, 4, 8])
def test_surplus_spread_over_three_clusters_makes_a_fourth(root_clinic):
    # three clusters of 40,000 (10,000 each to spare, none enough alone): 120,000 in all
    inst, plan = _line_plan(3, 4)
    before = _labels(plan, inst.n)
    trial = pool_step(plan, np.random.default_rng(0), plan.label[root_clinic])
    assert trial is not None and trial.k == 4
    labels = _labels(trial, inst.n)
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []
    assert np.array_equal(_labels(plan, inst.n), before)  # the input plan is untouched


def test_too_little_surplus_gives_nothing():
    # three clusters of 35,000: 105,000 cannot hold four clusters of 30,000
    _, plan = _line_plan(3, 7, 5_000)
    for root in plan.live():
        assert pool_step(plan, np.random.default_rng(0), root) is None


def test_moves_the_split_did_not_need_are_undone():
    # four clusters of 40,000 in a line, pooled into the first: the split needs 30,000
    # of the 40,000 to spare, so the last cluster gets its clinic back
    inst, plan = _line_plan(4, 4)
    trial = pool_step(plan, np.random.default_rng(0), plan.label[0])
    assert trial is not None and trial.k == 5
    labels = _labels(trial, inst.n)
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []
    last = set(np.flatnonzero(labels == labels[15]).tolist())
    assert last == {12, 13, 14, 15}


def test_a_hard_ceiling_is_kept_by_the_undo():
    rules = Rules(min_patients=30_000, max_patients=40_000, max_hard=True)
    inst, plan = _line_plan(4, 4, rules=rules)
    trial = pool_step(plan, np.random.default_rng(0), plan.label[0])
    assert trial is not None
    labels = _labels(trial, inst.n)
    sizes = np.bincount(labels, weights=inst.patients)
    assert sizes.max() <= 40_000 and sizes.min() >= 30_000


def test_the_gp_alternative_rule_pools_too():
    # 2,000 patients and 6 GPs per clinic: a cluster needs 30,000 patients or 18 GPs;
    # three clusters of 4 clinics (24 GPs each) hold enough GPs for a fourth
    rules = Rules(min_patients=30_000, min_doctors=18)
    inst, plan = _line_plan(3, 4, 2_000, rules=rules, gps=6)
    trial = pool_step(plan, np.random.default_rng(0), plan.label[0])
    assert trial is not None and trial.k == 4
    labels = _labels(trial, inst.n)
    assert check_plan(inst.adjacency, labels, inst.patients, rules, inst.doctors) == []


def test_a_pooled_plan_is_valid_or_none_on_random_grids():
    # random grids and clinic sizes, a hard ceiling and the GP alternative, from rough
    # constructions: whatever the root, the result is a valid plan with one cluster more,
    # or nothing (a cluster on the way may keep patients above the ceiling: nothing)
    rules = Rules(min_patients=30_000, min_doctors=10, max_patients=50_000, max_hard=True)
    pooled = 0
    for seed in range(60):
        rng = np.random.default_rng(seed)
        rows, cols = int(rng.integers(3, 14)), int(rng.integers(3, 14))
        base = grid_instance(rows, cols, rng.integers(1_000, 15_000, rows * cols))
        gps = rng.integers(1, 6, rows * cols)
        inst = type(base).from_arrays(base.adjacency, base.patients, base.xy, gps)
        plan = Plan(Context.from_instance(inst, rules))
        absorb(plan, grow_clusters(plan, list(range(inst.n)), rng, 0.3) or [])
        before = _labels(plan, inst.n)
        if check_plan(inst.adjacency, before, inst.patients, rules, inst.doctors):
            continue  # the construction itself broke the ceiling: nothing to judge
        for root in plan.live():
            trial = pool_step(plan, rng, root)
            if trial is None:
                continue
            pooled += 1
            assert trial.k == plan.k + 1
            got = _labels(trial, inst.n)
            assert check_plan(inst.adjacency, got, inst.patients, rules, inst.doctors) == []
        assert np.array_equal(_labels(plan, inst.n), before)
    assert pooled >= 100  # the checks above were exercised


def test_the_exhaustive_split_agrees_with_the_exact_check():
    # random 4 x 4 grids: whether a cluster splits in two valid contiguous clusters, by
    # the solver's screened search and by the evaluator's plain one
    rules = Rules(min_patients=30_000, min_doctors=12)
    agreed = {True: 0, False: 0}
    for seed in range(40):
        rng = np.random.default_rng(seed)
        sizes = rng.integers(1_000, 9_000, 16)
        sizes[int(rng.integers(16))] += 30_000 * (seed % 2)  # a clinic big enough alone
        base = grid_instance(4, 4, sizes)
        inst = type(base).from_arrays(
            base.adjacency, base.patients, base.xy, rng.integers(0, 3, 16)
        )
        ctx = Context.from_instance(inst, rules)
        nodes = sorted(rng.permutation(16)[: int(rng.integers(8, 17))].tolist())
        if not _connected(ctx, nodes):
            continue
        found, complete = split_exhaustive(ctx, nodes)
        expected = can_split(inst.adjacency, np.array(nodes), inst.patients, rules, inst.doctors)
        assert complete and (found is not None) == expected
        if found is not None:
            assert all(ctx.valid(side) and _connected(ctx, sorted(side)) for side in found)
        agreed[bool(expected)] += 1
    assert agreed[True] >= 3 and agreed[False] >= 3


def _connected(ctx: Context, nodes: list[int]) -> bool:
    return is_connected(ctx.nbrs, set(nodes))
