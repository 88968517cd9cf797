"""Applying clinics' choices around any solver.

Locked existing clusters are fixed before solving (topped up with neighbours when asked);
groups that must stay together become one node of the solver's instance (patients and
GPs summed, patient-weighted position) and are expanded after; pairs that must stay apart
are checked after solving and repaired by moving one clinic to a neighbouring cluster; a
small island goes to the cluster across its cheapest link.  What cannot be honoured is
listed as a conflict, never silently broken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from planner.choices.apart import cheapest_links, move_apart
from planner.choices.outcome import Conflict, Context, Solved
from planner.choices.repair import neighbour_clusters
from planner.core.adjacency import Adjacency
from planner.core.choices import Choices
from planner.core.errors import InfeasibleError
from planner.core.instance import Instance
from planner.core.reasons import Reason
from planner.core.sizes import Sizes, relabel_map, weighted_centres

__all__ = ["Conflict", "Solved", "solve_with_choices"]

log = logging.getLogger(__name__)

SolveFn = Callable[[Instance], np.ndarray]


def _locked_members(ctx: Context) -> dict[str, list[int]]:
    """Locked clusters by name (existing clusters, reviewers' proposals applied)."""
    current = {ctx.pos[c]: k for c, k in ctx.choices.existing.items() if c in ctx.pos}
    for clinic, target in sorted(ctx.choices.proposed.items()):
        if clinic not in ctx.pos:
            continue
        i = ctx.pos[clinic]
        others = [j for j, k in current.items() if k == target and j != i]
        if others and not any(current.get(int(j)) == target for j in ctx.adj.neighbours(i)):
            ctx.conflict(
                "proposal",
                [i],
                Reason(
                    "proposal_unknown", {"target": target, "where": Reason("where_not_bordering")}
                ),
            )
            continue
        current[i] = target
    members: dict[str, list[int]] = {}
    for i, k in sorted(current.items()):
        members.setdefault(k, []).append(i)
    return members


def _largest_piece(ctx: Context, name: str, nodes: list[int]) -> list[int]:
    nodes_arr = np.asarray(nodes)
    if ctx.adj.subgraph_connected(nodes_arr):
        return nodes
    inside = np.zeros(ctx.adj.n, dtype=bool)
    inside[nodes_arr] = True
    pieces, seen = [], set()
    for i in nodes:
        if i not in seen:
            piece = sorted(ctx.reachable(i, inside))
            seen.update(piece)
            pieces.append(piece)
    pieces.sort(key=lambda p: (-int(ctx.sizes.patients[p].sum()), p[0]))
    dropped = [i for p in pieces[1:] for i in p]
    ctx.conflict(
        "locked cluster",
        dropped,
        Reason("locked_split", {"name": name, "n": len(dropped)}),
    )
    return pieces[0]


def _top_up(ctx: Context, nodes: list[int], free: np.ndarray) -> list[int]:
    """Add free neighbours nearest the cluster's centre until it meets the size rule."""
    members = list(nodes)
    sizes = ctx.sizes
    while not sizes.big_enough(np.asarray(members)):
        frontier = sorted(
            {int(j) for i in members for j in ctx.adj.neighbours(i) if free[j]} - set(members)
        )
        if not frontier:
            break
        weights = sizes.patients[members].astype(float) + 1.0
        centre = weighted_centres(np.zeros(len(members), int), sizes.xy[members], weights)[0]
        pick = min(frontier, key=lambda j: (float(np.hypot(*(sizes.xy[j] - centre))), j))
        members.append(pick)
        free[pick] = False
    return members


def _fix_locked(ctx: Context, free: np.ndarray) -> int:
    """Give every locked cluster its label; returns the number of labels used."""
    locked = {k: _largest_piece(ctx, k, v) for k, v in _locked_members(ctx).items()}
    for nodes in locked.values():
        free[nodes] = False
    label = 0
    for name, nodes in sorted(locked.items()):
        small = not ctx.sizes.big_enough(np.asarray(nodes))
        if small and ctx.choices.lock == "top_up":
            before = len(nodes)
            nodes = _top_up(ctx, nodes, free)
            if len(nodes) > before:
                log.info("locked cluster %s topped up with %d clinic(s)", name, len(nodes) - before)
            small = not ctx.sizes.big_enough(np.asarray(nodes))
        if small:
            p = int(ctx.sizes.patients[nodes].sum())
            how = Reason("how_keep" if ctx.choices.lock == "keep" else "how_no_free")
            ctx.conflict(
                "locked cluster",
                nodes,
                Reason("locked_small", {"name": name, "patients": p, "how": how}),
            )
        if ctx.sizes.too_big(np.asarray(nodes)):
            ctx.conflict("locked cluster", nodes, Reason("locked_big", {"name": name}))
        ctx.out.labels[nodes] = label
        ctx.out.names[label] = name
        label += 1
    return label


def _group_nodes(ctx: Context, free: np.ndarray) -> list[list[int]]:
    """Clinics to contract: each group with the free clinics joining its members."""
    merged: list[list[int]] = []
    for name, members in sorted(ctx.choices.groups.items()):
        nodes = [ctx.pos[c] for c in members if c in ctx.pos]
        closing = [c for c in members if c not in ctx.pos]
        if closing:
            ctx.out.conflicts.append(
                Conflict.of("group", "; ".join(closing), Reason("group_closing", {"name": name}))
            )
        locked = [i for i in nodes if not free[i]]
        if locked:
            ctx.conflict(
                "group",
                nodes,
                Reason("group_locked", {"name": name}),
            )
        nodes = [i for i in nodes if free[i]]
        while nodes:
            parent = ctx.reachable(nodes[0], free)
            reached = [i for i in nodes if i in parent]
            chain = set(reached)
            for i in reached:
                while parent[i] != i:
                    i = parent[i]
                    chain.add(i)
            merged.append(sorted(chain))
            nodes = [i for i in nodes if i not in parent]
            if nodes:
                ctx.conflict(
                    "group",
                    nodes,
                    Reason("group_apart", {"name": name}),
                )
    return merged


def _contract(
    ctx: Context, free: np.ndarray, groups: list[list[int]]
) -> tuple[Instance, np.ndarray]:
    """The solver's instance over free clinics, groups contracted to one node each."""
    n = ctx.adj.n
    root = np.arange(n)
    for nodes in groups:
        root[nodes] = min(nodes)
    # Chains of overlapping groups collapse to one node.
    for _ in range(len(groups)):
        changed = False
        for nodes in groups:
            low = int(root[nodes].min())
            if (root[nodes] != low).any():
                root[np.isin(root, root[nodes])] = low
                changed = True
        if not changed:
            break
    order = np.flatnonzero(free)
    roots, node_of_free = np.unique(root[order], return_inverse=True)
    node = np.full(n, -1, dtype=np.int64)
    node[order] = node_of_free.reshape(-1)
    k = len(roots)
    sizes = ctx.sizes
    w = sizes.patients[order].astype(float) + 1.0
    xy = weighted_centres(node[order], sizes.xy[order], w, k)
    instance = Instance.from_arrays(
        ctx.adj.quotient(node, k),
        np.bincount(node[order], weights=sizes.patients[order], minlength=k),
        xy,
        np.bincount(node[order], weights=sizes.doctors[order], minlength=k),
    )
    return instance, node


def _solve_free(ctx: Context, free: np.ndarray, offset: int, solve: SolveFn) -> None:
    if not free.any():
        return
    instance, node = _contract(ctx, free, _group_nodes(ctx, free))
    labels = solve(instance)  # judged by the solver's caller (evaluate.checks.checked)
    idx = np.flatnonzero(free)
    got = labels[node[idx]]
    _check_ceiling(ctx, idx, got)
    ctx.out.labels[idx] = np.where(got >= 0, got + offset, -1)


def _check_ceiling(ctx: Context, idx: np.ndarray, got: np.ndarray, shown: int = 5) -> None:
    """Raise :class:`InfeasibleError` when a cluster of the free clinics (positions ``idx``,
    labels ``got``) is above a hard ceiling, naming each by its largest clinic."""
    rules = ctx.sizes.rules
    patients = ctx.sizes.patients[idx]
    totals = np.bincount(got[got >= 0], weights=patients[got >= 0])
    over = sorted((c for c, t in enumerate(totals.tolist()) if rules.too_big(int(t))),
                  key=lambda c: -totals[c])  # fmt: skip
    if not over:
        return
    described = []
    for c in over[:shown]:
        members = idx[got == c]
        largest = ctx.ids[members[np.argmax(ctx.sizes.patients[members])]]
        described.append(
            f"{int(totals[c]):,} patients in the cluster of {largest} and "
            f"{len(members) - 1} other clinic(s)"
        )
    if len(over) > shown:
        described.append(f"and {len(over) - shown} more")
    raise InfeasibleError(
        f"no plan was found that keeps every cluster at or under the hard ceiling of "
        f"{rules.max_patients:,} patients: the best plan found has {len(over)} of "
        f"{len(totals)} cluster(s) above it ({'; '.join(described)}); raise max_patients "
        "(--max-patients), or make the ceiling soft (--max-soft) so it is pursued without "
        "being required"
    )


def _absorb_pockets(ctx: Context, n_locked: int) -> None:
    """Clinics left between locked clusters: join one in top-up mode, else say why."""
    labels = ctx.out.labels
    pending = [int(i) for i in np.flatnonzero(labels < 0)]
    while pending:
        cent = ctx.sizes.centres(labels)
        moved = False
        for i in pending:
            near = [c for c in neighbour_clusters(ctx.adj, labels, np.array([i])) if c < n_locked]
            if not near or ctx.choices.lock != "top_up":
                continue
            labels[i] = min(near, key=lambda c: (float(np.hypot(*(ctx.sizes.xy[i] - cent[c]))), c))
            moved = True
        pending = [i for i in pending if labels[i] < 0]
        if not moved:
            break
    for i in pending:
        near = [c for c in neighbour_clusters(ctx.adj, labels, np.array([i])) if c < n_locked]
        if near:
            names = ", ".join(sorted({ctx.out.names[c] for c in near}))
            ctx.out.reasons[i] = Reason("enclosed", {"names": names})


def solve_with_choices(
    ids: Sequence[str] | np.ndarray,
    adjacency: Adjacency,
    sizes: Sizes,
    choices: Choices,
    solve: SolveFn,
    *,
    links: list[tuple[int, int, float]] | None = None,
) -> Solved:
    """Plan the clinics honouring their choices.

    Parameters
    ----------
    ids
        Clinic id per position (the clinics closing already removed).
    adjacency
        The graph the plan may use (boundaries already cut).
    sizes
        Patients, GPs, coordinates and rules.
    choices
        Locked clusters, groups, pairs kept apart, proposals.
    solve
        ``solve(instance) -> labels``: the solver with its options bound.
    links
        Links across water as ``(position_a, position_b, travel)``.

    Returns
    -------
    Solved
        Labels ``0..k-1`` (``-1`` left out), locked clusters' names by label, conflicts
        and reasons for clinics left out because of a choice.
    """
    ctx = Context(ids, adjacency, sizes, choices)
    free = np.ones(adjacency.n, dtype=bool)
    n_locked = _fix_locked(ctx, free)
    pinned = ~free.copy()
    for members in choices.groups.values():
        pinned[[ctx.pos[c] for c in members if c in ctx.pos]] = True
    _solve_free(ctx, free, n_locked, solve)
    _absorb_pockets(ctx, n_locked)
    move_apart(ctx, pinned)
    cheapest_links(ctx, links or [], pinned)
    labels, mapping = relabel_map(ctx.out.labels)
    ctx.out.labels = labels
    ctx.out.names = {mapping[k]: v for k, v in ctx.out.names.items() if k in mapping}
    return ctx.out
