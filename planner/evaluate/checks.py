"""The predicates a plan must satisfy, and the figures that say how good it is.

These functions are the test oracles: the tests, the benchmark and the outputs all use
them, so a plan is judged the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from planner.core.adjacency import Adjacency, mask_connected
from planner.core.errors import PlannerError
from planner.core.instance import Instance, Progress
from planner.core.rules import Rules
from planner.core.sizes import members_by_label, weighted_centres
from planner.solve.contract import Outcome, Solver

__all__ = [
    "CheckedSolver",
    "ClusterFigures",
    "can_split",
    "check_plan",
    "checked",
    "cluster_figures",
    "compactness",
    "part_upper_bound",
    "splittable_clusters",
    "tight_upper_bound",
    "upper_bound",
]

#: Clusters up to this many clinics are checked for a split exhaustively.
SPLIT_EXACT_MAX = 20


def check_plan(
    adjacency: Adjacency,
    labels: np.ndarray,
    patients: np.ndarray,
    rules: Rules,
    doctors: np.ndarray | None = None,
) -> list[str]:
    """Every way the plan breaks the rules, in words; an empty list means valid.

    Checks coverage (one label per clinic; ``-1`` marks a clinic left out on purpose),
    that clusters are numbered ``0..k-1``, that every cluster is contiguous on the graph
    and that every cluster meets the size rule.

    Examples
    --------
    >>> adj = Adjacency.from_edges(3, [(0, 1), (1, 2)])
    >>> check_plan(adj, np.array([0, 1, 0]), np.array([5, 5, 5]), Rules(min_patients=5))
    ['cluster 0 is not contiguous (2 clinics)']
    """
    labels = np.asarray(labels)
    problems: list[str] = []
    if labels.shape != (adjacency.n,):
        return [f"expected {adjacency.n} labels, got shape {labels.shape}"]
    if (labels < -1).any():
        problems.append("labels below -1")
    used = np.unique(labels[labels >= 0])
    k = int(used.max()) + 1 if len(used) else 0
    if len(used) != k:
        problems.append(f"cluster numbers are not 0..{k - 1}")
    for c in used:
        nodes = np.flatnonzero(labels == c)
        if not adjacency.subgraph_connected(nodes):
            problems.append(f"cluster {c} is not contiguous ({len(nodes)} clinics)")
        total = int(np.asarray(patients)[nodes].sum())
        gps = int(np.asarray(doctors)[nodes].sum()) if doctors is not None else 0
        if not rules.big_enough(total, gps):
            problems.append(f"cluster {c} holds {total} patients, below {rules.min_patients}")
        if rules.too_big(total):
            problems.append(f"cluster {c} holds {total} patients, above {rules.max_patients}")
    return problems


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


def _set_bound(pat: np.ndarray, gps: np.ndarray, rules: Rules) -> int:
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
    """:func:`_set_bound` from a set's totals (patients, GPs, the same for the clinics
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


def can_split(
    adjacency: Adjacency,
    nodes: np.ndarray,
    patients: np.ndarray,
    rules: Rules,
    doctors: np.ndarray | None = None,
) -> bool | None:
    """Whether the clinics ``nodes`` can be split into two valid contiguous clusters.

    Exact (every bipartition is tried) for up to :data:`SPLIT_EXACT_MAX` clinics; for more,
    ``False`` when the sizes rule a split out and ``None`` (unknown) otherwise.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    pat = np.asarray(patients, dtype=np.int64)[nodes]
    gps = np.zeros_like(pat) if doctors is None else np.asarray(doctors, dtype=np.int64)[nodes]
    if rules.size_bound(int(pat.sum()), int(gps.sum())) < 2:
        return False
    m = len(nodes)
    if m > SPLIT_EXACT_MAX:
        return None
    pos = {int(g): i for i, g in enumerate(nodes)}
    nb = [0] * m
    for i, g in enumerate(nodes.tolist()):
        for j in adjacency.neighbours(g):
            if int(j) in pos:
                nb[i] |= 1 << pos[int(j)]
    # Every bipartition once: the side holding clinic 0 is 1 + 2 * mask.
    masks = np.arange(1 << (m - 1), dtype=np.int64) * 2 + 1
    side_p = np.zeros(len(masks), dtype=np.int64)
    side_g = np.zeros(len(masks), dtype=np.int64)
    for b in range(m):
        bit = (masks >> b) & 1
        side_p += bit * pat[b]
        side_g += bit * gps[b]
    ok = rules.valid_sizes(side_p, side_g) & rules.valid_sizes(
        pat.sum() - side_p, gps.sum() - side_g
    )
    full = (1 << m) - 1
    return any(mask_connected(int(s), nb) and mask_connected(full ^ int(s), nb) for s in masks[ok])


def splittable_clusters(
    adjacency: Adjacency,
    labels: np.ndarray,
    patients: np.ndarray,
    rules: Rules,
    doctors: np.ndarray | None = None,
) -> list[int]:
    """Clusters of a plan that provably split into two valid contiguous clusters.

    A plan that maximises the number of clusters has none.  Clusters larger than
    :data:`SPLIT_EXACT_MAX` clinics are only flagged when the check is decisive.
    """
    labels = np.asarray(labels)
    return [
        int(c)
        for c in np.unique(labels[labels >= 0])
        if can_split(adjacency, np.flatnonzero(labels == c), patients, rules, doctors)
    ]


@dataclass(frozen=True)
class ClusterFigures:
    """Per-cluster compactness and size figures (distances in km)."""

    patients: int
    doctors: int
    clinics: int
    meeting: int  # position of the meeting clinic (least GP-weighted travel)
    mean_gp_km: float  # GP-weighted mean distance to the meeting clinic
    max_km: float  # farthest clinic from the meeting clinic
    mean_patient_km: float  # patient-weighted mean distance to the patient-weighted centre
    diameter_km: float  # largest distance between two clinics of the cluster


def cluster_figures(
    nodes: np.ndarray, xy: np.ndarray, patients: np.ndarray, doctors: np.ndarray
) -> ClusterFigures:
    """Figures of one cluster given its clinic positions (coordinates in metres)."""
    nodes = np.asarray(nodes)
    pts = xy[nodes] / 1_000.0
    gp = np.maximum(doctors[nodes].astype(float), 1e-9)
    pat = patients[nodes].astype(float)
    dist = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    travel = dist @ gp
    m = int(np.argmin(travel))
    centre = weighted_centres(np.zeros(len(pts), int), pts, pat + 1e-9)[0]
    to_centre = np.hypot(*(pts - centre).T)
    return ClusterFigures(
        patients=int(pat.sum()),
        doctors=int(doctors[nodes].sum()),
        clinics=len(nodes),
        meeting=int(nodes[m]),
        mean_gp_km=float(travel[m] / gp.sum()),
        max_km=float(dist[m].max()),
        mean_patient_km=float((to_centre * pat).sum() / max(pat.sum(), 1.0)),
        diameter_km=float(dist.max()),
    )


def compactness(
    labels: np.ndarray, xy: np.ndarray, patients: np.ndarray, doctors: np.ndarray
) -> dict[str, float]:
    """Plan-wide compactness figures (km) over the clusters of a plan.

    ``mean_gp_km`` is GP-weighted over all clustered clinics; ``max_km`` the largest
    distance from a clinic to its meeting clinic; ``mean_patient_km`` patient-weighted;
    ``mean_diameter_km`` the mean over clusters.
    """
    labels = np.asarray(labels)
    figs = [
        cluster_figures(np.flatnonzero(labels == c), xy, patients, doctors)
        for c in np.unique(labels[labels >= 0])
    ]
    if not figs:
        return {"mean_gp_km": 0.0, "max_km": 0.0, "mean_patient_km": 0.0, "mean_diameter_km": 0.0}
    gps = np.array([f.doctors for f in figs], dtype=float)
    pats = np.array([f.patients for f in figs], dtype=float)
    return {
        "mean_gp_km": float(np.dot([f.mean_gp_km for f in figs], gps) / max(gps.sum(), 1e-9)),
        "max_km": float(max(f.max_km for f in figs)),
        "mean_patient_km": float(
            np.dot([f.mean_patient_km for f in figs], pats) / max(pats.sum(), 1e-9)
        ),
        "mean_diameter_km": float(np.mean([f.diameter_km for f in figs])),
    }


class CheckedSolver(Protocol):
    """A solver bound to its rules: ``solve(instance, rng, *, time_limit, progress)``."""

    def __call__(
        self,
        instance: Instance,
        rng: np.random.Generator,
        *,
        time_limit: float | None = None,
        progress: Progress | None = None,
    ) -> Outcome: ...


def checked(solver: Solver, rules: Rules) -> CheckedSolver:
    """``solver`` under ``rules``, its every plan judged by :func:`check_plan`.

    A plan that breaks a rule other than a hard ceiling is a solver bug and must never
    reach a planner as a proposal: it raises.  (A plan above a hard ceiling is the
    caller's to explain: no valid plan may exist.)
    """

    def solve(
        instance: Instance,
        rng: np.random.Generator,
        *,
        time_limit: float | None = None,
        progress: Progress | None = None,
    ) -> Outcome:
        outcome = solver(instance, rules, rng, time_limit=time_limit, progress=progress)
        problems = check_plan(
            instance.adjacency, outcome.labels, instance.patients, rules, instance.doctors
        )
        broken = [p for p in problems if "above" not in p]
        if broken:
            raise PlannerError("the solver produced an invalid plan: " + "; ".join(broken))
        return outcome

    return solve
