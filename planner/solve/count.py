"""A fixed number of clusters (the p-regions problem): exactly ``n``, each meeting the size
rule, as compact as the heuristic finds.

From a max-p plan of ``k >= n`` clusters, the two bordering clusters whose union costs
the least extra travel are merged, again and again, until ``n`` are left; a hard ceiling
is never broken by a merge.  Regrowing that keeps the count (trials with another number
of clusters refused) then makes the plan compact, and border moves and swaps polish it.

Which plan to start from decides more than how long it regrows, so several are tried:
the max-p plan given and, in a region of at most :data:`START_UNITS` clinics,
:data:`STARTS` ``- 1`` more max-p plans from the generator, each merged down and regrown
briefly under two pricings (:class:`~planner.solve.polish.Travel`): the GPs' travel to
the cluster's GP-weighted centre plus a weighted diameter, and the patients' distance to
their patient-weighted centre alone.  The start whose plan is the most compact for the
patients (the report's mean patient km) regrows on, the default effort's rounds times
:data:`FIXED_REGROWS` in all, and is polished, priced its own way.

Fewer clusters than the connected parts that can hold one, or more than the plan found,
cannot be made: :class:`~planner.core.errors.InfeasibleError` says which.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from planner.core.errors import InfeasibleError
from planner.core.instance import Instance
from planner.core.rules import Rules
from planner.core.sizes import weighted_centres
from planner.solve.context import Context
from planner.solve.maxp import Effort, regrow_fixed, solve_maxp, spawn_streams
from planner.solve.polish import Travel, polish_moves
from planner.solve.state import Plan

__all__ = ["fixed_count", "least_clusters"]

#: Polish sweeps after the merges (border moves and swaps, :func:`.polish.polish_moves`);
#: they stop early when a sweep changes nothing.
SWEEPS = 8
#: Regrowing at a fixed count, in multiples of the default effort's rounds: the count is
#: settled, so all the work goes into compactness (on the Danish regions at the peers'
#: counts, 8 times the rounds bring the patient-weighted mean distance 1-6 % lower).
FIXED_REGROWS = 8
#: ... and at most this many rounds (a region of tens of thousands of clinics).
FIXED_REGROWS_MAX = 60_000
#: Max-p plans a fixed count starts from in a region of at most :data:`START_UNITS`
#: clinics: the one given and more from the generator (on the Danish regions the start
#: decides more than the rounds: 1.416-1.471 km over eight starts at 51 clusters in
#: Hovedstaden, where eight generator streams from one start spread 1.446-1.474 km).
STARTS = 4
START_UNITS = 1_000
#: Rounds each start gets under each pricing before the most compact goes on, in
#: multiples of the default effort's rounds (counted in :data:`FIXED_REGROWS`).
SCREEN_REGROWS = 1


def least_clusters(instance: Instance, labels: np.ndarray) -> int:
    """The fewest clusters a plan can have: one per connected part that holds one."""
    comp = instance.adjacency.components()
    used = labels >= 0
    return len(np.unique(comp[used])) if used.any() else 0


def _plan_of(ctx: Context, labels: np.ndarray) -> Plan:
    plan = Plan(ctx)
    ids: dict[int, int] = {}
    for i, c in enumerate(labels.tolist()):
        if c < 0:
            continue
        if c not in ids:
            ids[c] = plan.new_cluster()
        plan.add(i, ids[c])
    return plan


def _bordering(plan: Plan) -> set[tuple[int, int]]:
    label, nbrs = plan.label, plan.ctx.nbrs
    pairs = set()
    for i, a in enumerate(label):
        if a < 0:
            continue
        for j in nbrs[i]:
            b = label[j]
            if b >= 0 and b != a:
                pairs.add((min(a, b), max(a, b)))
    return pairs


def fixed_count(
    instance: Instance, rules: Rules, labels: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Labels of exactly ``n`` clusters, from a valid plan's ``labels`` with at least ``n``.

    Raises
    ------
    InfeasibleError
        ``n`` is below the connected parts that each need a cluster, above the clusters of
        ``labels``, or no merge down to ``n`` keeps a hard ceiling.
    """
    found = len(np.unique(labels[labels >= 0]))
    least = least_clusters(instance, labels)
    if n < least:
        raise InfeasibleError(
            f"{n} cluster(s) cannot be made: the region falls into {least} parts that are "
            f"not joined (water without a link, or boundaries), and each needs a cluster of "
            f"its own; ask for at least {least}, or add links"
        )
    if n > found:
        raise InfeasibleError(f"{n} clusters were asked for, but the plan found only {found}")
    base = dataclasses.replace(Context.from_instance(instance, rules), to_centre=True)
    pricings = [dataclasses.replace(base, by_patients=b) for b in (False, True)]
    starts = [labels]
    if instance.n <= START_UNITS:  # more max-p plans to start from, where they are cheap
        for stream in spawn_streams(rng, STARTS - 1):
            more = solve_maxp(instance, rules, stream)
            if len(np.unique(more[more >= 0])) >= n:
                starts.append(more)
    nodes = [i for i in range(instance.n) if labels[i] >= 0]
    rounds = Effort.for_size(len(nodes)).total_regrows
    steps = min(FIXED_REGROWS * rounds, FIXED_REGROWS_MAX)
    screen = min(SCREEN_REGROWS * rounds, steps)
    tried: list[tuple[float, int, Plan]] = []
    for s, start in enumerate(starts):
        for ctx in pricings:
            try:
                plan = _merged(ctx, start, n)
            except InfeasibleError:
                if s == 0:  # the plan asked about: its merges are the explanation
                    raise
                continue  # another start that cannot be merged under the ceiling
            plan = regrow_fixed(plan, nodes, rng, screen)
            tried.append((_patient_km(instance, plan, nodes), len(tried), plan))
    # The most compact start for the patients regrows on and is polished, priced its own way.
    plan = min(tried)[2]
    plan = regrow_fixed(plan, nodes, rng, steps - screen)
    polish_moves(plan, nodes, rng, SWEEPS)
    return plan.labels(np.arange(instance.n))


def _merged(ctx: Context, labels: np.ndarray, n: int) -> Plan:
    """The plan of ``labels`` merged down to ``n`` clusters: always the two bordering
    clusters whose union costs the least extra (priced by ``ctx``)."""
    rules = ctx.rules
    plan = _plan_of(ctx, labels)
    travel = Travel(plan)

    def extra(a: int, b: int) -> float | None:
        if rules.too_big(plan.pat[a] + plan.pat[b]):
            return None
        merged = sorted(plan.members[a] | plan.members[b])
        return travel.of(merged) - travel.cluster(a) - travel.cluster(b)

    costs = {pair: extra(*pair) for pair in _bordering(plan)}
    while plan.k > n:
        allowed = [(cost, pair) for pair, cost in costs.items() if cost is not None]
        if not allowed:
            raise InfeasibleError(
                f"{n} clusters cannot be made under the hard ceiling of "
                f"{rules.max_patients:,} patients: every merge of two bordering clusters "
                f"of the {plan.k} found would break it; ask for at least {plan.k}, or make "
                "the ceiling soft"
            )
        _, (a, b) = min(allowed)
        for i in sorted(plan.members[b]):
            plan.move(i, a)
        travel.forget(a, b)
        costs = {pair: cost for pair, cost in costs.items() if a not in pair and b not in pair}
        for d in plan.neighbour_clusters(a):
            pair = (min(a, d), max(a, d))
            costs[pair] = extra(*pair)
    return plan


def _patient_km(instance: Instance, plan: Plan, nodes: list[int]) -> float:
    """The patient-weighted mean distance to the patient-weighted centre (the report's
    mean patient km), over ``nodes``: how the starts are compared."""
    idx = np.asarray(nodes)
    label = plan.labels(idx)
    pts = instance.xy[idx] / 1_000.0
    pat = instance.patients[idx].astype(float) + 1e-9
    centres = weighted_centres(label, pts, pat)
    return float(np.hypot(*(pts - centres[label]).T) @ pat / pat.sum())
