"""The default solver: many cheap constructions, then destroy-and-regrow, then polish.

Per connected part that can reach the size rule:

1. **Construct** several plans by randomised region growing (:mod:`.construct`) and keep
   the one with the most clusters, then the least GP travel to the meeting clinics.
2. **Regrow** (large-neighbourhood search): dissolve 2-6 neighbouring clusters around one
   with much surplus (drawn in proportion to it, its neighbours with surplus first) or,
   most of the time, 3 around the least compact of a few (discounted when regrowing
   around it changed nothing), and grow them again with noise, seeds on the region's
   edge or, in a share of the trials, anywhere; keep the result when it has fewer
   patients above a hard ceiling, or more clusters, or as many and no more cost (GPs'
   travel plus a little diameter; the last quarter weighs the diameter more).  A trial
   that can no longer keep its clusters stops early.
   A part whose best construction already reached its size bound gets a quarter of it.
   While a part is short of its bound, surplus is also **pooled** (:mod:`.pool`) at the
   start, 30 % and 60 % of the way: patients to spare, spread thin over many clusters,
   are pushed toward one cluster that then splits in two.
3. **Polish**: split any cluster holding two valid clusters, and move border clinics
   where the plan gets more compact: first by spread (:mod:`.improve`), then by cost,
   alternating moves with swaps of two border clinics (:mod:`.polish`); after the first
   sweep only clinics in or beside clusters that changed are tried again.
   Before it, a small part still short of its bound gets the CP-SAT **finisher**
   (:mod:`.finish`); a plan of more clusters from it is regrown at its count first.

A part of :data:`~.pieces.SPLIT_AT` clinics or more is cut into connected pieces of about
:data:`~.pieces.PIECE` clinics (:mod:`.pieces`), solved each on its own by steps 1-3 with
its share of the part's regrowing, in parallel processes where there are cores (on Linux,
outside batch workers); the clusters on the seams between pieces are then regrown and
polished over the whole part.  The cut depends on the clinics alone, so the plan is the
same with any number of cores.  Under a hard ceiling a part is never cut: a piece could
hold patients that no plan under the ceiling fits.

A part with room for one cluster only is that cluster, with no search; the work shrinks
with the part (see :meth:`Effort.for_size`), so many small parts cost little.  A small
part (at most 300 clinics, room for at least eight clusters) splits its work over
independent **chains** of steps 1-2, each from its own random stream, and regrows the
best one's plan with the other half of the part's regrowing before the polish: a chain
settles early on its count, and another chain finds one cluster more more often than a
longer one does (libpysal's Georgia counties at 100,000: 42 clusters with every seed tried,
against 41 with most seeds in one chain of the same work).

Without a time limit the amount of work is fixed by the part's size, so the same seed
gives the same plan; with ``time_limit`` the solver does that work (cut short if the time
is shorter) and then regrows from its plan until the time is up, so a limit longer than
the default run keeps every cluster that run's regrowing found (each connected part draws
from its own random stream); the plan then depends on the machine's speed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from planner.core.instance import Instance, Progress
from planner.core.rules import Rules
from planner.core.sizes import members_by_label
from planner.solve.construct import absorb, grow_clusters
from planner.solve.context import Context
from planner.solve.finish import finish
from planner.solve.improve import border_pass, could_split, regrow_step, split_pass
from planner.solve.polish import Travel, polish_moves
from planner.solve.pool import pool_surplus
from planner.solve.state import Plan

__all__ = [
    "Effort",
    "regrow",
    "regrow_fixed",
    "solve_maxp",
    "solve_part",
    "spawn_streams",
]

log = logging.getLogger(__name__)

#: Relative noise on distances in randomised growing.
NOISE = 0.3
#: Share of regrows that draw seeds anywhere in the region, not only on its edge.
WILD = 0.15
#: Share of regrows around a cluster drawn by its cost (compactness), not its surplus.
COSTLY = 0.7
#: Fewest and most clusters regrown around a costly one (3 improves compactness fastest:
#: 2 mostly regrows the same pair, more mostly loses a cluster).
COSTLY_MIN = 3
COSTLY_SIZE = 3
#: Share of the regrowing a part gets when a construction already reached its bound.
AT_BOUND = 0.25
#: Fewest constructions a part gets (small parts get more, up to 40).
MIN_CONSTRUCTIONS = 10
#: Regrows per clinic of a part (at least :data:`MIN_REGROWS`, at most 20 per clinic and
#: :data:`MAX_REGROWS`).
REGROWS = 3.3
MIN_REGROWS = 2_400
MAX_REGROWS = 24_000
#: A part of ``n`` clinics splits its work over ``CHAIN_WORK // n`` independent chains
#: (each the best of its constructions, regrown; at most :data:`MAX_CHAINS`, and a
#: quarter of the clusters it can hold): in a small part a chain settles early on its
#: count, and a chain started elsewhere more often finds one more cluster than a chain
#: that regrows longer.  Larger parts (above 300 clinics) keep one chain: there the long
#: regrowing makes the plan compact (more chains cost 3-5 % in GP travel on the Danish
#: regions of 350-550 clinics).
CHAIN_WORK = 600
MAX_CHAINS = 8
#: Fewest constructions a chain gets.
CHAIN_CONSTRUCTIONS = 4
#: Share of a time limit the chains use; the best chain's plan regrows in the rest.
CHAINS_SHARE = 0.5
#: Share of the regrowing (the last) that prices diameter at :data:`LATE_DIAMETER_WEIGHT`.
LATE = 0.25
#: Weight of the diameter late in the regrowing (see :data:`.polish.DIAMETER_WEIGHT`).
LATE_DIAMETER_WEIGHT = 0.3
#: Weight of the diameter in the last polish.
POLISH_DIAMETER_WEIGHT = 0.3
#: Shares of the regrowing after which surplus is pooled (:mod:`.pool`) while the part is
#: short of its bound: first on the construction, then on plans the regrowing reshaped.
POOL_AT = (0.0, 0.3, 0.6)
#: With a time limit, the regrowing past the default work stops early once this many
#: rounds in a row (at least; ten per clinic in larger parts) brought no better plan.
STALL_ROUNDS = 5_000
#: How many clusters compete in drawing the least compact one.
TOURNAMENT = 3
#: Discount on a cluster's cost in that draw per regrow around it that changed nothing.
STALE = 0.7


@dataclass(frozen=True)
class Effort:
    """How much work a part of ``n`` clinics gets when no time limit is set."""

    constructions: int
    regrows: int
    sweeps: int = 6
    chains: int = 1
    #: Regrows of the best chain's plan after the chains (none with one chain).
    final: int = 0

    @property
    def total_regrows(self) -> int:
        """Regrows over all chains and after them."""
        return self.regrows * self.chains + self.final

    @classmethod
    def for_size(cls, n: int, scale: float = 1.0, bound: int | None = None) -> Effort:
        """Default effort for a part of ``n`` clinics holding at most ``bound`` clusters.

        More restarts for small parts (at least :data:`MIN_CONSTRUCTIONS`), more
        regrowing for large ones (:data:`REGROWS` per clinic, at least
        :data:`MIN_REGROWS`, at most :data:`MAX_REGROWS`); below 120 clinics the regrowing shrinks
        with the part (20 per clinic) and the restarts with the clusters it can hold (8
        per cluster), so a part of a few clinics takes milliseconds.
        """
        constructions = np.clip(round(4_000 / max(n, 1)), MIN_CONSTRUCTIONS, 40)
        if bound is not None:
            constructions = min(constructions, max(8 * bound, 4))
        regrows = min(max(round(REGROWS * n), MIN_REGROWS), 20 * n, MAX_REGROWS)
        chains = int(np.clip(CHAIN_WORK // max(n, 1), 1, MAX_CHAINS))
        if bound is not None:  # a part with room for a few clusters needs no chains
            chains = max(min(chains, bound // 4), 1)
        regrows = max(int(regrows * scale), 0)
        if chains == 1:
            return cls(max(int(constructions * scale), 1), regrows)
        constructions = max(int(constructions * scale) // chains, CHAIN_CONSTRUCTIONS)
        # half the regrowing goes to the chains, the other half to the best one's plan
        per_chain = regrows // (2 * chains)
        return cls(
            max(constructions, 1), per_chain, chains=chains, final=regrows - per_chain * chains
        )


def solve_maxp(
    instance: Instance,
    rules: Rules,
    rng: np.random.Generator,
    *,
    time_limit: float | None = None,
    progress: Progress | None = None,
    effort: float = 1.0,
) -> np.ndarray:
    """Label clinics with as many valid contiguous clusters as possible.

    Parameters
    ----------
    instance
        The graph, sizes and coordinates.
    rules
        The size rule (patients, or GPs when ``min_doctors`` is set) and ceiling.
    rng
        The only source of randomness.
    time_limit
        Seconds to spend in total; ``None`` does a fixed amount of work (deterministic).
        With a limit the fixed work comes first, then more regrowing until the time is up.
    progress
        Optional callback ``progress(done, total, message)``.
    effort
        Scales the fixed amount of work (with a time limit too).

    Returns
    -------
    numpy.ndarray
        ``0..k-1`` per clinic, ``-1`` where its connected part cannot meet the size rule.
    """
    from planner.solve import pieces

    labels = np.full(instance.n, -1, dtype=np.int64)
    if instance.n == 0:
        return labels
    ctx = Context.from_instance(instance, rules)
    parts = [
        nodes
        for nodes in members_by_label(instance.adjacency.components()).values()
        if rules.big_enough(*ctx.totals(nodes.tolist()))
    ]
    work = sum(len(p) for p in parts) or 1
    done, next_label = 0, 0
    for nodes, stream in zip(parts, spawn_streams(rng, len(parts)), strict=True):
        share = None if time_limit is None else time_limit * len(nodes) / work
        high = [0.0]  # progress never goes back

        def report(
            frac: float,
            message: str,
            base: int = done,
            size: int = len(nodes),
            high: list[float] = high,
        ) -> None:
            high[0] = max(high[0], min(frac, 1.0))
            if progress is not None:
                progress(base + high[0] * size, work, message)

        bound = ctx.rules.size_bound(*ctx.totals(nodes.tolist()))
        solve = pieces.solve_in_pieces if pieces.in_pieces(len(nodes), rules) else solve_part
        plan = solve(
            ctx, nodes.tolist(), stream, share, Effort.for_size(len(nodes), effort, bound), report
        )
        local = plan.labels(nodes)
        labels[nodes] = local + next_label
        next_label += int(local.max()) + 1
        done += len(nodes)
        if progress is not None:
            progress(done, work, f"{next_label} clusters so far")
    return labels


def spawn_streams(rng: np.random.Generator, n: int) -> list[np.random.Generator]:
    """One random stream per part.

    How much one part draws (more with more time) then never changes what the next sees.
    """
    try:
        return rng.spawn(n)
    except (TypeError, ValueError, AttributeError):  # a generator without a seed sequence
        return [rng] * n


def solve_part(
    ctx: Context,
    nodes: list[int],
    rng: np.random.Generator,
    time_limit: float | None,
    effort: Effort,
    report: Callable[[float, str], None],
) -> Plan:
    """Construct, regrow and polish one connected part; ``report(share, message)``."""
    start = time.perf_counter()

    def used() -> float:  # share of the time limit spent (0 without one)
        return 0.0 if time_limit is None else (time.perf_counter() - start) / time_limit

    def out_of_time(share: float) -> bool:
        return used() >= share

    total_p, total_g = ctx.totals(nodes)
    if not could_split(ctx, total_p, total_g):  # room for one cluster: the whole part
        plan = Plan(ctx, nodes)
        c = plan.new_cluster()
        for i in nodes:
            plan.add(i, c)
        return plan
    bound = ctx.rules.size_bound(total_p, total_g)
    chains = effort.chains
    best: Plan | None = None
    best_key = (0, 0, 0.0)
    streams = spawn_streams(rng, chains + 1) if chains > 1 else [rng]
    share = CHAINS_SHARE if chains > 1 else 1.0  # of a time limit, for the chains
    for chain, stream in enumerate(streams[:chains]):
        span = (share * chain / chains, share * (chain + 1) / chains)
        found = _chain(ctx, nodes, stream, effort, bound, used, report, time_limit, span)
        key = (0, 0, 0.0)
        if chains > 1:
            key = (_excess(found, found.live()), -found.k, Travel(found).total(found))
        if best is None or key < best_key:
            best, best_key = found, key
        if out_of_time(0.9):  # each chain stops at its share of the time: this is the end
            break
    assert best is not None
    plan = best
    if chains > 1:  # the best chain's plan gets the rest of the regrowing
        timed = 1.0 if time_limit is not None else None
        plan = _regrow_until(plan, nodes, streams[-1], effort.final, bound, used, report, timed)
    more = finish(plan, nodes, rng)  # part of the default work, which a time limit never cuts
    if more is not plan:  # CP-SAT found more clusters: regrown compact at that count
        plan = regrow(more, nodes, rng, effort.total_regrows, bound, used, report, limit=0.98)
    report(0.9, f"{plan.k} clusters after regrowing; polishing")
    split_pass(plan)
    for _ in range(effort.sweeps):
        if out_of_time(0.95) or not border_pass(plan, nodes, rng):
            break
    polish_moves(plan, nodes, rng, effort.sweeps, POLISH_DIAMETER_WEIGHT, lambda: out_of_time(0.99))
    split_pass(plan)
    log.debug(
        "part of %d clinics: %d clusters from %d chain(s) in %.2f s",
        len(nodes),
        plan.k,
        chains,
        time.perf_counter() - start,
    )
    return plan


def _chain(
    ctx: Context,
    nodes: list[int],
    rng: np.random.Generator,
    effort: Effort,
    bound: int,
    used: Callable[[], float],
    report: Callable[[float, str], None],
    time_limit: float | None,
    span: tuple[float, float],
) -> Plan:
    """One chain of the search: the best of several constructions, regrown.

    ``span`` is the shares of the time limit this chain starts at and may use up to
    (several chains share it in turn); its constructions stop at a quarter of its span.
    """
    begin, end = span
    best: Plan | None = None
    best_key = (0, 0, 0.0)
    travel: Travel | None = None
    attempt = 0
    while True:
        plan = Plan(ctx, nodes)
        stuck = grow_clusters(plan, nodes, rng, NOISE if attempt else 0.0) or []
        left = absorb(plan, stuck)
        if left:  # no cluster at all in this part: one cluster of everything
            plan = Plan(ctx, nodes)
            c = plan.new_cluster()
            for i in nodes:
                plan.add(i, c)
        split_pass(plan)
        travel = travel or Travel(plan)
        key = (_excess(plan, plan.live()), -plan.k, travel.total(plan))
        if best is None or key < best_key:
            best, best_key = plan, key
        attempt += 1
        if attempt >= effort.constructions or used() >= begin + 0.25 * (end - begin):
            break
    report(begin + 0.2 * (end - begin), f"best of {attempt} constructions: {best.k} clusters")
    regrows = effort.regrows
    if best.k >= bound and best_key[0] == 0:  # the count is proven best: regrow for compactness
        regrows = int(regrows * AT_BOUND)
    timed = end if time_limit is not None else None
    return _regrow_until(best, nodes, rng, regrows, bound, used, report, timed)


def _regrow_until(
    plan: Plan,
    nodes: list[int],
    rng: np.random.Generator,
    steps: int,
    bound: int,
    used: Callable[[], float],
    report: Callable[[float, str], None],
    end: float | None,
) -> Plan:
    """``steps`` rounds of regrowing (cut short at 0.9 of ``end``, the share of a time
    limit this work may use up to; ``None`` without a limit), then, with a limit, more
    regrowing from its plan until then: more time never gives less."""
    plan = regrow(plan, nodes, rng, steps, bound, used, report, limit=0.9 * (end or 1.0))
    if end is not None and used() < 0.9 * end:
        split_pass(plan)  # what the default polish would split, split before going on
        plan = regrow(plan, nodes, rng, 0, bound, used, report, (used(), 0.9 * end))
    return plan


def _excess(plan: Plan, clusters: Iterable[int]) -> int:
    """Patients above a hard ceiling, summed over ``clusters`` (0 without one)."""
    cap = plan.ctx.rules.hard_ceiling
    if cap is None:
        return 0
    return sum(max(plan.pat[c] - cap, 0) for c in clusters if plan.members[c])


def _compare(trial: Plan, cur: Plan, travel: Travel) -> int:
    """1 if ``trial`` is better than ``cur``, 0 if as good (no more cost), -1 if worse.

    Less above a hard ceiling first, then more clusters, then less cost.
    """
    changed = sorted(trial.touched)
    old = [c for c in changed if c < len(cur.members)]
    excess = _excess(trial, changed) - _excess(cur, old)
    if excess:
        return 1 if excess < 0 else -1
    if trial.k != cur.k:
        return 1 if trial.k > cur.k else -1
    change = _travel_change(trial, cur, travel)
    return 1 if change < -1e-9 else 0 if change <= 0 else -1


def _travel_change(trial: Plan, cur: Plan, travel: Travel) -> float:
    """How much the cost of the clusters that changed grew from ``cur`` to ``trial``.

    ``travel`` reads (and caches) the clusters of ``cur``; the costs of the changed
    clusters of ``trial`` are kept in ``travel.pending`` for when ``trial`` is taken.
    """
    changed = sorted(trial.touched)
    costs = {c: travel.of(sorted(trial.members[c])) for c in changed if trial.members[c]}
    travel.pending = costs
    new = sum(costs.values())
    old = sum(travel.cluster(c) for c in changed if c < len(cur.members) and cur.members[c])
    return new - old


def regrow(
    plan: Plan,
    nodes: list[int],
    rng: np.random.Generator,
    steps: int,
    bound: int,
    used: Callable[[], float],
    report: Callable[[float, str], None],
    window: tuple[float, float] | None = None,
    cap: int | None = None,
    limit: float = 0.9,
) -> Plan:
    """Large-neighbourhood search: regrow small groups of clusters, pool surplus.

    With ``cap`` (a fixed count), a trial with another number of clusters is refused.

    A trial is taken when it has fewer patients above a hard ceiling, or as many and more
    clusters, or as many clusters and no more cost (see :func:`_compare`).  The regrowing
    runs ``steps`` times (stopping early at ``limit`` of a time limit) or, with ``window``,
    from the first to the second share of the time limit.
    """
    if plan.k < 2:
        return plan

    def done() -> float:  # share of this regrowing done
        if window is None:
            return 1.0 if used() >= limit or steps <= 0 else step / steps
        return (used() - window[0]) / max(window[1] - window[0], 1e-9)

    def reached(share: float) -> bool:
        return done() >= share

    travel = Travel(plan)
    cur = plan
    tried: dict[int, int] = {}  # regrows in vain around a cluster since it last changed
    step = 0
    better = 0  # the last step that found a better plan
    stall = max(STALL_ROUNDS, 10 * len(nodes))
    late = False
    pooled = 0  # pooling rounds done (see POOL_AT)
    while not reached(1.0):
        if pooled < len(POOL_AT) and reached(POOL_AT[pooled]):
            pooled += 1
            if cur.k < bound:
                more = pool_surplus(cur, nodes, rng, bound, lambda: used() >= limit)
                if more is not cur:
                    cur, travel = more, Travel(more, travel.weight)
                    tried.clear()
        if not late and reached(1 - LATE):  # the last share of the regrowing prices diameter higher
            late = True
            travel = Travel(cur, LATE_DIAMETER_WEIGHT)
            tried.clear()
        costly = rng.random() < COSTLY
        size = int(rng.integers(COSTLY_MIN if costly else 2, COSTLY_SIZE + 1 if costly else 7))
        noise = NOISE * float(rng.uniform(0.2, 3.0))
        wild = bool(rng.random() < WILD)
        start = _costly(cur, nodes, travel, rng, tried) if costly else None
        trial = regrow_step(cur, rng, size, noise, wild=wild, start=start)
        travel.pending = {}
        verdict = -1
        if trial is not None and (cap is None or trial.k == cap):
            verdict = _compare(trial, cur, travel)
        if verdict < 0 and trial is not None:
            trial.revert()  # it wrote into cur's labels
        if verdict >= 0:
            assert trial is not None  # a verdict is given only on a trial
            travel.forget(*trial.touched)
            trial.parent = None
            cur = trial
            travel.plan = cur
            travel.cache.update(travel.pending)  # what _compare priced, if anything
        if verdict > 0:  # the clusters around the change may improve again
            assert trial is not None
            better = step
            for c in trial.touched:
                tried.pop(c, None)
                for d in cur.neighbour_clusters(c) if cur.members[c] else ():
                    tried.pop(d, None)
        elif start is not None:
            tried[start] = tried.get(start, 0) + 1
        step += 1
        if window is not None and step - better >= stall:
            log.info(
                "stopped early at %.0f %% of the time limit: %d rounds in a row found no "
                "better plan (%d clusters)",
                100 * used(),
                step - better,
                cur.k,
            )
            report(0.9, f"{cur.k} clusters; stopped early, nothing better in {stall} rounds")
            break
        if step % 250 == 0:
            spent = used()  # with a time limit, progress is the share of the time spent
            share = spent if spent > 0 else 0.2 + 0.7 * min(done(), 1.0)
            report(share, f"{cur.k} clusters, regrowing")
    return cur


def regrow_fixed(plan: Plan, nodes: list[int], rng: np.random.Generator, steps: int) -> Plan:
    """``steps`` rounds of regrowing that keep the number of clusters (a fixed count):
    only trials with as many clusters, and less cost, are taken."""
    return regrow(plan, nodes, rng, steps, plan.k, lambda: 0.0, lambda *_: None, cap=plan.k)


def _costly(
    plan: Plan,
    nodes: list[int],
    travel: Travel,
    rng: np.random.Generator,
    tried: dict[int, int] | None = None,
) -> int:
    """The least compact of a few clusters drawn through random clinics.

    Compactness is cost per GP, discounted by :data:`STALE` for every regrow around the
    cluster (in ``tried``) that did not improve the plan.
    """
    label, gps = plan.label, plan.gps
    tried = tried or {}
    best, best_cost = -1, -1.0
    for _ in range(TOURNAMENT):
        c = label[nodes[int(rng.integers(len(nodes)))]]  # every clinic of a part is placed
        cost = travel.cluster(c) / max(gps[c], 1) * STALE ** tried.get(c, 0)
        if cost > best_cost:
            best, best_cost = c, cost
    return best
