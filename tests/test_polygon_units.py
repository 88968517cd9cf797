"""Polygon planning units end to end: read (GeoJSON, GeoPackage, Shapefile, TopoJSON), the CRS
a Shapefile lacks, planned with their polygons as territories, written; and inputs without
GP counts or names."""

import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from planner import PlannerError, ValidationError, plan
from planner.cli.app import app
from planner.core.config import load_config
from planner.core.request import PlanRequest
from planner.evaluate.checks import cluster_figures
from planner.load.units import NoGpCountsError, read_units
from planner.output.write import write_outputs

CRS = "EPSG:25832"
KM = 1_000.0
runner = CliRunner()


def lattice(n=10, size=KM, patients=1, **columns):
    """An n x n rook lattice of squares, ``u000`` at the south-west corner."""
    cells = [
        shapely.box(500_000 + x * size, 6_200_000 + y * size,
                    500_000 + (x + 1) * size, 6_200_000 + (y + 1) * size)
        for y in range(n) for x in range(n)
    ]  # fmt: skip
    frame = {"clinic_id": [f"u{i:03d}" for i in range(n * n)], "patients": patients, **columns}
    return gpd.GeoDataFrame(frame, geometry=cells, crs=CRS)


def contiguous_by_borders(result) -> bool:
    """Every cluster is connected through shared borders alone (no link, no corner)."""
    borders = nx.Graph((i, j) for i, j, kind in result.graph.edges(data="kind") if kind == "border")
    borders.add_nodes_from(range(len(result.labels)))
    return all(
        nx.is_connected(borders.subgraph(np.flatnonzero(result.labels == c).tolist()))
        for c in np.unique(result.labels[result.labels >= 0])
    )


def test_the_10x10_rook_lattice_plans_the_known_optimum_of_33_valid_regions():
    result = plan(lattice(), min_patients=3, seed=0)
    sizes = result.clusters["patients"].to_numpy()
    assert result.complete and result.unassigned.empty
    assert (sizes >= 3).all() and sizes.sum() == 100
    assert contiguous_by_borders(result)
    assert result.metrics["upper_bound_tight"] == 33
    assert result.n_clusters == 33


def test_queen_contiguity_joins_corners_and_rook_does_not():
    rook = plan(lattice(3), min_patients=3)
    queen = plan(lattice(3), min_patients=3, contiguity="queen")
    assert rook.graph.number_of_edges() == 12 and queen.graph.number_of_edges() == 20
    assert queen.request.contiguity == "queen"
    with pytest.raises(PlannerError, match="contiguity must be one of rook, queen"):
        PlanRequest(contiguity="bishop")


def test_polygons_are_the_territories_and_a_cluster_is_the_union_of_its_units(tmp_path):
    units = lattice(6, patients=1_000, doctors=1, name=[f"Unit {i}" for i in range(36)])
    path = tmp_path / "units.gpkg"
    units.to_file(path)
    result = plan(str(path), min_patients=4_000)
    out = tmp_path / "plan"
    write_outputs(result, out, with_map=True)
    clusters = gpd.read_file(out / "clusters.geojson").to_crs(CRS)
    assignments = pd.read_csv(out / "assignments.csv", dtype=str)
    by_id = units.set_index("clinic_id").geometry
    for _, row in clusters.iterrows():
        members = assignments.loc[assignments["cluster_id"] == row["cluster_id"], "clinic_id"]
        union = shapely.union_all(by_id[members].to_numpy())
        assert row.geometry.symmetric_difference(union).area < 1e-4 * union.area
    assert clusters["patients"].sum() == 36_000 and (clusters["patients"] >= 4_000).all()
    assert "startup_dkk" in clusters.columns  # GP counts given: the per-GP grant too
    points = gpd.read_file(out / "clinics.geojson")
    assert (points.geom_type == "Point").all()  # units are drawn at their points
    assert "unit_shape" not in points.columns
    assert "clusters" in (out / "map.html").read_text(encoding="utf-8")


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_a_shapefile_without_a_crs_needs_crs(tmp_path):
    path = tmp_path / "counties.shp"
    lattice(3, patients=1_000).set_crs(None, allow_override=True).to_file(path)
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(ValidationError) as info:
        plan(str(path), min_patients=3_000)
    message = str(info.value)
    assert str(path) in message and "--crs" in message and "no coordinate reference" in message
    result = plan(str(path), min_patients=3_000, crs=CRS)
    assert result.n_clusters == 3
    # The command line: exit 3 naming the file and the flag, and a bad --crs is a usage error.
    cli = runner.invoke(app, ["plan", str(path), "--out", str(tmp_path / "o"), "--no-map", "-q"])
    assert cli.exit_code == 3 and "--crs" in cli.output and "counties.shp" in cli.output
    cli = runner.invoke(app, ["plan", str(path), "--out", str(tmp_path / "o"), "--crs", "EPSG:0"])
    assert cli.exit_code == 2 and "crs must be" in cli.output


def test_crs_and_contiguity_are_settings_of_the_request_and_the_config(tmp_path):
    request = PlanRequest().with_settings({"crs": "EPSG:32617", "contiguity": "queen"})
    assert request.settings()["crs"] == "EPSG:32617"
    assert request.settings()["contiguity"] == "queen"
    config = tmp_path / "units.toml"
    config.write_text('[input]\ncrs = "EPSG:32617"\ncontiguity = "queen"\n', encoding="utf-8")
    assert load_config(config) == {"crs": "EPSG:32617", "contiguity": "queen"}
    with pytest.raises(PlannerError, match="crs must be"):
        PlanRequest(crs="not a crs")


def test_an_island_unit_is_joined_by_a_link_and_planned():
    units = lattice(3, patients=1_000)
    island = gpd.GeoDataFrame(
        {"clinic_id": ["isle"], "patients": [500]},
        geometry=[shapely.box(520_000, 6_200_000, 521_000, 6_201_000)],
        crs=CRS,
    )
    result = plan(pd.concat([units, island], ignore_index=True), min_patients=3_000)
    assert len(result.links) == 1 and "isle" in set(result.links[["clinic_a", "clinic_b"]].stack())
    assert result.complete  # the island is in a cluster across its link


def test_input_without_gp_counts_or_names_is_planned_weighted_by_patients():
    table = pd.DataFrame(
        {
            "clinic_id": ["a", "b", "c", "d", "e", "f"],
            "lat": [55.0, 55.0, 55.01, 55.01, 55.02, 55.02],
            "lon": [10.0, 10.01, 10.0, 10.01, 10.0, 10.01],
            "patients": [20_000, 15_000, 18_000, 12_000, 1_000, 9_000],
        }
    )
    result = plan(table, min_patients=30_000)
    assert result.complete and result.n_clusters >= 2
    assert (result.clinics["name"] == result.clinics["clinic_id"]).all()  # the id stands in
    assert "doctors" not in result.clinics.columns
    assert "doctors" not in result.clusters.columns and "startup_dkk" not in result.clusters
    assert "budget_dkk" in result.clusters.columns  # per patient: still there
    assert "doctors" not in result.metrics and result.metrics["gp_counts"] is False
    # The GP-weighted figures are weighted by patients.
    xy = np.column_stack([result.clinics.geometry.x, result.clinics.geometry.y])
    patients = result.clinics["patients"].to_numpy()
    for _, row in result.clusters.iterrows():
        nodes = np.flatnonzero(result.clinics["cluster_id"].to_numpy() == row["cluster_id"])
        fig = cluster_figures(nodes, xy, patients, patients)
        assert row["mean_gp_km"] == pytest.approx(round(fig.mean_gp_km, 2))
        assert row["meeting_clinic_id"] == result.clinics["clinic_id"].iloc[fig.meeting]


def test_a_gp_rule_without_gp_counts_is_an_explained_usage_error(tmp_path):
    with pytest.raises(NoGpCountsError, match="--patients-per-gp"):
        plan(lattice(3, patients=1_000), min_patients=3_000, min_doctors=5)
    path = tmp_path / "units.geojson"
    lattice(3, patients=1_000).to_file(path)
    cli = runner.invoke(
        app, ["plan", str(path), "--out", str(tmp_path / "o"), "--min-doctors", "5", "-q"]
    )
    assert cli.exit_code == 2 and "needs GP counts" in cli.output
    assert not (tmp_path / "o").exists()
    # With GPs estimated the rule applies.
    estimated = plan(str(path), min_patients=3_000, min_doctors=5, patients_per_gp=200)
    assert estimated.clusters["doctors"].sum() == 9 * 5


def test_a_plan_without_gp_counts_is_written_without_gp_columns(tmp_path):
    result = plan(lattice(4, patients=1_000), min_patients=3_000)
    out = tmp_path / "plan"
    write_outputs(result, out, with_map=True)
    clusters = gpd.read_file(out / "clusters.geojson")
    assert "doctors" not in clusters.columns and "startup_dkk" not in clusters.columns
    assert "doctors" not in gpd.read_file(out / "clinics.geojson").columns
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "doctors" not in summary["totals"]


def test_a_feature_without_a_polygon_is_a_problem_of_its_row(tmp_path):
    units = lattice(2, patients=1_000)
    units.loc[2, "geometry"] = None
    with pytest.raises(ValidationError, match="row 3: the feature has no polygon"):
        plan(units, min_patients=1_000)


def test_a_point_shapefile_is_read_as_clinics(tmp_path):
    points = lattice(3, patients=1_000, doctors=1)
    points["geometry"] = points.geometry.centroid
    path = tmp_path / "clinics.shp"
    points.to_file(path)
    sheet = read_units(str(path))
    assert sheet is not None and "unit_shape" not in sheet.frame.columns
    assert plan(str(path), min_patients=3_000).n_clusters == 3


def test_topojson_units_are_decoded_quantised_arcs_and_all(tmp_path):
    """Two squares sharing one arc, quantised with a transform and a third value per
    position (as DAGI's sogne.topojson has, which GDAL misreads)."""
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.01, 0.01], "translate": [10.0, 55.0]},
        "arcs": [
            [[100, 0, -999], [0, 100, -999]],  # the shared edge x = 11, south to north
            [[100, 100, -999], [-100, 0], [0, -100], [100, 0]],  # west square, rest
            [[100, 0, -999], [100, 0], [0, 100], [-100, 0]],  # east square, rest
        ],
        "objects": {
            "parishes": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]],
                     "properties": {"clinic_id": "w", "patients": 2_000}},
                    {"type": "Polygon", "arcs": [[2, -1]],
                     "properties": {"clinic_id": "e", "patients": 2_000}},
                ],
            }
        },
    }  # fmt: skip
    path = tmp_path / "two.topojson"
    path.write_text(json.dumps(topology), encoding="utf-8")
    sheet = read_units(str(path))
    assert sheet is not None
    shapes = sheet.frame["unit_shape"]
    assert shapes[0].equals(shapely.box(10, 55, 11, 56)) and shapes[1].equals(
        shapely.box(11, 55, 12, 56)
    )
    result = plan(str(path), min_patients=4_000)
    assert result.n_clusters == 1 and result.graph.has_edge(0, 1)


@pytest.mark.parametrize(("threshold", "bound", "least"), [(100_000, 44, 42), (250_000, 21, 21)])
def test_georgia_counties_from_libpysal_plan_near_the_tight_bound(threshold, bound, least):
    """libpysal's Georgia counties (a Shapefile without .prj: --crs), when it is installed."""
    examples = pytest.importorskip("libpysal.examples")
    path = examples.get_path("G_utm.shp")
    columns = {"patients": "TotPop90", "clinic_id": "AreaKey"}
    result = plan(path, crs="EPSG:32617", columns=columns, min_patients=threshold)
    assert result.complete and result.metrics["upper_bound_tight"] == bound
    assert result.n_clusters >= least  # 0.95 of the bound at least
    assert (result.clusters["patients"] >= threshold).all()
    assert contiguous_by_borders(result)
