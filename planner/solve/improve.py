"""Improving a plan: gain clusters by destroy-and-regrow, split clusters, polish borders.

- :func:`regrow_step` (large-neighbourhood search) dissolves a few neighbouring clusters
  and grows them again with noise; the plan gains a cluster when the pieces fit better.
- :func:`split_pass` splits every cluster that holds two valid contiguous clusters.
- :func:`border_pass` moves border clinics to the neighbouring cluster where the plan's
  spread (patient-weighted squared distance to cluster centres) falls, never breaking a
  cluster's contiguity or size rule, and draws clusters under a soft ceiling.
"""

from __future__ import annotations

import numpy as np

from planner.core.adjacency import is_connected, mask_connected
from planner.solve.construct import absorb, grow_clusters
from planner.solve.context import Context
from planner.solve.state import FREE, Plan

__all__ = [
    "border_pass",
    "ceiling_penalty",
    "could_split",
    "regrow_step",
    "split_exhaustive",
    "split_off",
    "split_pass",
    "try_split",
]

#: Clusters up to this many clinics are split by trying every bipartition.
EXHAUSTIVE_SPLIT = 20
#: Penalty per patient above a (soft or hard) ceiling, in the units of the spread.
CEILING_PENALTY = 1_000.0


def regrow_step(
    plan: Plan,
    rng: np.random.Generator,
    size: int,
    noise: float,
    wild: bool = False,
    start: int | None = None,
) -> Plan | None:
    """Dissolve ``size`` neighbouring clusters around ``start`` and regrow them.

    Without ``start``, it is drawn in proportion to the clusters' surplus over the size
    rule (where patients to spare may form one more cluster), and its neighbours with
    more surplus are more likely to join it.  Returns a new plan that writes its labels
    into the input's list (the input's clusters are not modified): take it, or call its
    :meth:`~planner.solve.state.Plan.revert` before the input is read again.  Returns
    ``None`` (the input as it was) when the regrown clusters cannot be as many as before
    (and no hard ceiling could make fewer clusters better).
    """
    by_surplus = start is None  # neighbours with patients to spare go first
    if start is None:
        t = plan.ctx.threshold
        live = np.fromiter(map(bool, plan.members), bool, len(plan.members))
        surplus = (np.maximum(np.asarray(plan.pat, dtype=float) - t, 0.0) + 0.05 * t) * live
        acc = np.cumsum(surplus)
        pick = int(np.searchsorted(acc, float(rng.random()) * acc[-1], side="right"))
        start = min(pick, len(acc) - 1)
        while not live[start]:  # only where rounding lands on an empty cluster
            start -= 1
    region = [start]
    seen = {start}
    head = 0
    while head < len(region) and len(region) < size:
        nxt = [d for d in plan.neighbour_clusters(region[head]) if d not in seen]
        if by_surplus:  # in random order weighted by surplus (none: last)
            t, pat = plan.ctx.threshold, plan.pat
            jitter = rng.random(len(nxt)).tolist()
            order = sorted(range(len(nxt)), key=lambda q: -max(pat[nxt[q]] - t, 0) * jitter[q])
            nxt = [nxt[q] for q in order]
        else:
            rng.shuffle(nxt)
        for d in nxt[: size - len(region)]:
            seen.add(d)
            region.append(d)
        head += 1
    trial = plan.copy(share_label=True)  # the caller takes it or calls trial.revert()
    nodes: list[int] = []
    for c in region:
        nodes.extend(trial.dissolve(c, FREE))
    nodes.sort()
    rules = plan.ctx.rules
    hard = rules.hard_ceiling is not None
    # Without a hard ceiling a trial with fewer clusters is never taken: stop it early.
    stuck = grow_clusters(trial, nodes, rng, noise, wild, 0 if hard else len(region))
    if stuck is None:
        trial.revert()
        return None
    absorb(trial, stuck)
    return trial


def could_split(ctx: Context, patients: int, gps: int) -> bool:
    """Whether a cluster of this size could, by size alone, hold two valid clusters."""
    t, d = ctx.threshold, ctx.rules.min_doctors
    if patients >= 2 * t:
        return True
    return d is not None and (gps >= 2 * d or (patients >= t and gps >= d))


def try_split(ctx: Context, members: set[int]) -> tuple[set[int], set[int]] | None:
    """Two valid contiguous clusters covering ``members``, or ``None`` if none was found.

    A cluster of up to :data:`EXHAUSTIVE_SPLIT` clinics tries every bipartition (see
    :func:`split_exhaustive`).  A larger one, or one with too many bipartitions left to
    check, grows a part from every member in turn (nearest to the part's centre first)
    until it meets the size rule; the largest remaining piece must then meet it too, and
    the other remaining pieces join the grown part.
    """
    p, g = ctx.totals(members)
    if not could_split(ctx, p, g):
        return None
    if len(members) <= EXHAUSTIVE_SPLIT:
        found, complete = split_exhaustive(ctx, sorted(members))
        if complete:
            return found
    for seed in sorted(members):
        part = _grow_within(ctx, members, seed)
        if part is None:
            continue
        rest = members - part
        pieces = _components(ctx, rest)
        main = max(pieces, key=lambda s: (ctx.totals(s)[0], min(s)))
        a, b = part | (rest - main), main
        if ctx.valid(a) and ctx.valid(b):
            return a, b
    return None


#: Most bipartitions whose connectivity :func:`split_exhaustive` checks one by one.
MAX_CHECKS = 2_000


def split_exhaustive(
    ctx: Context, nodes: list[int]
) -> tuple[tuple[set[int], set[int]] | None, bool]:
    """Try every bipartition of a small cluster.

    Sizes are screened in numpy first, then a necessary condition for contiguity (every
    clinic of a side of two or more has a neighbour on its side); the rest are checked one
    by one.  Returns the two sides (or ``None``) and whether the search was complete: it
    stops after :data:`MAX_CHECKS` checks.
    """
    m = len(nodes)
    pos = {g: i for i, g in enumerate(nodes)}
    nb = [sum(1 << pos[j] for j in ctx.nbrs[g] if j in pos) for g in nodes]
    masks = np.arange(1 << (m - 1), dtype=np.int64) * 2 + 1  # the side holding nodes[0]
    side_p = np.zeros(len(masks), dtype=np.int64)
    side_g = np.zeros(len(masks), dtype=np.int64)
    side_n = np.zeros(len(masks), dtype=np.int64)
    for b, g in enumerate(nodes):
        bit = (masks >> b) & 1
        side_p += bit * ctx.pat[g]
        side_g += bit * ctx.gps[g]
        side_n += bit
    tot_p, tot_g = ctx.totals(nodes)
    ok = ctx.rules.valid_sizes(side_p, side_g) & ctx.rules.valid_sizes(
        tot_p - side_p, tot_g - side_g
    )
    full = (1 << m) - 1
    masks, side_n = masks[ok], side_n[ok]
    keep = np.ones(len(masks), dtype=bool)
    for b in range(m):  # a clinic with no neighbour on its own side (of two or more)
        inside = ((masks >> b) & 1).astype(bool)
        alone_in = inside & ((masks & nb[b]) == 0) & (side_n > 1)
        alone_out = ~inside & (((full ^ masks) & nb[b]) == 0) & (m - side_n > 1)
        keep &= ~(alone_in | alone_out)
    masks = masks[keep]
    for checked, mask in enumerate(masks.tolist()):
        if checked >= MAX_CHECKS:
            return None, False
        if mask_connected(mask, nb) and mask_connected(full ^ mask, nb):
            side = {nodes[b] for b in range(m) if mask >> b & 1}
            return (side, set(nodes) - side), True
    return None, True


def _grow_within(ctx: Context, members: set[int], seed: int) -> set[int] | None:
    part = {seed}
    p, g = ctx.pat[seed], ctx.gps[seed]
    sx, sy, w = ctx.x[seed], ctx.y[seed], 1
    while not ctx.big_enough(p, g):
        frontier = {j for i in part for j in ctx.nbrs[i] if j in members and j not in part}
        if not frontier:
            return None
        cx, cy = sx / w, sy / w
        j = min(sorted(frontier), key=lambda j: (ctx.x[j] - cx) ** 2 + (ctx.y[j] - cy) ** 2)
        part.add(j)
        p, g = p + ctx.pat[j], g + ctx.gps[j]
        sx, sy, w = sx + ctx.x[j], sy + ctx.y[j], w + 1
    return part if len(part) < len(members) else None


def _components(ctx: Context, nodes: set[int]) -> list[set[int]]:
    out: list[set[int]] = []
    left = set(nodes)
    while left:
        start = min(left)
        comp = {start}
        stack = [start]
        while stack:
            i = stack.pop()
            for j in ctx.nbrs[i]:
                if j in left and j not in comp:
                    comp.add(j)
                    stack.append(j)
        left -= comp
        out.append(comp)
    return out


def split_pass(plan: Plan, clusters: list[int] | None = None) -> int:
    """Split every cluster (of ``clusters``, default all) that holds two valid ones.

    Returns how many splits were made.
    """
    done = 0
    queue = plan.live() if clusters is None else [c for c in clusters if plan.members[c]]
    while queue:
        c = queue.pop()
        found = try_split(plan.ctx, plan.members[c])
        if found is None:
            continue
        queue += [c, split_off(plan, found[1])]
        done += 1
    return done


def split_off(plan: Plan, side: set[int]) -> int:
    """Move the clinics of ``side`` out of their cluster into a new one; return its id."""
    d = plan.new_cluster()
    for i in sorted(side):
        plan.move(i, d)
    return d


def ceiling_penalty(ctx: Context, patients: int) -> float:
    cap = ctx.rules.max_patients
    return 0.0 if cap is None else CEILING_PENALTY * max(patients - cap, 0)


def border_pass(plan: Plan, nodes: list[int], rng: np.random.Generator) -> int:
    """One sweep of improving border moves over ``nodes``; return how many clinics moved."""
    ctx = plan.ctx
    label, nbrs, pat, gps = plan.label, ctx.nbrs, ctx.pat, ctx.gps
    order = list(nodes)
    rng.shuffle(order)
    moved = 0
    for i in order:
        a = label[i]
        if a < 0 or len(plan.members[a]) == 1:
            continue
        options = sorted({label[j] for j in nbrs[i] if label[j] >= 0} - {a})
        if not options:
            continue
        pa, ga = plan.pat[a] - pat[i], plan.gps[a] - gps[i]
        if not ctx.big_enough(pa, ga):
            continue
        base_a = plan.spread(a) + ceiling_penalty(ctx, plan.pat[a])
        gain_a = plan.spread_with(a, i, -1) + ceiling_penalty(ctx, pa) - base_a
        best, best_delta = -1, -1e-9
        for b in options:
            pb = plan.pat[b] + pat[i]
            if ctx.rules.too_big(pb):
                continue
            delta = (
                gain_a
                + plan.spread_with(b, i, 1)
                + ceiling_penalty(ctx, pb)
                - plan.spread(b)
                - ceiling_penalty(ctx, plan.pat[b])
            )
            if delta < best_delta:
                best, best_delta = b, delta
        if best >= 0 and is_connected(nbrs, plan.members[a] - {i}):
            plan.move(i, best)
            moved += 1
    return moved
