"""The Python front door on small tables built in code."""

import numpy as np
import pandas as pd
import pytest
import shapely

from planner import PlannerError, Rules, ValidationError, plan
from planner.evaluate.checks import check_plan


def town_table(n_side=6, patients=5_000, lat0=55.0, lon0=10.0, prefix="c"):
    rows = []
    for r in range(n_side):
        for c in range(n_side):
            i = r * n_side + c
            rows.append(
                {
                    "clinic_id": f"{prefix}{i:03d}",
                    "name": f"Clinic {prefix}{i}",
                    "lat": lat0 + r * 0.01,
                    "lon": lon0 + c * 0.016,
                    "patients": patients,
                    "doctors": 3,
                }
            )
    return pd.DataFrame(rows)


def test_plan_is_valid_and_reaches_the_bound_on_a_regular_town():
    table = town_table()  # 36 * 5,000 = 180,000 patients: at most 6 clusters
    result = plan(table)
    assert result.n_clusters == 6
    assert result.complete
    assert result.metrics["upper_bound"] == 6
    labels = result.labels
    assert check_plan(_adjacency(result), labels, table["patients"].to_numpy(), result.rules) == []
    assert (result.clusters["patients"] >= 30_000).all()
    assert result.clusters["patients"].sum() == table["patients"].sum()
    assert set(result.clinics["cluster_id"]) == set(result.clusters["cluster_id"])


def _adjacency(result):
    from planner.core.adjacency import Adjacency

    return Adjacency.from_networkx(result.graph)


def test_the_callers_table_is_not_modified():
    table = town_table()
    before = table.copy()
    plan(table)
    pd.testing.assert_frame_equal(table, before)


def test_same_seed_same_plan():
    table = town_table(8, 2_500)
    a = plan(table, random_state=5)
    b = plan(table, random_state=5)
    assert a.assignments().equals(b.assignments())
    assert a.seed == 5


def test_an_island_below_the_threshold_is_listed_with_its_reason():
    main = town_table(6, 5_000)
    island = pd.DataFrame(
        [
            {
                "clinic_id": "i1",
                "name": "Island clinic",
                "lat": 56.5,
                "lon": 10.0,
                "patients": 1_700,
                "doctors": 1,
            }
        ]
    )
    result = plan(pd.concat([main, island]), rules=Rules(min_patients=30_000, link_max_km=20))
    assert not result.complete
    assert result.unassigned["clinic_id"].tolist() == ["i1"]
    reason = result.unassigned["reason"].iloc[0]
    assert "1,700 patients" in reason and "add a link" in reason
    row = result.clinics.set_index("clinic_id").loc["i1"]
    assert row["status"] == "left out" and pd.isna(row["cluster_id"])


def test_a_nearby_small_island_joins_a_cluster_across_the_water():
    main = town_table(6, 5_000)
    island = pd.DataFrame(
        [
            {
                "clinic_id": "i1",
                "name": "Island clinic",
                "lat": 54.9,
                "lon": 10.04,
                "patients": 1_700,
                "doctors": 1,
            }
        ]
    )
    land = shapely.union(
        shapely.box(9.98, 54.99, 10.1, 55.06), shapely.box(10.03, 54.895, 10.05, 54.905)
    )
    result = plan(pd.concat([main, island]), land=land)
    assert result.complete
    assert len(result.links) == 1
    assert "i1" in {result.links.iloc[0].clinic_a, result.links.iloc[0].clinic_b}


def test_too_small_region_leaves_everyone_out_with_a_reason():
    result = plan(town_table(2, 1_000))
    assert result.n_clusters == 0
    assert len(result.unassigned) == 4
    assert result.unassigned["reason"].str.contains("whole region holds 4,000").all()


def test_cluster_facts_budget_and_meeting_clinic():
    result = plan(town_table())
    row = result.clusters.iloc[0]
    assert row["budget_dkk"] == pytest.approx(max(4.2 * row["patients"], 125_000))
    assert row["startup_dkk"] == pytest.approx(10_000 * row["doctors"])
    members = result.clinics[result.clinics["cluster_id"] == row["cluster_id"]]
    assert row["meeting_clinic_id"] in set(members["clinic_id"])
    assert row["farthest_km"] <= row["diameter_km"] + 1e-9


def test_bad_input_raises_one_validation_error_with_every_problem():
    table = town_table(2).astype(str)
    table.loc[1, "patients"] = "many"
    table.loc[2, "lat"] = "north"
    with pytest.raises(ValidationError) as info:
        plan(table, source="clinics.csv")
    text = str(info.value)
    assert "patients" in text and "lat" in text and "clinics.csv" in text


def test_bad_random_state_is_refused():
    with pytest.raises(PlannerError):
        plan(town_table(2), random_state=-1)


def test_generator_random_state_is_accepted_and_recorded():
    result = plan(town_table(3, 4_000), random_state=np.random.default_rng(1))
    assert isinstance(result.seed, int)


def test_an_impossible_hard_ceiling_is_explained():
    table = town_table(1, 1)
    table.loc[0, "patients"] = 60_000  # one clinic above the ceiling cannot be split
    with pytest.raises(PlannerError, match="hard ceiling of 50,000"):
        plan(table, rules=Rules(min_patients=30_000, max_patients=50_000, max_hard=True))


def _danish_file(path):
    """A clinic file with Danish column names, two municipalities and no GP column."""
    table = town_table(n_side=6, patients=5_000)
    table["kommune"] = ["Vest" if i % 6 < 3 else "Øst" for i in range(len(table))]
    table = table.rename(columns={"clinic_id": "ydernummer", "name": "navn"})
    table.drop(columns="doctors").to_csv(path, sep=";", index=False)
    return path


def test_the_same_file_gives_the_same_plan_from_the_api_and_the_cli(tmp_path):
    from typer.testing import CliRunner

    from planner.cli import app

    src = _danish_file(tmp_path / "klinikker.csv")
    out = tmp_path / "out"
    args = ["plan", str(src), "--out", str(out), "--quiet", "--no-map", "--patients-per-gp"]
    run = CliRunner().invoke(app, [*args, "1500", "--seed", "4"])
    assert run.exit_code == 0, run.output
    from_cli = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    by_path = plan(src, patients_per_gp=1_500, random_state=4)
    by_table = plan(pd.read_csv(src, sep=";", dtype=str), patients_per_gp=1_500, random_state=4)
    for result in (by_path, by_table):
        got = result.assignments()
        assert got["clinic_id"].tolist() == from_cli["clinic_id"].tolist()
        assert got["cluster_id"].tolist() == from_cli["cluster_id"].tolist()
        # 'kommune' is the municipality in every path: the boundaries are on.
        assert result.metrics["boundaries"] == "municipality"
        assert (result.clinics["doctors"] == 3).all()  # 5,000 / 1,500 rounded


def test_plan_takes_a_request_and_keywords_change_it():
    from planner import PlanRequest

    table = town_table()
    request = PlanRequest(rules=Rules(min_patients=40_000), seed=2)
    result = plan(table, request)
    assert result.request == request and result.seed == 2
    assert (result.clusters["patients"] >= 40_000).all()
    changed = plan(table, request, min_patients=60_000)
    assert changed.request.rules.min_patients == 60_000 and changed.request.seed == 2
    assert changed.n_clusters == 3
    with pytest.raises(PlannerError, match="unknown keyword"):
        plan(table, request, min_patient=5)


def test_the_result_is_frozen():
    import dataclasses

    result = plan(town_table())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.seed = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.metrics["clusters"] = 99  # type: ignore[index]


def test_complete_agrees_with_the_exit_code_when_a_clinic_closes(tmp_path):
    from typer.testing import CliRunner

    from planner.cli import app

    table = town_table()
    table["leaving"] = ["ja" if i == 0 else "" for i in range(len(table))]
    result = plan(table)
    assert result.unassigned["reason"].tolist() == ["closing"]
    assert result.complete  # a clinic closing is not a clinic left out
    src = tmp_path / "c.csv"
    table.to_csv(src, index=False)
    run = CliRunner().invoke(app, ["plan", str(src), "--out", str(tmp_path / "o"), "-q"])
    assert run.exit_code == 0, run.output
