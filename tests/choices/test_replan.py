"""Re-planning with least change: current clusters are six columns of a 6 x 6 grid."""

import numpy as np
import pytest

from conftest import cluster_of, grid
from planner import Rules, plan
from planner.choices.replan import replan
from planner.core.adjacency import Adjacency
from planner.core.choices import Choices
from planner.core.sizes import Sizes
from planner.evaluate.checks import check_plan


def columns_plan(patients_of=None):
    """Column c of the grid is cluster K{c+1}: 6 clinics of 5,000 = 30,000 each."""
    table = grid(area=lambda r, c: {"existing_cluster": f"K{c + 1}"})
    if patients_of:
        for cid, p in patients_of.items():
            table.loc[table["clinic_id"] == cid, "patients"] = p
    return table


def assert_valid(result):
    adj = Adjacency.from_networkx(result.graph)
    patients = result.clinics["patients"].to_numpy()
    assert check_plan(adj, result.labels, patients, result.rules) == []
    assert (result.clusters["status"] == "ok").all()


def test_a_valid_plan_is_left_exactly_as_it_is():
    result = plan(columns_plan(), mode="replan")
    assert result.changes.empty
    assert sorted(result.clusters["cluster_id"]) == [f"K{i}" for i in range(1, 7)]
    assert (result.clinics["cluster_id"] == result.clinics["current_cluster"]).all()


def test_a_cluster_made_too_small_takes_one_clinic_its_neighbour_can_spare():
    # Column 5 (K5) has 7,000-patient clinics (42,000) and can spare one; a clinic of
    # column 6 (K6) closes, leaving K6 at 25,000.
    bigger = {f"c{r * 6 + 4:03d}": 7_000 for r in range(6)}
    table = columns_plan(bigger)
    table["leaving"] = np.where(table["clinic_id"] == "c035", "1", "0")
    result = plan(table, mode="replan")
    assert_valid(result)
    moved = result.changes[result.changes["to_cluster"] != ""]
    assert len(moved) == 1
    assert moved.iloc[0]["from_cluster"] == "K5" and moved.iloc[0]["to_cluster"] == "K6"
    k6 = result.clusters.set_index("cluster_id").loc["K6"]
    assert k6["patients"] == 32_000
    assert k6["patients_gained"] == 7_000 and k6["patients_lost"] == 5_000
    assert k6["patients_before"] == 30_000


def test_a_cluster_that_cannot_be_topped_up_is_shared_out_to_its_neighbours():
    table = columns_plan()
    table["leaving"] = np.where(table["clinic_id"] == "c035", "1", "0")
    result = plan(table, mode="replan")
    assert_valid(result)
    assert "K6" not in set(result.clusters["cluster_id"])
    moved = result.changes[result.changes["to_cluster"] != ""]
    assert len(moved) == 5 and set(moved["from_cluster"]) == {"K6"}
    assert result.n_clusters == 5


def test_a_split_cluster_keeps_its_biggest_piece_and_new_clinics_join_a_neighbour():
    table = columns_plan()
    # c000 is put in K6 on paper, far from the rest of K6: it is moved back beside K1.
    table.loc[table["clinic_id"] == "c000", "existing_cluster"] = "K6"
    table.loc[table["clinic_id"] == "c001", "existing_cluster"] = ""  # a new clinic
    result = plan(table, mode="replan")
    assert_valid(result)
    where = cluster_of(result)
    assert where["c000"] in {"K1", "K2"} and where["c001"] in {"K1", "K2"}
    assert set(result.changes["clinic_id"]) <= {"c000", "c001", "c006", "c007"}


def test_a_proposal_conflict_is_not_reported_once_its_cluster_is_made_valid():
    # On a path A(10,000, pinned) - B(24,000) - C(30,000): A cannot be topped up at first,
    # but B is then shared out and A ends at 34,000: no conflict may be left about A.
    adj = Adjacency.from_edges(6, [(i, i + 1) for i in range(5)])
    patients = np.array([10_000, 12_000, 12_000, 10_000, 10_000, 10_000])
    xy = np.column_stack([np.arange(6) * 1_000.0, np.zeros(6)])
    sizes = Sizes(patients, np.ones(6, dtype=int), xy, Rules())
    existing = {"n0": "A", "n1": "B", "n2": "B", "n3": "C", "n4": "C", "n5": "C"}
    wanted = Choices(existing=existing, proposed={"n0": "A"})
    got = replan([f"n{i}" for i in range(6)], adj, sizes, wanted, lambda instance: None)
    assert got.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert got.conflicts == []


def test_a_proposal_for_a_cluster_the_current_plan_lacks_is_not_honoured():
    table = columns_plan()
    result = plan(table, mode="replan", choices=Choices(proposed={"c000": "K99"}))
    assert result.changes.empty
    conflict = result.conflicts.set_index("clinics").loc["c000"]
    assert conflict["kind"] == "proposal" and "K99" in conflict["detail"]


def two_municipalities(r, c):
    """A: columns 0-2, B: columns 3-5 (90,000 patients each, both big enough alone)."""
    return {"municipality": "A" if c <= 2 else "B", "region": "R"}


def test_replanning_keeps_the_municipality_rule_and_makes_no_new_crossing():
    # K3 (column 2, in A) loses a clinic; K4 across the A|B boundary could spare one
    # (7,000-patient clinics) but taking it would cross into B: K3 is shared out in A.
    table = grid(area=lambda r, c: {**two_municipalities(r, c), "existing_cluster": f"K{c + 1}"})
    table.loc[table["clinic_id"].isin([f"c{r * 6 + 3:03d}" for r in range(6)]), "patients"] = 7_000
    table["leaving"] = np.where(table["clinic_id"] == "c014", "1", "0")
    result = plan(table, mode="replan")
    assert_valid(result)
    assert result.metrics["boundaries"] == "municipality"
    assert (result.clinics.groupby("cluster_id")["municipality"].nunique() == 1).all()
    assert result.metrics["clusters_crossing_municipality"] == 0
    moved = result.changes[result.changes["to_cluster"] != ""]
    assert set(moved["from_cluster"]) == {"K3"} and set(moved["to_cluster"]) == {"K2"}


def test_replanning_keeps_a_crossing_of_the_current_plan_and_says_so():
    def area(r, c):
        muni = "B" if (r, c) == (0, 2) else two_municipalities(r, c)["municipality"]
        return {"municipality": muni, "region": "R", "existing_cluster": f"K{c + 1}"}

    result = plan(grid(area=area), mode="replan")
    assert result.changes.empty
    crossing = result.clusters.set_index("cluster_id")["crossings"]
    assert crossing["K3"].startswith("kept from the current plan")
    assert (crossing.drop("K3") == "").all()


def test_a_small_cluster_is_topped_up_through_a_chain_rather_than_shared_out():
    # Path A(27,000) - B(30,000, nothing to spare) - C(35,000): A takes B's end clinic and
    # B takes C's: two moves keep three clusters, where sharing A out would keep two.
    adj = Adjacency.from_edges(9, [(i, i + 1) for i in range(8)])
    patients = np.array([9, 9, 9, 5, 10, 15, 5, 15, 15]) * 1_000
    xy = np.column_stack([np.arange(9) * 1_000.0, np.zeros(9)])
    sizes = Sizes(patients, np.ones(9, dtype=int), xy, Rules())
    existing = {f"n{i}": "ABC"[i // 3] for i in range(9)}
    got = replan([f"n{i}" for i in range(9)], adj, sizes, Choices(existing=existing), None)
    assert got.labels.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2]
    assert [got.names[k] for k in range(3)] == ["A", "B", "C"]


def test_a_crossing_made_by_a_reviewers_proposal_says_so():
    # c003 (row 0, column 3, municipality B, cluster K4) asks to join K3 in A.
    table = grid(area=lambda r, c: {**two_municipalities(r, c), "existing_cluster": f"K{c + 1}"})
    result = plan(table, mode="replan", choices=Choices(proposed={"c003": "K3"}))
    assert_valid(result)
    assert result.clinics.set_index("clinic_id").loc["c003", "cluster_id"] == "K3"
    crossing = result.clusters.set_index("cluster_id")["crossings"]
    assert crossing["K3"].startswith("a reviewer proposed it: c003")
    assert (crossing.drop("K3") == "").all()


def _interior_proposal(first):
    """A clinic inside its cluster, and a cluster that borders its cluster but not it."""
    own = cluster_of(first)
    ids = first.clinics["clinic_id"].tolist()
    graph = first.graph

    def clusters_near(i):
        return {own[ids[j]] for j in graph.neighbors(i)}

    inner = next(i for i in range(len(ids)) if clusters_near(i) == {own[ids[i]]})
    mine = [i for i in range(len(ids)) if own[ids[i]] == own[ids[inner]]]
    bordering = set().union(*(clusters_near(i) for i in mine)) - {own[ids[inner]]}
    return ids[inner], sorted(bordering)[0], dict(own.items())


@pytest.mark.parametrize("mode", ["plan", "replan"])
def test_a_proposal_is_honoured_or_listed_in_every_mode(mode):
    table = grid(rows=6, cols=6)  # 36 x 5,000 patients: 6 clusters of 6
    clinic, target, current = _interior_proposal(plan(table))
    choices = Choices(existing=current, proposed={clinic: target})
    result = plan(table, choices=choices, mode=mode)
    moved = result.clinics.set_index("clinic_id").loc[clinic, "cluster_id"] == target
    listed = result.conflicts[result.conflicts["clinics"] == clinic]
    assert not moved  # an interior clinic cannot join a cluster it does not border
    assert len(listed) == 1  # ... and says so: never lost in silence
    assert "does not border" in listed["detail"].iloc[0] and target in listed["detail"].iloc[0]
