"""The free clinics farthest from their centre, found without a full scan each time."""

from __future__ import annotations

import numpy as np
import pytest

from planner.solve.construct import _Periphery


def _brute(xs: np.ndarray, ys: np.ndarray, alive: np.ndarray, count: int) -> list[int]:
    live = np.flatnonzero(alive)
    d = np.hypot(xs[live] - xs[live].mean(), ys[live] - ys[live].mean())
    return live[np.lexsort((live, -d))[:count]].tolist()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("count", [1, 3])
def test_farthest_matches_a_full_scan_as_clinics_are_taken(seed: int, count: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3_000
    towns = rng.normal(0, 40, (12, 2))  # clustered points, with exact duplicates
    xy = towns[rng.integers(12, size=n)] + rng.normal(0, 3, (n, 2))
    xy[::50] = xy[1::50][: len(xy[::50])]
    xs, ys = xy[:, 0].copy(), xy[:, 1].copy()
    free = _Periphery(xs, ys)
    while free.left:
        got = free.farthest(count)
        want = _brute(xs, ys, free.alive, count)
        dist = lambda p: np.hypot(xs[p] - xs[free.alive].mean(), ys[p] - ys[free.alive].mean())  # noqa: E731
        # the same clinics, or (duplicate sites) clinics at the same distance
        assert np.allclose([dist(p) for p in got], [dist(p) for p in want], atol=1e-9)
        assert all(free.alive[p] for p in got)
        # take a cluster-like bite around the first: it and its nearest free neighbours
        live = np.flatnonzero(free.alive)
        near = live[np.argsort(np.hypot(xs[live] - xs[got[0]], ys[live] - ys[got[0]]))[:7]]
        free.take(near.tolist())
        assert free.left == int(free.alive.sum())
