"""A large part solved in pieces: connected pieces, a valid plan, the same plan with any
number of worker processes."""

from __future__ import annotations

import numpy as np
import pytest

import planner.core.workers as workers_mod
import planner.solve.maxp as maxp
import planner.solve.pieces as pieces_mod
from planner.core.adjacency import is_connected
from planner.core.errors import PlannerError
from planner.core.rules import Rules
from planner.evaluate.checks import check_plan
from planner.solve.context import Context
from planner.solve.pieces import split_part
from planner.solve.synthetic import danish_like

RULES = Rules(min_patients=30_000)


@pytest.mark.parametrize(("n", "count"), [(1_500, 3), (2_000, 5), (600, 8)])
def test_pieces_are_connected_cover_the_part_and_can_each_hold_a_cluster(n, count):
    inst = danish_like(n, seed=n)
    ctx = Context.from_instance(inst, RULES)
    comp = inst.adjacency.components()
    nodes = np.flatnonzero(comp == np.bincount(comp).argmax()).tolist()
    pieces = split_part(ctx, nodes, count)
    assert 2 <= len(pieces) <= count
    assert sorted(i for piece in pieces for i in piece) == sorted(nodes)
    for piece in pieces:
        assert is_connected(ctx.nbrs, set(piece))
        assert ctx.big_enough(*ctx.totals(piece))


@pytest.fixture
def small_pieces(monkeypatch):
    """Parts of 1,000 clinics and more are solved in pieces of about 400."""
    monkeypatch.setattr(pieces_mod, "SPLIT_AT", 1_000)
    monkeypatch.setattr(pieces_mod, "PIECE", 400)


def test_a_part_in_pieces_gives_a_valid_plan_the_same_with_one_worker_or_two(
    small_pieces, monkeypatch
):
    inst = danish_like(1_200, seed=3)
    cuts: list[int] = []
    real = pieces_mod.split_part
    monkeypatch.setattr(pieces_mod, "split_part", lambda *a: cuts.append(1) or real(*a))
    runs = {}
    for workers in (1, 2):
        monkeypatch.setattr(pieces_mod, "_workers", lambda pieces, w=workers: min(w, pieces))
        runs[workers] = maxp.solve_maxp(inst, RULES, np.random.default_rng(7))
    assert np.array_equal(runs[1], runs[2])
    labels = runs[2]
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []
    assert len(cuts) == 2  # the part was cut in pieces in both runs


def test_pieces_keep_near_the_count_of_solving_the_part_whole(monkeypatch):
    inst = danish_like(1_200, seed=4)
    whole = maxp.solve_maxp(inst, RULES, np.random.default_rng(1))
    monkeypatch.setattr(pieces_mod, "SPLIT_AT", 1_000)
    monkeypatch.setattr(pieces_mod, "PIECE", 400)
    pieces = maxp.solve_maxp(inst, RULES, np.random.default_rng(1))
    assert check_plan(inst.adjacency, pieces, inst.patients, RULES) == []
    assert pieces.max() + 1 >= 0.97 * (whole.max() + 1)


def test_pieces_under_a_time_limit_give_a_valid_plan(small_pieces):
    inst = danish_like(1_200, seed=5)
    labels = maxp.solve_maxp(inst, RULES, np.random.default_rng(2), time_limit=2.0)
    assert check_plan(inst.adjacency, labels, inst.patients, RULES) == []
    assert labels.min() >= 0  # one connected region: every clinic placed


def test_planner_workers_caps_the_processes_and_a_bad_value_is_refused(monkeypatch):
    monkeypatch.setattr(workers_mod, "available_workers", lambda: 8)
    monkeypatch.setenv("PLANNER_WORKERS", "1")
    assert pieces_mod._workers(5) == 1
    monkeypatch.setenv("PLANNER_WORKERS", "3")
    assert pieces_mod._workers(5) == 3
    assert pieces_mod._workers(2) == 2  # never more than the pieces
    monkeypatch.delenv("PLANNER_WORKERS")
    assert pieces_mod._workers(5) == 5
    monkeypatch.setenv("PLANNER_WORKERS", "two")
    with pytest.raises(PlannerError, match="PLANNER_WORKERS"):
        pieces_mod._workers(5)


def test_a_hard_ceiling_keeps_a_large_part_whole(small_pieces, monkeypatch):
    """A cut could leave a piece no plan under a hard ceiling fits (a comb's tooth of
    45,000 patients under a 30,000 ceiling): such parts are solved whole, and validly."""
    cuts: list[int] = []
    real = pieces_mod.split_part
    monkeypatch.setattr(pieces_mod, "split_part", lambda *a: cuts.append(1) or real(*a))
    inst = danish_like(1_200, seed=6)
    rules = Rules(min_patients=30_000, max_patients=45_000, max_hard=True)
    labels = maxp.solve_maxp(inst, rules, np.random.default_rng(3), time_limit=0.5)
    assert cuts == []
    assert check_plan(inst.adjacency, labels, inst.patients, rules) == []


def test_later_chains_get_their_constructions_under_a_time_limit(monkeypatch):
    counts: list[int] = []
    real = maxp.grow_clusters

    def counting(plan, nodes, rng, noise, *args, **kw):
        if len(nodes) == 150:  # a construction over the whole part, not a regrow
            counts.append(1)
        return real(plan, nodes, rng, noise, *args, **kw)

    monkeypatch.setattr(maxp, "grow_clusters", counting)
    inst = danish_like(150, seed=1)
    effort = maxp.Effort.for_size(150, bound=18)
    assert effort.chains > 1
    maxp.solve_maxp(inst, RULES, np.random.default_rng(0), time_limit=4.0)
    assert len(counts) == effort.constructions * effort.chains
