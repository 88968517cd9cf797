"""Real data from ../shared/data: the Danish synthetic clinics and English practices."""

import pytest

from conftest import shared_data
from planner import plan
from planner.adjacency import Adjacency
from planner.evaluate import check_plan
from planner.io import apply_column_map, read_land, read_table

pytestmark = [pytest.mark.slow, pytest.mark.realdata]

ENGLAND_COLUMNS = {
    "clinic_id": "practice_code",
    "name": "practice_name",
    "patients": "patients_jan2021",
}


def assert_valid(result):
    """The oracles: every clinic once, clusters contiguous and at or above the rule."""
    adj = Adjacency.from_networkx(result.graph)
    labels = result.labels
    assert len(labels) == len(result.clinics)
    # Every clinic is in a cluster or listed with its reason.
    left = set(result.clinics.loc[labels < 0, "clinic_id"])
    assert left == set(result.unassigned["clinic_id"])
    assert result.unassigned["reason"].str.len().gt(0).all()
    assert (result.clusters["patients"] >= result.rules.min_patients).all()
    assert result.clusters["patients"].sum() + result.unassigned["patients"].sum() == (
        result.clinics["patients"].sum()
    )
    assert check_plan(adj, labels, result.clinics["patients"].to_numpy(), result.rules) == []


def test_danish_clinics_on_real_land_plan_to_valid_clusters():
    clinics = read_table(shared_data("denmark_synthetic_clinics", "clinics.csv"))
    clinics = clinics.rename(columns={"kommune": "municipality"})
    land = read_land(shared_data("denmark_dagi", "kommuner.geojson"))
    result = plan(clinics, land=land, source="clinics.csv")
    assert_valid(result)
    assert len(result.clinics) == 1_720
    bound = result.metrics["upper_bound_parts"]
    assert result.n_clusters >= 0.9 * bound
    # Bornholm is far from everything yet big enough: it is a cluster of its own.
    bornholm = result.clinics[result.clinics["municipality"] == "Bornholm"]
    assert bornholm["cluster_id"].notna().all()


def test_an_english_region_plans_to_valid_clusters():
    practices = read_table(shared_data("england_gp_pcn", "england_gp_practices_pcn.csv"))
    region = practices[practices["region_name"] == "North East and Yorkshire"].copy()
    region = region[region["patients_jan2021"].str.strip() != ""]
    region["doctors"] = "1"  # the file has no GP counts
    table = apply_column_map(region, ENGLAND_COLUMNS)
    result = plan(table, source="england_gp_practices_pcn.csv")
    assert_valid(result)
    assert result.n_clusters >= 0.85 * result.metrics["upper_bound_parts"]
    real_pcns = region["pcn_code"].nunique()
    assert result.n_clusters > 0.5 * real_pcns
