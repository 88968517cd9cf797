"""Shared fixtures: small hand-made instances and the path to the real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.adjacency import Adjacency
from planner.solve import Instance

REPO = Path(__file__).resolve().parents[1]
#: The public data sets live beside the repository, never inside it.
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """Path into ../shared/data, skipping the test with a clear reason when absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not found at {path} (the shared data folder sits beside the repo)")
    return path


def grid_instance(rows: int, cols: int, patients: int | np.ndarray, spacing: float = 1_000.0):
    """A rook-contiguity grid: clinic r*cols+c at (c, r) * spacing."""
    edges = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                edges.append((i, i + 1))
            if r + 1 < rows:
                edges.append((i, i + cols))
    n = rows * cols
    xy = np.array([(c * spacing, r * spacing) for r in range(rows) for c in range(cols)], float)
    sizes = np.broadcast_to(np.asarray(patients), (n,)).astype(np.int64)
    return Instance.from_arrays(Adjacency.from_edges(n, edges), sizes, xy)


@pytest.fixture
def make_grid():
    return grid_instance
