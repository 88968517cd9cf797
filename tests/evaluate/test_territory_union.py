"""A cluster's territory: pieces joined along shared edges, or overlaid where they overlap."""

from __future__ import annotations

import numpy as np
import shapely

from planner.evaluate.figures import territory_union


def _voronoi(seed: int, n: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(rng.uniform(0, 1_000, (n, 2)))
    cells = shapely.voronoi_polygons(pts, extend_to=shapely.box(-100, -100, 1_100, 1_100))
    land = shapely.Point(500, 500).buffer(450)
    return shapely.intersection(np.asarray(shapely.get_parts(cells)), land)


def test_a_coverage_is_joined_exactly_as_an_overlay_would() -> None:
    for seed in range(4):
        pieces = _voronoi(seed)
        got = territory_union(pieces[::2])
        want = shapely.union_all(pieces[::2])
        assert got.is_valid
        assert shapely.symmetric_difference(got, want).area < 1e-6
        assert abs(got.area - shapely.area(pieces[::2]).sum()) < 1e-6


def test_overlapping_pieces_are_overlaid() -> None:
    a, b = shapely.box(0, 0, 10, 10), shapely.box(5, 0, 15, 10)  # overlap by half
    got = territory_union(np.array([a, b], dtype=object))
    assert got.is_valid
    assert abs(got.area - 150.0) < 1e-6  # not 200: the overlap counts once


def test_one_piece_is_itself() -> None:
    a = shapely.box(0, 0, 1, 1)
    assert territory_union(np.array([a], dtype=object)) is a
