"""Tests of the embedded demo region (planner.demo.region) and of the committed files in data/."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from planner.demo.region import (
    CLINIC_COLUMNS,
    FILE_NAMES,
    DemoRegion,
    demo_clinics_path,
    demo_sheet,
    load_demo,
    make_demo_region,
    write_demo_region,
)

DATA = Path(__file__).resolve().parents[2] / "data"
THRESHOLD = 30_000


@pytest.fixture(scope="module")
def region() -> DemoRegion:
    return make_demo_region()


def _island_patients(region: DemoRegion) -> dict[str, tuple[int, int]]:
    """Map each island's name to (clinics, patients) on it."""
    c = region.clinics
    out = {}
    for name, kind, geom in region.land[["name", "kind", "geometry"]].itertuples(index=False):
        if kind == "island":
            on = shapely.contains_xy(geom, c["lon"].to_numpy(), c["lat"].to_numpy())
            out[name] = (int(on.sum()), int(c.loc[on, "patients"].sum()))
    return out


def _big_island(region: DemoRegion) -> str:
    islands = region.land[region.land["kind"] == "island"]
    return str(islands.loc[islands.to_crs(25832).area.idxmax(), "name"])


def _land_gaps_km(region: DemoRegion) -> dict[str, float]:
    """Map each land mass to its distance (km) to the nearest other land mass."""
    land = region.land.to_crs(25832)
    gaps = {}
    for i, name in enumerate(land["name"]):
        others = shapely.union_all(land.geometry.drop(land.index[i]).to_numpy())
        gaps[name] = land.geometry.iloc[i].distance(others) / 1000
    return gaps


def test_generation_is_deterministic(region: DemoRegion) -> None:
    again = make_demo_region()
    pd.testing.assert_frame_equal(region.clinics, again.clinics)
    for a, b in ((region.land, again.land), (region.municipalities, again.municipalities)):
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(), 0.0).all()


def test_a_different_seed_gives_a_different_region(region: DemoRegion) -> None:
    assert not region.clinics.equals(make_demo_region(seed=7).clinics)


def test_writing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = write_demo_region(tmp_path / "a")
    second = write_demo_region(tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second] == list(FILE_NAMES)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_committed_files_equal_a_fresh_generation(tmp_path: Path) -> None:
    """data/ must be regenerated with `python -m planner.demo`, never edited by hand."""
    fresh = write_demo_region(tmp_path)
    hint = "data/ is stale or hand-edited: regenerate with `python -m planner.demo`"
    assert (DATA / FILE_NAMES[0]).read_bytes() == fresh[0].read_bytes(), hint
    for path in fresh[1:]:  # GeoJSON compared parsed, so GDAL's whitespace may vary
        committed = json.loads((DATA / path.name).read_text(encoding="utf-8"))
        assert committed == json.loads(path.read_text(encoding="utf-8")), hint


def test_committed_files_read_back_as_the_region(region: DemoRegion) -> None:
    clinics = pd.read_csv(DATA / "demo_clinics.csv", encoding="utf-8")
    pd.testing.assert_frame_equal(clinics, region.clinics)
    for name, frame in zip(FILE_NAMES[1:], (region.land, region.municipalities), strict=True):
        read = gpd.read_file(DATA / name)
        assert read.crs.to_epsg() == 4326
        assert list(read.columns) == list(frame.columns)
        assert read.geom_equals_exact(frame.geometry, 1e-9).all()


def test_files_stay_small() -> None:
    for name in FILE_NAMES:
        assert (DATA / name).stat().st_size < 300_000, name


def test_schema(region: DemoRegion) -> None:
    assert tuple(region.clinics.columns) == CLINIC_COLUMNS
    assert list(region.land.columns) == ["name", "kind", "geometry"]
    assert list(region.municipalities.columns) == ["municipality", "region", "geometry"]
    assert region.land.crs.to_epsg() == region.municipalities.crs.to_epsg() == 4326
    assert set(region.land["kind"]) == {"mainland", "island"}
    assert (region.land["kind"] == "mainland").sum() == 1
    assert (region.land.geom_type == "Polygon").all()
    assert region.land.is_valid.all() and region.municipalities.is_valid.all()
    assert region.municipalities["municipality"].is_unique
    assert set(region.municipalities["region"]) == {"Region Nord", "Region Syd"}


def test_ids_are_unique_and_well_formed(region: DemoRegion) -> None:
    ids = region.clinics["clinic_id"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"DEMO\d{4}").all()


def test_municipalities_tile_the_land(region: DemoRegion) -> None:
    munis = region.municipalities.geometry.to_numpy()
    assert shapely.coverage_is_valid(munis)
    land = shapely.union_all(region.land.geometry.to_numpy())
    assert shapely.union_all(munis).symmetric_difference(land).area == pytest.approx(0.0, abs=1e-12)
    assert sum(shapely.area(munis)) == pytest.approx(land.area, rel=1e-9)
    # no stray fragments: one piece per mainland municipality plus one per island
    mainland = region.land.loc[region.land["kind"] == "mainland", "geometry"].iloc[0]
    on_mainland = shapely.area(shapely.intersection(munis, mainland)) > 0
    n_islands = (region.land["kind"] == "island").sum()
    assert len(shapely.get_parts(munis)) == on_mainland.sum() + n_islands


def test_clinics_lie_on_land_in_their_own_municipality(region: DemoRegion) -> None:
    c = region.clinics
    x, y = c["lon"].to_numpy(), c["lat"].to_numpy()
    land = shapely.union_all(region.land.geometry.to_numpy())
    assert shapely.contains_xy(land, x, y).all()
    munis = region.municipalities.set_index("municipality")
    assert set(c["municipality"]) <= set(munis.index)
    for name, rows in c.groupby("municipality"):
        geom = munis.loc[name, "geometry"]
        assert shapely.contains_xy(geom, rows["lon"].to_numpy(), rows["lat"].to_numpy()).all()
        assert (rows["region"] == munis.loc[name, "region"]).all()


def test_patients_and_doctors(region: DemoRegion) -> None:
    c = region.clinics
    assert c["patients"].between(400, 16_000).all()
    assert (c["doctors"] >= 1).all()
    expected = np.maximum(1, np.floor(c["patients"] / 1_600 + 0.5)).astype(int)
    assert (c["doctors"] == expected).all()
    assert 2_000 <= c["patients"].median() <= 4_000
    assert 220 <= len(c) <= 320
    assert 800_000 <= c["patients"].sum() <= 1_000_000


def test_big_island_can_be_its_own_cluster(region: DemoRegion) -> None:
    clinics, patients = _island_patients(region)[_big_island(region)]
    assert 12 <= clinics <= 18
    assert patients >= THRESHOLD
    land = region.land.to_crs(25832).set_index("name")
    mainland = land.loc[land["kind"] == "mainland", "geometry"].iloc[0]
    assert 10 <= land.loc[_big_island(region), "geometry"].distance(mainland) / 1000 <= 25


def test_small_islands_must_join_across_water(region: DemoRegion) -> None:
    big = _big_island(region)
    small = {k: v for k, v in _island_patients(region).items() if k != big}
    assert 2 <= len(small) <= 3
    gaps = _land_gaps_km(region)
    for name, (clinics, patients) in small.items():
        assert 1 <= clinics <= 3, name
        assert 1_500 <= patients < THRESHOLD, name
        assert 3 <= gaps[name] <= 15, name


def test_some_clinics_share_a_site(region: DemoRegion) -> None:
    assert region.clinics.duplicated(["lat", "lon"]).any()


@pytest.mark.parametrize("seed", [0, 1])
def test_other_seeds_keep_the_invariants(seed: int) -> None:
    other = make_demo_region(seed)
    test_municipalities_tile_the_land(other)
    test_clinics_lie_on_land_in_their_own_municipality(other)
    test_small_islands_must_join_across_water(other)
    assert _island_patients(other)[_big_island(other)][1] >= THRESHOLD


def test_readme_states_the_current_totals(region: DemoRegion) -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    c = region.clinics
    assert f"{len(c)} clinics, {c['patients'].sum():,} patients, {c['doctors'].sum()} GPs" in readme


def test_load_demo_reads_the_committed_table_as_text(region: DemoRegion) -> None:
    assert demo_clinics_path() == DATA / "demo_clinics.csv"
    table = load_demo()
    assert tuple(table.columns) == CLINIC_COLUMNS
    assert demo_sheet().source == str(demo_clinics_path())
    assert (table["clinic_id"] == region.clinics["clinic_id"]).all()
    assert (table["patients"].astype(int) == region.clinics["patients"]).all()


def test_load_demo_generates_when_the_file_is_missing(
    region: DemoRegion, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("planner.demo.region.demo_clinics_path", lambda: tmp_path / "absent.csv")
    table = load_demo()
    assert tuple(table.columns) == CLINIC_COLUMNS
    assert (table["lat"].astype(float) == region.clinics["lat"]).all()
