"""Seeded synthetic regions of clinics: towns and rural scatter, Delaunay contiguity.

Used by the benchmark and the tests.  The density follows Denmark (about 25 km^2 per
clinic); about 60 % of clinics sit in towns of Zipf-like sizes, the rest are scattered;
patients per clinic are log-normal with a mean near 3,600.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import Delaunay

from planner.core.adjacency import Adjacency
from planner.core.instance import Instance

__all__ = ["danish_like", "delaunay_adjacency", "random_small"]

KM2_PER_CLINIC = 25.0
TOWN_SHARE = 0.6
MEAN_PATIENTS = 3_600.0


def delaunay_adjacency(xy: np.ndarray) -> Adjacency:
    """Contiguity from the Delaunay triangulation of the points (metres)."""
    n = len(xy)
    if n < 3:
        return Adjacency.from_edges(n, [(i, i + 1) for i in range(n - 1)])
    tri = Delaunay(xy)
    s = tri.simplices
    edges = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    return Adjacency.from_edges(n, map(tuple, edges.tolist()))


def danish_like(n: int, seed: int = 0) -> Instance:
    """A Danish-like region of ``n`` clinics.

    Parameters
    ----------
    n
        Number of clinics.
    seed
        Seed; the same seed gives the same region.

    Returns
    -------
    Instance
        With Delaunay contiguity, patients and GPs.

    Examples
    --------
    >>> inst = danish_like(300, seed=1)
    >>> inst.n, bool(3_000 < inst.patients.mean() < 4_200)
    (300, True)
    """
    rng = np.random.default_rng(seed)
    side = np.sqrt(n * KM2_PER_CLINIC) * 1_000.0
    n_town = round(TOWN_SHARE * n)
    n_towns = max(1, n // 40)
    weights = 1.0 / np.arange(1, n_towns + 1) ** 1.1
    per_town = rng.multinomial(n_town, weights / weights.sum())
    centres = rng.uniform(0.1 * side, 0.9 * side, size=(n_towns, 2))
    pts = [rng.uniform(0, side, size=(n - n_town, 2))]
    for c, m in zip(centres, per_town, strict=True):
        spread = 600.0 * np.sqrt(max(m, 1))
        pts.append(c + rng.normal(0, spread, size=(m, 2)))
    xy = np.clip(np.vstack(pts), 0, side)
    xy += rng.uniform(-1, 1, size=xy.shape)  # no two clinics on one spot
    sigma = 0.5
    patients = rng.lognormal(np.log(MEAN_PATIENTS) - sigma**2 / 2, sigma, n)
    patients = np.clip(np.round(patients), 300, 20_000).astype(np.int64)
    doctors = np.maximum(1, np.round(patients / 1_600 + rng.normal(0, 0.4, n))).astype(np.int64)
    return Instance.from_arrays(delaunay_adjacency(xy), patients, xy, doctors)


def random_small(n: int, seed: int = 0, threshold: int = 30_000) -> Instance:
    """A small random instance for exact comparisons: ``n`` clinics in a square.

    Sizes are drawn so that about ``n / 6`` clusters of ``threshold`` fit.
    """
    rng = np.random.default_rng(seed)
    side = np.sqrt(n * KM2_PER_CLINIC) * 1_000.0
    xy = rng.uniform(0, side, size=(n, 2))
    mean = threshold / 6.0
    patients = np.clip(np.round(rng.lognormal(np.log(mean) - 0.18, 0.6, n)), 200, None)
    doctors = np.maximum(1, np.round(patients / 1_600)).astype(np.int64)
    return Instance.from_arrays(delaunay_adjacency(xy), patients.astype(np.int64), xy, doctors)
