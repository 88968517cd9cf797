"""Neighbouring territories: whole Voronoi cells by their shared ridge, clipped ones by
intersecting their boundaries; both must agree with measuring every pair."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from planner.geography.territories import (
    MIN_SHARED_BORDER_M,
    _border_edges,
    _home_pieces,
    _voronoi_cells,
)


def _measured(pieces: np.ndarray) -> list[tuple[int, int]]:
    out = []
    for i in range(len(pieces)):
        for j in range(i + 1, len(pieces)):
            shared = shapely.intersection(shapely.boundary(pieces[i]), shapely.boundary(pieces[j]))
            overlap = shapely.intersection(pieces[i], pieces[j]).area > 1.0
            if shared.length >= MIN_SHARED_BORDER_M or overlap:
                out.append((i, j))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_edges_match_measuring_every_pair(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sites = np.unique(np.round(rng.uniform(0, 20_000, (120, 2))), axis=0)
    # a coast with a bay: many cells are clipped, the rest stay whole
    land = shapely.difference(
        shapely.Point(10_000, 10_000).buffer(9_000), shapely.box(8_000, 14_000, 12_000, 20_000)
    )
    inland = shapely.contains(land, shapely.points(sites))
    sites = sites[inland]
    pieces, whole = _home_pieces(_voronoi_cells(sites, land), sites, land)
    assert whole.any() and (~whole).any()
    assert _border_edges(pieces, whole) == _measured(pieces)
