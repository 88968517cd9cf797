"""Real data from ../shared/data: the Danish synthetic clinics and English practices."""

import pytest

from conftest import shared_data
from planner import plan
from planner.core.adjacency import Adjacency
from planner.evaluate.checks import check_plan
from planner.load.readers import apply_column_map, read_land, read_polygons, read_table

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
    # The library reads the file's own column names ('kommune' is the municipality).
    land = read_land(shared_data("denmark_dagi", "kommuner.geojson"))
    result = plan(shared_data("denmark_synthetic_clinics", "clinics.csv"), land=land)
    assert result.metrics["boundaries"] == "municipality"
    assert_valid(result)
    assert len(result.clinics) == 1_720
    bound = result.metrics["upper_bound_parts"]
    assert result.n_clusters >= 0.9 * bound
    # Bornholm is far from everything yet big enough: it is a cluster of its own.
    bornholm = result.clinics[result.clinics["municipality"] == "Bornholm"]
    assert bornholm["cluster_id"].notna().all()


def test_danish_clinics_with_real_municipality_and_region_boundaries():
    clinics = read_table(shared_data("denmark_synthetic_clinics", "clinics.csv")).frame
    clinics = clinics.drop(columns=["region"])  # the region comes from the polygons
    kommuner = shared_data("denmark_dagi", "kommuner.geojson")
    land = read_land(kommuner)
    result = plan(
        clinics,
        land=land,
        source="clinics.csv",
        municipalities=read_polygons(kommuner, name_col="KOMNAVN"),
        municipality_key="KOMNAVN",
        regions=read_polygons(
            shared_data("denmark_dagi", "regioner.geojson"), name_col="REGIONNAVN"
        ),
        region_key="REGIONNAVN",
    )
    assert_valid(result)
    assert result.metrics["boundaries"] == "municipality"
    assert result.n_clusters >= 0.9 * result.metrics["upper_bound_parts"]
    clustered = result.clinics[result.clinics["cluster_id"].notna()]
    # No cluster crosses a region.
    assert (clustered.groupby("cluster_id")["region"].nunique() == 1).all()
    assert clustered["region"].nunique() == 5
    # Every municipality crossing has its reason, naming a municipality too small alone.
    per_cluster = clustered.groupby("cluster_id")["municipality"].nunique()
    crossing = result.clusters.set_index("cluster_id").loc[per_cluster[per_cluster > 1].index]
    assert len(crossing) > 0
    assert crossing["crossings"].str.len().gt(0).all()
    for row in crossing.itertuples():
        small = [m for m in row.municipalities.split("; ") if f"{m} (" in row.crossings]
        assert small and "too small for a cluster of its own" in row.crossings, row
    inside = result.clusters.set_index("cluster_id").loc[per_cluster[per_cluster == 1].index]
    assert (inside["crossings"] == "").all()
    # Læsø (about 1,800 patients) joins Frederikshavn across its ferry link.
    laesoe = result.clinics[result.clinics["municipality"] == "Læsø"]
    assert laesoe["cluster_id"].notna().all()


def test_an_english_region_plans_to_valid_clusters():
    practices = read_table(shared_data("england_gp_pcn", "england_gp_practices_pcn.csv")).frame
    region = practices[practices["region_name"] == "North East and Yorkshire"].copy()
    region = region[region["patients_jan2021"].str.strip() != ""]
    region["doctors"] = "1"  # the file has no GP counts
    table = apply_column_map(region, ENGLAND_COLUMNS)
    result = plan(table, source="england_gp_practices_pcn.csv")
    assert_valid(result)
    assert result.n_clusters >= 0.85 * result.metrics["upper_bound_parts"]
    real_pcns = region["pcn_code"].nunique()
    assert result.n_clusters > 0.5 * real_pcns
