"""Small moves on a finished plan: the checks and helpers shared by the repairs.

A repair moves a few clinics between clusters after the solver has run (to keep a pair
apart, to send an island across its cheapest link, to make a current plan valid).  A move
is allowed only when the cluster it leaves stays contiguous and meets the size rule.
"""

from __future__ import annotations

import numpy as np

from planner.core.adjacency import Adjacency
from planner.core.rules import Rules

__all__ = ["Sizes", "centres", "compact_labels", "neighbour_clusters", "stays_valid"]


class Sizes:
    """Patients, GPs and coordinates per clinic position, with the rules."""

    def __init__(
        self, patients: np.ndarray, doctors: np.ndarray, xy: np.ndarray, rules: Rules
    ) -> None:
        self.patients = np.asarray(patients, dtype=np.int64)
        self.doctors = np.asarray(doctors, dtype=np.int64)
        self.xy = np.asarray(xy, dtype=float)
        self.rules = rules

    def big_enough(self, nodes: np.ndarray) -> bool:
        """Whether these clinics together meet the size rule."""
        return self.rules.big_enough(
            int(self.patients[nodes].sum()), int(self.doctors[nodes].sum())
        )

    def too_big(self, nodes: np.ndarray) -> bool:
        """Whether these clinics together break a hard ceiling."""
        return self.rules.too_big(int(self.patients[nodes].sum()))


def stays_valid(
    adjacency: Adjacency, labels: np.ndarray, leaving: np.ndarray, sizes: Sizes
) -> bool:
    """Whether the cluster of ``leaving`` stays contiguous and big enough without them."""
    c = labels[leaving[0]]
    rest = np.setdiff1d(np.flatnonzero(labels == c), leaving)
    return len(rest) > 0 and sizes.big_enough(rest) and adjacency.subgraph_connected(rest)


def neighbour_clusters(adjacency: Adjacency, labels: np.ndarray, nodes: np.ndarray) -> list[int]:
    """Clusters (labels >= 0) bordering these clinics, other than their own."""
    own = set(labels[nodes].tolist())
    found = {int(labels[j]) for i in nodes for j in adjacency.neighbours(int(i)) if labels[j] >= 0}
    return sorted(found - own)


def centres(labels: np.ndarray, xy: np.ndarray, patients: np.ndarray) -> dict[int, np.ndarray]:
    """Patient-weighted centre of every cluster."""
    w = np.asarray(patients, dtype=float) + 1.0
    return {
        int(c): np.average(xy[labels == c], axis=0, weights=w[labels == c])
        for c in np.unique(labels[labels >= 0])
    }


def compact_labels(labels: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Renumber labels ``0..k-1`` in order of first use; ``-1`` stays; returns the map."""
    out = np.full(len(labels), -1, dtype=np.int64)
    mapping: dict[int, int] = {}
    for i, c in enumerate(labels.tolist()):
        if c < 0:
            continue
        if c not in mapping:
            mapping[c] = len(mapping)
        out[i] = mapping[c]
    return out, mapping
