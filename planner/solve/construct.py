"""Randomised region growing: the construction step of the default solver.

One cluster at a time grows from the most peripheral free clinic, always taking the
neighbouring clinic nearest its centre, and closes with the clinic that lifts it over the
threshold with the least overshoot among the near ones.  Members that the closed cluster
can spare (it stays big enough and contiguous) go back to the free clinics.  Clinics
enclosed where no further cluster fits join the neighbouring cluster that they widen least.
"""

from __future__ import annotations

import math

import numpy as np

from planner.solve.context import is_connected
from planner.solve.state import FREE, STUCK, Plan

__all__ = ["absorb", "grow_clusters"]

#: How many of the most peripheral free clinics a randomised seed is drawn from.
SEED_POOL = 3
#: Regions up to this many clinics are grown in plain Python (no numpy overhead).
SMALL_REGION = 120
#: Closing candidates may be this much farther than the nearest one.
CLOSE_REACH = 1.5
#: Weight of the overshoot (as a share of the threshold) against distance when closing.
OVERSHOOT_WEIGHT = 4.0


def grow_clusters(
    plan: Plan, nodes: list[int], rng: np.random.Generator, noise: float, wild: bool = False
) -> list[int]:
    """Grow clusters over the free clinics among ``nodes``; return the stuck clinics.

    Parameters
    ----------
    plan
        The plan; clinics in ``nodes`` must be labelled ``FREE``.
    nodes
        The clinics to cover (one connected region or several).
    rng
        Randomness for seeds and ties.
    noise
        Relative noise on distances (0 for the deterministic greedy).
    wild
        Draw seeds among all free clinics, not only the peripheral ones.

    Returns
    -------
    list of int
        Clinics enclosed in pockets below the size rule, labelled ``STUCK``.
    """
    ctx = plan.ctx
    if len(nodes) <= SMALL_REGION:
        return _grow_small(plan, nodes, rng, noise, wild)
    idx = np.asarray(nodes, dtype=np.int64)
    xs = np.asarray([ctx.x[i] for i in nodes])
    ys = np.asarray([ctx.y[i] for i in nodes])
    alive = np.ones(len(nodes), dtype=bool)
    pos = {i: p for p, i in enumerate(nodes)}
    stuck: list[int] = []
    while alive.any():
        if wild:
            live = np.flatnonzero(alive)
            seed = int(idx[live[rng.integers(len(live))]])
        else:
            seed = _pick_seed(idx, xs, ys, alive, rng, noise)
        c = plan.new_cluster()
        _grow(plan, c, seed, rng, noise)
        _trim(plan, c)
        for i in plan.members[c]:
            alive[pos[i]] = False
        if not ctx.big_enough(plan.pat[c], plan.gps[c]):
            for i in sorted(plan.members[c]):
                plan.remove(i, STUCK)
                stuck.append(i)
    return stuck


def _grow_small(
    plan: Plan, nodes: list[int], rng: np.random.Generator, noise: float, wild: bool
) -> list[int]:
    """:func:`grow_clusters` in plain Python, faster than numpy for a few dozen clinics."""
    ctx = plan.ctx
    x, y, label = ctx.x, ctx.y, plan.label
    free = list(nodes)
    stuck: list[int] = []
    while free:
        if wild:
            seed = free[int(rng.integers(len(free)))]
        elif len(free) == 1:
            seed = free[0]
        else:
            mx = sum(x[i] for i in free) / len(free)
            my = sum(y[i] for i in free) / len(free)
            d = [math.hypot(x[i] - mx, y[i] - my) for i in free]
            if noise <= 0:
                seed = free[max(range(len(free)), key=d.__getitem__)]
            else:
                top = sorted(range(len(free)), key=lambda t: -d[t])[:SEED_POOL]
                seed = free[top[int(rng.integers(len(top)))]]
        c = plan.new_cluster()
        _grow(plan, c, seed, rng, noise)
        _trim(plan, c)
        if not ctx.big_enough(plan.pat[c], plan.gps[c]):
            for i in sorted(plan.members[c]):
                plan.remove(i, STUCK)
                stuck.append(i)
        free = [i for i in free if label[i] == FREE]
    return stuck


def _pick_seed(
    idx: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    alive: np.ndarray,
    rng: np.random.Generator,
    noise: float,
) -> int:
    """A free clinic far from the centre of the free clinics."""
    live = np.flatnonzero(alive)
    if len(live) == 1:
        return int(idx[live[0]])
    d = np.hypot(xs[live] - xs[live].mean(), ys[live] - ys[live].mean())
    if noise <= 0:
        return int(idx[live[int(np.argmax(d))]])
    top = np.argsort(-d, kind="stable")[:SEED_POOL]
    return int(idx[live[int(top[rng.integers(len(top))])]])


def _grow(plan: Plan, c: int, seed: int, rng: np.random.Generator, noise: float) -> None:
    """Grow cluster ``c`` from ``seed`` until it is big enough or enclosed."""
    ctx = plan.ctx
    nbrs, pat, gps, x, y, label = ctx.nbrs, ctx.pat, ctx.gps, ctx.x, ctx.y, plan.label
    rules = ctx.rules
    threshold = ctx.threshold
    # The size rule and hard ceiling inlined: this loop is the solver's hottest.
    min_gps = rules.min_doctors if rules.min_doctors is not None else math.inf
    cap = rules.max_patients if rules.max_hard and rules.max_patients is not None else math.inf
    hypot = math.hypot
    plan.add(seed, c)
    frontier: dict[int, None] = dict.fromkeys(j for j in nbrs[seed] if label[j] == FREE)
    p0, g0 = plan.pat[c], plan.gps[c]
    while frontier and p0 < threshold and g0 < min_gps:
        cx, cy = plan.centre(c)
        cand = list(frontier)
        if noise > 0:
            jitter = rng.random(len(cand)).tolist()
            dist = [
                (hypot(x[j] - cx, y[j] - cy) + 0.05) * (1.0 + noise * r)
                for j, r in zip(cand, jitter, strict=True)
            ]
        else:
            dist = [hypot(x[j] - cx, y[j] - cy) + 0.05 for j in cand]
        closing = [
            t
            for t, j in enumerate(cand)
            if (p0 + pat[j] >= threshold or g0 + gps[j] >= min_gps) and p0 + pat[j] <= cap
        ]
        if closing:
            reach = CLOSE_REACH * min(dist[t] for t in closing)
            best = min(
                (t for t in closing if dist[t] <= reach),
                key=lambda t: (
                    dist[t]
                    * (1.0 + OVERSHOOT_WEIGHT * max(p0 + pat[cand[t]] - threshold, 0) / threshold)
                ),
            )
        else:
            best = min(range(len(cand)), key=dist.__getitem__)
        pick = cand[best]
        del frontier[pick]
        plan.add(pick, c)
        p0, g0 = plan.pat[c], plan.gps[c]
        for j in nbrs[pick]:
            if label[j] == FREE:
                frontier[j] = None


ATTACH = 1.0


def _trim(plan: Plan, c: int) -> None:
    """Give back members the cluster can spare, largest first, if they touch free clinics."""
    ctx = plan.ctx
    if not ctx.big_enough(plan.pat[c], plan.gps[c]):
        return
    members = plan.members[c]
    for i in sorted(members, key=lambda i: (-ctx.pat[i], i)):
        if len(members) == 1:
            break
        p, g = plan.pat[c] - ctx.pat[i], plan.gps[c] - ctx.gps[i]
        if not ctx.big_enough(p, g):
            continue
        if not any(plan.label[j] == FREE for j in ctx.nbrs[i]):
            continue
        if is_connected(ctx.nbrs, members - {i}):
            plan.remove(i, FREE)


def absorb(plan: Plan, stuck: list[int]) -> list[int]:
    """Join stuck clinics to the neighbouring cluster they widen least.

    A cluster that would pass the ceiling is avoided while another neighbour remains.
    Returns the clinics that had no neighbouring cluster at all (none in a connected part
    holding at least one cluster).
    """
    ctx = plan.ctx
    cap = ctx.rules.max_patients
    pending = sorted(stuck)
    while pending:
        left: list[int] = []
        for i in pending:
            options = sorted({plan.label[j] for j in ctx.nbrs[i] if plan.label[j] >= 0})
            if not options:
                left.append(i)
                continue

            def price(c: int, i: int = i) -> tuple[int, float]:
                over = cap is not None and plan.pat[c] + ctx.pat[i] > cap
                return int(over), plan.spread_with(c, i, 1) - plan.spread(c)

            plan.add(i, min(options, key=price))
        if len(left) == len(pending):
            return left
        pending = left
    return []
