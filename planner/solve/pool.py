"""Pooling surplus: gain a cluster where the patients to spare are spread thin.

A plan one or two clusters short of its bound usually holds enough patients above the
threshold, summed over its clusters, for one more cluster, but spread a few hundred per
cluster: no regrowing of a few neighbouring clusters can gather them.  :func:`pool_step`
walks the clusters outward from a root (breadth first) until they hold enough surplus,
then pushes it inward, deepest cluster first: every cluster hands border clinics to a
neighbour nearer the root as long as it stays big enough and contiguous, so the surplus
of its own and of the clusters behind it flows on.  The root, grown to twice the size
rule, is split in two.  Then every move the split did not need is undone (last first,
where the plan stays valid), so clusters away from the root keep their shapes.

The move ignores compactness (clusters slide toward the root); the regrowing after it
restores it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from planner.core.adjacency import is_connected
from planner.solve.improve import split_off, split_pass, try_split
from planner.solve.state import Plan

__all__ = ["REACH", "pool_step", "pool_surplus"]

#: Pooling tries in a row that may fail before the regrowing goes on.
POOL_FAILS = 6
#: In a part of ``n`` clinics up to ``POOL_WORK / n`` tries in a row may fail (at least
#: :data:`POOL_FAILS`, at most :data:`POOL_FAILS_SMALL`): in small parts tries are cheap.
POOL_FAILS_SMALL = 15
POOL_WORK = 2_500

#: Clusters are gathered until their surplus is this many times the threshold (the
#: surplus that reaches the root is much less: a cluster whose border clinics are
#: bigger than its surplus keeps it).
REACH = 4.0


def pool_step(
    plan: Plan, rng: np.random.Generator, root: int, reach: float | None = None
) -> Plan | None:
    """One more cluster by pooling surplus into ``root`` and splitting it.

    Clusters are gathered until their surplus is ``reach`` (default :data:`REACH`) times
    the threshold, or all of the root's connected part.

    Returns the new plan (``plan`` is not modified), or ``None`` when the surplus that
    reached the root did not make two valid clusters or a cluster it changed ends above
    a hard ceiling.
    """
    reach = REACH if reach is None else reach
    ctx = plan.ctx
    t, min_gps = ctx.threshold, ctx.rules.min_doctors
    trial = plan.copy()
    depth = {root: 0}
    order = [root]
    surplus = trial.pat[root] - t
    spare_gps = 0 if min_gps is None else trial.gps[root] - min_gps

    def enough() -> bool:  # with the GP alternative, spare GPs may make a cluster too
        return surplus >= reach * t or (min_gps is not None and spare_gps >= reach * min_gps)

    head = 0
    while head < len(order) and not enough():
        c = order[head]
        near = trial.neighbour_clusters(c)
        rng.shuffle(near)
        for d in near:
            if d not in depth:
                depth[d] = depth[c] + 1
                order.append(d)
                surplus += trial.pat[d] - t
                if min_gps is not None:
                    spare_gps += trial.gps[d] - min_gps
        head += 1
    if min_gps is None and surplus < t:
        return None
    moves: list[tuple[int, int]] = []
    for c in reversed(order[1:]):
        _push(trial, c, depth, moves)
    found = try_split(ctx, trial.members[root])
    if found is None:
        return None
    split_off(trial, found[1])
    _undo(trial, moves)
    too_big = ctx.rules.too_big
    if any(too_big(trial.pat[c]) for c in trial.touched if trial.members[c]):
        return None  # a cluster kept patients above a hard ceiling
    return trial


def _undo(plan: Plan, moves: list[tuple[int, int]]) -> None:
    """Move clinics back where they came from, last first, where the plan stays valid.

    Most of the surplus pushed toward the root was not needed by the split; giving it
    back keeps the clusters where the regrowing had shaped them.
    """
    ctx = plan.ctx
    label, nbrs, pat, gps = plan.label, ctx.nbrs, ctx.pat, ctx.gps
    for i, origin in reversed(moves):
        now = label[i]
        if now == origin or not plan.members[origin]:
            continue
        if not ctx.big_enough(plan.pat[now] - pat[i], plan.gps[now] - gps[i]):
            continue
        if not any(label[j] == origin for j in nbrs[i]):
            continue
        if ctx.rules.too_big(plan.pat[origin] + pat[i]):
            continue
        if is_connected(nbrs, plan.members[now] - {i}):
            plan.move(i, origin)


def _push(plan: Plan, c: int, depth: dict[int, int], moves: list[tuple[int, int]]) -> None:
    """Move border clinics of ``c`` to neighbours nearer the root, largest first.

    A clinic goes to its shallowest neighbouring cluster while ``c`` stays big enough and
    contiguous without it.  A cluster on the way may pass a hard ceiling while it passes
    patients on; :func:`pool_step` checks the ceiling at the end.
    """
    ctx = plan.ctx
    label, nbrs, pat, gps = plan.label, ctx.nbrs, ctx.pat, ctx.gps
    level = depth[c]
    while len(plan.members[c]) > 1:
        members = plan.members[c]
        pc, gc = plan.pat[c], plan.gps[c]
        options: list[tuple[int, int, int, int]] = []
        for i in members:
            if not ctx.big_enough(pc - pat[i], gc - gps[i]):
                continue
            to, best = -1, level
            for j in nbrs[i]:
                d = depth.get(label[j], level)
                if d < best:
                    to, best = label[j], d
            if to >= 0:
                options.append((-pat[i], best, i, to))
        options.sort()
        for _, _, i, to in options:
            if is_connected(nbrs, members - {i}):
                plan.move(i, to)
                moves.append((i, c))
                break
        else:
            return


def pool_surplus(
    plan: Plan,
    nodes: list[int],
    rng: np.random.Generator,
    bound: int,
    out_of_time: Callable[[], bool],
) -> Plan:
    """Gain clusters by pooling surplus (:func:`.pool.pool_step`) from random roots.

    Stops at ``bound``, after :data:`POOL_FAILS` failed tries in a row (more in a small
    part) or when ``out_of_time()``.  A pooled plan has one cluster more and no cluster
    it changed above a hard ceiling (see :func:`.pool.pool_step`).
    """
    allowed = int(np.clip(round(POOL_WORK / max(len(nodes), 1)), POOL_FAILS, POOL_FAILS_SMALL))
    fails = 0
    while plan.k < bound and fails < allowed and not out_of_time():
        root = plan.label[nodes[int(rng.integers(len(nodes)))]]
        trial = pool_step(plan, rng, root)
        if trial is not None:
            split_pass(trial, sorted(trial.touched))
            plan, fails = trial, 0
        else:
            fails += 1
    return plan
