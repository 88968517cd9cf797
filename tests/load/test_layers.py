"""A GeoPackage with several layers: the clinics' layer is chosen with ``--layer``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from typer.testing import CliRunner

from planner.cli.app import app
from planner.core.errors import ValidationError
from planner.core.request import PlanRequest
from planner.load.inputs import read_clinics

runner = CliRunner()


def _demo_points() -> gpd.GeoDataFrame:
    table = pd.read_csv("data/demo_clinics.csv", dtype={"clinic_id": str})
    points = gpd.points_from_xy(table["lon"], table["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(table.drop(columns=["lat", "lon"]), geometry=points)


@pytest.fixture()
def two_point_layers(tmp_path: Path) -> Path:
    path = tmp_path / "clinics.gpkg"
    points = _demo_points()
    points.to_file(path, layer="clinics_2025")
    points.iloc[:40].to_file(path, layer="clinics_2019")
    gpd.GeoDataFrame({"name": ["area"]}, geometry=[box(4, 55, 6, 57)], crs=4326).to_file(
        path, layer="study_area"
    )
    return path


def test_two_point_layers_are_refused_naming_them_and_the_flag(two_point_layers: Path) -> None:
    out = two_point_layers.parent / "out"
    result = runner.invoke(app, ["plan", str(two_point_layers), "--out", str(out), "-q"])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "2 point layers (clinics_2025, clinics_2019)" in text and "--layer NAME" in text
    assert not out.exists()


def test_the_layer_flag_chooses_one(two_point_layers: Path) -> None:
    out = two_point_layers.parent / "out"
    result = runner.invoke(
        app,
        ["plan", str(two_point_layers), "--layer", "clinics_2019", "--out", str(out), "-q",
         "--no-map", "--min-patients", "20000"],
    )  # fmt: skip
    assert result.exit_code in (0, 4), result.output
    assert len(pd.read_csv(out / "assignments.csv")) == 40
    assert 'layer = "clinics_2019"' in (out / "config.toml").read_text(encoding="utf-8")


def test_an_unknown_layer_lists_the_layers(two_point_layers: Path) -> None:
    with pytest.raises(ValidationError, match="has no layer 'clinics'; its layers: clinics_2025"):
        read_clinics(two_point_layers, PlanRequest(layer="clinics"))


def test_one_point_layer_beside_polygons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "c.gpkg"
    _demo_points().to_file(path, layer="clinics")
    gpd.GeoDataFrame({"n": [1]}, geometry=[box(4, 55, 6, 57)], crs=4326).to_file(path, layer="a")
    sheet = read_clinics(path, PlanRequest())
    assert len(sheet.frame) == len(pd.read_csv("data/demo_clinics.csv"))
