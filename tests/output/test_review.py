"""Comparing assignments and reading a plan back from its files."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from planner.api import plan
from planner.core.errors import PlannerError
from planner.demo.region import load_demo, load_demo_land
from planner.evaluate.compare import diff_assignments, match_clusters, moved, none_if_blank
from planner.output.read import load_assignments, load_plan
from planner.output.write import write_outputs
from planner.render import render_map


@pytest.fixture(scope="module")
def demo_result():
    return plan(load_demo(), land=load_demo_land(), random_state=0)


@pytest.fixture(scope="module")
def plan_dir(demo_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    clinics = demo_result.clinics.copy()
    clinics["current_cluster"] = clinics["cluster_id"]
    clinics.loc[0, "current_cluster"] = "elsewhere"
    write_outputs(dataclasses.replace(demo_result, clinics=clinics), out, with_map=False)
    return out


def test_blank_ids_are_none():
    assert none_if_blank(["a", "", " ", None, float("nan"), 3]).tolist() == [
        "a",
        None,
        None,
        None,
        None,
        "3",
    ]


def test_renumbered_clusters_are_matched_not_moved():
    a = ["C01", "C01", "C02", "C02", "C03"]
    b = ["C02", "C02", "C03", "C03", "C01"]
    match = match_clusters(a, b, [1, 1, 1, 1, 1])
    assert match == {"C02": "C01", "C03": "C02", "C01": "C03"}
    assert not moved(a, b, match).any()


def test_moves_follow_patients():
    a = pd.Series(["N", "N", "N", "S", "S"])
    b = pd.Series(["X", "X", "Y", "Y", "Y"])
    match = match_clusters(a, b, [10, 10, 1, 10, 10])
    assert match == {"X": "N", "Y": "S"}
    assert moved(a, b, match).tolist() == [False, False, True, False, False]
    # Leaving every cluster, or joining one, is a move too.
    assert moved(["N", None], [None, "X"], {"X": "N"}).tolist() == [True, True]


def test_diff_counts_patients_gained_and_lost():
    a = pd.DataFrame(
        {
            "clinic_id": ["1", "2", "3", "4", "5"],
            "name": list("ABCDE"),
            "patients": [10, 10, 5, 10, 10],
            "cluster_id": ["N", "N", "N", "S", "S"],
        }
    )
    b = a.assign(cluster_id=["C1", "C1", "C2", "C2", "C2"])
    diff = diff_assignments(a, b)
    assert diff.moves["clinic_id"].tolist() == ["3"]
    rows = diff.clusters.set_index("cluster_a")
    assert rows.loc[
        "N", ["cluster_b", "patients_a", "patients_b", "gained", "lost", "net"]
    ].tolist() == [
        "C1",
        25,
        20,
        0,
        5,
        -5,
    ]
    assert rows.loc["S", ["gained", "lost", "net"]].tolist() == [5, 0, 5]
    assert diff.only_a == diff.only_b == []


def test_load_plan_round_trip(demo_result, plan_dir):
    loaded = load_plan(plan_dir)
    assert loaded.clinics["clinic_id"].tolist() == demo_result.clinics["clinic_id"].tolist()
    assert loaded.clinics["cluster_id"].tolist() == demo_result.clinics["cluster_id"].tolist()
    assert loaded.clusters["cluster_id"].tolist() == demo_result.clusters["cluster_id"].tolist()
    assert loaded.clinics.crs.is_projected and loaded.clusters.crs == loaded.clinics.crs
    assert loaded.graph.number_of_edges() == demo_result.graph.number_of_edges()
    assert len(loaded.links) == len(demo_result.links)
    assert loaded.seed == demo_result.seed and loaded.rules == demo_result.rules
    assert loaded.clinics.loc[0, "current_cluster"] == "elsewhere"
    assert (loaded.labels >= 0).sum() == (demo_result.labels >= 0).sum()
    # Rebuilt territories cover the clusters' land.
    area = loaded.territories.area.sum()
    assert area == pytest.approx(loaded.clusters.area.sum(), rel=0.02)
    # And the map draws from it, comparison included.
    page = render_map(loaded).get_root().render()
    assert "Current clusters" in page and "Clinics that move: 1" in page


def test_load_assignments_from_csv_only(tmp_path, plan_dir):
    (tmp_path / "assignments.csv").write_bytes((plan_dir / "assignments.csv").read_bytes())
    frame = load_assignments(tmp_path)
    assert list(frame.columns) == ["clinic_id", "name", "patients", "cluster_id"]
    assert frame["patients"].isna().all()  # unknown, not 0
    # Compared with a full plan, the counts come from the other plan; alone, it says so.
    full = load_assignments(plan_dir)
    weighed = diff_assignments(frame, full)
    assert weighed.unweighed == 0
    assert weighed.clusters["patients_a"].sum() == full["patients"].sum()
    assert diff_assignments(frame, frame).unweighed == len(frame)


def test_not_a_plan_directory(tmp_path):
    with pytest.raises(PlannerError, match=r"clinics\.geojson is missing"):
        load_plan(tmp_path)


def test_plan_without_any_cluster_round_trips(tmp_path):
    table = pd.DataFrame(
        {
            "clinic_id": ["a", "b"],
            "name": ["A", "B"],
            "lat": [55.0, 55.01],
            "lon": [10.0, 10.01],
            "patients": [100, 200],
            "doctors": [1, 1],
        }
    )
    write_outputs(plan(table), tmp_path)
    loaded = load_plan(tmp_path)
    assert loaded.clusters.empty and loaded.clinics["cluster_id"].isna().all()
    page = render_map(loaded).get_root().render()
    assert "Clinics left out: 2" in page


def test_load_plan_keeps_the_choices_not_honoured(tmp_path, plan_dir):
    for path in plan_dir.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert load_plan(tmp_path).conflicts.empty
    (tmp_path / "conflicts.csv").write_text(
        "kind,clinics,detail\nproposal,DEMO0005,cluster C99 is not in the plan\n", encoding="utf-8"
    )
    loaded = load_plan(tmp_path)
    assert loaded.conflicts.to_dict("records") == [
        {"kind": "proposal", "clinics": "DEMO0005", "detail": "cluster C99 is not in the plan"}
    ]


def test_a_damaged_plan_file_is_one_clear_error(tmp_path, plan_dir):
    for path in plan_dir.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "summary.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PlannerError, match=r"summary\.json: not a plan summary"):
        load_plan(tmp_path)
    (tmp_path / "clinics.geojson").write_text("{not geojson", encoding="utf-8")
    for loader in (load_plan, load_assignments):
        with pytest.raises(PlannerError, match="a plan file cannot be read"):
            loader(tmp_path)
