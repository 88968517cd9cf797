"""Administrative boundaries on hand-drawn grids whose right answer is obvious."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from conftest import DLON, LAT0, LON0, grid
from planner import Rules, ValidationError, plan
from planner.core.adjacency import Adjacency
from planner.geography.boundaries import boundary_mode, crossing_reasons, planning_units


def three_municipalities(r, c):
    """A: columns 0-2; B: columns 3-4 and the top of column 5; C: the foot of column 5."""
    muni = "A" if c <= 2 else ("C" if c == 5 and r <= 2 else "B")
    return {"municipality": muni, "region": "R"}


def test_a_small_municipality_joins_its_one_neighbour_and_the_others_stay_inside():
    table = grid(area=three_municipalities)  # A 90,000, B 75,000, C 15,000 patients
    result = plan(table)
    assert result.complete
    assert result.metrics["boundaries"] == "municipality"
    munis = result.clinics.groupby("cluster_id")["municipality"].agg(set)
    assert all(m in ({"A"}, {"B"}, {"B", "C"}, {"C"}) for m in munis), munis
    crossing = result.clusters[result.clusters["crossings"] != ""]
    assert len(crossing) >= 1
    for row in crossing.itertuples():
        assert row.municipalities == "B; C"
        assert "C (15,000 patients) is too small" in row.crossings
        assert "joins B" in row.crossings
    assert (
        (result.clusters.loc[result.clusters["crossings"] == "", "municipalities"])
        .isin(["A", "B", "C"])
        .all()
    )


def test_a_cluster_never_crosses_a_region():
    table = grid(area=lambda r, c: {"region": "West" if c <= 2 else "East"})
    result = plan(table)
    assert result.metrics["boundaries"] == "region"
    assert result.n_clusters == 6
    regions = result.clinics.groupby("cluster_id")["region"].nunique()
    assert (regions == 1).all()


def test_switched_off_boundaries_say_so_for_every_crossing():
    table = grid(area=three_municipalities)
    result = plan(table, boundaries="none")
    assert result.metrics["boundaries"] == "none"
    crossing = result.clusters[result.clusters["municipalities"].str.contains(";")]
    assert (crossing["crossings"].str.contains("not applied")).all()


def test_fewest_neighbours_on_a_path_of_municipalities():
    # A(20,000) - C(5,000) - B(40,000) in a row: C joins B alone (A + C is too small).
    adj = Adjacency.from_edges(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    patients = np.array([10_000, 10_000, 5_000, 20_000, 20_000])
    xy = np.column_stack([np.arange(5) * 1_000.0, np.zeros(5)])
    units = planning_units(
        adj,
        patients,
        np.ones(5, dtype=int),
        xy,
        rules=Rules(),
        mode="municipality",
        region=["R"] * 5,
        municipality=["A", "A", "C", "B", "B"],
    )
    first = units.merges[0]
    assert first.cause == ("C",)
    assert first.municipalities == ("B", "C")
    # A, still too small, then joins its one neighbour: the unit of B and C.
    assert units.merges[1].cause == ("A",)
    assert len(set(units.unit.tolist())) == 1


def test_a_big_municipality_stands_alone_and_edges_to_it_are_cut():
    adj = Adjacency.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    units = planning_units(
        adj,
        np.array([20_000, 20_000, 20_000, 20_000]),
        np.ones(4, dtype=int),
        np.zeros((4, 2)),
        rules=Rules(),
        mode="municipality",
        region=["R"] * 4,
        municipality=["A", "A", "B", "B"],
    )
    assert units.unit[0] == units.unit[1] != units.unit[2] == units.unit[3]
    assert units.adjacency.n_edges == 2
    assert units.merges == ()


def test_the_log_counts_the_edges_cut_once_each(caplog):
    adj = Adjacency.from_edges(4, [(0, 1), (1, 2), (2, 3)])
    with caplog.at_level("INFO", logger="planner.geography.boundaries"):
        planning_units(
            adj,
            np.full(4, 20_000),
            np.ones(4, dtype=int),
            np.zeros((4, 2)),
            rules=Rules(),
            mode="municipality",
            region=["R"] * 4,
            municipality=["A", "A", "B", "B"],
        )
    assert "2 planning units, 1 edges cut" in caplog.text


def test_boundary_mode_is_resolved_from_the_columns_and_checked():
    assert boundary_mode("auto", ["region"]) == "region"
    with pytest.raises(ValueError, match="needs a 'municipality' column"):
        boundary_mode("municipality", ["region"])
    with pytest.raises(ValueError, match="boundaries must be one of"):
        boundary_mode("county", [])


def test_clinics_are_placed_in_boundary_polygons():
    table = grid()
    west = shapely.box(LON0 - 0.01, LAT0 - 0.01, LON0 + 2.5 * DLON, LAT0 + 0.06)
    east = shapely.box(LON0 + 2.5 * DLON, LAT0 - 0.01, LON0 + 0.1, LAT0 + 0.06)
    polygons = gpd.GeoDataFrame(
        {"KOMNAVN": ["West", "East"]}, geometry=[west, east], crs="EPSG:4326"
    )
    result = plan(table, municipalities=polygons, municipality_key="KOMNAVN")
    munis = result.clinics.set_index("clinic_id")["municipality"]
    assert munis["c000"] == "West" and munis["c005"] == "East"
    assert (result.clinics.groupby("cluster_id")["municipality"].nunique() == 1).all()
    far = pd.concat([table, grid(1, 1, prefix="far").assign(lat=57.0)])
    with pytest.raises(ValidationError, match="far000"):
        plan(far, municipalities=polygons, municipality_key="KOMNAVN")


def test_a_crossing_reason_says_which_part_of_a_merged_unit_the_cluster_holds():
    # A(20,000) - C(5,000) - B(40,000): C joins B, then A joins the unit of B and C.  A
    # cluster of A and C is told it holds A and C of that unit, not that it joined B.
    adj = Adjacency.from_edges(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    municipality = ["A", "A", "C", "B", "B"]
    units = planning_units(
        adj,
        np.array([10_000, 10_000, 5_000, 20_000, 20_000]),
        np.ones(5, dtype=int),
        np.column_stack([np.arange(5) * 1_000.0, np.zeros(5)]),
        rules=Rules(),
        mode="municipality",
        region=["R"] * 5,
        municipality=municipality,
    )
    reasons = crossing_reasons(np.array([0, 0, 0, 1, 1]), municipality, units)
    assert set(reasons) == {0}
    assert "A (20,000 patients) is too small" in reasons[0]
    assert "this cluster holds A, C" in reasons[0]
