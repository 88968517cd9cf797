"""Upper bounds on the number of clusters: no plan of a region can have more.

:func:`tight_upper_bound` is the bound every report and benchmark quotes ("of at most N");
it lives here, below every stage, because the solver reads it too (the finisher of
:mod:`planner.solve.finish` runs only where a part is short of it).
"""

from __future__ import annotations

import numpy as np

from planner.core.adjacency import Adjacency
from planner.core.rules import Rules
from planner.core.sizes import members_by_label

__all__ = ["part_upper_bound", "set_bound", "tight_upper_bound", "upper_bound"]


def upper_bound(patients: np.ndarray, rules: Rules, doctors: np.ndarray | None = None) -> int:
    """``floor(total patients / min_patients)``: no plan can have more clusters.

    With ``rules.min_doctors`` set, pass ``doctors`` for a bound that counts clusters
    valid by their GPs too (see :meth:`Rules.size_bound`).
    """
    gps = 0 if doctors is None else int(np.asarray(doctors).sum())
    return rules.size_bound(int(np.asarray(patients).sum()), gps)


def part_upper_bound(
    adjacency: Adjacency,
    patients: np.ndarray,
    rules: Rules,
    doctors: np.ndarray | None = None,
) -> int:
    """The tighter bound: the sum over connected parts of ``floor(part / min_patients)``."""
    comp = adjacency.components()
    pat = np.bincount(comp, weights=np.asarray(patients, dtype=float)).round().astype(int)
    gps = np.zeros_like(pat) if doctors is None else np.bincount(comp, weights=doctors).round()
    return sum(rules.size_bound(int(p), int(g)) for p, g in zip(pat, gps, strict=True))


def set_bound(pat: np.ndarray, gps: np.ndarray, rules: Rules) -> int:
    """Size bound of one set of clinics, counting self-sufficient clinics apart.

    A clinic that meets the size rule on its own lies in one cluster, whatever else that
    cluster holds; so at most ``|big| + size_bound(the other clinics)`` clusters fit.
    """
    plain = rules.size_bound(int(pat.sum()), int(gps.sum()))
    big = pat >= rules.min_patients
    if rules.min_doctors is not None:
        big |= gps >= rules.min_doctors
    if not big.any():
        return plain
    rest = rules.size_bound(int(pat[~big].sum()), int(gps[~big].sum()))
    return min(plain, int(big.sum()) + rest)


def tight_upper_bound(
    adjacency: Adjacency,
    patients: np.ndarray,
    rules: Rules,
    doctors: np.ndarray | None = None,
) -> int:
    """A bound at least as tight as :func:`part_upper_bound`.

    Per connected part, the least of:

    - the part's size bound, where every clinic that meets the size rule alone counts as
      at most one cluster however many patients it has (the others are summed);
    - for every cut vertex ``v`` that splits the part into sides ``S_1..S_r``:
      ``1 + sum_i bound(S_i)``, since every cluster but the one holding ``v`` lies inside
      one side.

    One depth-first search per part finds the cut vertices and, from sums over the
    search tree, the totals of every side (linear in the clinics and edges).
    """
    pat = np.asarray(patients, dtype=np.int64)
    gps = np.zeros_like(pat) if doctors is None else np.asarray(doctors, dtype=np.int64)
    big = pat >= rules.min_patients
    if rules.min_doctors is not None:
        big |= gps >= rules.min_doctors
    # per clinic: patients, GPs, the same for clinics not big enough alone, big ones
    own = np.column_stack([pat, gps, np.where(big, 0, pat), np.where(big, 0, gps), big])
    comp = adjacency.components()
    total = 0
    for nodes in members_by_label(comp).values():
        part = own[nodes].sum(axis=0)
        best = _bound_of(part, rules)
        if len(nodes) > 2:
            for sides in _cut_sides(adjacency, int(nodes[0]), own, part):
                best = min(best, 1 + sum(_bound_of(side, rules) for side in sides))
        total += best
    return total


def _bound_of(sums: np.ndarray, rules: Rules) -> int:
    """:func:`set_bound` from a set's totals (patients, GPs, the same for the clinics
    not big enough alone, and how many are)."""
    p, g, p_small, g_small, n_big = (int(v) for v in sums)
    plain = rules.size_bound(p, g)
    if not n_big:
        return plain
    return min(plain, n_big + rules.size_bound(p_small, g_small))


def _cut_sides(
    adjacency: Adjacency, root: int, own: np.ndarray, part: np.ndarray
) -> list[list[np.ndarray]]:
    """For every cut vertex of the part holding ``root``: the totals of each side.

    An iterative depth-first search (Hopcroft-Tarjan): child ``c`` of ``v`` with
    ``low[c] >= disc[v]`` hangs below ``v`` as one side (its subtree); what is left of the
    part without ``v`` and those subtrees is one more side when not empty.
    """
    ip, ix = adjacency.indptr, adjacency.indices.tolist()
    vals = own.tolist()
    disc: dict[int, int] = {root: 0}
    low: dict[int, int] = {root: 0}
    sub: dict[int, list[int]] = {root: list(vals[root])}
    hung: dict[int, list[list[int]]] = {}  # v -> subtrees of the children it cuts off
    stack = [(root, -1, int(ip[root]))]
    while stack:
        v, parent, k = stack[-1]
        end = int(ip[v + 1])
        if k < end:
            stack[-1] = (v, parent, k + 1)
            w = ix[k]
            if w not in disc:
                disc[w] = low[w] = len(disc)
                sub[w] = list(vals[w])
                stack.append((w, v, int(ip[w])))
            elif w != parent:
                low[v] = min(low[v], disc[w])
            continue
        stack.pop()
        if parent < 0:
            continue
        low[parent] = min(low[parent], low[v])
        mine, up = sub[v], sub[parent]
        for q in range(len(up)):
            up[q] += mine[q]
        if low[v] >= disc[parent]:
            hung.setdefault(parent, []).append(mine)
    out = []
    whole = part.tolist()
    for v, below in hung.items():
        if v == root and len(below) < 2:
            continue  # the root cuts only with two subtrees or more
        sides = [np.asarray(b) for b in below]
        rest = [whole[q] - vals[v][q] - sum(b[q] for b in below) for q in range(len(whole))]
        if v != root:
            sides.append(np.asarray(rest))
        out.append(sides)
    return out
