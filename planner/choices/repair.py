"""Small moves on a finished plan: the checks and helpers shared by the repairs.

A repair moves a few clinics between clusters after the solver has run (to keep a pair
apart, to send an island across its cheapest link, to make a current plan valid).  A move
is allowed only when the cluster it leaves stays contiguous and meets the size rule.
"""

from __future__ import annotations

import numpy as np

from planner.core.adjacency import Adjacency
from planner.core.sizes import Sizes

__all__ = ["neighbour_clusters", "stays_valid"]


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
