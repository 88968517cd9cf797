"""The size rule in every output: GPs as an alternative, a ceiling soft or hard."""

import numpy as np
import pytest

from conftest import grid
from planner import PlannerError, Rules, plan
from planner.evaluate.figures import annual_budget, coordinator


def test_the_doctors_alternative_counts_in_statuses_and_notes():
    table = grid(2, 3, patients=4_000, doctors=4)  # 24,000 patients, 24 GPs
    without = plan(table)
    assert without.n_clusters == 0
    assert "24,000 patients" in without.unassigned["reason"].iloc[0]
    result = plan(table, rules=Rules(min_doctors=18))
    assert result.n_clusters == 1 and result.complete
    row = result.clusters.iloc[0]
    assert row["status"] == "ok" and "24 GPs" in row["size_note"]


def test_a_soft_ceiling_is_noted_but_a_cluster_above_it_stays_valid():
    table = grid(2, 3, patients=9_000)  # 54,000 patients, cannot make two clusters
    result = plan(table, rules=Rules(max_patients=50_000))
    row = result.clusters.iloc[0]
    assert result.complete and row["status"] == "ok"
    assert "soft maximum of 50,000" in row["size_note"]


def test_rules_are_checked():
    with pytest.raises(PlannerError, match="max_patients"):
        Rules(min_patients=30_000, max_patients=20_000)
    with pytest.raises(PlannerError, match="min_doctors"):
        Rules(min_doctors=0)
    assert Rules(max_patients=40_000, max_hard=True).too_big(40_001)
    assert not Rules(max_patients=40_000).too_big(40_001)


def test_every_cluster_has_its_facts_budget_grant_meeting_and_coordinator():
    table = grid()
    table.loc[table["clinic_id"] == "c007", "doctors"] = 12
    result = plan(table)
    for row in result.clusters.itertuples():
        assert row.budget_dkk == pytest.approx(max(4.2 * row.patients, 125_000))
        assert row.startup_dkk == pytest.approx(10_000 * row.doctors)
        members = set(
            result.clinics.loc[result.clinics["cluster_id"] == row.cluster_id, "clinic_id"]
        )
        assert {row.meeting_clinic_id, row.coordinator_clinic_id} <= members
        assert row.farthest_km >= 0
    big = result.clinics.set_index("clinic_id").loc["c007", "cluster_id"]
    assert result.clusters.set_index("cluster_id").loc[big, "meeting_clinic_id"] == "c007"
    assert annual_budget(10_000) == 125_000.0


def test_the_coordinator_is_the_biggest_practice_among_the_most_central():
    xy = np.array([[0.0, 0.0], [1_000.0, 0.0], [2_000.0, 0.0], [3_000.0, 0.0]])
    # Clinics 1 and 2 are equally central; clinic 2 has more GPs.
    assert coordinator(np.arange(4), xy, np.array([1, 2, 3, 1])) == 2
    # A big practice at the edge is not central enough.
    assert coordinator(np.arange(4), xy, np.array([9, 1, 1, 1])) == 0  # GP weight pulls
