"""Infeasibility explained: which part, why, and the smallest change that would fix it."""

import numpy as np
import pandas as pd
import shapely

from conftest import grid
from planner import Rules, plan
from planner.core.adjacency import Adjacency
from planner.evaluate.explain import explain_left_out


def test_an_island_without_a_link_names_itself_its_patients_and_the_fixes():
    main = grid(area=lambda r, c: {"municipality": "Main", "region": "R"})
    island = grid(1, 1, patients=1_700, doctors=1, prefix="laesoe").assign(
        lat=56.5, municipality="Læsø", region="R"
    )
    result = plan(pd.concat([main, island]), rules=Rules(link_max_km=20))
    assert result.unassigned["clinic_id"].tolist() == ["laesoe000"]
    reason = result.unassigned["reason"].iloc[0]
    assert "Læsø and its linked neighbours hold 1,700 patients" in reason
    assert "below the 30,000 patients a cluster needs" in reason
    assert "add a link (bridge or ferry) from clinic laesoe000" in reason and " km" in reason
    assert "lower min_patients to 1,700" in reason
    part = result.infeasible.iloc[0]
    assert part["part"] == "Læsø" and part["patients"] == 1_700


def test_a_part_cut_off_by_a_region_boundary_suggests_crossing_it():
    # Column 5 is its own region: 30,000... minus one closing clinic = 25,000 patients.
    table = grid(area=lambda r, c: {"region": "East" if c == 5 else "West"})
    table["leaving"] = np.where(table["clinic_id"] == "c005", "1", "")
    result = plan(table)
    left = result.unassigned[result.unassigned["reason"] != "closing"]
    assert len(left) == 5
    reason = left["reason"].iloc[0]
    assert "25,000 patients" in reason
    assert "allow crossing into region West" in reason


def test_explanations_on_a_bare_graph():
    adj = Adjacency.from_edges(3, [(0, 1)])
    parts = explain_left_out(
        np.array([0, 0, -1]),
        adj,
        adj,
        np.array([20_000, 20_000, 500]),
        np.array([10, 10, 1]),
        np.array([[0.0, 0.0], [1_000.0, 0.0], [9_000.0, 0.0]]),
        ["a", "b", "c"],
        ["A", "B", "C"],
        Rules(min_doctors=18),
    )
    (part,) = parts
    assert part.clinics == (2,)
    assert "(or 18 GPs)" in part.why
    assert part.fixes[0].startswith("add a link (bridge or ferry) from clinic c (C) to clinic b")
    assert "8 km" in part.fixes[0]


def test_a_small_island_joins_the_cluster_across_its_cheapest_link():
    main = grid()
    island = grid(1, 1, patients=500, doctors=1, prefix="isle").assign(lat=54.8, lon=10.04)
    table = pd.concat([main, island])
    land = shapely.union(
        shapely.box(9.98, 54.99, 10.1, 55.06), shapely.box(10.03, 54.795, 10.05, 54.805)
    )
    base = plan(table, land=land, links=[("isle000", "c000", 60.0), ("isle000", "c005", 60.0)])
    where = base.clinics.set_index("clinic_id")["cluster_id"]
    assert where["c000"] != where["c005"]
    for cheap, dear in (("c000", "c005"), ("c005", "c000")):
        result = plan(table, land=land, links=[("isle000", cheap, 5.0), ("isle000", dear, 90.0)])
        got = result.clinics.set_index("clinic_id")["cluster_id"]
        assert got["isle000"] == got[cheap]
        assert set(result.links["travel"]) == {5.0, 90.0}
