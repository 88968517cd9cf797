"""The last polish: border moves that cut the GPs' travel to their meeting clinic.

The meeting clinic of a cluster is the member that minimises the GP-weighted distance from
every member to it (the measure in :func:`planner.evaluate.cluster_figures`).  A border
clinic moves to a neighbouring cluster when the two clusters' travel falls, both stay
valid and its old cluster stays contiguous.
"""

from __future__ import annotations

import numpy as np

from planner.solve.context import is_connected
from planner.solve.improve import _penalty
from planner.solve.state import FREE, Plan

__all__ = ["Travel", "travel_pass"]


class Travel:
    """GP-weighted travel to the meeting clinic, per cluster, cached."""

    def __init__(self, plan: Plan) -> None:
        ctx = plan.ctx
        self.plan = plan  # the plan :meth:`cluster` reads
        self.x = np.asarray(ctx.x)
        self.y = np.asarray(ctx.y)
        self.gp = np.maximum(np.asarray(ctx.gps, float), 1e-3)
        self.cache: dict[int, float] = {}

    def of(self, nodes: list[int]) -> float:
        """Travel of a set of clinics."""
        idx = np.asarray(nodes)
        xs, ys = self.x[idx], self.y[idx]
        d = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
        return float((d @ self.gp[idx]).min())

    def total(self, plan: Plan) -> float:
        """Travel of every cluster of ``plan``, summed."""
        return sum(self.of(sorted(plan.members[c])) for c in plan.live())

    def cluster(self, c: int) -> float:
        """Travel of cluster ``c`` (cached until :meth:`forget`)."""
        if c not in self.cache:
            self.cache[c] = self.of(sorted(self.plan.members[c]))
        return self.cache[c]

    def forget(self, *clusters: int) -> None:
        """Drop cached values of changed clusters."""
        for c in clusters:
            self.cache.pop(c, None)


def travel_pass(plan: Plan, nodes: list[int], rng: np.random.Generator) -> int:
    """One sweep of border moves that cut travel; return how many clinics moved."""
    ctx = plan.ctx
    label, nbrs, pat, gps = plan.label, ctx.nbrs, ctx.pat, ctx.gps
    travel = Travel(plan)
    order = list(nodes)
    rng.shuffle(order)
    moved = 0
    for i in order:
        a = label[i]
        if a < 0 or len(plan.members[a]) == 1:
            continue
        options = sorted({label[j] for j in nbrs[i]} - {a, FREE})
        if not options:
            continue
        pa, ga = plan.pat[a] - pat[i], plan.gps[a] - gps[i]
        if not ctx.big_enough(pa, ga):
            continue
        rest = sorted(plan.members[a] - {i})
        gain_a = (
            travel.of(rest) + _penalty(ctx, pa) - travel.cluster(a) - _penalty(ctx, plan.pat[a])
        )
        if gain_a >= 0:
            continue
        best, best_delta = -1, -1e-9
        for b in options:
            pb = plan.pat[b] + pat[i]
            if ctx.rules.too_big(pb):
                continue
            delta = (
                gain_a
                + travel.of([*plan.members[b], i])
                + _penalty(ctx, pb)
                - travel.cluster(b)
                - _penalty(ctx, plan.pat[b])
            )
            if delta < best_delta:
                best, best_delta = b, delta
        if best >= 0 and is_connected(nbrs, set(rest)):
            plan.move(i, best)
            travel.forget(a, best)
            moved += 1
    return moved
