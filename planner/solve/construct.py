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

from planner.core.adjacency import is_connected
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
#: Random numbers drawn at once for the noise on distances while growing one cluster.
JITTER = 64


def grow_clusters(
    plan: Plan,
    nodes: list[int],
    rng: np.random.Generator,
    noise: float,
    wild: bool = False,
    need: int = 0,
) -> list[int] | None:
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
    need
        Give up (return ``None``, the plan half grown) as soon as the patients left
        cannot make this many clusters; only with a patient rule alone (no GP rule).

    Returns
    -------
    list of int or None
        Clinics enclosed in pockets below the size rule, labelled ``STUCK``.
    """
    ctx = plan.ctx
    if ctx.rules.min_doctors is not None:
        need = 0
    left = ctx.totals(nodes)[0] if need else 0
    if len(nodes) <= SMALL_REGION:
        return _grow_small(plan, nodes, rng, noise, wild, need, left)
    idx = np.asarray(nodes, dtype=np.int64)
    free = _Periphery(np.asarray([ctx.x[i] for i in nodes]), np.asarray([ctx.y[i] for i in nodes]))
    pos = {i: p for p, i in enumerate(nodes)}
    stuck: list[int] = []
    while free.left:
        if wild:
            live = np.flatnonzero(free.alive)
            seed = int(idx[live[rng.integers(len(live))]])
        else:
            far = free.farthest(1 if noise <= 0 else SEED_POOL)
            seed = int(idx[far[0] if noise <= 0 else far[int(rng.integers(len(far)))]])
        c = plan.new_cluster()
        _grow(plan, c, seed, rng, noise)
        _trim(plan, c)
        free.take([pos[i] for i in plan.members[c]])
        left -= plan.pat[c]
        need -= _keep_or_release(plan, c, stuck)
        if need > 0 and left < need * ctx.threshold:
            return None
    return stuck


def _keep_or_release(plan: Plan, c: int, stuck: list[int]) -> bool:
    """Keep cluster ``c`` if it meets the size rule; else mark its clinics stuck."""
    if plan.ctx.big_enough(plan.pat[c], plan.gps[c]):
        return True
    for i in sorted(plan.members[c]):
        plan.remove(i, STUCK)
        stuck.append(i)
    return False


def _grow_small(
    plan: Plan,
    nodes: list[int],
    rng: np.random.Generator,
    noise: float,
    wild: bool,
    need: int,
    left: int,
) -> list[int] | None:
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
            mx = sum(map(x.__getitem__, free)) / len(free)
            my = sum(map(y.__getitem__, free)) / len(free)
            d = [math.hypot(x[i] - mx, y[i] - my) for i in free]
            if noise <= 0:
                seed = free[max(range(len(free)), key=d.__getitem__)]
            else:
                top = sorted(range(len(free)), key=d.__getitem__, reverse=True)[:SEED_POOL]
                seed = free[top[int(rng.integers(len(top)))]]
        c = plan.new_cluster()
        _grow(plan, c, seed, rng, noise)
        _trim(plan, c)
        left -= plan.pat[c]
        need -= _keep_or_release(plan, c, stuck)
        if need > 0 and left < need * ctx.threshold:
            return None
        free = [i for i in free if label[i] == FREE]
    return stuck


class _Periphery:
    """The free clinics, and which lie farthest from their centre, without a full scan.

    The free clinics are kept sorted by their distance to the centre they had at the
    last sort.  When clusters take clinics the centre moves by some ``drift``; every
    distance then changes by at most ``drift``, so the farthest clinics now are among those
    that were within ``2 * drift`` of the farthest then: only those are measured again.
    A sort is made again when that window holds many taken clinics or grows wide.
    Positions are into the arrays given.
    """

    #: Entries a first window scans (it doubles while it cannot decide).
    WINDOW = 64

    def __init__(self, xs: np.ndarray, ys: np.ndarray) -> None:
        self.xs, self.ys = xs, ys
        self.alive = np.ones(len(xs), dtype=bool)
        self.left = len(xs)
        self.sx, self.sy = float(xs.sum()), float(ys.sum())
        self._sort()

    def _sort(self) -> None:
        live = np.flatnonzero(self.alive)
        self.cx, self.cy = self.sx / max(self.left, 1), self.sy / max(self.left, 1)
        d = np.hypot(self.xs[live] - self.cx, self.ys[live] - self.cy)
        order = np.argsort(-d, kind="stable")
        self.order, self.dist = live[order], d[order]
        self.head = 0

    def take(self, positions: list[int]) -> None:
        """Mark clinics as no longer free."""
        alive, xs, ys = self.alive, self.xs, self.ys
        for p in positions:
            if alive[p]:
                alive[p] = False
                self.left -= 1
                self.sx -= float(xs[p])
                self.sy -= float(ys[p])

    def farthest(self, count: int) -> list[int]:
        """Up to ``count`` free clinics farthest from the free clinics' centre, farthest
        first (ties: lower position first)."""
        found = self._window(count)
        if found is None:  # the window grew past a quarter of what is left: sort again
            self._sort()
            found = self._window(count, whole=True)
        assert found is not None
        return found

    def _window(self, count: int, whole: bool = False) -> list[int] | None:
        alive, order, dist = self.alive, self.order, self.dist
        cx, cy = self.sx / self.left, self.sy / self.left
        drift = math.hypot(cx - self.cx, cy - self.cy)
        size = self.WINDOW
        while True:
            seg = order[self.head : self.head + size]
            keep = alive[seg]
            live, near = seg[keep], dist[self.head : self.head + size][keep]
            end = self.head + size >= len(order)
            if len(live) >= count:
                floor = near[count - 1] - 2 * drift - 1e-9
                inside = int(np.searchsorted(-near, -floor, side="right"))
                if inside < len(live) or end:
                    live = live[:inside]
                    break
            elif end:
                break
            size *= 2
            if not whole and size > max(self.left // 16, 4 * self.WINDOW):
                return None
        first = np.flatnonzero(keep)
        self.head += int(first[0]) if len(first) else len(seg)  # skip the taken ones in front
        d = np.hypot(self.xs[live] - cx, self.ys[live] - cy)
        best = np.lexsort((live, -d))[:count]
        return live[best].tolist()


def _grow(plan: Plan, c: int, seed: int, rng: np.random.Generator, noise: float) -> None:
    """Grow cluster ``c`` from ``seed`` until it is big enough or enclosed."""
    ctx = plan.ctx
    nbrs, pat, gps, x, y, label = ctx.nbrs, ctx.pat, ctx.gps, ctx.x, ctx.y, plan.label
    rules = ctx.rules
    threshold = ctx.threshold
    # The size rule and hard ceiling inlined: this loop is the solver's hottest, so it
    # keeps the cluster's running sums locally and writes them back at the end.
    min_gps = rules.min_doctors if rules.min_doctors is not None else math.inf
    cap = rules.hard_ceiling if rules.hard_ceiling is not None else math.inf
    hypot = math.hypot
    jitter: list[float] = rng.random(JITTER).tolist() if noise > 0 else []
    used = 0
    plan.add(seed, c)
    members = plan.members[c]
    p0, g0 = plan.pat[c], plan.gps[c]
    w, sx, sy, sq = plan.w[c], plan.sx[c], plan.sy[c], plan.sq[c]
    frontier: dict[int, None] = dict.fromkeys(j for j in nbrs[seed] if label[j] == FREE)
    noisy = noise > 0
    while frontier and p0 < threshold and g0 < min_gps:
        cx, cy = sx / w, sy / w
        if noisy and used + len(frontier) > len(jitter):
            jitter = rng.random(max(JITTER, len(frontier))).tolist()
            used = 0
        need_p, need_g, room = threshold - p0, min_gps - g0, cap - p0
        pick, near = -1, math.inf
        closing: list[tuple[float, int]] = []
        for j in frontier:
            d = hypot(x[j] - cx, y[j] - cy) + 0.05
            if noisy:
                d *= 1.0 + noise * jitter[used]
                used += 1
            if d < near:
                pick, near = j, d
            pj = pat[j]
            if (pj >= need_p or gps[j] >= need_g) and pj <= room:
                closing.append((d, j))
        if closing:
            reach = CLOSE_REACH * min(d for d, _ in closing)
            best = math.inf
            for d, j in closing:
                if d <= reach:
                    key = d * (1.0 + OVERSHOOT_WEIGHT * max(p0 + pat[j] - threshold, 0) / threshold)
                    if key < best:
                        pick, best = j, key
        del frontier[pick]
        label[pick] = c
        members.add(pick)
        pp = pat[pick]
        wj, xj, yj = pp + 1.0, x[pick], y[pick]
        p0 += pp
        g0 += gps[pick]
        w += wj
        sx += wj * xj
        sy += wj * yj
        sq += wj * (xj * xj + yj * yj)
        for j in nbrs[pick]:
            if label[j] == FREE:
                frontier[j] = None
    plan.pat[c], plan.gps[c] = p0, g0
    plan.w[c], plan.sx[c], plan.sy[c], plan.sq[c] = w, sx, sy, sq


ATTACH = 1.0


def _trim(plan: Plan, c: int) -> None:
    """Give back members the cluster can spare, largest first, if they touch free clinics."""
    ctx = plan.ctx
    if not ctx.big_enough(plan.pat[c], plan.gps[c]):
        return
    members = plan.members[c]
    if ctx.rules.min_doctors is None and plan.pat[c] - min(map(ctx.pat.__getitem__, members)) < (
        ctx.threshold
    ):
        return  # no member can be spared (the common case): skip the sort
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
