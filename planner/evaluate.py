"""The predicates a plan must satisfy, and the figures that say how good it is.

These functions are the test oracles: the tests, the benchmark and the outputs all use
them, so a plan is judged the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.adjacency import Adjacency
from planner.rules import Rules

__all__ = [
    "ClusterFigures",
    "check_plan",
    "cluster_figures",
    "compactness",
    "part_upper_bound",
    "upper_bound",
]


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


def upper_bound(patients: np.ndarray, rules: Rules) -> int:
    """``floor(total patients / min_patients)``: no plan can have more clusters."""
    return int(np.asarray(patients).sum()) // rules.min_patients


def part_upper_bound(adjacency: Adjacency, patients: np.ndarray, rules: Rules) -> int:
    """The tighter bound: the sum over connected parts of ``floor(part / min_patients)``."""
    comp = adjacency.components()
    totals = np.bincount(comp, weights=np.asarray(patients, dtype=float))
    return int(np.sum(np.floor(totals / rules.min_patients + 1e-9)))


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
    centre = (pts * (pat + 1e-9)[:, None]).sum(axis=0) / (pat.sum() + 1e-9 * len(pat))
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
