"""The predicates a plan must satisfy, and the figures that say how good it is.

These functions are the test oracles: the tests, the benchmark and the outputs all use
them, so a plan is judged the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from planner.core.adjacency import Adjacency, mask_connected
from planner.core.bounds import part_upper_bound, tight_upper_bound, upper_bound
from planner.core.errors import PlannerError
from planner.core.instance import Instance, Progress
from planner.core.rules import Rules
from planner.core.sizes import weighted_centres
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
