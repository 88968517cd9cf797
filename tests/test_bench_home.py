"""bench.home on its smallest case: the 10x10 lattice through the planner's public API."""

import numpy as np
import pytest

pytest.importorskip("libpysal", reason="bench.home's instances and graph check need libpysal")


def test_the_lattice_is_planned_valid_into_its_optimum_of_33_regions():
    from bench.home import HOMES, capped, judge, libpysal_agreement, planner_on
    from planner.core.adjacency import Adjacency
    from planner.core.instance import Instance
    from planner.core.rules import Rules

    home = {h.name: h for h in HOMES}["lattice-10x10"]
    status, out, _ = capped(planner_on, (home, 0), 120.0)  # the bench's own capped child
    assert status == "ok", out
    n = len(out["ids"])
    assert n == 100 and out["bound"] == 33 == home.optimum
    inst = Instance.from_arrays(Adjacency.from_edges(n, out["edges"]), out["patients"], out["xy"])
    row = judge(inst, out["labels"], Rules(min_patients=home.threshold))
    assert row["valid"] == "yes" and row["left_out"] == 0
    assert row["clusters"] == 33
    assert len(out["edges"]) == 180  # rook on a 10x10 lattice: 2 * 10 * 9 borders
    assert libpysal_agreement(home, out["ids"], out["edges"]) == "same as libpysal Rook"
    assert np.isfinite(row["pat_km"]) and row["centre_max_km"] >= row["pat_km"]
