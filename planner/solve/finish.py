"""The CP-SAT finisher: a small part short of its bound looks for more clusters.

Every cluster of a plan holds a *core*: a connected set of clinics that meets the size
rule and holds no smaller connected set that does (drop any clinic and it is too small or
falls apart).  Conversely, any disjoint cores make a plan of as many clusters: every other
clinic joins a neighbouring cluster (the part is connected), which keeps the clusters
contiguous and big enough.  So, without a hard ceiling, the most clusters a part can hold
is the most disjoint cores it holds: a set packing, which CP-SAT solves and proves far
better than the tree model of :mod:`.exact` (on North Carolina's 100 counties at 10,000
births, 28 clusters proven the most in about a second, where the tree model stays at the
heuristic's 27 for 40 s).

After the search of :func:`~.maxp.solve_part`, a part of at most :data:`MAX_UNITS`
clinics (and :data:`CLUSTER_UNITS` per cluster of the plan, on average) whose count is
below its tight bound (:func:`part_bound`) has its cores listed
(:func:`cores`; given up past :data:`MAX_VISITS` steps of the listing, or a core of more
than :data:`CORE_UNITS` clinics) and packed (:func:`~.exact_model.max_packing`), hinted
with a core of each of the heuristic's clusters.  When the packing has more clusters, the
other clinics join the neighbouring cluster whose centre is nearest, and that plan is
returned (the caller regrows and polishes it for compactness).

CP-SAT has one worker, a seed from the part's random stream and :data:`WORK`
*deterministic* time units, so the same seed gives the same plan.  The solver calls it
without ``seconds``: it is part of the default work, which a time limit extends and never
cuts (so a timed run finds the clusters the default finds); given ``seconds``, it stops
there (with less than :data:`MIN_SECONDS` it does not start).  A part at its bound costs
nothing.  Under a hard ceiling the finisher stays out (a joining clinic could break the
ceiling).
``MAX_UNITS = 0`` turns it off.
"""

from __future__ import annotations

import logging
import time
from copy import deepcopy

import numpy as np

from planner.core.adjacency import Adjacency, is_connected
from planner.core.bounds import tight_upper_bound
from planner.solve.context import Context
from planner.solve.state import Plan

__all__ = [
    "CLUSTER_UNITS",
    "CORE_UNITS",
    "MAX_UNITS",
    "MAX_VISITS",
    "MIN_SECONDS",
    "WORK",
    "cores",
    "finish",
    "part_bound",
]

log = logging.getLogger(__name__)

#: Largest part the finisher looks at (0: never).
MAX_UNITS = 150
#: Most clinics per cluster of the heuristic's plan, on average, for the finisher to list
#: cores (the connected sets to look at grow exponentially with the clinics a core needs:
#: about 16,000 at 3 per cluster, beyond 100,000 at 12).
CLUSTER_UNITS = 6
#: Most steps of the listing of cores (each one connected set of clinics looked at; about
#: 5 microseconds each).
MAX_VISITS = 40_000
#: Most clinics in one core.
CORE_UNITS = 30
#: Deterministic time units CP-SAT may spend on one part's packing.
WORK = 4.0
#: Fewest seconds left of a time limit worth starting the finisher with (it takes about
#: half a second on North Carolina's counties, and OR-Tools takes a quarter to load).
MIN_SECONDS = 0.25


class _TooManyError(Exception):
    """The listing of cores passed :data:`MAX_VISITS` or :data:`CORE_UNITS`."""


def finish(
    plan: Plan, nodes: list[int], rng: np.random.Generator, seconds: float | None = None
) -> Plan:
    """A plan with more clusters when CP-SAT finds one, else ``plan`` itself.

    ``rng`` is not advanced (a copy draws the seed): where the finisher finds nothing the
    plan stays what it would be without it.  ``seconds`` caps the time (with a time limit).
    """
    ctx, rules = plan.ctx, plan.ctx.rules
    if len(nodes) > min(MAX_UNITS, CLUSTER_UNITS * plan.k) or rules.hard_ceiling is not None:
        return plan
    if seconds is not None and seconds < MIN_SECONDS:
        return plan
    bound = part_bound(ctx, nodes)
    if plan.k >= bound:
        return plan
    start = time.perf_counter()
    found = cores(ctx, nodes, None if seconds is None else start + seconds)
    if found is None:
        log.debug("finisher: too many cores to list in a part of %d clinics", len(nodes))
        return plan
    from planner.solve.exact_model import max_packing

    index = {core: k for k, core in enumerate(found)}
    hint = [index.get(_core_of(ctx, sorted(plan.members[c])), -1) for c in plan.live()]
    pos = {g: i for i, g in enumerate(nodes)}
    left = None if seconds is None else seconds - (time.perf_counter() - start)
    if left is not None and left < MIN_SECONDS / 2:
        return plan
    chosen, proven, work = max_packing(
        [[pos[g] for g in core] for core in found],
        len(nodes),
        [k for k in hint if k >= 0],
        int(deepcopy(rng).integers(2**31)),
        left,
        WORK,
    )
    more = chosen is not None and len(chosen) > plan.k
    log.debug(
        "finisher on %d clinics: %d cores, %d -> %d clusters (bound %d, proven %s), "
        "%.2f work units, %.2f s",
        len(nodes),
        len(found),
        plan.k,
        len(chosen) if more and chosen else plan.k,
        bound,
        proven,
        work,
        time.perf_counter() - start,
    )
    if not more or chosen is None:
        return plan
    return _joined(ctx, nodes, [found[k] for k in chosen])


def cores(
    ctx: Context, nodes: list[int], deadline: float | None = None
) -> list[tuple[int, ...]] | None:
    """Every core of the part ``nodes`` (sorted clinics), or ``None`` when there are too
    many to list (or ``deadline``, a :func:`time.perf_counter` time, passed).

    Each connected set is grown once from its lowest clinic (Wernicke's ESU enumeration),
    stopping as soon as it meets the size rule; a set that holds a smaller one that does
    is dropped.
    """
    rules, nbrs, pat, gps = ctx.rules, ctx.nbrs, ctx.pat, ctx.gps
    out: list[tuple[int, ...]] = []
    visits = [0]

    def core(sub: list[int], p: int, g: int) -> bool:
        members = set(sub)
        return len(sub) == 1 or not any(
            rules.big_enough(p - pat[u], g - gps[u]) and is_connected(nbrs, members - {u})
            for u in sub
        )

    def grow(root: int, sub: list[int], ext: list[int], p: int, g: int, near: set[int]) -> None:
        visits[0] += 1
        if visits[0] > MAX_VISITS or len(sub) > CORE_UNITS:
            raise _TooManyError
        if deadline is not None and visits[0] % 1_000 == 0 and time.perf_counter() > deadline:
            raise _TooManyError
        if rules.big_enough(p, g):
            if core(sub, p, g):
                out.append(tuple(sorted(sub)))
            return
        ext = list(ext)
        while ext:
            w = ext.pop()
            new = [u for u in nbrs[w] if u > root and u not in near]
            grow(root, [*sub, w], ext + new, p + pat[w], g + gps[w], near | {w, *nbrs[w]})

    try:
        for root in sorted(nodes):
            ext = [u for u in nbrs[root] if u > root]
            grow(root, [root], ext, pat[root], gps[root], {root, *nbrs[root]})
    except _TooManyError:
        return None
    return out


def _core_of(ctx: Context, members: list[int]) -> tuple[int, ...]:
    """A core inside a valid cluster: its clinics dropped in turn while it stays valid
    and connected."""
    rules = ctx.rules
    keep = set(members)
    p, g = ctx.totals(keep)
    dropped = True
    while dropped:  # dropping one clinic can let another go that could not before
        dropped = False
        for u in sorted(keep, key=lambda i: (ctx.pat[i], i)):
            rest = keep - {u}
            if (
                rest
                and rules.big_enough(p - ctx.pat[u], g - ctx.gps[u])
                and is_connected(ctx.nbrs, rest)
            ):
                keep, p, g, dropped = rest, p - ctx.pat[u], g - ctx.gps[u], True
    return tuple(sorted(keep))


def _joined(ctx: Context, nodes: list[int], chosen: list[tuple[int, ...]]) -> Plan:
    """The plan of the ``chosen`` cores, every other clinic joined, nearest first, to the
    neighbouring cluster whose centre is nearest.

    Not :func:`.construct.absorb`: there a few stuck clinics join in their order, here
    most of the part joins, and nearest first keeps the clusters round (North Carolina at
    10,000 births: 18.5 km from a patient to the cluster's centre, 19.3 km with absorb).
    """
    plan = Plan(ctx, nodes)
    for core in chosen:
        c = plan.new_cluster()
        for i in core:
            plan.add(i, c)
    label = plan.label
    free = {i for i in nodes if label[i] < 0}
    while free:
        best: tuple[float, int, int] | None = None
        for i in sorted(free):
            for c in {label[j] for j in ctx.nbrs[i] if label[j] >= 0}:
                x, y = plan.centre(c)
                key = ((ctx.x[i] - x) ** 2 + (ctx.y[i] - y) ** 2, i, c)
                if best is None or key < best:
                    best = key
        assert best is not None  # the part is connected
        _, i, c = best
        plan.add(i, c)
        free.discard(i)
    return plan


def part_bound(ctx: Context, nodes: list[int]) -> int:
    """The tight bound of one connected part
    (:func:`planner.core.bounds.tight_upper_bound` on the part alone)."""
    pos = {g: k for k, g in enumerate(nodes)}
    edges = [(pos[i], pos[j]) for i in nodes for j in ctx.nbrs[i] if i < j and j in pos]
    idx = np.asarray(nodes, dtype=np.int64)
    return tight_upper_bound(
        Adjacency.from_edges(len(nodes), edges),
        np.asarray(ctx.pat, dtype=np.int64)[idx],
        ctx.rules,
        np.asarray(ctx.gps, dtype=np.int64)[idx],
    )
